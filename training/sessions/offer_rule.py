"""Who gets a seat that comes free, and how: a pure rule of the session's times and `now`.

Far from the session the first person waiting simply gets the seat (they have days to cancel
if they can't come). Close to it, a seat they never asked for at short notice would often go
empty, so it is offered instead: they accept or decline, and silence passes it on. An offer
never runs past the cancellation cut-off; once the cut-off has passed nobody can be asked in
time, so the seat stays free for anyone to book.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Filling(StrEnum):
    GIVE = "give"  # the first person waiting is booked at once
    OFFER = "offer"  # the first person waiting is asked, until `until`
    LEAVE_FREE = "leave_free"  # too late to ask anyone: the seat is free to book


@dataclass(frozen=True)
class OfferPolicy:
    """`window_days` before a session a freed seat is offered rather than given (0: never);
    an offer stands for `hours`, or until the cut-off if that comes sooner."""

    window_days: int = 3
    hours: int = 12


@dataclass(frozen=True)
class SeatRule:
    filling: Filling
    until: datetime | None = None  # when an offer runs out


def how_to_fill(
    policy: OfferPolicy, starts_at: datetime, cutoff_hours: int, now: datetime
) -> SeatRule:
    """How a seat freed at `now` goes to the waiting list of a session starting at `starts_at`
    whose bookings can be cancelled until `cutoff_hours` before it."""
    if starts_at - now >= timedelta(days=policy.window_days):
        return SeatRule(Filling.GIVE)
    cutoff = starts_at - timedelta(hours=cutoff_hours)
    if now >= cutoff:
        return SeatRule(Filling.LEAVE_FREE)
    return SeatRule(Filling.OFFER, min(now + timedelta(hours=policy.hours), cutoff))
