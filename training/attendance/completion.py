"""The completion rule: who attended how much of a session, read from Teams attendance records,
and whether that was enough (`CompletionPolicy`, the one place "who completed" is decided).

Records arrive as Graph's JSON (`attendanceRecord`), one per person per report; a meeting can
have several reports and a person several intervals (re-joins) per report. Time is counted once:
intervals are clipped to the session's scheduled time and merged before they are summed, so
overlapping intervals, duplicate records and a person seen in two reports never count twice.
"""

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass
class PersonTime:
    """Everything read about one person across all reports of one session."""

    key: str
    aad_object_id: str | None
    email: str | None
    display_name: str
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    data_gaps: bool = False
    # Teams' roles for them ("Organizer", "Presenter", "Attendee"), over every record.
    roles: set[str] = field(default_factory=set)
    # The tenants their records name (lower case; "" for a record naming none).
    tenants: set[str] = field(default_factory=set)

    @property
    def name_only(self) -> bool:
        return self.key.startswith("record:")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def identity_of(record: dict[str, Any]) -> tuple[str | None, str | None, str]:
    """(Entra object id, email in lower case, display name) of a record; any may be missing."""
    found = record.get("identity")
    identity: dict[str, Any] = found if isinstance(found, dict) else {}
    aad = _text(identity.get("id"))
    email = _text(record.get("emailAddress"))
    name = _text(identity.get("displayName")) or email or "Unknown guest"
    return (aad.lower() if aad else None, email.lower() if email else None, name)


def intervals_of(record: dict[str, Any]) -> tuple[list[tuple[datetime, datetime]], bool]:
    """The record's intervals as (join, leave); the flag says a time was missing.

    A missing join or leave is rebuilt from `durationInSeconds` when that is positive; with
    neither, the interval is left out rather than guessed (and flagged, so a person can look).
    """
    found: list[tuple[datetime, datetime]] = []
    gaps = False
    raw = record.get("attendanceIntervals")
    for interval in raw if isinstance(raw, list) else []:
        if not isinstance(interval, dict):
            continue
        join = parse_time(interval.get("joinDateTime"))
        leave = parse_time(interval.get("leaveDateTime"))
        duration = interval.get("durationInSeconds")
        seconds = duration if isinstance(duration, int) and duration > 0 else 0
        if join and leave is None and seconds:
            leave = join + timedelta(seconds=seconds)
        elif leave and join is None and seconds:
            join = leave - timedelta(seconds=seconds)
        if join is None or leave is None:
            gaps = True
            continue
        if leave > join:
            found.append((join, leave))
    return found, gaps


def merged_seconds(
    intervals: Iterable[tuple[datetime, datetime]], window_start: datetime, window_end: datetime
) -> int:
    """Seconds covered by the intervals inside the window, each moment counted once."""
    clipped = sorted(
        (max(start, window_start), min(end, window_end))
        for start, end in intervals
        if end > window_start and start < window_end
    )
    total = 0.0
    current_start: datetime | None = None
    current_end: datetime | None = None
    for start, end in clipped:
        if current_end is None or start > current_end:
            if current_start is not None and current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_start is not None and current_end is not None:
        total += (current_end - current_start).total_seconds()
    return int(total)


def required_seconds(starts_at: datetime, ends_at: datetime, percent: int) -> int:
    """The attendance needed to complete: `percent` of the scheduled time, rounded up."""
    scheduled = (ends_at - starts_at).total_seconds()
    return math.ceil(scheduled * percent / 100)


@dataclass(frozen=True)
class CompletionPolicy:
    """Who completed a session: whoever attended at least the course's share of its scheduled
    time (`Course.completion_threshold_percent`), or `default_percent` of it when the course
    sets none. Built once from the settings; the Teams results and the register both ask it."""

    default_percent: int = 75
    # The council's own tenant: only its directory vouches for the email a record carries, so
    # only its records are matched to staff by email. None: not configured (local mode only).
    home_tenant: str | None = None

    def vouches_for_email(self, tenants: set[str]) -> bool:
        """Whether records from `tenants` may be matched to staff by their email: each of them
        from the home tenant (a record naming no tenant, or another's, is vouched for by nobody)."""
        if self.home_tenant is None:
            return True
        return bool(tenants) and tenants == {self.home_tenant.lower()}

    def seconds_needed(
        self, starts_at: datetime, ends_at: datetime, course_percent: int | None
    ) -> int:
        """The attendance a person needs on a session of a course with `course_percent`."""
        return required_seconds(starts_at, ends_at, course_percent or self.default_percent)

    @staticmethod
    def completed(attended_seconds: int, needed_seconds: int) -> bool:
        return attended_seconds >= needed_seconds


def tenant_of(record: dict[str, Any]) -> str:
    """The tenant a record names, in lower case ("" for none)."""
    found = record.get("identity")
    tenant = _text(found.get("tenantId")) if isinstance(found, dict) else None
    return tenant.lower() if tenant else ""


def record_key(raw: dict[str, Any]) -> str:
    """A record's own id, or (for a record without one) a digest of its content."""
    record_id = raw.get("id")
    if isinstance(record_id, str) and record_id:
        return record_id[:300]
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    return f"sha256:{digest}"


def gather(records: Iterable[dict[str, Any]]) -> dict[str, PersonTime]:
    """Group records by person: by Entra id, else by email, else (no id, no email) one person
    per record: two anonymous guests, or two "iPhone"s, are never taken for one person.

    A record carrying both an id and an email ties that email to the id, so the same person
    seen by email alone in another report is still one person. (A record with only an id and
    another with only an email are joined later, when both match the same staff record.)
    """
    records = list(records)
    email_to_aad: dict[str, str] = {}
    for record in records:
        aad, email, _ = identity_of(record)
        if aad and email:
            email_to_aad.setdefault(email, aad)
    people: dict[str, PersonTime] = {}
    for record in records:
        aad, email, name = identity_of(record)
        aad = aad or (email_to_aad.get(email) if email else None)
        if aad:
            key = f"aad:{aad}"
        elif email:
            key = f"email:{email}"
        else:
            key = f"record:{record_key(record)}"
        person = people.get(key)
        if person is None:
            person = people[key] = PersonTime(key, aad, email, name)
        person.email = person.email or email
        if person.display_name == "Unknown guest":
            person.display_name = name
        role = record.get("role")
        if isinstance(role, str) and role:
            person.roles.add(role)
        person.tenants.add(tenant_of(record))
        intervals, gaps = intervals_of(record)
        person.intervals += intervals
        person.data_gaps = person.data_gaps or gaps
    return people
