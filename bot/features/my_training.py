"""A person's own training record: what they completed, and when a refresher is due."""

from zoneinfo import ZoneInfo

from bot.cards.my_training import my_training_card
from bot.router import Feature, route
from bot.turn import Caller, Command, NoData, Outcome, Said, Who
from database.engine import Database
from training.dates.clock import Clock
from training.records.my_training import my_training

MY_TRAINING = {"my training", "my record", "my completions"}


class MyTrainingCommands(Feature):
    def __init__(self, database: Database, clock: Clock, zone: ZoneInfo) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone

    def phrases(self, said: Said) -> Command | None:
        return Command("my_training") if said.joined in MY_TRAINING else None

    @route("my_training", NoData, who=Who.STAFF, from_cards=True)
    async def my_training(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        mine = await self.database.run(my_training, caller.staff_id, self.clock.now())
        return Outcome(card=my_training_card(mine, self.zone))
