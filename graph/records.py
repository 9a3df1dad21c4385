"""Our own plain records of what Graph said: nothing above graph/ sees kiota types."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TeamsMeeting:
    """A calendar event with a Teams meeting, on the organiser's mailbox."""

    event_id: str
    join_url: str | None
    transaction_id: str | None


@dataclass(frozen=True)
class OnlineMeeting:
    id: str
    join_url: str | None
    subject: str | None


@dataclass(frozen=True)
class AttendanceReport:
    """One report (one sitting of a meeting); `raw` is exactly what Graph sent."""

    id: str
    meeting_start: datetime | None
    meeting_end: datetime | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class RecordPage:
    """One page of attendance records as Graph sent them, and the absolute link to the next."""

    records: list[dict[str, Any]]
    next_link: str | None


@dataclass(frozen=True)
class DirectoryUser:
    id: str
    display_name: str
    email: str | None
    department: str | None


@dataclass(frozen=True)
class GroupMember:
    """A user in an Entra group (directly or through a nested group)."""

    id: str
    mail: str | None
    user_principal_name: str | None


@dataclass(frozen=True)
class DirectoryDepartment:
    """A user in the directory and their department (None: Entra ID has none for them)."""

    id: str
    mail: str | None
    user_principal_name: str | None
    department: str | None
