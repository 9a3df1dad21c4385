"""Cards for people's teams: one person's team, the department-to-team map, a CSV import and
the people with no team yet."""

from bot.cards.elements import Card, card, execute, facts, heading, text
from training.people.team_rule import COORDINATOR, DIRECTORY
from training.people.teams import ImportResult, MappingLine, NoTeam, PersonTeam, TeamChange

MAX_PROBLEMS = 20
MAX_MAPPINGS = 60
HOW_TO_FIX = (
    "Set someone's team with 'team email Team name' (e.g. 'team jo.bloggs@probation.gov.uk "
    "Probation Service'), send a CSV of email,team with 'import teams', or map an Entra "
    "department to a team with 'map Early Help to Family Services'."
)
IMPORT_HELP = (
    "Attach a CSV file with one person a line, email,team (a header line 'email,team' is "
    "fine), and type 'import teams' with it. Nothing is changed unless every line is right."
)


def _source(person: PersonTeam) -> str:
    if person.source == COORDINATOR:
        return "a coordinator (the directory does not change it)"
    if person.source == DIRECTORY:
        return "Entra ID, through the department map"
    return "recorded before teams came from Entra ID" if person.team else "-"


def person_team_card(person: PersonTeam, note: str = "") -> Card:
    """One person's team, who set it, and their Entra department."""
    body = [heading(f"Team: {person.display_name}")]
    if note:
        body.append(text(note))
    body.append(
        facts(
            [
                ("Email", person.email or "-"),
                ("Team", person.team or "no team recorded"),
                ("Set by", _source(person)),
                ("Entra department", person.department or "none known"),
            ]
        )
    )
    actions = []
    if person.source == COORDINATOR and person.email:
        actions.append(execute("Use the directory's team", "clear_team", email=person.email))
    return card(body, actions)


def team_changed_card(change: TeamChange) -> Card:
    person = change.person
    before = change.before or "no team"
    if change.before == person.team:
        note = f"{person.display_name} was already in {person.team or 'no team'}."
    else:
        note = f"{person.display_name}: {before} → {person.team or 'no team'}."
    if change.created:
        note += " I hadn't met them yet: they are linked when they first chat or attend."
    return person_team_card(person, note)


def team_map_card(lines: list[MappingLine], note: str = "", error: str = "") -> Card:
    """The department-to-reporting-team map, a form to add or change a line, and a choice of
    line to take out (both buttons send every input: one form, two verbs)."""
    body = [heading("Departments and the teams they report as")]
    if note:
        body.append(text(note))
    if error:
        body.append(text(error, color="Attention"))
    if not lines:
        body.append(
            text(
                "No departments are mapped: each person's Entra department is their team.",
                isSubtle=True,
            )
        )
    shown = lines[:MAX_MAPPINGS]
    if shown:
        body.append(
            facts([(line.department, f"{line.team} ({line.people} in Entra ID)") for line in shown])
        )
    if len(lines) > MAX_MAPPINGS:
        body.append(text(f"…and {len(lines) - MAX_MAPPINGS} more.", isSubtle=True))
    body += [
        text("Add or change a department", weight="Bolder", spacing="Medium"),
        {
            "type": "Input.Text",
            "id": "department",
            "label": "Entra department",
            "placeholder": "e.g. Early Help",
            "maxLength": 200,
        },
        {
            "type": "Input.Text",
            "id": "team",
            "label": "Reports as team",
            "placeholder": "e.g. Family Services",
            "maxLength": 200,
        },
    ]
    actions = [execute("Save", "map_department")]
    if shown:
        body += [
            text("Or take one out of the map", weight="Bolder", spacing="Medium"),
            {
                "type": "Input.ChoiceSet",
                "id": "remove",
                "label": "Department to take out",
                "style": "compact",
                "choices": [{"title": line.department, "value": line.department} for line in shown],
            },
        ]
        actions.append(execute("Take out", "unmap_department"))
    return card(body, actions)


def team_import_card(result: ImportResult) -> Card:
    return card(
        [
            heading("Teams imported"),
            facts(
                [
                    ("People in the file", str(result.people)),
                    ("Team changed", str(result.changed)),
                    ("Already in that team", str(result.people - result.changed)),
                    ("New to me (linked when they chat or attend)", str(result.added)),
                ]
            ),
            text("A coordinator's team stands whatever Entra ID says.", isSubtle=True),
        ]
    )


def team_import_problems_card(problems: list[str]) -> Card:
    """Why a file was refused, line by line; nothing was changed."""
    body = [
        heading("I changed nothing: the file has mistakes"),
        text("Fix these lines and send the whole file again with 'import teams'."),
        *[text(f"• {problem}", spacing="None") for problem in problems[:MAX_PROBLEMS]],
    ]
    if len(problems) > MAX_PROBLEMS:
        body.append(text(f"…and {len(problems) - MAX_PROBLEMS} more.", isSubtle=True))
    body.append(text(IMPORT_HELP, isSubtle=True))
    return card(body)


def no_team_card(found: NoTeam) -> Card:
    """People with no team on their record, and how to give them one."""
    body = [heading(f"{found.count} {'person has' if found.count == 1 else 'people have'} no team")]
    if found.count == 0:
        body.append(text("Everyone the bot knows is in a team."))
        return card(body)
    body.append(text(HOW_TO_FIX))
    rows = []
    for person in found.people:
        department = f" (Entra: {person.department})" if person.department else ""
        rows.append((person.display_name, f"{person.email or 'no email'}{department}"))
    body.append(facts(rows))
    if found.count > len(found.people):
        body.append(
            text(f"…and {found.count - len(found.people)} more, newest first.", isSubtle=True)
        )
    return card(body, [execute("Department map", "team_map")])
