"""Every person in a team: departments read from Entra ID, teams set by coordinators, and the
department-to-reporting-team map. The rule is in `training/people/team_rule.py`; these services
apply it, one unit of work each, and write every change to the audit log.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, union
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.errors import TrainingError
from training.models import (
    SEATED_BOOKING_STATUSES,
    AttendanceRole,
    AuditEntry,
    Booking,
    Completion,
    Course,
    Session,
    SessionAttendance,
    SessionStatus,
    Staff,
    TeamMapping,
)
from training.people.staff import (
    normalise_email,
    normalise_object_id,
    person_named_by_email,
    staff_by_email,
)
from training.people.team_rule import (
    COORDINATOR,
    Filed,
    TeamLine,
    clean_name,
    department_key,
    is_email,
    reporting_team,
)

REFRESH_ACTION = "team.directory_refresh"
MAX_LISTED = 50


class TeamProblem(TrainingError):
    """A team or mapping a coordinator asked for that cannot be done; the message says why."""


@dataclass(frozen=True)
class DirectoryEntry:
    """What Entra ID says about one user."""

    aad_object_id: str
    mail: str | None
    user_principal_name: str | None
    department: str | None


@dataclass(frozen=True)
class PersonToRead:
    staff_id: int
    directory_id: str  # their Entra object id, else their email (Graph takes a UPN there)


@dataclass(frozen=True)
class PersonTeam:
    staff_id: int
    display_name: str
    email: str | None
    team: str | None
    source: str | None
    department: str | None


@dataclass(frozen=True)
class TeamChange:
    person: PersonTeam
    before: str | None
    created: bool  # nobody had this email: a staff record was made for it


@dataclass(frozen=True)
class MappingLine:
    department: str
    team: str
    people: int  # people whose Entra department this is


@dataclass(frozen=True)
class MappingChange:
    department: str
    before: str | None  # the team it reported as (None: not mapped)
    after: str | None  # None: removed
    refiled: int  # people whose team changed
    mappings: list[MappingLine]


@dataclass(frozen=True)
class ImportResult:
    people: int
    changed: int
    added: int  # people nobody had named before: a staff record was made for each


@dataclass(frozen=True)
class DirectoryResult:
    people: int  # staff records matched to a directory user
    changed: int  # whose team changed


# --- reading ------------------------------------------------------------------------------------


def _view(staff: Staff) -> PersonTeam:
    assert staff.id is not None
    return PersonTeam(
        staff.id, staff.display_name, staff.email, staff.team, staff.team_source, staff.department
    )


def _mapping(db: DbSession) -> dict[str, str]:
    return {m.department_key: m.team for m in db.exec(select(TeamMapping)).all()}


def _by_email(db: DbSession, email: str) -> Staff | None:
    return staff_by_email(db, email)


def canonical_team(db: DbSession, typed: str) -> str:
    """The team as already spelt on a record or in the map, else as typed (tidied): 'family
    services' files people with Family Services, not in a new team of its own."""
    name = clean_name(typed)
    known = (
        db.exec(
            select(col(Staff.team)).where(func.lower(col(Staff.team)) == name.lower()).limit(1)
        ).first()
        or db.exec(
            select(col(TeamMapping.team))
            .where(func.lower(col(TeamMapping.team)) == name.lower())
            .limit(1)
        ).first()
    )
    return known or name


def person_team(db: DbSession, email: str) -> PersonTeam:
    staff = _by_email(db, email)
    if staff is None:
        raise TeamProblem(f"I don't know anyone with the email {email}.")
    return _view(staff)


def people_to_read(
    db: DbSession, staff_ids: Sequence[int], *, unread_only: bool = True
) -> list[PersonToRead]:
    """Of `staff_ids`, those the directory can be asked about (they have an Entra object id or
    an email), and with `unread_only` only those whose department was never read."""
    if not staff_ids:
        return []
    query = select(Staff).where(col(Staff.id).in_(list(staff_ids)))
    if unread_only:
        query = query.where(col(Staff.department_read_at).is_(None))
    found = []
    for staff in db.exec(query.order_by(col(Staff.id))).all():
        who = staff.aad_object_id or staff.email
        if staff.id is not None and who:
            found.append(PersonToRead(staff.id, who))
    return found


def attendees_of(db: DbSession, session_id: int) -> list[int]:
    """The staff matched to a session's attendance records."""
    found = db.exec(
        select(col(SessionAttendance.staff_id))
        .where(
            col(SessionAttendance.session_id) == session_id,
            col(SessionAttendance.staff_id).is_not(None),
        )
        .distinct()
    ).all()
    return [staff_id for staff_id in found if staff_id is not None]


# --- the directory -----------------------------------------------------------------------------


def _file(db: DbSession, staff: Staff, mapping: dict[str, str], now: datetime) -> bool:
    """Re-file one person by the rule; True when their team changed."""
    filed = reporting_team(staff.department, mapping, Filed(staff.team, staff.team_source))
    if (filed.team, filed.source) == (staff.team, staff.team_source):
        return False
    changed = filed.team != staff.team
    staff.team, staff.team_source, staff.updated_at = filed.team, filed.source, now
    db.add(staff)
    return changed


def _read(db: DbSession, staff: Staff, department: str | None, now: datetime) -> None:
    staff.department = clean_name(department) or None
    staff.department_read_at = now
    db.add(staff)


def record_department(
    db: DbSession, staff_id: int, department: str | None, now: datetime, *, found: bool = True
) -> bool:
    """What the directory said about one person (`found` False: no such user there, e.g. a
    guest); True when their team changed. Written to the audit log when it did."""
    staff = db.get(Staff, staff_id)
    if staff is None:
        return False
    if not found:
        staff.department_read_at = now
        db.add(staff)
        return False
    before = staff.team
    _read(db, staff, department, now)
    changed = _file(db, staff, _mapping(db), now)
    if changed:
        audit.record(
            db,
            None,
            "team.directory",
            now,
            subject=staff.email or f"staff {staff_id}",
            detail=f"{before or 'no team'} -> {staff.team or 'no team'} "
            f"(Entra department '{staff.department or ''}')",
        )
    return changed


def record_directory(
    db: DbSession, entries: Sequence[DirectoryEntry], now: datetime
) -> DirectoryResult:
    """One page of the directory: each entry matched to a staff record by Entra object id, else
    by email or user principal name (case-insensitive); people we do not know are ignored.
    Written page by page, so a read that stops part-way keeps what it read."""
    ids = {normalise_object_id(e.aad_object_id) for e in entries} - {None}
    emails = {normalise_email(a) for e in entries for a in (e.mail, e.user_principal_name)}
    candidates = db.exec(
        select(Staff).where(
            or_(
                col(Staff.aad_object_id).in_(sorted(i for i in ids if i)),
                col(Staff.email).in_(sorted(a for a in emails if a)),
            )
        )
    ).all()
    by_id: dict[str | None, Staff] = {s.aad_object_id: s for s in candidates if s.aad_object_id}
    by_email = {s.email: s for s in candidates if s.email and not s.aad_object_id}
    mapping = _mapping(db)
    people = changed = 0
    for entry in entries:
        addresses = [normalise_email(a) for a in (entry.mail, entry.user_principal_name)]
        staff = by_id.get(normalise_object_id(entry.aad_object_id)) or next(
            (by_email[a] for a in addresses if a and a in by_email), None
        )
        if staff is None:
            continue
        people += 1
        _read(db, staff, entry.department, now)
        changed += _file(db, staff, mapping, now)
    db.flush()
    return DirectoryResult(people, changed)


def directory_refresh_due(db: DbSession, now: datetime) -> bool:
    """Once a day: due when no complete refresh is recorded in the last 23 hours."""
    last = db.scalars(
        select(col(AuditEntry.at))
        .where(col(AuditEntry.action) == REFRESH_ACTION)
        .order_by(col(AuditEntry.at).desc())
        .limit(1)
    ).first()
    return last is None or last < now - timedelta(hours=23)


def finish_directory_refresh(
    db: DbSession, now: datetime, *, users: int, people: int, changed: int
) -> None:
    """A refresh read every page: record it (so the next is due tomorrow) and what it did."""
    audit.record(
        db,
        None,
        REFRESH_ACTION,
        now,
        detail=f"{users} directory users read; {people} people matched; {changed} changed team",
    )


# --- coordinators ------------------------------------------------------------------------------


def _person(db: DbSession, email: str, now: datetime) -> tuple[Staff, bool]:
    """The staff record with this email, or a new one: they are linked when they first chat
    or turn up in an attendance report."""
    if not is_email(email):
        raise TeamProblem(f"'{email}' is not an email address.")
    known = _by_email(db, email) is not None
    return person_named_by_email(db, email, now), not known


def _set(db: DbSession, staff: Staff, team: str, now: datetime, actor: int | None) -> bool:
    before = staff.team
    if (staff.team, staff.team_source) == (team, COORDINATOR):
        return False
    staff.team, staff.team_source, staff.updated_at = team, COORDINATOR, now
    db.add(staff)
    audit.record(
        db,
        actor,
        "team.set",
        now,
        subject=staff.email or f"staff {staff.id}",
        detail=f"{before or 'no team'} -> {team}"
        + (f" (Entra department '{staff.department}')" if staff.department else ""),
    )
    return True


def set_team(
    db: DbSession, email: str, team: str, now: datetime, *, actor_staff_id: int | None
) -> TeamChange:
    """A coordinator files someone in a team; it stands whatever the directory says."""
    name = canonical_team(db, team)
    if not name:
        raise TeamProblem("Which team? For example: 'team jo.bloggs@probation.gov.uk Probation'.")
    staff, created = _person(db, email.strip().lower(), now)
    before = staff.team
    _set(db, staff, name, now, actor_staff_id)
    db.flush()
    return TeamChange(_view(staff), before, created)


def clear_team(
    db: DbSession, email: str, now: datetime, *, actor_staff_id: int | None
) -> TeamChange:
    """Undo a coordinator's setting: the person's team comes from the directory again."""
    staff = _by_email(db, email.strip())
    if staff is None:
        raise TeamProblem(f"I don't know anyone with the email {email}.")
    before = staff.team
    if staff.team_source == COORDINATOR:
        staff.team_source = None
        staff.team = None
        _file(db, staff, _mapping(db), now)
        staff.updated_at = now
        db.add(staff)
        audit.record(
            db,
            actor_staff_id,
            "team.cleared",
            now,
            subject=staff.email or f"staff {staff.id}",
            detail=f"{before or 'no team'} -> {staff.team or 'no team'} (from the directory)",
        )
        db.flush()
    return TeamChange(_view(staff), before, False)


def import_teams(
    db: DbSession, lines: Sequence[TeamLine], now: datetime, *, actor_staff_id: int | None
) -> ImportResult:
    """Every line of a checked file (`team_rule.read_team_file`), in one transaction: all of it
    is applied or, if anything fails, none of it."""
    changed = added = 0
    for line in lines:
        staff, created = _person(db, line.email, now)
        added += created
        changed += _set(db, staff, canonical_team(db, line.team), now, actor_staff_id)
        db.flush()
    audit.record(
        db,
        actor_staff_id,
        "team.import",
        now,
        detail=f"{len(lines)} lines; {changed} changed; {added} people added",
    )
    return ImportResult(len(lines), changed, added)


# --- the department-to-team map ------------------------------------------------------------


def mappings(db: DbSession) -> list[MappingLine]:
    """The map, by reporting team then department, with how many people are in each
    department."""
    counts = dict(
        db.exec(
            select(func.lower(col(Staff.department)), func.count())
            .where(col(Staff.department).is_not(None))
            .group_by(func.lower(col(Staff.department)))
        ).all()
    )
    rows = db.exec(
        select(TeamMapping).order_by(col(TeamMapping.team), col(TeamMapping.department))
    ).all()
    return [MappingLine(m.department, m.team, counts.get(m.department_key, 0)) for m in rows]


def _refile_department(db: DbSession, key: str, now: datetime) -> int:
    mapping = _mapping(db)
    people = db.exec(
        select(Staff).where(
            func.lower(col(Staff.department)) == key,
            or_(col(Staff.team_source).is_(None), col(Staff.team_source) != COORDINATOR),
        )
    ).all()
    refiled = sum(_file(db, staff, mapping, now) for staff in people)
    db.flush()
    return refiled


def map_department(
    db: DbSession, department: str, team: str, now: datetime, *, actor_staff_id: int | None
) -> MappingChange:
    """People in `department` are counted in `team` from now on; everyone already in that
    department is re-filed (a coordinator's own setting stands)."""
    key = department_key(department)
    # As Entra ID spells it when someone has it ('early help' maps Early Help).
    name = db.exec(
        select(col(Staff.department)).where(func.lower(col(Staff.department)) == key).limit(1)
    ).first() or clean_name(department)
    reporting = canonical_team(db, team)
    if not name or not reporting:
        raise TeamProblem(
            "Say the department and the team, e.g. 'map Early Help to Family Services'."
        )
    found = db.exec(select(TeamMapping).where(col(TeamMapping.department_key) == key)).first()
    before = found.team if found else None
    if found is None:
        found = TeamMapping(department_key=key, department=name, team=reporting, updated_at=now)
    found.department, found.team = name, reporting
    found.updated_by_staff_id, found.updated_at = actor_staff_id, now
    db.add(found)
    db.flush()
    refiled = _refile_department(db, key, now)
    audit.record(
        db,
        actor_staff_id,
        "team_map.set",
        now,
        subject=name,
        detail=f"{before or 'not mapped'} -> {reporting}; {refiled} people re-filed",
    )
    return MappingChange(name, before, reporting, refiled, mappings(db))


def unmap_department(
    db: DbSession, department: str, now: datetime, *, actor_staff_id: int | None
) -> MappingChange:
    """Take a department out of the map: its people are counted under the department's own
    name again."""
    key = department_key(department)
    found = db.exec(select(TeamMapping).where(col(TeamMapping.department_key) == key)).first()
    if found is None:
        raise TeamProblem(
            f"'{clean_name(department)}' is not in the map. Type 'team map' to see it."
        )
    name, before = found.department, found.team
    db.delete(found)
    db.flush()
    refiled = _refile_department(db, key, now)
    audit.record(
        db,
        actor_staff_id,
        "team_map.removed",
        now,
        subject=name,
        detail=f"was {before}; {refiled} people re-filed",
    )
    return MappingChange(name, before, None, refiled, mappings(db))


# --- people with no team -----------------------------------------------------------------------


@dataclass(frozen=True)
class NoTeam:
    count: int
    people: list[PersonTeam]  # the first MAX_LISTED, most recently seen first


def people_without_team(db: DbSession, limit: int = MAX_LISTED) -> NoTeam:
    """Everyone with no team on their record, to be filed by hand or by the map."""
    no_team = col(Staff.team).is_(None)
    count = db.exec(select(func.count()).select_from(Staff).where(no_team)).one()
    rows = db.exec(
        select(Staff).where(no_team).order_by(col(Staff.updated_at).desc(), col(Staff.id))
    ).all()
    return NoTeam(int(count), [_view(s) for s in rows[:limit]])


def no_team_in(
    db: DbSession, start: datetime | None, end: datetime | None, course_code: str | None = None
) -> int:
    """How many people the totals' '(no team recorded)' line holds for sessions starting in
    [start, end) (and e-learning completed then), of one course if `course_code` is given:
    people with no team holding a seat on a session, recorded as attending one (facilitators
    are not), or completing training."""
    sessions = select(col(Session.id)).where(col(Session.status) != SessionStatus.CANCELLED)
    elearning: list[ColumnElement[bool]] = [col(Completion.session_id).is_(None)]
    if course_code is not None:
        course = select(col(Course.id)).where(col(Course.code) == course_code)
        sessions = sessions.where(col(Session.course_id).in_(course))
        elearning.append(col(Completion.course_id).in_(course))
    if start is not None:
        sessions = sessions.where(col(Session.starts_at) >= start)
        elearning.append(col(Completion.completed_at) >= start)
    if end is not None:
        sessions = sessions.where(col(Session.starts_at) < end)
        elearning.append(col(Completion.completed_at) < end)
    # live completions by their session's start, e-learning by its date (as the totals count)
    completed = select(col(Completion.staff_id)).where(
        or_(col(Completion.session_id).in_(sessions), and_(*elearning))
    )
    people = union(
        select(col(Booking.staff_id)).where(
            col(Booking.session_id).in_(sessions),
            col(Booking.status).in_(SEATED_BOOKING_STATUSES),
        ),
        select(col(SessionAttendance.staff_id)).where(
            col(SessionAttendance.session_id).in_(sessions),
            col(SessionAttendance.staff_id).is_not(None),
            col(SessionAttendance.role) == AttendanceRole.ATTENDEE,  # not facilitators
        ),
        completed,
    ).subquery()
    count = db.exec(
        select(func.count())
        .select_from(Staff)
        .where(col(Staff.team).is_(None), col(Staff.id).in_(select(people.c[0])))
    ).one()
    return int(count)
