"""Every table, one module per topic, re-exported here so callers keep one import
(`from training.models import Booking`). Times are aware UTC; shown in UK time by the
adapters.

people.py      one staff record per person, the department-to-team map
sessions.py    courses, sessions, bookings, seat offers, each session's calendar event
attendance.py  Teams reports, each person's result on a session, completions
elearning.py   the Home Office e-learning's claims and certificates
governance.py  boards, their leads and the updates delivered
feedback.py    who was asked for feedback, and what they answered
messages.py    conversations, the outbox, the tenant's pace, download files, handled requests
audit.py       the audit log
"""

from training.models.attendance import (
    AttendanceRecordCopy,
    AttendanceReportCopy,
    AttendanceRole,
    AttendanceSync,
    Completion,
    CompletionSource,
    Decision,
    Resolution,
    SessionAttendance,
    SyncState,
)
from training.models.audit import (
    AuditEntry,
)
from training.models.elearning import (
    OPEN_CLAIM_SQL,
    OPEN_CLAIM_STATUSES,
    ClaimStatus,
    ElearningClaim,
    StoredCertificate,
)
from training.models.feedback import (
    FeedbackRequest,
    FeedbackResponse,
)
from training.models.governance import (
    Board,
    BoardFrequency,
    BoardKind,
    BoardLead,
    BoardUpdate,
)
from training.models.messages import (
    ConversationReference,
    DeliveryBlock,
    ExportDownload,
    HandledRequest,
    OutboxMessage,
    OutboxState,
    TenantPace,
)
from training.models.people import (
    Staff,
    TeamMapping,
)
from training.models.sessions import (
    LIVE_BOOKING_STATUSES,
    SEATED_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    CalendarInvite,
    CalendarState,
    CalendarSync,
    Course,
    Delivery,
    OfferState,
    SeatOffer,
    Session,
    SessionFacilitator,
    SessionStatus,
)

__all__ = [
    "LIVE_BOOKING_STATUSES",
    "OPEN_CLAIM_SQL",
    "OPEN_CLAIM_STATUSES",
    "SEATED_BOOKING_STATUSES",
    "AttendanceRecordCopy",
    "AttendanceReportCopy",
    "AttendanceRole",
    "AttendanceSync",
    "AuditEntry",
    "Board",
    "BoardFrequency",
    "BoardKind",
    "BoardLead",
    "BoardUpdate",
    "Booking",
    "BookingStatus",
    "CalendarInvite",
    "CalendarState",
    "CalendarSync",
    "ClaimStatus",
    "Completion",
    "CompletionSource",
    "ConversationReference",
    "Course",
    "Decision",
    "Delivery",
    "DeliveryBlock",
    "ElearningClaim",
    "ExportDownload",
    "FeedbackRequest",
    "FeedbackResponse",
    "HandledRequest",
    "OfferState",
    "OutboxMessage",
    "OutboxState",
    "Resolution",
    "SeatOffer",
    "Session",
    "SessionAttendance",
    "SessionFacilitator",
    "SessionStatus",
    "Staff",
    "StoredCertificate",
    "SyncState",
    "TeamMapping",
    "TenantPace",
]
