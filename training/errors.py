"""What can go wrong in the domain, each in words the bot can pass on to a person."""

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from training.views import BookingSummary


class TrainingError(Exception):
    """Base of every rule the domain refuses to break. `str()` is a sentence for the user."""


class UnknownSession(TrainingError):
    def __init__(self, session_id: object) -> None:
        super().__init__(f"I can't find session {session_id}. Type 'sessions' to see what's on.")


class UnknownBooking(TrainingError):
    def __init__(self) -> None:
        super().__init__("I can't find that booking of yours. Type 'my bookings' to see them.")


class UnknownCourse(TrainingError):
    def __init__(self, course: object) -> None:
        super().__init__(f"I don't know a course called '{course}'.")


class SessionCancelled(TrainingError):
    def __init__(self) -> None:
        super().__init__("That session has been cancelled, so it can't be booked.")


class SessionClosed(TrainingError):
    def __init__(self, reason: str = "bookings for that session are closed") -> None:
        super().__init__(f"Sorry, {reason}.")


class SessionFull(TrainingError):
    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        super().__init__("That session is full. You can join its waiting list.")


class AlreadyBooked(TrainingError):
    def __init__(self, status: str) -> None:
        self.status = status
        if status == "offered":
            super().__init__(
                "A seat on that session is being held for you: accept it on the offer "
                "(type 'my bookings' to see it)."
            )
            return
        where = "on the waiting list for" if status == "waitlisted" else "booked on"
        super().__init__(f"You're already {where} that session.")


class BookingMoved(TrainingError):
    """A button pressed on a card drawn before the booking changed: nothing was done."""

    def __init__(self, now: "BookingSummary", expected: str) -> None:
        self.booking = now
        title = now.session.course_title
        if now.status == "booked":
            told = f"Since that card was sent you were given a seat on {title}: you're booked."
        elif now.status == "waitlisted":
            told = f"You're on the waiting list for {title}, not booked."
        elif now.status == "offered":
            told = (
                f"Since that card was sent a seat on {title} came free and is held for you: "
                "accept or decline it (type 'my bookings')."
            )
        else:
            told = f"Your booking on {title} is already cancelled."
        super().__init__(f"{told} I haven't changed anything.")


class CancellationClosed(TrainingError):
    def __init__(self, hours: int) -> None:
        super().__init__(
            f"Bookings can't be cancelled in the last {hours} hours before the session. "
            "Please contact the Prevent coordinator."
        )


class NotACoordinator(TrainingError):
    def __init__(self) -> None:
        super().__init__("Only the Prevent coordinators can do that.")


class NotAReporter(TrainingError):
    def __init__(self) -> None:
        super().__init__(
            "Only the Prevent coordinators and the people who report on training can see that."
        )


class NotAnAuditor(TrainingError):
    def __init__(self) -> None:
        super().__init__("Only the Prevent coordinators and the auditors can read the audit log.")


class InvalidSessionDetails(TrainingError):
    """A coordinator's new-session form that doesn't add up; the message says what to fix."""


class UnknownBoard(TrainingError):
    def __init__(self, wanted: object) -> None:
        super().__init__(f"I can't find a board called '{wanted}'. Type 'boards' to see them.")


class AmbiguousBoard(TrainingError):
    def __init__(self, wanted: str, names: list[str]) -> None:
        super().__init__(
            f"'{wanted}' could be any of: {'; '.join(names)}. Please give more of the name."
        )


class InvalidBoardDetails(TrainingError):
    """A board form that doesn't add up; the message says what to fix."""


class UnknownDelivery(TrainingError):
    def __init__(self) -> None:
        super().__init__("I can't find that message. Type 'failed deliveries' to see them.")


class FeedbackNotOpen(TrainingError):
    def __init__(self) -> None:
        super().__init__("Feedback on that session opens when it has finished.")


class FeedbackClosed(TrainingError):
    def __init__(self, closed_on: str) -> None:
        super().__init__(
            f"Thank you, but feedback on that session closed on {closed_on}, so I can't take it "
            "now. The Prevent coordinator is always glad to hear from you directly."
        )


class NotInvitedToFeedback(TrainingError):
    def __init__(self) -> None:
        super().__init__(
            "Feedback on a session comes from the people who attended it, and I don't have you "
            "down for that one."
        )


class InvalidFeedback(TrainingError):
    """Feedback that doesn't fit the form (a rating out of range, say); says what to fix."""


class NotTheBoardLead(TrainingError):
    def __init__(self) -> None:
        super().__init__("Only the Prevent coordinators or the board's lead can do that.")


class AttendanceProblem(TrainingError):
    """Attendance cannot be read or resolved; the message says why and what to do."""


class UnknownAttendee(TrainingError):
    def __init__(self) -> None:
        super().__init__(
            "I can't find that attendee, or they have already been resolved. "
            "Type 'unmatched' to see who is left."
        )


class UnknownOffer(TrainingError):
    def __init__(self) -> None:
        super().__init__("I can't find that seat offer. Type 'my bookings' to see yours.")


class NotYourOffer(TrainingError):
    def __init__(self) -> None:
        super().__init__(
            "That seat was offered to someone else, so only they can answer it. "
            "Type 'my bookings' to see your own."
        )


class RegisterNotOpen(TrainingError):
    def __init__(self, session_id: int) -> None:
        super().__init__(
            f"Session {session_id} hasn't started yet: its register opens when it starts."
        )


class RegisterClosed(TrainingError):
    def __init__(self, session_id: int) -> None:
        super().__init__(f"Session {session_id} was cancelled, so it has no register.")


class RegisterClosedToFacilitators(TrainingError):
    def __init__(self, session_id: int, closed_at: datetime) -> None:
        super().__init__(
            f"Session {session_id}'s register closed to facilitators on {closed_at:%d %b %Y}: "
            "ask a Prevent coordinator to correct it."
        )


class NotRunningSession(TrainingError):
    def __init__(self) -> None:
        super().__init__(
            "Only the Prevent coordinators or the session's facilitators can take its register."
        )


class SessionAlreadyCreated(TrainingError):
    """The same new-session form sent again (Create pressed twice): nothing new was made."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        super().__init__(f"That form was already used: it created session #{session_id}.")
