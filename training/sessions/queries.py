"""Reads shared by the services: sessions with their counts, as summaries."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.errors import UnknownSession
from training.models import (
    SEATED_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Course,
    SeatOffer,
    Session,
    SessionFacilitator,
    SessionStatus,
    Staff,
)
from training.views import BookingSummary, Person, SessionSummary


def booking_counts(db: DbSession, session_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    ids = list(session_ids)
    counts: dict[int, dict[str, int]] = {sid: {} for sid in ids}
    if not ids:
        return counts
    rows = db.exec(
        select(Booking.session_id, Booking.status, func.count())
        .where(col(Booking.session_id).in_(ids))
        .group_by(col(Booking.session_id), col(Booking.status))
    ).all()
    for session_id, status, n in rows:
        counts[session_id][status] = n
    return counts


def summarise(session: Session, course: Course, counts: dict[str, int]) -> SessionSummary:
    assert session.id is not None
    return SessionSummary(
        id=session.id,
        course_code=course.code,
        course_title=course.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        online=session.online,
        join_url=session.join_url,
        location=session.location,
        capacity=session.capacity,
        booked=sum(counts.get(status, 0) for status in SEATED_BOOKING_STATUSES),
        waitlisted=counts.get(BookingStatus.WAITLISTED, 0),
        status=session.status,
        bookings_open=session.bookings_open,
        audience=session.audience,
        facilitators=session.facilitators,
        offered=counts.get(BookingStatus.OFFERED, 0),
    )


def session_summary(db: DbSession, session_id: int) -> SessionSummary:
    row = db.exec(select(Session, Course).join(Course).where(Session.id == session_id)).first()
    if row is None:
        raise UnknownSession(session_id)
    session, course = row
    emails = db.exec(
        select(Staff.email)
        .join(SessionFacilitator, col(SessionFacilitator.staff_id) == col(Staff.id))
        .where(SessionFacilitator.session_id == session_id)
        .order_by(col(Staff.email))
    ).all()
    summary = summarise(session, course, booking_counts(db, [session_id])[session_id])
    return replace(summary, facilitator_emails=tuple(e for e in emails if e))


def load_session(db: DbSession, session_id: int, *, lock: bool = False) -> Session:
    """The session row; with `lock`, held until the transaction ends (PostgreSQL FOR UPDATE)."""
    query = select(Session).where(Session.id == session_id)
    if lock:
        query = query.with_for_update()
    session = db.exec(query).first()
    if session is None:
        raise UnknownSession(session_id)
    return session


def waitlist_position(db: DbSession, booking: Booking) -> int:
    ahead = db.exec(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.session_id == booking.session_id,
            Booking.status == BookingStatus.WAITLISTED,
            (col(Booking.requested_at) < booking.requested_at)
            | (
                (col(Booking.requested_at) == booking.requested_at) & (col(Booking.id) < booking.id)
            ),
        )
    ).one()
    return int(ahead) + 1


def booking_summary(db: DbSession, booking: Booking) -> BookingSummary:
    assert booking.id is not None
    position = (
        waitlist_position(db, booking) if booking.status == BookingStatus.WAITLISTED else None
    )
    session = db.get(Session, booking.session_id)
    assert session is not None
    offer = (
        db.exec(select(SeatOffer).where(SeatOffer.booking_id == booking.id)).first()
        if booking.status == BookingStatus.OFFERED
        else None
    )
    return BookingSummary(
        id=booking.id,
        status=booking.status,
        session=session_summary(db, booking.session_id),
        requested_at=booking.requested_at,
        waitlist_position=position,
        cancel_until=cancel_closes_at(booking, session),
        cutoff_at=session.starts_at - timedelta(hours=session.cancellation_cutoff_hours),
        offer_id=offer.id if offer else None,
        offer_expires_at=offer.expires_at if offer else None,
    )


def cancel_closes_at(booking: Booking, session: Session) -> datetime | None:
    """Until when a person may cancel their own booking: a waiting-list place until the session
    ends; a seat until the cut-off, or until its undo time if later (never past the start)."""
    if booking.status == BookingStatus.WAITLISTED:
        return session.ends_at
    if booking.status != BookingStatus.BOOKED:
        return None
    if session.status != SessionStatus.SCHEDULED:
        return session.ends_at
    cutoff = session.starts_at - timedelta(hours=session.cancellation_cutoff_hours)
    if booking.undo_until is None:
        return cutoff
    return max(cutoff, min(booking.undo_until, session.starts_at))


def person(staff: Staff) -> Person:
    assert staff.id is not None
    return Person(
        staff_id=staff.id, display_name=staff.display_name, email=staff.email, team=staff.team
    )
