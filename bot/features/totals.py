"""Totals, board reports, exports and feedback summaries: coordinators only, every view
audited by the services."""

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session as DbSession

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
from training.data_protection import audit
from training.dates.clock import Clock
from training.figures import feedback, totals
from training.figures.feedback import FeedbackScope, FeedbackSummary
from training.figures.plain_words import NotUnderstood, TotalsQuery, parse_totals_request
from training.figures.totals import scope_of
from training.people import teams


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

    async def read(self, words: str) -> TotalsQuery | NotUnderstood:
        vocabulary = await self.database.run(totals.vocabulary)
        today = self.clock.now().astimezone(self.zone).date()
        return parse_totals_request(words, today, vocabulary)

    @route("totals", TotalsAsked, who=Who.COORDINATOR, from_cards=True)
    async def totals(self, caller: Caller, data: TotalsAsked, key: str | None) -> Outcome:
        query = await self.read(data.query)
        if isinstance(query, NotUnderstood):
            return Outcome(card=not_understood_card(query))
        found = await self.database.run(
            totals.view_totals,
            query,
            self.clock.now(),
            self.zone,
            viewer_staff_id=caller.staff_id,
        )
        chart = await asyncio.to_thread(chart_png, found)
        no_team = None
        if any(line.name == totals.NO_TEAM for line in found.by_team):
            scope = found.scope
            no_team = await self.database.run(
                teams.no_team_in, scope.start, scope.end, scope.course_code
            )
        return Outcome(card=totals_card(found, self.zone, query, data_uri(chart), no_team))

    @route("report", TotalsAsked, who=Who.COORDINATOR, from_cards=True)
    async def report(self, caller: Caller, data: TotalsAsked, key: str | None) -> Outcome:
        query = await self.read(data.query)
        if isinstance(query, NotUnderstood):
            return Outcome(card=not_understood_card(query, verb="report"))
        found = await self.database.run(
            totals.view_totals,
            query,
            self.clock.now(),
            self.zone,
            viewer_staff_id=caller.staff_id,
            action="report.view",
        )
        return Outcome(card=report_card(found, query.words()))

    @route("export_totals", ExportAsked, who=Who.COORDINATOR, from_cards=True)
    async def export_totals(self, caller: Caller, data: ExportAsked, key: str | None) -> Outcome:
        query = await self.read(data.query)
        if isinstance(query, NotUnderstood):
            return Outcome(card=not_understood_card(query))
        found = await self.database.run(
            totals.totals_for_export, query, self.clock.now(), self.zone
        )
        made = await asyncio.to_thread(export_file, found, data.format, self.zone)
        return await self.files.offer(
            caller,
            made.name,
            made.description,
            made.content,
            kind=data.format,
            subject=made.scope_label,
            detail=query.words(),
            context={"query": query.words(), "format": data.format},
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
        query = await self.read(data.query)
        if isinstance(query, NotUnderstood):
            return Outcome(card=not_understood_card(query))
        summary = await self.database.run(self._period_feedback, query, now, caller.staff_id)
        return Outcome(card=period_feedback_card(query.describe(), summary, self.zone))

    def _period_feedback(
        self, db: DbSession, query: TotalsQuery, now: datetime, viewer: int
    ) -> FeedbackSummary:
        scope = scope_of(query, self.zone)
        course_id = totals.course_id_of(db, scope.course_code)
        summary = feedback.feedback_summary(
            db,
            FeedbackScope(scope.start, scope.end, scope.team, course_id),
            now,
            comments_limit=10,
        )
        audit.record(db, viewer, "feedback.view", now, subject=scope.label, detail=query.words())
        return summary
