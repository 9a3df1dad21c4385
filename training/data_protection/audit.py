"""The audit trail: one call per coordinator action, view or export."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.models import AuditEntry, Staff


def record(
    db: DbSession,
    actor_staff_id: int | None,
    action: str,
    now: datetime,
    *,
    subject: str = "",
    detail: str = "",
) -> None:
    """Write one entry in the caller's transaction, so it stands or falls with the action."""
    db.add(
        AuditEntry(
            at=now,
            actor_staff_id=actor_staff_id,
            action=action[:80],
            subject=subject[:200],
            detail=detail[:2000],
        )
    )


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    subject: str
    detail: str

    @property
    def sentence(self) -> str:
        return sentence(self.actor, self.action, self.subject)

    @property
    def did(self) -> str:
        """What the actor did: 'viewed the roster of session 12'."""
        return what_was_done(self.action, self.subject)


def recent(
    db: DbSession, viewer_staff_id: int | None, now: datetime, limit: int = 30
) -> list[AuditLine]:
    """The newest entries, with who did each; looking is itself recorded."""
    rows = db.exec(
        select(AuditEntry, Staff)
        .join(Staff, col(AuditEntry.actor_staff_id) == col(Staff.id), isouter=True)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    ).all()
    record(db, viewer_staff_id, "audit.view", now)
    return [
        AuditLine(
            entry.at,
            staff.display_name if staff else "the system",
            entry.action,
            entry.subject,
            entry.detail,
        )
        for entry, staff in rows
    ]


# Every code the code records, as what the person did; `{subject}` is the entry's subject
# ("session 12", "board 3", "claim 9", a period or an email). tests/training/test_audit_words.py
# checks that every code passed to `record` anywhere has a sentence here.
SENTENCES = {
    "attendance.assign": "matched an attendee of {subject} to a member of staff",
    "attendance.guest": "marked an attendee of {subject} as a guest",
    "attendance.unmatched.view": "viewed the unmatched attendees",
    "attendance.sync": "read Teams attendance for {subject}",
    "attendance.view": "viewed the attendance of {subject}",
    "audit.view": "viewed the audit log",
    "board.change": "changed {subject}",
    "board.create": "added {subject}",
    "board.delivered": "recorded an update delivered to {subject}",
    # a file, by its format (.csv, .xlsx, .docx, .md): '*' stands for the format
    "export.*": "saved the figures for {subject} as a file",
    "export.download": "downloaded the file for {subject} from its link",
    "link.reused": "had their download link for {subject} opened again (refused: links work once)",
    "export.offer.*": "was offered the figures for {subject} as a file",
    "export.offer.roster.*": "was offered the roster of {subject} as a file",
    "export.roster.*": "saved the roster of {subject} as a file",
    "deliveries.failed.view": "viewed the failed deliveries",
    "deliveries.retry": "tried a failed delivery again ({subject})",
    "elearning.certificate.view": "viewed the e-learning certificate on {subject}",
    "elearning.chase": "chased the manager on e-learning {subject}",
    "elearning.confirm": "confirmed e-learning {subject}",
    "elearning.manager.approved": "approved the manager named on e-learning {subject}",
    "elearning.manager.named": "named their manager on e-learning {subject}",
    "elearning.manager.refused": "said the manager named on e-learning {subject} is not theirs",
    "elearning.pending.view": "viewed the e-learning waiting for managers",
    "elearning.reject": "turned down e-learning {subject}",
    "feedback.view": "viewed the feedback on {subject}",
    "reminders.view": "viewed the reminders for the {subject}",
    "register.correct": "corrected the register of {subject} after it closed to facilitators",
    "register.mark": "changed the register of {subject}",
    "register.view": "viewed the register of {subject}",
    "register.walk_in": "added a walk-in to the register of {subject}",
    "report.view": "viewed the Prevent report for {subject}",
    "retention.run": "removed or anonymised old records from {subject}",
    "session.cancel": "cancelled {subject}",
    "session.create": "put on {subject}",
    "session.edit": "changed {subject}",
    "session.facilitator.add": "named a facilitator of {subject}",
    "session.facilitator.remove": "took a facilitator off {subject}",
    "session.facilitators": "named the facilitators of {subject}",
    "session.message": "wrote to the people on {subject}",
    "session.roster.view": "viewed the roster of {subject}",
    "session.teams_meeting": "made the Teams meeting for {subject}",
    "staff.email_moved": "moved an email address to a new account ({subject})",
    "team.cleared": "cleared the team of {subject}",
    "team.directory": "took the team of {subject} from the staff directory",
    "team.directory_refresh": "read teams from the staff directory",
    "team.import": "imported teams from a file",
    "team.set": "set the team of {subject}",
    "team_map.removed": "removed the team mapping for {subject}",
    "team_map.set": "mapped the department {subject} to a team",
    "totals.view": "viewed the totals for {subject}",
}


def _by_prefix(action: str) -> str | None:
    """The sentence of the longest 'code.*' that `action` starts with ('export.offer.csv')."""
    starts = [key for key in SENTENCES if key.endswith("*") and action.startswith(key[:-1])]
    return SENTENCES[max(starts, key=len)] if starts else None


def what_was_done(action: str, subject: str) -> str:
    """An entry's code as what was done: 'viewed the roster of session 12'. A code with no
    sentence (written by an older or newer version) is still shown, as it was stored."""
    pattern = SENTENCES.get(action) or _by_prefix(action)
    if pattern is None:
        return f"did '{action}'" + (f" ({subject})" if subject else "")
    return pattern.format(subject=subject or "something")


def sentence(actor: str, action: str, subject: str) -> str:
    """An audit entry as a sentence: 'Pat Coordinator viewed the roster of session 12'."""
    return f"{actor[:1].upper()}{actor[1:]} {what_was_done(action, subject)}"
