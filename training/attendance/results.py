"""A session's results, recomputed from every complete Teams report we hold: the one source of
truth for who attended, completed, did not come, walked in, was a guest or ran the session.

Every record is grouped by person (Entra id, else email, else one name-only record alone);
people who resolve to the same staff record (by Entra id or email, or a coordinator's
assignment) are one person: their intervals are merged, then the course's threshold applied.
The meeting's organiser (the bot's mailbox) and the facilitators named on the session by
Entra id or email are recorded as facilitators; a Teams role or a name makes nobody one. Bookings,
walk-ins and the session's completions are then derived from these rows alone, so running it
again, or resolving one attendee, changes nobody else's result.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from database.columns import cut, cut_or_none
from training.attendance.completion import CompletionPolicy, PersonTime, gather, merged_seconds
from training.models import (
    SEATED_BOOKING_STATUSES,
    AttendanceRecordCopy,
    AttendanceReportCopy,
    AttendanceRole,
    AttendanceSync,
    Booking,
    BookingStatus,
    Completion,
    CompletionSource,
    Course,
    Decision,
    Resolution,
    Session,
    SessionAttendance,
    SessionFacilitator,
    SessionStatus,
    Staff,
)

MANUAL = (Resolution.ASSIGNED, Resolution.GUEST)


@dataclass(frozen=True)
class Facilitators:
    """Who runs a session: the organiser's mailbox (object id or UPN) and the facilitators
    named on the session (`SessionFacilitator`: their staff records' Entra ids and emails).
    A name, or a role Teams gave (everyone is a presenter when anyone may present), says
    nothing about who someone is."""

    ids: frozenset[str]
    emails: frozenset[str]

    @classmethod
    def of(cls, db: DbSession, session: Session, organiser: str) -> "Facilitators":
        named = db.exec(
            select(Staff.aad_object_id, Staff.email)
            .join(SessionFacilitator, col(SessionFacilitator.staff_id) == col(Staff.id))
            .where(SessionFacilitator.session_id == session.id)
        ).all()
        mailbox = organiser.strip().casefold()
        ids = {a.casefold() for a, _ in named if a} | ({mailbox} if "@" not in mailbox else set())
        emails = {e.casefold() for _, e in named if e} | ({mailbox} if "@" in mailbox else set())
        return cls(frozenset(ids - {""}), frozenset(emails))

    def include(self, people: Iterable[PersonTime], staff: Staff | None, vouched: bool) -> bool:
        """Whether one of `people` (or their staff record) is named: by Entra id, or by an
        email the home tenant vouched for (`vouched`)."""
        for person in people:
            if person.aad_object_id and person.aad_object_id in self.ids:
                return True
            if vouched and person.email and person.email in self.emails:
                return True
        if staff is not None:
            if staff.aad_object_id and staff.aad_object_id.casefold() in self.ids:
                return True
            if staff.email and staff.email.casefold() in self.emails:
                return True
        return False


def seconds_needed(db: DbSession, session: Session, completion: CompletionPolicy) -> int:
    """The attendance a person needs on `session` to complete it, by its course's threshold."""
    course = db.get(Course, session.course_id)
    percent = course.completion_threshold_percent if course else None
    return completion.seconds_needed(session.starts_at, session.ends_at, percent)


def _matches(
    db: DbSession, aads: set[str], emails: set[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Staff ids by lower-case Entra id and by lower-case email, in two queries."""
    by_aad: dict[str, int] = {}
    by_email: dict[str, int] = {}
    if aads:
        for staff_id, aad in db.exec(
            select(Staff.id, Staff.aad_object_id).where(
                func.lower(Staff.aad_object_id).in_(sorted(aads))
            )
        ).all():
            if staff_id is not None and aad:
                by_aad[aad.lower()] = staff_id
    if emails:
        for staff_id, email in db.exec(
            select(Staff.id, Staff.email)
            .where(func.lower(Staff.email).in_(sorted(emails)))
            .order_by(col(Staff.id))
        ).all():
            if staff_id is not None and email:
                by_email.setdefault(email.lower(), staff_id)
    return by_aad, by_email


def identity_keys(row: SessionAttendance) -> list[str]:
    return [k for k in (row.identity_keys or row.person_key).splitlines() if k]


def has_reports(db: DbSession, session: Session) -> bool:
    """Whether any report of the session has been read to its end (recomputing needs one)."""
    return bool(
        db.exec(
            select(func.count())
            .select_from(AttendanceReportCopy)
            .where(
                AttendanceReportCopy.session_id == session.id, col(AttendanceReportCopy.complete)
            )
        ).one()
    )


def _records(db: DbSession, session: Session) -> list[dict[str, object]] | None:
    """Every record of the session's complete reports; None when no report is complete."""
    if not has_reports(db, session):
        return None
    session_id = session.id
    raws = db.exec(
        select(AttendanceRecordCopy.raw_json)
        .join(AttendanceReportCopy)
        .where(AttendanceReportCopy.session_id == session_id, col(AttendanceReportCopy.complete))
        .order_by(col(AttendanceRecordCopy.id))
    ).all()
    return [json.loads(raw) for raw in raws]


@dataclass
class _Person:
    """People (identities) found to be one person, and how they were found to be."""

    members: list[PersonTime]
    staff_id: int | None
    resolution: str | None
    manual: SessionAttendance | None  # the row whose coordinator's answer this follows

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.members]


def _people(
    db: DbSession,
    found: dict[str, PersonTime],
    rows: list[SessionAttendance],
    completion: CompletionPolicy,
) -> list[_Person]:
    """Identities resolved to staff (a coordinator's answer first, then Entra id, then
    email when the home tenant vouches for it) and grouped: everyone resolving to one staff
    record is one person. Another tenant's record carrying a council address stays unmatched:
    that tenant's administrator chose the address."""
    manual: dict[str, SessionAttendance] = {}
    for row in rows:
        if row.resolution in MANUAL and row.staff_id is not None:
            for key in identity_keys(row):
                manual[key] = row
    by_aad, by_email = _matches(
        db,
        {p.aad_object_id for p in found.values() if p.aad_object_id},
        {p.email for p in found.values() if p.email},
    )
    grouped: dict[object, _Person] = {}
    for person in sorted(found.values(), key=lambda p: p.key):
        answer = manual.get(person.key)
        if answer is None and person.name_only:
            # Read before records were kept apart: a name-only row was keyed by its name.
            answer = manual.get(f"name:{person.display_name.lower()}")
        if answer is not None:
            staff_id, resolution = answer.staff_id, answer.resolution
        else:
            staff_id = by_aad.get(person.aad_object_id or "")
            if staff_id is None and completion.vouches_for_email(person.tenants):
                staff_id = by_email.get(person.email or "")
            resolution = Resolution.MATCHED if staff_id is not None else None
        group = ("staff", staff_id) if staff_id is not None else ("key", person.key)
        into = grouped.get(group)
        if into is None:
            grouped[group] = _Person([person], staff_id, resolution, answer)
        else:
            into.members.append(person)
            if answer is not None and into.manual is None:
                into.manual, into.resolution = answer, answer.resolution
    return list(grouped.values())


def _claim(
    rows: list[SessionAttendance], people: list[_Person], session_id: int, now: datetime
) -> list[SessionAttendance]:
    """The row that already stands for each person (so its id, used on cards, stays): first
    the row keyed by one of their identities, then one holding any of them, then their staff
    record's; a new row for anyone else."""
    chosen: dict[int, SessionAttendance] = {}
    free = list(rows)
    tests = (
        lambda p, r: r.person_key in p.keys,
        lambda p, r: bool(set(p.keys) & set(identity_keys(r))),
        lambda p, r: p.staff_id is not None and r.staff_id == p.staff_id,
    )
    for test in tests:
        for index, person in enumerate(people):
            if index in chosen:
                continue
            row = next((r for r in free if test(person, r)), None)
            if row is not None:
                chosen[index] = row
                free.remove(row)
    return [
        chosen.get(i)
        or SessionAttendance(session_id=session_id, person_key=p.keys[0], updated_at=now)
        for i, p in enumerate(people)
    ]


def _role(
    person: _Person,
    staff: Staff | None,
    seated: set[int],
    facilitators: Facilitators,
    vouched: bool,
) -> AttendanceRole:
    """A person holding a seat came to be trained, whatever Teams called them. Otherwise the
    organiser's mailbox and the facilitators named on the session run it; a Teams role grants
    nothing (Teams makes everyone a presenter when anyone may present), so an unbooked
    presenter is a walk-in like anyone else."""
    booked = person.staff_id is not None and person.staff_id in seated
    if not booked and facilitators.include(person.members, staff, vouched):
        return AttendanceRole.FACILITATOR
    if person.resolution == Resolution.GUEST or (
        staff is not None and "guest" in staff.roles.split(",")
    ):
        return AttendanceRole.GUEST
    return AttendanceRole.ATTENDEE


def _seated(db: DbSession, session_id: int) -> set[int]:
    return set(
        db.exec(
            select(Booking.staff_id).where(
                Booking.session_id == session_id,
                col(Booking.status).in_(SEATED_BOOKING_STATUSES),
            )
        ).all()
    )


def recompute(db: DbSession, session: Session, now: datetime, completion: CompletionPolicy) -> None:
    """Figures for one session from every complete report we hold; safe to run again. With no
    complete report there is nothing to recompute from: the rows stand and only what derives
    from them is settled."""
    assert session.id is not None
    rows = list(
        db.exec(
            select(SessionAttendance)
            .where(SessionAttendance.session_id == session.id)
            .order_by(col(SessionAttendance.id))
        ).all()
    )
    records = _records(db, session)
    if records is None:
        settle_bookings_and_completions(db, session, rows, now, reported=False)
        return
    needed = seconds_needed(db, session, completion)
    sync = db.exec(select(AttendanceSync).where(AttendanceSync.session_id == session.id)).first()
    facilitators = Facilitators.of(db, session, sync.organiser if sync else "")
    people = _people(db, gather(records), rows, completion)
    staff = {
        s.id: s
        for s in db.exec(
            select(Staff).where(
                col(Staff.id).in_([p.staff_id for p in people if p.staff_id is not None])
            )
        ).all()
    }
    seated = _seated(db, session.id)
    claimed = _claim(rows, people, session.id, now)
    unclaimed = [r for r in rows if all(r is not c for c in claimed)]
    # A register decision stands on its own: nobody in a report is no reason to drop it.
    kept = [r for r in unclaimed if r.decision is not None]
    gone = [r.id for r in unclaimed if r.id is not None and r.decision is None]
    if gone:
        # Merged into another person, or in no report any more: nothing stands behind them.
        db.execute(delete(SessionAttendance).where(col(SessionAttendance.id).in_(gone)))
    for person, row in zip(people, claimed, strict=True):
        first = person.members[0]
        named = next((m for m in person.members if m.display_name != "Unknown guest"), first)
        seconds = merged_seconds(
            [i for m in person.members for i in m.intervals], session.starts_at, session.ends_at
        )
        vouched = completion.vouches_for_email({t for m in person.members for t in m.tenants})
        role: str = _role(person, staff.get(person.staff_id or -1), seated, facilitators, vouched)
        completed = completion.completed(seconds, needed)
        if row.decision is not None:  # decided by hand: Teams' figures are kept beside it
            role, completed = decided_role(row.decision, role), row.decision == Decision.PRESENT
        values = {
            "session_id": session.id,
            "identity_keys": "\n".join(person.keys),
            "staff_id": person.staff_id,
            "resolution": person.resolution,
            "role": role,
            "display_name": cut(named.display_name, SessionAttendance.display_name),
            "email": cut_or_none(
                next((m.email for m in person.members if m.email), None), SessionAttendance.email
            ),
            "attended_seconds": seconds,
            "required_seconds": needed,
            "completed": completed,
            "data_gaps": any(m.data_gaps for m in person.members),
        }
        if person.manual is not None and person.manual is not row:
            values["resolved_by_staff_id"] = person.manual.resolved_by_staff_id
            values["resolved_at"] = person.manual.resolved_at
        if row.id is None or any(getattr(row, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            db.add(row)
    db.flush()
    settle_bookings_and_completions(db, session, claimed + kept, now)


def decided_role(decision: str, role: str) -> str:
    """The role a register decision leaves a person in: absent is never attended; present or
    left early keeps the role they came in (attendee or guest)."""
    if decision == Decision.ABSENT:
        return AttendanceRole.ABSENT
    return AttendanceRole.ATTENDEE if role == AttendanceRole.ABSENT else role


def counted(row: SessionAttendance) -> bool:
    """Attended, in every figure: recorded as attending, with a staff record (booked or
    walk-in); never a guest, a facilitator or someone still unmatched."""
    return row.staff_id is not None and row.role == AttendanceRole.ATTENDEE


def settle_bookings_and_completions(
    db: DbSession,
    session: Session,
    rows: list[SessionAttendance],
    now: datetime,
    *,
    reported: bool = True,
) -> None:
    """Everything derived from the session's attendance `rows`, and from nothing else:
    bookings to attended or no-show, walk-ins marked, and the session's completions exactly
    those of the people (staff or guests) who met the threshold (or whom the register says
    were present). Without a Teams report (`reported` False: an in-person session, or one
    whose report has not come) only the register speaks: a booking nobody has recorded yet
    stays booked, never a no-show."""
    assert session.id is not None
    # In a report at all means they came, even when Teams lost their times (`data_gaps`).
    present = {r.staff_id for r in rows if counted(r)}
    recorded = {r.staff_id for r in rows if r.staff_id is not None}
    bookings = db.exec(
        select(Booking).where(
            Booking.session_id == session.id, col(Booking.status).in_(SEATED_BOOKING_STATUSES)
        )
    ).all()
    booked = {b.staff_id for b in bookings}
    for booking in bookings:
        status = BookingStatus.ATTENDED if booking.staff_id in present else BookingStatus.NO_SHOW
        if not reported and booking.staff_id not in recorded:
            status = BookingStatus.BOOKED
        if booking.status != status:
            booking.status, booking.updated_at = status, now
            db.add(booking)
    for row in rows:
        walk_in = counted(row) and row.staff_id not in booked
        if row.walk_in != walk_in:
            row.walk_in, row.updated_at = walk_in, now
            db.add(row)
    _settle_completions(db, session, rows, now)
    if session.status == SessionStatus.SCHEDULED:
        session.status = SessionStatus.DELIVERED
        db.add(session)
    db.flush()


def _settle_completions(
    db: DbSession, session: Session, rows: list[SessionAttendance], now: datetime
) -> None:
    wanted = {
        r.staff_id: r
        for r in rows
        if r.staff_id is not None and r.completed and r.role != AttendanceRole.FACILITATOR
    }
    recorded = db.exec(select(Completion).where(Completion.session_id == session.id)).all()
    for completion in recorded:
        row = wanted.pop(completion.staff_id, None)
        if row is None:
            db.delete(completion)  # recorded another way, or no longer borne out by the rows
        elif completion.attended_seconds != _measured(row):
            completion.attended_seconds = _measured(row)
            db.add(completion)
    for staff_id, row in wanted.items():
        db.add(
            Completion(
                staff_id=staff_id,
                course_id=session.course_id,
                session_id=session.id,
                source=CompletionSource.ATTENDANCE,
                completed_at=session.ends_at,
                attended_seconds=_measured(row),
                recorded_at=now,
            )
        )


def _measured(row: SessionAttendance) -> int | None:
    """The time Teams measured behind a completion; None when the register decided it."""
    return None if row.decision is not None else row.attended_seconds
