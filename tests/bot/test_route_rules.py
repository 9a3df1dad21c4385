"""Who may run each command, where, and from what, written down twice on purpose: a change to
a route's rules must be made here as well. And every button on every card the bot draws is one
the router accepts, with all the card's inputs."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.router import BadPayload
from bot.turn import Who
from tests.cards.samples import SAMPLES
from tests.cards.test_every_card import BUILDERS

STAFF, COORDINATOR, CHECKS = Who.STAFF, Who.COORDINATOR, Who.HANDLER_CHECKS
REPORTER, AUDITOR = Who.REPORTER, Who.AUDITOR
# verb: (who may run it, may a card send it, may it run in a channel or group chat)
RULES = {
    "help": (STAFF, False, True),
    "unknown": (STAFF, False, True),
    "list_sessions": (STAFF, True, True),
    "book": (STAFF, True, True),
    "join_waitlist": (STAFF, True, True),
    "my_bookings": (STAFF, True, False),
    "cancel_booking": (STAFF, True, False),
    "show_booking": (STAFF, True, False),
    "cancel_on_session": (STAFF, False, False),
    "accept_seat_offer": (STAFF, True, False),
    "decline_seat_offer": (STAFF, True, False),
    "accept_offer_on_session": (STAFF, False, False),
    "decline_offer_on_session": (STAFF, False, False),
    "my_training": (STAFF, True, False),
    "record_elearning": (STAFF, False, False),
    "elearning_certificate": (STAFF, False, False),
    "name_manager": (STAFF, True, False),
    "confirm_elearning": (STAFF, True, False),
    "reject_elearning": (STAFF, True, False),
    "view_certificate": (STAFF, True, False),
    "feedback_form": (STAFF, True, False),
    "submit_feedback": (STAFF, True, False),
    "file_declined": (STAFF, False, False),
    "list_boards": (CHECKS, True, False),
    "board_delivered": (CHECKS, True, False),
    "new_session_form": (COORDINATOR, True, False),
    "create_session": (COORDINATOR, True, False),
    "roster": (COORDINATOR, True, False),
    "facilitators": (COORDINATOR, False, False),
    "confirm_cancel_session": (COORDINATOR, True, False),
    "cancel_session": (COORDINATOR, True, False),
    "edit_session": (COORDINATOR, True, False),
    "save_session": (COORDINATOR, True, False),
    "message_session": (COORDINATOR, True, False),
    "send_session_message": (COORDINATOR, True, False),
    "roster_file": (COORDINATOR, True, False),
    "audit_log": (AUDITOR, False, False),
    "sync_attendance": (COORDINATOR, True, False),
    "session_attendance": (COORDINATOR, True, False),
    "unmatched": (COORDINATOR, True, False),
    "assign_attendee": (COORDINATOR, True, False),
    "mark_guest": (COORDINATOR, True, False),
    "register": (CHECKS, True, False),
    "register_save": (CHECKS, True, False),
    "pending_confirmations": (COORDINATOR, True, False),
    "chase_confirmation": (COORDINATOR, True, False),
    "approve_manager": (COORDINATOR, True, False),
    "refuse_manager": (COORDINATOR, True, False),
    "board_form": (COORDINATOR, True, False),
    "save_board": (COORDINATOR, True, False),
    "reminders": (COORDINATOR, True, False),
    "failed_deliveries": (COORDINATOR, True, False),
    "retry_delivery": (COORDINATOR, True, False),
    "totals": (REPORTER, True, False),
    "report": (REPORTER, True, False),
    "export_totals": (REPORTER, True, False),
    "feedback_summary": (COORDINATOR, False, False),
    "save_file": (REPORTER, False, False),
    "show_team": (COORDINATOR, False, False),
    "set_team": (COORDINATOR, False, False),
    "clear_team": (COORDINATOR, True, False),
    "import_teams": (COORDINATOR, False, False),
    "team_map": (COORDINATOR, True, False),
    "map_department": (COORDINATOR, True, False),
    "unmap_department": (COORDINATOR, True, False),
    "no_team": (COORDINATOR, True, False),
}


def test_every_route_keeps_the_rules_written_here(router):
    declared = {
        verb: (found.who, found.from_cards, found.in_shared_chats)
        for verb, found in router.routes.items()
    }
    assert declared == RULES


# The README's words for each role in its table of who may do what.
README_ROLES = {
    "anyone": STAFF,
    "reporter": REPORTER,
    "auditor": AUDITOR,
    "coordinator": COORDINATOR,
    "board lead (or coordinator)": CHECKS,
    "facilitator (or coordinator)": CHECKS,
}
ROLES_TABLE = "| command | said or pressed as | who may run it |"


def readme_roles() -> dict[str, str]:
    """Each command in the README's table of who may do what, and the role written beside it."""
    lines = (Path(__file__).resolve().parents[2] / "README.md").read_text().splitlines()
    start = lines.index(ROLES_TABLE) + 2  # after the header and its rule
    found: dict[str, str] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        commands, _, who = (cell.strip() for cell in line.strip("|").split("|"))
        for verb in commands.replace("`", "").split(","):
            assert verb.strip() not in found, f"{verb} is in the roles table twice"
            found[verb.strip()] = who
    return found


def test_the_readme_roles_table_names_every_command_with_its_role(router):
    written = readme_roles()
    assert set(written) == set(router.routes), "the README's roles table and the routes differ"
    unknown_words = {who for who in written.values() if who not in README_ROLES}
    assert unknown_words == set()
    assert {verb: README_ROLES[who] for verb, who in written.items()} == {
        verb: found.who for verb, found in router.routes.items()
    }


# The commands that, asked in a group chat or channel, answer in the personal chat: their cards
# are the person's own (a booking's carries the join link).
ANSWER_PRIVATELY = {"book", "join_waitlist"}


def test_only_ones_own_answers_go_to_the_personal_chat(router):
    assert {v for v, found in router.routes.items() if found.answers_privately} == ANSWER_PRIVATELY


# The only commands Teams may run by itself to redraw a card as it is shown: they change nothing.
REFRESHES = {"list_sessions", "my_bookings", "show_booking"}


def test_only_read_only_commands_redraw_cards(router):
    assert {verb for verb, found in router.routes.items() if found.refreshes} == REFRESHES


def test_a_refresh_naming_a_command_that_changes_things_is_refused(router):
    for verb in ("book", "cancel_booking", "join_waitlist"):
        with pytest.raises(BadPayload):
            router.read_card(
                {"action": {"verb": verb, "data": {"session_id": 1, "booking_id": 1}}},
                refresh=True,
            )


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(item for value in node.values() for item in _walk(value))]
    if isinstance(node, list):
        return [item for value in node for item in _walk(value)]
    return []


def _typed(element: dict[str, Any]) -> str:
    """What a person might leave in an input: its value, or something plausible."""
    if "value" in element:
        return str(element["value"])
    if element["type"] == "Input.ChoiceSet":
        return str(element["choices"][0]["value"])
    return {
        "Input.Number": "10",
        "Input.Date": "2027-03-01",
        "Input.Time": "10:00",
        "Input.Toggle": "false",
    }.get(element["type"], "jo.bloggs@barnet.gov.uk")


def _presses() -> list[tuple[str, dict[str, Any]]]:
    """Every Action.Execute on every sample card, as Teams sends it: with all the inputs."""
    found = []
    for sample in SAMPLES:
        if sample.builder == "card":  # the bare frame, with made-up actions
            continue
        drawn = BUILDERS[sample.builder](*sample.args, **sample.kwargs)
        nodes = _walk(drawn)
        inputs = {n["id"]: _typed(n) for n in nodes if str(n.get("type", "")).startswith("Input.")}
        for action in (n for n in nodes if n.get("type") == "Action.Execute"):
            found.append((f"{sample.id} / {action['title']}", {**action["data"], **inputs}))
    return found


def _refreshes() -> list[tuple[str, dict[str, Any]]]:
    """Every card's refresh action, as Teams sends it when the card is shown."""
    return [
        (sample.id, drawn["refresh"]["action"])
        for sample in SAMPLES
        if "refresh" in (drawn := BUILDERS[sample.builder](*sample.args, **sample.kwargs))
    ]


def test_every_card_that_redraws_itself_names_a_command_that_may(router):
    found = _refreshes()
    assert {action["verb"] for _, action in found} == REFRESHES
    for name, action in found:
        router.read_card({"action": action, "trigger": "automatic"}, refresh=True), name


PRESSES = _presses()


def test_cards_have_buttons_to_press():
    assert len(PRESSES) > 100


def test_every_button_on_every_card_is_accepted(router):
    refused = []
    for name, data in PRESSES:
        verb = data["verb"]
        for value in ({"action": {"verb": verb, "data": data}}, data):  # Execute, then Submit
            try:
                router.read_card(value)
            except BadPayload as why:
                refused.append(f"{name}: {why}")
    assert refused == []


@pytest.mark.parametrize(
    "phrase",
    ["book ²", "wait ¹²", "cancel ٣", "roster ５", "feedback ²", "sync attendance ²"],
)
def test_digits_that_are_not_0_to_9_are_not_numbers(router, phrase):
    assert router.read_text(phrase, date(2027, 1, 11)).verb == "unknown"


@pytest.mark.parametrize("session_id", [2**63, 2**31, -1, "99999999999"])
def test_an_id_no_database_could_hold_is_a_stale_card(router, session_id):
    with pytest.raises(BadPayload):
        router.read_card({"verb": "book", "session_id": session_id})


def test_a_month_in_the_next_century_still_reads(router):
    command = router.read_text("sessions march", date(2099, 12, 15))
    assert command.data.model_dump()["month"] == "2100-03"
