"""People's teams, for coordinators: set one person's team (partner organisations are not in
the council's directory), import a CSV of email,team, and keep the map of Entra departments to
the teams they report as. Every change is audited by the services (training/people/teams.py)."""

import re

from bot.cards.teams import (
    IMPORT_HELP,
    no_team_card,
    person_team_card,
    team_changed_card,
    team_import_card,
    team_import_problems_card,
    team_map_card,
)
from bot.downloads import CertificateTooLarge, Downloads, FileOffer
from bot.fields import MAX_TEXT, FormValue, Text
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, NoData, Outcome, Said, Who
from database.engine import Database
from training.dates.clock import Clock
from training.people import teams
from training.people.team_rule import BadTeamFile, read_team_file
from training.people.teams import TeamProblem

MAX_FILE_BYTES = 1024 * 1024  # 5,000 lines of email,team is about 300 KB
TEAM_MAP = {"team map", "teams map", "department map", "departments map", "departments"}
NO_TEAM = {"no team", "no teams", "without a team", "people without a team", "who has no team"}
BACK_TO_DIRECTORY = {"directory", "from directory", "from the directory", "clear"}
IMPORT = {("import", "teams"), ("import", "team")}
MAP_HOW = "Say the department and the team, e.g. 'map Early Help to Family Services'."


class PersonNamed(CommandData):
    email: Text


class TeamSet(CommandData):
    email: Text
    team: Text


class TeamFile(CommandData):
    files: tuple[FileOffer, ...] = ()


class MapForm(CommandData):
    """The map card's inputs (both its buttons send all of them), or typed words: 'map Early
    Help to Family Services' fills `department` and `team`, 'unmap Early Help' `remove`."""

    department: FormValue = ""
    team: FormValue = ""
    remove: FormValue = ""


def _raw_words(said: Said) -> list[str]:
    """The words as typed (case kept: team names are shown as written), without @mentions."""
    return re.sub(r"<at>.*?</at>", " ", said.raw[:MAX_TEXT]).split()


def _mapped(typed: str) -> MapForm:
    """'Early Help to Family Services' or 'Early Help = Family Services'; the last ' to '
    splits, so a department such as 'Back to Work' can be mapped."""
    if "=" in typed:
        department, _, team = typed.partition("=")
    else:
        parts = re.split(r"\s+to\s+", typed, flags=re.IGNORECASE)
        department, team = " ".join(parts[:-1]), parts[-1] if len(parts) > 1 else ""
    return MapForm(department=department.strip(), team=team.strip())


class TeamCommands(Feature):
    def __init__(self, database: Database, clock: Clock, downloads: Downloads) -> None:
        self.database = database
        self.clock = clock
        self.downloads = downloads

    def phrases(self, said: Said) -> Command | None:
        words, joined = said.words, said.joined
        raw = _raw_words(said)
        if joined in TEAM_MAP:
            return Command("team_map")
        if joined in NO_TEAM:
            return Command("no_team")
        if tuple(words[:2]) in IMPORT and len(words) == 2:
            return Command("import_teams", TeamFile(files=said.files))
        if words[:1] == ("team",) and len(words) >= 2 and "@" in words[1]:
            email, rest = words[1], " ".join(raw[2:])
            if not rest:
                return Command("show_team", PersonNamed(email=email))
            if rest.lower() in BACK_TO_DIRECTORY:
                return Command("clear_team", PersonNamed(email=email))
            return Command("set_team", TeamSet(email=email, team=rest))
        if words[:1] == ("map",) and len(words) > 1:
            return Command("map_department", _mapped(" ".join(raw[1:])))
        if words[:1] == ("unmap",) and len(words) > 1:
            return Command("unmap_department", MapForm(remove=" ".join(raw[1:])))
        return None

    @route("show_team", PersonNamed, who=Who.COORDINATOR, from_cards=False)
    async def show_team(self, caller: Caller, data: PersonNamed, key: str | None) -> Outcome:
        person = await self.database.run(teams.person_team, data.email)
        return Outcome(card=person_team_card(person))

    @route("set_team", TeamSet, who=Who.COORDINATOR, from_cards=False)
    async def set_team(self, caller: Caller, data: TeamSet, key: str | None) -> Outcome:
        change = await self.database.run(
            teams.set_team,
            data.email,
            data.team,
            self.clock.now(),
            actor_staff_id=caller.staff_id,
        )
        return Outcome(card=team_changed_card(change))

    @route("clear_team", PersonNamed, who=Who.COORDINATOR, from_cards=True)
    async def clear_team(self, caller: Caller, data: PersonNamed, key: str | None) -> Outcome:
        change = await self.database.run(
            teams.clear_team, data.email, self.clock.now(), actor_staff_id=caller.staff_id
        )
        return Outcome(card=team_changed_card(change))

    @route("import_teams", TeamFile, who=Who.COORDINATOR, from_cards=False)
    async def import_teams(self, caller: Caller, data: TeamFile, key: str | None) -> Outcome:
        if not data.files:
            return Outcome(text=IMPORT_HELP)
        offer = data.files[0]
        if offer.bot_token:  # a picture pasted into the chat, not a file
            return Outcome(text=IMPORT_HELP)
        try:
            content = await self.downloads.fetch(offer, MAX_FILE_BYTES)
        except CertificateTooLarge:
            raise TeamProblem(
                f"That file is larger than {MAX_FILE_BYTES // 1024} KB: "
                "send at most 5,000 people at a time."
            ) from None
        try:
            lines = read_team_file(content)
        except BadTeamFile as bad:
            return Outcome(card=team_import_problems_card(bad.problems))
        result = await self.database.run(
            teams.import_teams, lines, self.clock.now(), actor_staff_id=caller.staff_id
        )
        return Outcome(card=team_import_card(result))

    @route("team_map", NoData, who=Who.COORDINATOR, from_cards=True)
    async def team_map(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        return Outcome(card=team_map_card(await self.database.run(teams.mappings)))

    @route("map_department", MapForm, who=Who.COORDINATOR, from_cards=True)
    async def map_department(self, caller: Caller, data: MapForm, key: str | None) -> Outcome:
        if not data.department.strip() or not data.team.strip():
            lines = await self.database.run(teams.mappings)
            return Outcome(card=team_map_card(lines, error=MAP_HOW))
        change = await self.database.run(
            teams.map_department,
            data.department,
            data.team,
            self.clock.now(),
            actor_staff_id=caller.staff_id,
        )
        was = f" (was {change.before})" if change.before and change.before != change.after else ""
        note = (
            f"{change.department} reports as {change.after}{was}: "
            f"{change.refiled} {'person' if change.refiled == 1 else 'people'} re-filed."
        )
        return Outcome(card=team_map_card(change.mappings, note=note))

    @route("unmap_department", MapForm, who=Who.COORDINATOR, from_cards=True)
    async def unmap_department(self, caller: Caller, data: MapForm, key: str | None) -> Outcome:
        if not data.remove.strip():
            lines = await self.database.run(teams.mappings)
            return Outcome(card=team_map_card(lines, error="Choose the department to take out."))
        change = await self.database.run(
            teams.unmap_department,
            data.remove,
            self.clock.now(),
            actor_staff_id=caller.staff_id,
        )
        note = (
            f"{change.department} no longer reports as {change.before}: its people are in "
            f"'{change.department}' again ({change.refiled} re-filed)."
        )
        return Outcome(card=team_map_card(change.mappings, note=note))

    @route("no_team", NoData, who=Who.COORDINATOR, from_cards=True)
    async def no_team(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        return Outcome(card=no_team_card(await self.database.run(teams.people_without_team)))
