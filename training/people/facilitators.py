"""Who runs a session: its facilitators, each named by a staff record found or made from an
email (as a board's leads are), never by a display name. A facilitator may take the session's
register and is recorded as running it, not attending.

Names typed before facilitators were named this way, that matched no one staff record, stay on
the session (`Session.facilitators`) and are listed here for a coordinator to fix: they admit
nobody and make nobody a facilitator.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.errors import InvalidSessionDetails
from training.models import SessionFacilitator, Staff
from training.people.staff import is_email_address, normalise_email, person_named_by_email
from training.sessions.queries import load_session, session_summary
from training.views import SessionSummary

MAX_FACILITATORS = 20


@dataclass(frozen=True)
class Facilitator:
    staff_id: int
    display_name: str
    email: str | None


@dataclass(frozen=True)
class FacilitatorList:
    """A session's facilitators, and the names typed before that are still to fix."""

    session: SessionSummary
    people: tuple[Facilitator, ...]
    to_fix: tuple[str, ...]
    note: str = ""


def names_to_fix(session_facilitators: str) -> tuple[str, ...]:
    """The names left on a session from before facilitators were named by email."""
    words = (w.strip() for w in re.split(r"[;,\n]", session_facilitators or ""))
    return tuple(w for w in words if w)


def facilitator_staff(db: DbSession, session_id: int) -> list[Staff]:
    """The staff records named as the session's facilitators, by name."""
    return list(
        db.exec(
            select(Staff)
            .join(SessionFacilitator, col(SessionFacilitator.staff_id) == col(Staff.id))
            .where(SessionFacilitator.session_id == session_id)
            .order_by(col(Staff.display_name), col(Staff.id))
        ).all()
    )


def facilitator_list(db: DbSession, session_id: int, note: str = "") -> FacilitatorList:
    """Who facilitates session `session_id`, and the names still to fix (coordinators)."""
    session = load_session(db, session_id)
    people = tuple(
        Facilitator(s.id, s.display_name, s.email)
        for s in facilitator_staff(db, session_id)
        if s.id is not None
    )
    return FacilitatorList(
        session_summary(db, session_id), people, names_to_fix(session.facilitators), note
    )


def read_emails(typed: str) -> tuple[str, ...]:
    """Facilitators typed on a form: email addresses separated by commas, ';' or lines; a
    name is refused, saying how to name someone."""
    words = [w.strip() for w in re.split(r"[;,\n]", typed or "") if w.strip()]
    for word in words:
        if len(word) > 320 or not is_email_address(word):
            raise InvalidSessionDetails(
                f"'{word[:80]}' is not an email address: facilitators are named by email, like "
                "jo.bloggs@barnet.gov.uk, separated by commas (a name could be anyone's)."
            )
    if len(words) > MAX_FACILITATORS:
        raise InvalidSessionDetails(f"A session can have at most {MAX_FACILITATORS} facilitators.")
    return tuple(dict.fromkeys(normalise_email(w) or w for w in words))


def set_facilitators(
    db: DbSession,
    session_id: int,
    emails: tuple[str, ...],
    now: datetime,
    *,
    actor_staff_id: int | None,
) -> None:
    """Make the session's facilitators exactly the people with `emails` (found or made), as
    the new-session and edit forms name them; audited when they change. The names still to
    fix are cleared: the coordinator has named the facilitators afresh."""
    session = load_session(db, session_id)
    wanted = [person_named_by_email(db, email, now) for email in emails]
    wanted_ids = {s.id for s in wanted}
    had = {s.id for s in facilitator_staff(db, session_id)}
    for row in db.exec(
        select(SessionFacilitator).where(SessionFacilitator.session_id == session_id)
    ).all():
        if row.staff_id not in wanted_ids:
            db.delete(row)
    for staff in wanted:
        if staff.id not in had and staff.id is not None:
            db.add(SessionFacilitator(session_id=session_id, staff_id=staff.id))
    if had != wanted_ids or session.facilitators:
        session.facilitators = ""
        db.add(session)
        audit.record(
            db,
            actor_staff_id,
            "session.facilitators",
            now,
            subject=f"session {session_id}",
            detail="; ".join(f"staff {s.id}" for s in wanted) or "none",
        )
    db.flush()


def add_facilitator(
    db: DbSession, session_id: int, email: str, now: datetime, *, actor_staff_id: int | None
) -> FacilitatorList:
    """Name the person with `email` (found or made) a facilitator of the session; audited."""
    (address,) = read_emails(email) or ("",)
    load_session(db, session_id, lock=True)
    staff = person_named_by_email(db, address, now)
    assert staff.id is not None
    if db.get(SessionFacilitator, (session_id, staff.id)) is not None:
        return facilitator_list(db, session_id, f"{staff.display_name} is already a facilitator.")
    db.add(SessionFacilitator(session_id=session_id, staff_id=staff.id))
    audit.record(
        db,
        actor_staff_id,
        "session.facilitator.add",
        now,
        subject=f"session {session_id}",
        detail=f"staff {staff.id}",
    )
    db.flush()
    return facilitator_list(db, session_id, f"Added {staff.display_name} ({address}).")


def remove_facilitator(
    db: DbSession, session_id: int, said: str, now: datetime, *, actor_staff_id: int | None
) -> FacilitatorList:
    """Take the facilitator with email `said` off the session, or a name still to fix typed
    exactly as listed; audited."""
    session = load_session(db, session_id, lock=True)
    address = normalise_email(said) if "@" in said else None
    staff = next(
        (s for s in facilitator_staff(db, session_id) if address and s.email == address), None
    )
    if staff is not None and staff.id is not None:
        row = db.get(SessionFacilitator, (session_id, staff.id))
        db.delete(row)
        detail, note = f"staff {staff.id}", f"Removed {staff.display_name} ({address})."
    else:
        names = names_to_fix(session.facilitators)
        kept = [n for n in names if n.casefold() != " ".join(said.split()).casefold()]
        if len(kept) == len(names):
            return facilitator_list(
                db, session_id, f"'{said[:80]}' is not a facilitator of session {session_id}."
            )
        session.facilitators = "; ".join(kept)
        db.add(session)
        detail, note = "a name to fix", f"Removed the name '{said[:80]}'."
    audit.record(
        db,
        actor_staff_id,
        "session.facilitator.remove",
        now,
        subject=f"session {session_id}",
        detail=detail,
    )
    db.flush()
    return facilitator_list(db, session_id, note)
