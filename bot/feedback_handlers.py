"""Feedback in chat: the form for a session, and saving (or changing) the answers."""

from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.feedback import RATINGS, feedback_card, feedback_thanks_card
from bot.handlers import Caller, Outcome, Route
from training import feedback
from training.clock import Clock
from training.db import Database
from training.errors import InvalidFeedback
from training.feedback import FeedbackAnswers


def _rating(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 3:
        return int(value)
    raise InvalidFeedback("Please choose a rating from 1 to 5 for each question.")


def _consent(value: Any) -> bool:
    if value in (True, "true", "True"):
        return True
    if value in (False, "false", "False", None, ""):
        return False
    raise InvalidFeedback("Please say yes or no to being named with your comments.")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def answers_from_card(data: dict[str, Any]) -> FeedbackAnswers:
    """The card's inputs as answers; anything a person could not have typed is refused."""
    ratings = [_rating(data.get(name)) for name in RATINGS]
    return FeedbackAnswers(
        *ratings,
        most_useful=_text(data.get("most_useful")),
        could_be_better=_text(data.get("could_be_better")),
        consent_to_attribute=_consent(data.get("consent_to_attribute")),
    )


class FeedbackHandlers:
    def __init__(self, database: Database, clock: Clock, zone: ZoneInfo, edit_days: int) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone
        self.edit_days = edit_days

    def routes(self) -> dict[str, Route]:
        return {"feedback_form": self.feedback_form, "submit_feedback": self.submit_feedback}

    async def feedback_form(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        form = await self.database.run(
            feedback.feedback_form,
            caller.staff_id,
            data["session_id"],
            self.clock.now(),
            edit_days=self.edit_days,
            zone=self.zone,
        )
        return Outcome(card=feedback_card(form, self.zone))

    async def submit_feedback(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        try:
            answers = answers_from_card(data)
            receipt = await self.database.run(
                feedback.submit_feedback,
                caller.staff_id,
                data["session_id"],
                answers,
                self.clock.now(),
                edit_days=self.edit_days,
                zone=self.zone,
            )
        except InvalidFeedback as problem:
            # Show the form again (as saved so far) with what to fix; nothing was changed.
            form = await self.database.run(
                feedback.feedback_form,
                caller.staff_id,
                data["session_id"],
                self.clock.now(),
                edit_days=self.edit_days,
                zone=self.zone,
            )
            return Outcome(card=feedback_card(form, self.zone, error=str(problem)))
        return Outcome(card=feedback_thanks_card(receipt, self.zone))
