"""The register: attendance taken by hand. For a session Teams cannot see (in person: schools,
partner teams, face to face) it is the only record; for an online one it corrects what Teams
saw (a dropped connection, someone watching from a colleague's laptop), with a reason.

A decision is kept on the person's attendance row (`SessionAttendance.decision`, with who made
it, when and why) and everything else follows from the rows as always (bookings attended or
no-show, walk-ins, completions, totals): present is completed, left early is attended but not
completed, absent is a no-show. A Teams sync never changes a decision made by hand.

People are named on the card by key, never by position: `s<staff id>` for anyone with a staff
record, `a<attendance id>` for someone added by name or by an address nobody has yet (they are
listed under `unmatched` too). The card carries what it showed for each person (`drawn`), so
only what was changed on the card is applied; a second press of the same card, or a
redelivery, finds everything already so and records nothing twice; a change that someone else
made since the card was drawn is never silently overwritten.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from database.columns import cut
from training.attendance.completion import CompletionPolicy
from training.attendance.results import (
    Facilitators,
    decided_role,
    has_reports,
    recompute,
    seconds_needed,
)
from training.data_protection import audit
from training.errors import (
    NotRunningSession,
    RegisterClosed,
    RegisterClosedToFacilitators,
    RegisterNotOpen,
)
from training.models import (
    SEATED_BOOKING_STATUSES,
    AttendanceRole,
    AttendanceSync,
    Booking,
    BookingStatus,
    Decision,
    Resolution,
    Session,
    SessionAttendance,
    SessionFacilitator,
    SessionStatus,
    Staff,
)
from training.people.staff import normalise_email, staff_by_email
from training.sessions.queries import load_session, session_summary
from training.views import SessionSummary

PAGE_SIZE = 25  # people per card: 25 keeps the largest card well under Teams' 28 KB
TEAMS = "teams"  # the choice that gives a person's result back to the Teams reports
MAX_WALK_INS = 30  # people added at once
KEY = re.compile(r"[sa]\d{1,10}")
LABELS = {
    Decision.PRESENT: "present",
    Decision.LEFT_EARLY: "left early",
    Decision.ABSENT: "absent",
    TEAMS: "as Teams recorded",
    "": "not recorded",
}


@dataclass(frozen=True)
class RegisterPolicy:
    """How long a session's register stays open to its facilitators: `open_days` after the
    session ends (REGISTER_OPEN_DAYS). Coordinators may correct it afterwards, with a reason,
    each change audited as a correction. Built once from the settings."""

    open_days: int = 14

    def closes_at(self, session: Session) -> datetime:
        return session.ends_at + timedelta(days=self.open_days)

    def closed(self, session: Session, now: datetime) -> bool:
        """Whether the register has closed to facilitators (coordinators only, with a reason)."""
        return now >= self.closes_at(session)


@dataclass(frozen=True)
class RegisterLine:
    """One person on the register, as the card shows them."""

    key: str
    display_name: str
    email: str | None
    standing: str  # booked, waiting, walk-in, external guest or unmatched
    mark: str  # a Decision, 'teams' (online: as Teams recorded) or '' (not recorded yet)
    # What Teams measured: None when they are in no report (or no report was read).
    teams_seconds: int | None = None
    teams_completed: bool = False
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class Register:
    """One page of a session's register, with what the last save did."""

    session: SessionSummary
    lines: tuple[RegisterLine, ...]
    page: int  # from 1
    pages: int
    people: int  # on the whole register
    attended: int  # counted as attending (completed or not)
    completed: int
    absent: int
    not_recorded: int
    reported: bool  # a Teams report has been read for it
    note: str = ""  # what was saved
    problems: tuple[str, ...] = ()  # what was not, and why
    saved: bool = True  # False: nothing was saved (the card keeps what was typed)
    left_over: str = ""  # people typed who could not be added, to show again in the field
    required_seconds: int = 0


@dataclass
class _Entry:
    key: str
    display_name: str
    email: str | None
    standing: str
    staff_id: int | None
    guest: bool
    row: SessionAttendance | None

    def mark(self, online: bool) -> str:
        if self.row is not None and self.row.decision is not None:
            return self.row.decision
        return TEAMS if online else ""


def _open(db: DbSession, session_id: int, now: datetime, *, lock: bool) -> Session:
    session = load_session(db, session_id, lock=lock)
    if session.status == SessionStatus.CANCELLED:
        raise RegisterClosed(session_id)
    if now < session.starts_at:
        raise RegisterNotOpen(session_id)
    return session


def runs_session(db: DbSession, session: Session, staff_id: int) -> bool:
    """A facilitator of the session: named on it (`SessionFacilitator`, by Entra id or
    email), or the mailbox that organises its Teams meeting. A name, or a role Teams gave
    someone in the meeting (everyone is a presenter when anyone may present), admits nobody."""
    assert session.id is not None
    if db.get(SessionFacilitator, (session.id, staff_id)) is not None:
        return True
    staff = db.get(Staff, staff_id)
    if staff is None:
        return False
    sync = db.exec(select(AttendanceSync).where(AttendanceSync.session_id == session.id)).first()
    mailbox = Facilitators.of(db, session, sync.organiser if sync else "")
    if staff.email and staff.email.casefold() in mailbox.emails:
        return True
    return bool(staff.aad_object_id and staff.aad_object_id.casefold() in mailbox.ids)


def _admit(
    db: DbSession,
    session: Session,
    staff_id: int,
    is_coordinator: bool,
    now: datetime,
    policy: "RegisterPolicy",
) -> None:
    if is_coordinator:
        return
    if not runs_session(db, session, staff_id):
        raise NotRunningSession()
    if policy.closed(session, now):
        assert session.id is not None
        raise RegisterClosedToFacilitators(session.id, policy.closes_at(session))


def _roster(db: DbSession, session: Session) -> list[_Entry]:
    """Everyone booked, then everyone waiting, then everyone else recorded as there (walk-ins,
    guests, people added by hand), each by name. Facilitators are not on it, nor attendees of
    a Teams report nobody has matched yet (`unmatched` is where they are resolved)."""
    rows = db.exec(
        select(SessionAttendance).where(
            SessionAttendance.session_id == session.id,
            SessionAttendance.role != AttendanceRole.FACILITATOR,
        )
    ).all()
    by_staff = {r.staff_id: r for r in rows if r.staff_id is not None}
    bookings = db.exec(
        select(Booking, Staff)
        .join(Staff, col(Staff.id) == col(Booking.staff_id))
        .where(
            Booking.session_id == session.id,
            col(Booking.status).in_([*SEATED_BOOKING_STATUSES, BookingStatus.WAITLISTED]),
        )
    ).all()
    booked, waiting, others = [], [], []
    seen: set[int] = set()
    for booking, staff in bookings:
        assert staff.id is not None
        seen.add(staff.id)
        if booking.status == BookingStatus.WAITLISTED:
            waiting.append(_staff_entry(staff, by_staff.get(staff.id), "waiting"))
        else:
            booked.append(_staff_entry(staff, by_staff.get(staff.id), "booked"))
    strangers = [r.staff_id for r in rows if r.staff_id is not None and r.staff_id not in seen]
    for staff in db.exec(select(Staff).where(col(Staff.id).in_(strangers))).all():
        assert staff.id is not None
        row = by_staff[staff.id]
        standing = "external guest" if row.role == AttendanceRole.GUEST else "walk-in"
        others.append(_staff_entry(staff, row, standing))
    for row in rows:
        if row.staff_id is None and row.decision is not None:
            assert row.id is not None
            others.append(
                _Entry(f"a{row.id}", row.display_name, row.email, "unmatched", None, False, row)
            )
    order = lambda e: (e.display_name.casefold(), e.key)  # noqa: E731
    return sorted(booked, key=order) + sorted(waiting, key=order) + sorted(others, key=order)


def _staff_entry(staff: Staff, row: SessionAttendance | None, standing: str) -> _Entry:
    assert staff.id is not None
    guest = "guest" in staff.roles.split(",")
    return _Entry(f"s{staff.id}", staff.display_name, staff.email, standing, staff.id, guest, row)


def _line(db: DbSession, entry: _Entry, online: bool, reported: bool) -> RegisterLine:
    row = entry.row
    decider = db.get(Staff, row.decided_by_staff_id) if row and row.decided_by_staff_id else None
    in_report = row is not None and reported and not _register_only(row)
    return RegisterLine(
        key=entry.key,
        display_name=entry.display_name,
        email=entry.email,
        standing=entry.standing,
        mark=entry.mark(online),
        teams_seconds=row.attended_seconds if row is not None and in_report else None,
        teams_completed=bool(
            row
            and in_report
            and CompletionPolicy.completed(row.attended_seconds, row.required_seconds)
        ),
        decided_by=decider.display_name if decider else "",
        decided_at=row.decided_at if row else None,
        reason=row.reason if row else "",
    )


def _register_only(row: SessionAttendance) -> bool:
    """A row the register made, which no Teams report has claimed since."""
    return row.person_key.startswith(("staff:", "register:")) and (
        row.identity_keys in ("", row.person_key)
    )


def _view(
    db: DbSession,
    session: Session,
    page: int,
    *,
    completion: CompletionPolicy,
    note: str = "",
    problems: tuple[str, ...] = (),
    saved: bool = True,
    left_over: str = "",
) -> Register:
    assert session.id is not None
    entries = _roster(db, session)
    reported = has_reports(db, session)
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = [e.row for e in entries if e.row is not None]
    no_shows = db.exec(
        select(Booking.staff_id).where(
            Booking.session_id == session.id, Booking.status == BookingStatus.NO_SHOW
        )
    ).all()
    absent = {r.staff_id for r in rows if r.role == AttendanceRole.ABSENT} | set(no_shows)
    attended = [r for r in rows if r.role in (AttendanceRole.ATTENDEE, AttendanceRole.GUEST)]
    return Register(
        session=session_summary(db, session.id),
        lines=tuple(_line(db, e, session.online, reported) for e in shown),
        page=page,
        pages=pages,
        people=len(entries),
        attended=len(attended),
        completed=sum(1 for r in attended if r.completed),
        absent=len(absent),
        not_recorded=len(entries) - len(attended) - len(absent),
        reported=reported,
        note=note,
        problems=problems,
        saved=saved,
        left_over=left_over,
        required_seconds=seconds_needed(db, session, completion),
    )


def register(
    db: DbSession,
    session_id: int,
    *,
    viewer_staff_id: int,
    is_coordinator: bool,
    now: datetime,
    completion: CompletionPolicy,
    page: int = 1,
    policy: RegisterPolicy = RegisterPolicy(),
) -> Register:
    """One page of the register, for a coordinator or one of the session's facilitators, once
    the session has started (for a facilitator, until it closes); audited."""
    session = _open(db, session_id, now, lock=False)
    _admit(db, session, viewer_staff_id, is_coordinator, now, policy)
    audit.record(db, viewer_staff_id, "register.view", now, subject=f"session {session_id}")
    return _view(db, session, page, completion=completion)


@dataclass(frozen=True)
class RegisterEntry:
    """What one press of the register's card asks for."""

    marks: dict[str, str]  # key -> the choice on the card
    drawn: dict[str, str]  # key -> what the card showed when it was drawn
    everyone_booked_here: bool = False
    walk_ins: str = ""  # emails or names, one a line (or separated by ';')
    reason: str = ""
    page: int = 1  # the page to show afterwards
    on_page: int = 1  # the page the card showed (shown again when nothing was saved)


def take_register(
    db: DbSession,
    session_id: int,
    entry: RegisterEntry,
    *,
    actor_staff_id: int,
    is_coordinator: bool,
    now: datetime,
    completion: CompletionPolicy,
    policy: RegisterPolicy = RegisterPolicy(),
) -> Register:
    """Record what the card says: each change once, each audited, then the session's results
    derived again from its rows. Nothing is saved when a change to an online session, or to
    a register closed to facilitators, has no reason (the card says so and keeps what was
    typed). A facilitator never marks or adds themselves."""
    session = _open(db, session_id, now, lock=True)  # one register save at a time per session
    _admit(db, session, actor_staff_id, is_coordinator, now, policy)
    late = policy.closed(session, now)
    entries = _roster(db, session)
    by_key = {e.key: e for e in entries}
    reason = " ".join(entry.reason.split())[:500]
    problems: list[str] = []
    changes = _changes(db, session, entry, by_key, problems)
    left: list[str] = []
    additions = _walk_ins(db, session, entry.walk_ins, by_key, changes, problems, left)
    if not is_coordinator:
        changes, additions = _not_themselves(actor_staff_id, changes, additions, problems)
    if entry.everyone_booked_here and not session.online:
        chosen = {e.key for e, _ in changes}
        for person in entries:
            if person.standing == "booked" and person.key not in chosen and not person.mark(False):
                changes.append((person, Decision.PRESENT))
    if (changes or additions) and (session.online or late) and not reason:
        problems.insert(
            0,
            f"Session {session_id}'s register closed to facilitators on "
            f"{policy.closes_at(session):%d %b %Y}: say why you are correcting it, then save "
            "again. Nothing was saved."
            if late
            else f"Session {session_id} is online: say why you are changing what Teams "
            "recorded (for example 'connection dropped'), then save again. Nothing was saved.",
        )
        return _view(
            db,
            session,
            entry.on_page,
            completion=completion,
            problems=tuple(problems),
            saved=False,
        )
    needed = seconds_needed(db, session, completion)
    reported = has_reports(db, session)
    said = _Said(actor_staff_id, now, reason, late)
    for person, wanted in changes:
        _decide(db, session, person, wanted, said, needed, reported)
    for name, email, staff in additions:
        _add(db, session, name, email, staff, said, needed)
    db.flush()
    if changes or additions:
        recompute(db, session, now, completion)
    note = _saved_note(len(changes) + len(additions))
    return _view(
        db,
        session,
        entry.page,
        completion=completion,
        note=note,
        problems=tuple(problems),
        left_over="\n".join(left),
    )


@dataclass(frozen=True)
class _Said:
    """Who is saving the register, when, why, and whether it had closed to facilitators (a
    coordinator's correction, audited as one)."""

    actor_staff_id: int
    now: datetime
    reason: str
    late: bool


def _not_themselves(
    actor_staff_id: int,
    changes: list[tuple[_Entry, str]],
    additions: list[tuple[str, str | None, Staff | None]],
    problems: list[str],
) -> tuple[list[tuple[_Entry, str]], list[tuple[str, str | None, Staff | None]]]:
    """The changes and additions less any about the facilitator saving them: someone else
    (another facilitator or a coordinator) records whether they were there."""
    mine = [c for c in changes if c[0].staff_id == actor_staff_id]
    mine_added = [a for a in additions if a[2] is not None and a[2].id == actor_staff_id]
    if mine or mine_added:
        problems.append(
            "You cannot mark or add yourself: ask a coordinator or another facilitator."
        )
    return (
        [c for c in changes if c not in mine],
        [a for a in additions if a not in mine_added],
    )


def _saved_note(count: int) -> str:
    if not count:
        return "Nothing new to record."
    return f"Saved: {count} change{'s' if count != 1 else ''} recorded."


def _changes(
    db: DbSession,
    session: Session,
    entry: RegisterEntry,
    by_key: dict[str, _Entry],
    problems: list[str],
) -> list[tuple[_Entry, str]]:
    """The choices changed on the card, for people still on the register, that are not so
    already and that nobody else changed since the card was drawn."""
    allowed = {*Decision, TEAMS} if session.online else set(Decision)
    changes = []
    for key, wanted in entry.marks.items():
        was = entry.drawn.get(key)
        if not wanted or was is None or wanted == was:
            continue  # not changed on the card
        person = by_key.get(key)
        if person is None:
            problems.append(f"{_gone_name(db, key)} is no longer on the register: not recorded.")
            continue
        if wanted not in allowed:
            problems.append(f"{person.display_name}: 'as Teams recorded' is for online sessions.")
            continue
        now_marked = person.mark(session.online)
        if now_marked == wanted:
            continue  # already so: the same card pressed twice, or a redelivery
        if now_marked != was:
            by = f" by {_decider(db, person)}" if _decider(db, person) else ""
            problems.append(
                f"{person.display_name} was changed to '{LABELS.get(now_marked, now_marked)}'"
                f"{by} after this card was drawn: left as it is. Check and save again."
            )
            continue
        changes.append((person, wanted))
    return changes


def _decider(db: DbSession, person: _Entry) -> str:
    row = person.row
    staff = db.get(Staff, row.decided_by_staff_id) if row and row.decided_by_staff_id else None
    return staff.display_name if staff else ""


def _gone_name(db: DbSession, key: str) -> str:
    if key.startswith("s"):
        staff = db.get(Staff, int(key[1:]))
        if staff is not None:
            return staff.display_name
    return "Someone added by hand"


def _walk_ins(
    db: DbSession,
    session: Session,
    typed: str,
    by_key: dict[str, _Entry],
    changes: list[tuple[_Entry, str]],
    problems: list[str],
    left: list[str],
) -> list[tuple[str, str | None, Staff | None]]:
    """People who came without booking, by email or name, matched as `unmatched` matches: an
    address a staff record has is that person; any other address, or a name, is recorded
    unmatched, to be assigned to staff or marked a guest there. Someone already on the
    register is marked present instead; someone added already is not added twice."""
    wanted = [" ".join(w.split())[:256] for w in re.split(r"[;\n]", typed) if w.strip()]
    if len(wanted) > MAX_WALK_INS:
        problems.append(f"Add at most {MAX_WALK_INS} people at once; none of these was added.")
        left.extend(wanted)
        return []
    added: list[tuple[str, str | None, Staff | None]] = []
    keys: set[str] = set()
    for said in wanted:
        email = normalise_email(said) if "@" in said else None
        if "@" in said and (email is None or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
            problems.append(f"'{said[:80]}' is not an email address: not added.")
            left.append(said)
            continue
        staff = staff_by_email(db, email) if email else None
        if staff is not None and staff.id is not None:
            person = by_key.get(f"s{staff.id}")
            if person is not None:
                if person.mark(session.online) != Decision.PRESENT and all(
                    p is not person for p, _ in changes
                ):
                    changes.append((person, Decision.PRESENT))
                continue
            key = f"staff:{staff.id}"
        else:
            key = f"register:email:{email}" if email else f"register:name:{said.casefold()}"
        if key in keys or _row_keyed(db, session, key):
            continue  # added already (the same card pressed again)
        keys.add(key)
        added.append((said, email, staff))
    return added


def _row_keyed(db: DbSession, session: Session, key: str) -> bool:
    return (
        db.exec(
            select(SessionAttendance.id).where(
                SessionAttendance.session_id == session.id,
                SessionAttendance.person_key == cut(key, SessionAttendance.person_key),
            )
        ).first()
        is not None
    )


def _decide(
    db: DbSession,
    session: Session,
    person: _Entry,
    wanted: str,
    said: _Said,
    needed: int,
    reported: bool,
) -> None:
    actor_staff_id, now, reason = said.actor_staff_id, said.now, said.reason
    row = person.row
    before = LABELS.get(person.mark(session.online), "")
    if wanted == TEAMS or (
        wanted == Decision.ABSENT
        and row is not None
        and person.standing != "booked"
        and _register_only(row)
    ):
        # Back to what Teams says, or a walk-in added by mistake: the register's row goes
        # when nothing but the register stood behind it.
        if row is not None and (not reported or _register_only(row)):
            db.delete(row)
        elif row is not None:
            row.decision, row.decided_by_staff_id, row.decided_at = None, None, None
            row.reason, row.updated_at = "", now
            db.add(row)
        _audit(db, session, person, before, LABELS[wanted], said)
        return
    guest = person.guest or (row is not None and row.resolution == Resolution.GUEST)
    came_as = AttendanceRole.GUEST if guest else AttendanceRole.ATTENDEE
    if row is None:
        row = _new_row(session, person.staff_id, person.display_name, person.email, needed, now)
        row.role = came_as
    row.decision, row.decided_by_staff_id, row.decided_at = wanted, actor_staff_id, now
    row.reason = reason
    # Someone recorded absent before comes back in the role they came in (a guest stays one).
    row.role = decided_role(wanted, came_as if row.role == AttendanceRole.ABSENT else row.role)
    row.completed = wanted == Decision.PRESENT
    row.updated_at = now
    db.add(row)
    _audit(db, session, person, before, LABELS[wanted], said)


def _new_row(
    session: Session,
    staff_id: int | None,
    name: str,
    email: str | None,
    needed: int,
    now: datetime,
    key: str = "",
) -> SessionAttendance:
    assert session.id is not None
    person_key = cut(key or f"staff:{staff_id}", SessionAttendance.person_key)
    return SessionAttendance(
        session_id=session.id,
        person_key=person_key,
        identity_keys=person_key,
        staff_id=staff_id,
        display_name=cut(name, SessionAttendance.display_name),
        email=email,
        resolution=Resolution.MATCHED if staff_id is not None else None,
        required_seconds=needed,
        updated_at=now,
    )


def _add(
    db: DbSession,
    session: Session,
    said: str,
    email: str | None,
    staff: Staff | None,
    by: _Said,
    needed: int,
) -> None:
    actor_staff_id, now, reason = by.actor_staff_id, by.now, by.reason
    if staff is not None:
        row = _new_row(session, staff.id, staff.display_name, staff.email, needed, now)
        guest = "guest" in staff.roles.split(",")
        row.role = AttendanceRole.GUEST if guest else AttendanceRole.ATTENDEE
        who = f"{staff.display_name} (staff {staff.id})"
    else:
        key = f"register:email:{email}" if email else f"register:name:{said.casefold()}"
        row = _new_row(session, None, said, email, needed, now, key)
        who = f"{said[:200]} (unmatched)"
    row.decision, row.decided_by_staff_id, row.decided_at = Decision.PRESENT, actor_staff_id, now
    row.reason, row.completed = reason, True
    db.add(row)
    detail = f"{who}: came without booking, present" + (f"; reason: {reason}" if reason else "")
    audit.record(
        db,
        actor_staff_id,
        "register.correct" if by.late else "register.walk_in",
        now,
        subject=f"session {session.id}",
        detail=detail,
    )


def _audit(
    db: DbSession,
    session: Session,
    person: _Entry,
    before: str,
    after: str,
    said: _Said,
) -> None:
    who = f"staff {person.staff_id}" if person.staff_id is not None else "unmatched"
    detail = f"{person.display_name} ({who}): {before} -> {after}"
    reason = said.reason
    audit.record(
        db,
        said.actor_staff_id,
        "register.correct" if said.late else "register.mark",
        said.now,
        subject=f"session {session.id}",
        detail=detail + (f"; reason: {reason}" if reason else ""),
    )
