"""Cards that show sessions to staff and let them book."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cards.elements import (
    Card,
    bold,
    card,
    execute,
    facts,
    heading,
    link,
    markdown,
    seats,
    text,
    when,
    where,
)
from training.views import BookingSummary, SessionSummary


def _book_action(session: SessionSummary) -> dict:
    if session.full:
        return execute("Join waiting list", "join_waitlist", session_id=session.id)
    return execute("Book a seat", "book", style="positive", session_id=session.id)


def sessions_card(
    sessions: list[SessionSummary],
    zone: ZoneInfo,
    *,
    title: str = "Upcoming Prevent training",
    my_status: dict[int, str] | None = None,
) -> Card:
    """Upcoming sessions, each with seats left and a button to book (or to wait for a seat)."""
    my_status = my_status or {}
    if not sessions:
        return card([heading(title), text("No sessions match. Type 'sessions' to see them all.")])
    body: list[dict] = [heading(title)]
    for session in sessions:
        status = my_status.get(session.id)
        item: list[dict] = [
            text(markdown(bold(session.course_title), f" (#{session.id})")),
            facts(
                [
                    ("When", when(session, zone)),
                    ("Where", where(session)),
                    ("Seats", seats(session)),
                ]
                + ([("For", session.audience)] if session.audience else [])
            ),
        ]
        if status:
            label = "You're booked" if status == "booked" else "You're on the waiting list"
            item.append(text(f"✅ {label}", color="Good"))
        else:
            item.append({"type": "ActionSet", "actions": [_book_action(session)]})
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": item})
    return card(body)


def _cancel_action(booking: BookingSummary, titles: tuple[str, str]) -> dict:
    """Cancel or Leave, naming the status it was drawn from: acted on only if still true."""
    title = titles[0] if booking.status == "booked" else titles[1]
    return execute(title, "cancel_booking", booking_id=booking.id, was=booking.status)


CANCEL_CLOSED = "It's too late to cancel here: if you can't come, tell the Prevent coordinator."


def session_booking_card(
    booking: BookingSummary, zone: ZoneInfo, now: datetime, note: str = ""
) -> Card:
    """One session from the booker's point of view: replaces the card they pressed a button on.
    A Cancel button is there only while cancelling would be accepted."""
    session = booking.session
    titles = ("Cancel my booking", "Leave the waiting list")
    actions = [_cancel_action(booking, titles)] if booking.cancellable(now) else []
    if booking.status == "booked":
        headline = f"✅ You're booked on {session.course_title}"
    elif booking.status == "waitlisted":
        headline = (
            f"⏳ You're number {booking.waitlist_position} on the waiting list for "
            f"{session.course_title}"
        )
    else:
        headline = f"Your booking on {session.course_title} is cancelled"
        open_ = session.status == "scheduled" and session.bookings_open
        actions = [_book_action(session)] if open_ and session.starts_at > now else []
    pairs = [("When", when(session, zone)), ("Where", where(session)), ("Seats", seats(session))]
    if booking.status == "booked" and session.online and session.join_url:
        pairs.append(("Join", link("Teams meeting link", session.join_url)))
    body = [heading(headline), facts(pairs)]
    if booking.status == "booked" and session.starts_at > now:
        if not booking.cancellable(now):
            body.append(text(CANCEL_CLOSED, isSubtle=True))
        elif booking.cutoff_at and booking.cancel_until and now >= booking.cutoff_at:
            until = booking.cancel_until.astimezone(zone)
            body.append(text(f"You can undo this booking until {until:%H:%M}.", isSubtle=True))
    if note:
        body.append(text(note, isSubtle=True))
    return card(body, actions)


def my_bookings_card(bookings: list[BookingSummary], zone: ZoneInfo, now: datetime) -> Card:
    if not bookings:
        return card(
            [
                heading("Your bookings"),
                text("You have no upcoming bookings. Type 'sessions' to find one."),
            ]
        )
    body: list[dict] = [heading("Your bookings")]
    for booking in bookings:
        session = booking.session
        label = (
            "Booked"
            if booking.status == "booked"
            else f"Waiting list, number {booking.waitlist_position}"
        )
        items: list[dict] = [
            text(markdown(bold(session.course_title), f" (#{session.id})")),
            facts([("When", when(session, zone)), ("Where", where(session)), ("Status", label)]),
        ]
        if booking.cancellable(now):
            action = _cancel_action(booking, ("Cancel booking", "Leave waiting list"))
            items.append({"type": "ActionSet", "actions": [action]})
        elif session.starts_at > now:
            items.append(text(CANCEL_CLOSED, isSubtle=True))
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": items})
    return card(body)


def seat_offered_card(booking: BookingSummary, zone: ZoneInfo, now: datetime) -> Card:
    """Sent to the person promoted from the waiting list."""
    return session_booking_card(
        booking,
        zone,
        now,
        note="A seat came free and it's yours. Cancel if you can no longer come.",
    )


def session_cancelled_notice(session: SessionSummary, zone: ZoneInfo, reason: str | None) -> Card:
    body = [
        heading(f"❌ {session.course_title} on {when(session, zone)} is cancelled"),
        text("Your booking has been cancelled. Type 'sessions' to book another date."),
    ]
    if reason:
        body.insert(1, text(f"Reason: {reason}"))
    return card(body)
