"""Cards the booking feature draws: sessions to book, a person's bookings and seat offers (the
sweep sends the lapsed offer too, so it lives beside the other seat-offer cards)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.elements import (
    Action,
    Card,
    Element,
    bold,
    card,
    execute,
    facts,
    heading,
    link,
    local_date,
    markdown,
    refreshed_by,
    seats,
    text,
    when,
    where,
)
from training.sessions.seat_offers import OfferAnswer, OfferLapse
from training.views import BookingSummary, SessionSummary

MY_STATUS = {
    "booked": "You're booked",
    "waitlisted": "You're on the waiting list",
    "offered": "A seat is held for you: type 'my bookings' to answer",
}


def _book_action(session: SessionSummary) -> Action:
    if session.full:
        return execute("Join waiting list", "join_waitlist", session_id=session.id)
    return execute("Book a seat", "book", style="positive", session_id=session.id)


def sessions_button(title: str = "Show sessions", **narrowed: Any) -> Action:
    return execute(title, "list_sessions", **narrowed)


@dataclass(frozen=True)
class Page:
    """Where a listing's sessions sit among all that match: `skip` passed over, `total` in all,
    and what narrowed the listing (carried by the More button)."""

    skip: int
    total: int
    narrowed: dict[str, Any] = field(default_factory=dict)


def _page_note(shown: int, page: Page) -> str:
    if page.skip == 0:
        return f"Showing {shown} of {page.total} sessions, soonest first."
    return f"Showing {page.skip + 1}–{page.skip + shown} of {page.total} sessions."


def sessions_card(
    sessions: list[SessionSummary],
    zone: ZoneInfo,
    *,
    title: str = "Upcoming Prevent training",
    my_status: dict[int, str] | None = None,
    asked: dict[str, Any] | None = None,
    page: Page | None = None,
) -> Card:
    """Upcoming sessions, each with seats left and a button to book (or to wait for a seat).
    `asked`: the listing's filters, so the card redraws itself with current seats when shown.
    When more match than are shown (`page`), it says how many and offers a More button."""
    return refreshed_by(
        _sessions(sessions, zone, title, my_status or {}, page), "list_sessions", **(asked or {})
    )


def _sessions(
    sessions: list[SessionSummary],
    zone: ZoneInfo,
    title: str,
    my_status: dict[int, str],
    page: Page | None,
) -> Card:
    if not sessions:
        return card([heading(title), text("No sessions match. Type 'sessions' to see them all.")])
    body: list[Element] = [heading(title)]
    actions: list[Action] = []
    if page and (page.skip or page.total > len(sessions)):
        body.append(text(_page_note(len(sessions), page), isSubtle=True))
        if page.skip + len(sessions) < page.total:
            more = {**page.narrowed, "skip": page.skip + len(sessions)}
            actions.append(sessions_button("More sessions", **more))
    for session in sessions:
        status = my_status.get(session.id)
        item: list[Element] = [
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
            item.append(text(f"✅ {MY_STATUS.get(status, status)}", color="Good"))
        else:
            item.append({"type": "ActionSet", "actions": [_book_action(session)]})
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": item})
    return card(body, actions)


def _cancel_action(booking: BookingSummary, titles: tuple[str, str]) -> Action:
    """Cancel or Leave, naming the status it was drawn from: acted on only if still true."""
    title = titles[0] if booking.status == "booked" else titles[1]
    return execute(title, "cancel_booking", booking_id=booking.id, was=booking.status)


CANCEL_CLOSED = "It's too late to cancel here: if you can't come, tell the Prevent coordinator."


def _offer_actions(booking: BookingSummary) -> list[Action]:
    return [
        execute(
            "Accept the seat", "accept_seat_offer", style="positive", offer_id=booking.offer_id
        ),
        execute("Decline", "decline_seat_offer", offer_id=booking.offer_id),
    ]


def answer_by(booking: BookingSummary, zone: ZoneInfo) -> str:
    """When the offer held for them runs out, in local time."""
    assert booking.offer_expires_at is not None
    local = booking.offer_expires_at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


def session_booking_card(
    booking: BookingSummary, zone: ZoneInfo, now: datetime, note: str = ""
) -> Card:
    """One session from the booker's point of view: replaces the card they pressed a button on.
    A Cancel button is there only while cancelling would be accepted; a seat held for them has
    Accept and Decline."""
    session = booking.session
    titles = ("Cancel my booking", "Leave the waiting list")
    actions = [_cancel_action(booking, titles)] if booking.cancellable(now) else []
    pairs = [("When", when(session, zone)), ("Where", where(session)), ("Seats", seats(session))]
    if booking.status == "offered":
        headline = f"🎟️ A seat on {session.course_title} is held for you"
        pairs.insert(0, ("Answer by", answer_by(booking, zone)))
        actions = _offer_actions(booking)
    elif booking.status == "booked":
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
    return refreshed_by(card(body, actions), "show_booking", booking_id=booking.id)


def my_bookings_card(bookings: list[BookingSummary], zone: ZoneInfo, now: datetime) -> Card:
    return refreshed_by(_my_bookings(bookings, zone, now), "my_bookings")


def _my_bookings(bookings: list[BookingSummary], zone: ZoneInfo, now: datetime) -> Card:
    if not bookings:
        return card(
            [
                heading("Your bookings"),
                text("You have no upcoming bookings. Type 'sessions' to find one."),
            ]
        )
    body: list[Element] = [heading("Your bookings")]
    for booking in bookings:
        session = booking.session
        if booking.status == "offered":
            label = f"A seat is held for you: answer by {answer_by(booking, zone)}"
        elif booking.status == "booked":
            label = "Booked"
        else:
            label = f"Waiting list, number {booking.waitlist_position}"
        items: list[Element] = [
            text(markdown(bold(session.course_title), f" (#{session.id})")),
            facts([("When", when(session, zone)), ("Where", where(session)), ("Status", label)]),
        ]
        if booking.status == "offered":
            items.append({"type": "ActionSet", "actions": _offer_actions(booking)})
        elif booking.cancellable(now):
            action = _cancel_action(booking, ("Cancel booking", "Leave waiting list"))
            items.append({"type": "ActionSet", "actions": [action]})
        elif session.starts_at > now:
            items.append(text(CANCEL_CLOSED, isSubtle=True))
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": items})
    return card(body)


def seat_given_card(booking: BookingSummary, zone: ZoneInfo, now: datetime) -> Card:
    """Sent to the person given a seat from the waiting list (far enough from the session)."""
    return session_booking_card(
        booking,
        zone,
        now,
        note="A seat came free and it's yours. Cancel if you can no longer come.",
    )


def seat_offer_card(booking: BookingSummary, zone: ZoneInfo, now: datetime) -> Card:
    """Sent to the first person waiting when a seat comes free close to the session."""
    return session_booking_card(
        booking,
        zone,
        now,
        note="A seat came free. Accept it to be booked. If you don't answer by then, it goes "
        "to the next person waiting.",
    )


def offer_lapsed_card(lapse: OfferLapse, zone: ZoneInfo) -> Card:
    """Sent to someone who let an offer run out."""
    session = lapse.booking.session
    body = [
        heading(f"⌛ The seat held for you on {session.course_title} has gone"),
        text(
            f"Nobody answered by {local_date(lapse.expires_at, zone)}, so it went to the next "
            f"person waiting and you're no longer on the waiting list. Type 'wait {session.id}' "
            "to join it again."
        ),
        facts([("When", when(session, zone)), ("Seats", seats(session))]),
    ]
    return card(body, [_book_action(session)] if session.status == "scheduled" else [])


def offer_answer_card(answer: OfferAnswer, zone: ZoneInfo, now: datetime) -> Card:
    """What a press on Accept or Decline did, or how the offer had already ended."""
    booking = answer.booking
    session = booking.session
    first_time = answer.changed or answer.repeated  # a redelivery is answered as the first time
    if answer.state == "accepted":
        note = "You accepted this seat." if first_time else "You had already accepted it."
        return session_booking_card(booking, zone, now, note)
    if answer.state == "declined":
        headline = (
            f"You declined the seat on {session.course_title}"
            if first_time
            else f"You had already declined the seat on {session.course_title}"
        )
        said = "It goes to the next person waiting. Thank you for saying."
    elif answer.state == "expired":
        headline = f"⌛ This offer ran out at {local_date(answer.expires_at, zone)}"
        said = "The seat has gone to the next person waiting."
    else:
        headline = f"This offer on {session.course_title} no longer stands"
        said = "The session was cancelled."
    actions = [_book_action(session)] if session.status == "scheduled" else []
    return card([heading(headline), text(said), facts([("When", when(session, zone))])], actions)
