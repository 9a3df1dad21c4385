"""The route registry: every phrase in the README gives its command, every card button names
a command cards may send, and each command is declared in one place."""

import ast
import re
from datetime import date
from pathlib import Path

import pytest

from bot.cards.help import COORDINATOR_COMMANDS, STAFF_COMMANDS
from bot.router import BadPayload

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2027, 1, 11)

# Every phrase in the README's command tables, and the command it must give.
README_PHRASES = {
    "sessions": "list_sessions",
    "sessions wrap": "list_sessions",
    "sessions march": "list_sessions",
    "book 12": "book",
    "book session 12": "book",
    "wait 2": "join_waitlist",
    "my bookings": "my_bookings",
    "cancel 12": "cancel_on_session",
    "cancel my booking on 12": "cancel_on_session",
    "accept 23": "accept_offer_on_session",
    "decline 23": "decline_offer_on_session",
    "new session": "new_session_form",
    "roster 12": "roster",
    "facilitators 12": "facilitators",
    "facilitators 12 add sarah.whitfield@barnet.gov.uk": "facilitators",
    "facilitators 12 remove sarah.whitfield@barnet.gov.uk": "facilitators",
    "cancel session 12 trainer unwell": "confirm_cancel_session",
    "edit session 12": "edit_session",
    "reschedule session 12": "edit_session",
    "message session 12 please bring a pen": "message_session",
    "message session 12": "message_session",
    "sync attendance": "sync_attendance",
    "sync attendance 22": "sync_attendance",
    "session 22 attendance": "session_attendance",
    "unmatched": "unmatched",
    "register 22": "register",
    "pending confirmations": "pending_confirmations",
    "my training": "my_training",
    "record e-learning": "record_elearning",
    "boards": "list_boards",
    "board update delivered adult safeguarding": "board_delivered",
    "new board": "board_form",
    "edit board health": "board_form",
    "reminders": "reminders",
    "failed deliveries": "failed_deliveries",
    "feedback 22": "feedback_form",
    "totals": "totals",
    "totals Family Services": "totals",
    "totals 2025-26": "totals",
    "totals since July 2020": "totals",
    "totals WRAP by team last quarter": "totals",
    "how many trained in Adults MASH last year": "totals",
    "report 2025-26": "report",
    "feedback summary 22": "feedback_summary",
    "feedback summary 2025-26": "feedback_summary",
    "team jo.bloggs@probation.gov.uk Probation Service": "set_team",
    "team jo.bloggs@probation.gov.uk": "show_team",
    "team jo.bloggs@probation.gov.uk directory": "clear_team",
    "import teams": "import_teams",
    "team map": "team_map",
    "map Early Help to Family Services": "map_department",
    "unmap Early Help": "unmap_department",
    "no team": "no_team",
}


def readme_phrases() -> set[str]:
    """The backticked phrases in the 'command' column of the README's command tables."""
    found: set[str] = set()
    in_table = False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| who | command |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and not line.startswith("| ---"):
            found |= set(re.findall(r"`([^`]+)`", line.split("|")[2]))
    return found


def test_the_table_lists_every_readme_phrase():
    assert set(README_PHRASES) == readme_phrases()


@pytest.mark.parametrize("phrase", sorted(README_PHRASES))
def test_each_readme_phrase_gives_its_command(router, phrase):
    assert router.read_text(phrase, TODAY).verb == README_PHRASES[phrase]


@pytest.mark.parametrize(
    ("phrase", "data"),
    [
        ("book 12", {"session_id": 12}),
        ("cancel session 12 trainer unwell", {"session_id": 12, "reason": "trainer unwell"}),
        ("sessions march 2027", {"month": "2027-03", "course": None, "skip": 0}),
        ("sessions wrap", {"month": None, "course": "wrap", "skip": 0}),
        ("book session 4", {"session_id": 4}),
        ("book a seat on session 4", {"session_id": 4}),
        ("cancel my booking on 12", {"session_id": 12}),
        ("👋 sessions", {"month": None, "course": None, "skip": 0}),
        ("✅👍🏽 book #7", {"session_id": 7}),
        (
            "board update delivered adult safeguarding",
            {"board_id": None, "board": "adult safeguarding"},
        ),
        ("feedback summary 12", {"session_id": 12, "query": ""}),
        ("facilitators 12", {"session_id": 12, "change": "", "who": ""}),
        (
            "facilitators 12 add Sarah.Whitfield@barnet.gov.uk",
            {"session_id": 12, "change": "add", "who": "Sarah.Whitfield@barnet.gov.uk"},
        ),
        (
            "facilitators 12 remove Dee Trainer",
            {"session_id": 12, "change": "remove", "who": "Dee Trainer"},
        ),
        ("<at>wrapbot</at> book #7", {"session_id": 7}),
    ],
)
def test_a_phrase_carries_its_typed_data(router, phrase, data):
    assert router.read_text(phrase, TODAY).data.model_dump() == data


def test_every_command_on_the_help_card_is_understood(router):
    for typed, _ in STAFF_COMMANDS + COORDINATOR_COMMANDS:
        for phrase in typed.split(", "):
            assert router.read_text(phrase, TODAY).verb != "unknown", phrase


def test_a_card_cannot_send_a_typed_only_command(router):
    for verb in ("audit_log", "cancel_on_session", "record_elearning", "help"):
        with pytest.raises(BadPayload):
            router.read_card({"action": {"verb": verb, "data": {}}})


def test_card_ids_are_coerced_and_everything_else_refused(router):
    assert router.read_card({"verb": "book", "session_id": "12"}).data.model_dump() == {
        "session_id": 12
    }
    for data in (
        {"session_id": "12", "extra": 1},
        {"session_id": 1.5},
        {"session_id": [12]},
        {"session_id": "1" * 12},
    ):
        with pytest.raises(BadPayload):
            router.read_card({"verb": "book", **data})


def _verbs_used(path: Path) -> set[str]:
    """Verb strings a module names: `route("verb"`, `Command("verb"`, `execute(title, "verb"`."""
    used = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        position = {"route": 0, "Command": 0, "execute": 1}.get(name)
        if position is not None and len(node.args) > position:
            argument = node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                used.add(argument.value)
    return used


def test_every_verb_appears_in_at_most_two_files_of_bot(router):
    files = {path: _verbs_used(path) for path in (ROOT / "bot").rglob("*.py")}
    for verb in router.routes:
        named_in = [str(path.relative_to(ROOT)) for path, verbs in files.items() if verb in verbs]
        assert len(named_in) <= 2, (verb, named_in)


def test_every_card_button_names_a_command_cards_may_send(router):
    sent = set().union(*(_verbs_used(p) for p in (ROOT / "bot" / "cards").rglob("*.py")))
    assert sent <= router.card_verbs(), sent - router.card_verbs()
