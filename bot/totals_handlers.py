"""Totals, board reports, exports and feedback summaries: coordinators only (checked in
`Handlers.handle` through COORDINATOR_VERBS), every view audited by the services."""

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session as DbSession

from bot.cards.elements import card, execute, heading, text
from bot.cards.files import file_consent_attachment
from bot.cards.totals import (
    not_understood_card,
    period_feedback_card,
    session_feedback_card,
    totals_card,
)
from bot.handlers import Caller, Outcome, Route
from documents.chart import chart_png, data_uri
from documents.exports import export_file
from training import audit, feedback, totals
from training.clock import Clock
from training.db import Database
from training.feedback import FeedbackScope, FeedbackSummary
from training.report import headline
from training.totals import UnmatchedCounter, scope_of
from training.totals_language import NotUnderstood, TotalsQuery, parse_totals_request

REPORT_FORMATS = [("Word document", "docx"), ("Markdown", "md")]


class TotalsHandlers:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        unmatched: UnmatchedCounter | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone
        self.unmatched = unmatched

    def routes(self) -> dict[str, Route]:
        return {
            "totals": self.totals,
            "report": self.report,
            "export_totals": self.export_totals,
            "feedback_summary": self.feedback_summary,
        }

    async def read(self, words: str) -> TotalsQuery | NotUnderstood:
        vocabulary = await self.database.run(totals.vocabulary)
        today = self.clock.now().astimezone(self.zone).date()
        return parse_totals_request(words, today, vocabulary)

    async def totals(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        query = await self.read(str(data.get("query", "")))
        if isinstance(query, NotUnderstood):
            return Outcome(card=not_understood_card(query))
        found = await self.database.run(
            totals.view_totals,
            query,
            self.clock.now(),
            self.zone,
            viewer_staff_id=caller.staff_id,
            unmatched=self.unmatched,
        )
        chart = await asyncio.to_thread(chart_png, found)
        return Outcome(card=totals_card(found, self.zone, query, data_uri(chart)))

    async def report(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        query = await self.read(str(data.get("query", "")))
        if isinstance(query, NotUnderstood):
            return Outcome(card=not_understood_card(query, verb="report"))
        found = await self.database.run(
            totals.view_totals,
            query,
            self.clock.now(),
            self.zone,
            viewer_staff_id=caller.staff_id,
            action="report.view",
            unmatched=self.unmatched,
        )
        words = query.words()
        body = [
            heading("Training section of the Prevent update"),
            text(found.scope.label, isSubtle=True, spacing="None"),
            *[text(sentence) for sentence in headline(found)],
            text("Choose a format: I'll send the document here for you to save.", isSubtle=True),
        ]
        actions = [
            execute(title, "export_totals", query=words, format=kind)
            for title, kind in REPORT_FORMATS
        ]
        return Outcome(card=card(body, actions))

    async def export_totals(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        query = await self.read(str(data.get("query", "")))
        if isinstance(query, NotUnderstood):
            return Outcome(card=not_understood_card(query))
        file_format = str(data["format"])
        found = await self.database.run(
            totals.totals_for_export, query, self.clock.now(), self.zone, unmatched=self.unmatched
        )
        made = await asyncio.to_thread(export_file, found, file_format, self.zone)
        context = {"query": query.words(), "format": file_format}
        consent = file_consent_attachment(made.name, made.description, len(made.content), context)
        await self.database.run(
            audit.record,
            caller.staff_id,
            f"export.offer.{file_format}",
            self.clock.now(),
            subject=made.scope_label,
            detail=query.words(),
        )
        return Outcome(
            text="Press Allow to save it to your OneDrive; I'll post the file here.",
            attachments=[consent],
        )

    async def feedback_summary(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        now = self.clock.now()
        if "session_id" in data:
            session, summary = await self.database.run(
                feedback.session_feedback, data["session_id"], now, viewer_staff_id=caller.staff_id
            )
            return Outcome(card=session_feedback_card(session, summary, self.zone))
        query = await self.read(str(data.get("query", "")))
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
