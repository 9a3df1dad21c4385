"""The audit log: who did or looked at what, and when (the coordinators and the auditors)."""

from zoneinfo import ZoneInfo

from bot.cards.audit import audit_card
from bot.router import Feature, route
from bot.turn import Caller, Command, NoData, Outcome, Said, Who
from database.engine import Database
from training.data_protection import audit
from training.dates.clock import Clock


class AuditCommands(Feature):
    def __init__(self, database: Database, clock: Clock, zone: ZoneInfo) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone

    def phrases(self, said: Said) -> Command | None:
        return Command("audit_log") if said.joined in {"audit", "audit log"} else None

    @route("audit_log", NoData, who=Who.AUDITOR, from_cards=False)
    async def audit_log(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        lines = await self.database.run(audit.recent, caller.staff_id, self.clock.now())
        return Outcome(card=audit_card(lines, self.zone))
