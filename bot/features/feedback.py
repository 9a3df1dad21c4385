"""Feedback in chat: the form for a session, and saving (or changing) the answers."""

from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.feedback import feedback_card, feedback_thanks_card
from bot.fields import FormValue, Id, SessionRef, digits, number
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, Outcome, Said, Who
from database.engine import Database
from training.dates.clock import Clock
from training.errors import InvalidFeedback
from training.figures import feedback
from training.figures.feedback import FeedbackAnswers


class FeedbackSubmitted(CommandData):
    """The feedback card's inputs: four ratings, two comments, and consent to be named."""

    session_id: Id
    overall: FormValue | None = None
    usefulness: FormValue | None = None
    confidence_before: FormValue | None = None
    confidence_after: FormValue | None = None
    most_useful: FormValue = ""
    could_be_better: FormValue = ""
    consent_to_attribute: FormValue | None = None


QUESTIONS = {
    "overall": "Overall, how was the session?",
    "usefulness": "How useful was it for your role?",
    "confidence_before": "Before the session, how confident were you?",
    "confidence_after": "And now, after it?",
}


def _rating(value: str | None, name: str) -> int:
    if value is not None and digits(value.strip()) and len(value.strip()) < 3:
        return int(value)
    raise InvalidFeedback(
        f"Please choose a rating from 1 to 5 for '{QUESTIONS[name]}'; your other answers are kept."
    )


def _consent(value: str | None) -> bool:
    if value in ("true", "True"):
        return True
    if value in ("false", "False", None, ""):
        return False
    raise InvalidFeedback("Please say yes or no to being named with your comments.")


def answers_from_card(form: FeedbackSubmitted) -> FeedbackAnswers:
    """The card's inputs as answers; anything a person could not have typed is refused."""
    return FeedbackAnswers(
        overall=_rating(form.overall, "overall"),
        usefulness=_rating(form.usefulness, "usefulness"),
        confidence_before=_rating(form.confidence_before, "confidence_before"),
        confidence_after=_rating(form.confidence_after, "confidence_after"),
        most_useful=form.most_useful,
        could_be_better=form.could_be_better,
        consent_to_attribute=_consent(form.consent_to_attribute),
    )


class FeedbackCommands(Feature):
    def __init__(self, database: Database, clock: Clock, zone: ZoneInfo, edit_days: int) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone
        self.edit_days = edit_days

    def phrases(self, said: Said) -> Command | None:
        n = number(said.rest[0]) if said.first == "feedback" and said.rest else None
        if n is not None:
            return Command("feedback_form", SessionRef(session_id=n))
        return None

    @route("feedback_form", SessionRef, who=Who.STAFF, from_cards=True)
    async def feedback_form(self, caller: Caller, data: SessionRef, key: str | None) -> Outcome:
        return await self._form(caller, data.session_id)

    @route("submit_feedback", FeedbackSubmitted, who=Who.STAFF, from_cards=True)
    async def submit_feedback(
        self, caller: Caller, data: FeedbackSubmitted, key: str | None
    ) -> Outcome:
        try:
            receipt = await self.database.run(
                feedback.submit_feedback,
                caller.staff_id,
                data.session_id,
                answers_from_card(data),
                self.clock.now(),
                edit_days=self.edit_days,
                zone=self.zone,
            )
        except InvalidFeedback as problem:
            # The form again with every answer sent and what to fix; nothing was saved.
            typed = data.model_dump(exclude={"session_id"}, exclude_none=True)
            return await self._form(caller, data.session_id, error=str(problem), typed=typed)
        return Outcome(card=feedback_thanks_card(receipt, self.zone))

    async def _form(
        self, caller: Caller, session_id: int, error: str = "", typed: dict[str, Any] | None = None
    ) -> Outcome:
        form = await self.database.run(
            feedback.feedback_form,
            caller.staff_id,
            session_id,
            self.clock.now(),
            edit_days=self.edit_days,
            zone=self.zone,
        )
        return Outcome(card=feedback_card(form, self.zone, error=error, typed=typed))
