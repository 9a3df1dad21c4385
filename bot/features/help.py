"""Help, and the answer to words the bot does not understand."""

from bot.cards.help import closest_commands, help_card, unknown_words_card
from bot.fields import MAX_ID, Text, beyond_ids
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, NoData, Outcome, Said, Who

GREETINGS = {"help", "hi", "hello", "?", "menu", "start"}


class UnknownWords(CommandData):
    text: Text = ""


class HelpCommands(Feature):
    def phrases(self, said: Said) -> Command | None:
        # A greeting that carries a file is someone sending a certificate, not asking for help.
        if (not said.words or said.first in GREETINGS) and not said.files:
            return Command("help")
        return None

    def not_understood(self, said: Said) -> Command:
        return Command("unknown", UnknownWords(text=said.raw[:100]))

    @route("help", NoData, in_shared_chats=True, from_cards=False, who=Who.STAFF)
    async def help(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        shown = help_card(
            caller.is_coordinator, is_reporter=caller.is_reporter, is_auditor=caller.is_auditor
        )
        return Outcome(card=shown)

    @route("unknown", UnknownWords, in_shared_chats=True, from_cards=False, who=Who.STAFF)
    async def unknown(self, caller: Caller, data: UnknownWords, key: str | None) -> Outcome:
        said = data.text.strip()
        note = f'Sorry, I didn\'t understand "{said}".' if said else "Sorry, I didn't get that."
        if huge := next((w.lstrip("#") for w in said.split() if beyond_ids(w)), None):
            note = (
                f"Nothing has the number {huge[:20]}: sessions, bookings and records are "
                f"numbered up to {MAX_ID}. Type 'sessions' or 'my bookings' to see their numbers."
            )
        suggestions = closest_commands(said, caller.is_coordinator)
        return Outcome(card=unknown_words_card(note, suggestions))
