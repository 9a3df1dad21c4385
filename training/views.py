"""Plain read-only pictures of domain state, handed to adapters (no ORM objects leak out)."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SessionSummary:
    id: int
    course_code: str
    course_title: str
    starts_at: datetime
    ends_at: datetime
    online: bool
    join_url: str | None
    location: str | None
    capacity: int
    booked: int
    waitlisted: int
    status: str
    bookings_open: bool
    audience: str
    facilitators: str  # names typed before facilitators were named by email, still to fix
    offered: int = 0  # seats held for someone on the waiting list until they answer
    # The named facilitators' emails (one session's summary only; empty in listings).
    facilitator_emails: tuple[str, ...] = ()

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.booked - self.offered, 0)

    @property
    def full(self) -> bool:
        return self.booked + self.offered >= self.capacity


@dataclass(frozen=True)
class BookingSummary:
    id: int
    status: str
    session: SessionSummary
    requested_at: datetime
    waitlist_position: int | None = None
    # Until when its holder may cancel it themselves (None: they can't, e.g. it is cancelled).
    cancel_until: datetime | None = None
    cutoff_at: datetime | None = None  # the session's cancellation cut-off

    def cancellable(self, now: datetime) -> bool:
        return self.cancel_until is not None and now < self.cancel_until

    # While a seat is offered to them: the offer, and when it runs out.
    offer_id: int | None = None
    offer_expires_at: datetime | None = None


@dataclass(frozen=True)
class BookingOutcome:
    """What `book_seat` did. `repeated` is true when the same request was already handled."""

    booking: BookingSummary
    repeated: bool = False


@dataclass(frozen=True)
class Person:
    staff_id: int
    display_name: str
    email: str | None
    team: str | None


@dataclass(frozen=True)
class SeatPassed:
    """A free seat went to someone waiting: booked at once, or offered (`booking.status`)."""

    person: Person
    booking: BookingSummary


@dataclass(frozen=True)
class CancellationOutcome:
    booking: BookingSummary
    passed: tuple[SeatPassed, ...] = ()
    repeated: bool = False


@dataclass(frozen=True)
class RosterLine:
    booking_id: int
    person: Person
    status: str
    requested_at: datetime
    offer_expires_at: datetime | None = None


@dataclass(frozen=True)
class Roster:
    """Who booked, waited and cancelled; and, once attendance is known, who came without
    booking and which external guests came (from the session's attendance rows, as every
    other view reads them)."""

    session: SessionSummary
    booked: list[RosterLine]
    waitlisted: list[RosterLine]
    cancelled: list[RosterLine]
    walk_ins: tuple[Person, ...] = ()
    guests: tuple[Person, ...] = ()
    started: bool = False  # as read: a started session can no longer be changed or called off
    offered: tuple[RosterLine, ...] = ()  # seats held for people waiting, until they answer


@dataclass(frozen=True)
class SessionCancellation:
    session: SessionSummary
    people_to_tell: list[Person]
    repeated: bool = False


@dataclass(frozen=True)
class CourseChoice:
    id: int
    code: str
    title: str
    default_duration_minutes: int
