"""Totals, board reports, exports and feedback summaries, every view audited by the services.
Figures without personal data (totals, the report, their exports) are for the reporters too;
feedback summaries quote people's comments, so they stay with the coordinators."""

import asyncio
from zoneinfo import ZoneInfo

from bot.cards.totals import (
    not_understood_card,
    period_feedback_card,
    report_card,
    session_feedback_card,
    totals_card,
)
from bot.fields import MAX_QUERY, ExportFormat, Id, Query, number
from bot.file_delivery import FileDelivery
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, Outcome, Said, Who
from database.engine import Database
from documents.chart import chart_png, data_uri
from documents.exports import export_file
from training.dates.clock import Clock
from training.figures import feedback, questions
from training.figures.plain_words import NotUnderstood


class TotalsAsked(CommandData):
    """The words of a totals question ('totals WRAP by team 2020-21')."""

    query: Query = ""


class ExportAsked(CommandData):
    query: Query = ""
    format: ExportFormat


class FeedbackAsked(CommandData):
    """Feedback on one session, or over the period the words name."""

    session_id: Id | None = None
    query: Query = ""


class TotalsCommands(Feature):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        files: FileDelivery,
    ) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone
        self.files = files

    def phrases(self, said: Said) -> Command | None:
        first, rest, raw = said.first, said.rest, said.raw
        if first in {"totals", "total"} or said.joined.startswith("how many"):
            return Command("totals", TotalsAsked(query=raw[:MAX_QUERY]))
        if first == "report":
            return Command("report", TotalsAsked(query=raw[:MAX_QUERY]))
        if first == "feedback" and rest[:1] == ("summary",):
            n = number(rest[1]) if len(rest) == 2 else None
            if n is not None:
                return Command("feedback_summary", FeedbackAsked(session_id=n))
            return Command("feedback_summary", FeedbackAsked(query=" ".join(rest[1:])[:MAX_QUERY]))
        return None

    @route("totals", TotalsAsked, who=Who.REPORTER, from_cards=True)
    async def totals(self, caller: Caller, data: TotalsAsked, key: str | None) -> Outcome:
        answer = await self.database.run(
            questions.answer_totals,
            data.query,
            self.clock.now(),
            self.zone,
            viewer_staff_id=caller.staff_id,
        )
        if isinstance(answer, NotUnderstood):
            return Outcome(card=not_understood_card(answer))
        chart = await asyncio.to_thread(chart_png, answer.totals)
        shown = totals_card(answer.totals, self.zone, answer.query, data_uri(chart), answer.no_team)
        return Outcome(card=shown)

    @route("report", TotalsAsked, who=Who.REPORTER, from_cards=True)
    async def report(self, caller: Caller, data: TotalsAsked, key: str | None) -> Outcome:
        answer = await self.database.run(
            questions.answer_totals,
            data.query,
            self.clock.now(),
            self.zone,
            viewer_staff_id=caller.staff_id,
            action="report.view",
        )
        if isinstance(answer, NotUnderstood):
            return Outcome(card=not_understood_card(answer, verb="report"))
        return Outcome(card=report_card(answer.totals, answer.query.words()))

    @route("export_totals", ExportAsked, who=Who.REPORTER, from_cards=True)
    async def export_totals(self, caller: Caller, data: ExportAsked, key: str | None) -> Outcome:
        answer = await self.database.run(
            questions.totals_to_export,
            data.query,
            self.clock.now(),
            self.zone,
        )
        if isinstance(answer, NotUnderstood):
            return Outcome(card=not_understood_card(answer))
        made = await asyncio.to_thread(export_file, answer.totals, data.format, self.zone)
        words = answer.query.words()
        return await self.files.offer(
            caller,
            made.name,
            made.description,
            made.content,
            kind=data.format,
            subject=made.scope_label,
            detail=words,
            context={"query": words, "format": data.format},
        )

    @route("feedback_summary", FeedbackAsked, who=Who.COORDINATOR, from_cards=False)
    async def feedback_summary(
        self, caller: Caller, data: FeedbackAsked, key: str | None
    ) -> Outcome:
        now = self.clock.now()
        if data.session_id is not None:
            session, summary = await self.database.run(
                feedback.session_feedback, data.session_id, now, viewer_staff_id=caller.staff_id
            )
            return Outcome(card=session_feedback_card(session, summary, self.zone))
        period = await self.database.run(
            questions.feedback_for_period,
            data.query,
            now,
            self.zone,
            viewer_staff_id=caller.staff_id,
        )
        if isinstance(period, NotUnderstood):
            return Outcome(card=not_understood_card(period))
        return Outcome(card=period_feedback_card(period.label, period.summary, self.zone))
