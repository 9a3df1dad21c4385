"""Every Adaptive Card the bot can send, read by the parser Teams' web client renders with.

The card builders are found, not listed: every public function in `bot/cards/` whose return
annotation is `Card`. Each must have realistic samples in `samples.py`, the largest the council
could meet among them. All the samples' cards go through the `adaptivecards` npm package in one
Node run (tests/e2e/check_cards.js, installed by `npm ci` in tests/e2e), which reads them as
schema 1.5, the newest Teams renders; any parse or validation event fails the card's test. Each
card must also fit, as the whole message the bot posts, within 28 KB.
"""

import importlib
import inspect
import json
import pkgutil
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import bot.cards
from bot.cards.elements import CARD_CONTENT_TYPE, Card
from tests.cards.samples import SAMPLES, TENANT, Sample

E2E = Path(__file__).parents[1] / "e2e"
CHECK_CARDS = E2E / "check_cards.js"
# Teams takes a bot message of up to 100 KB counted in UTF-16 and advises under 80 KB (TEAMS.md);
# 28 KB is the limit Microsoft gives for posting a card to a Teams chat through its connectors.
# We keep the whole message as sent under 28 KB: json.dumps writes ASCII only, so in UTF-16 that
# is under 56 KB, with the chart's base64 counted although Teams leaves such images out.
MESSAGE_LIMIT = 28 * 1024


def card_builders() -> dict[str, Callable[..., Card]]:
    """Public functions of bot/cards/ annotated `-> Card`, by name.

    `is Card`, not `==`: the Teams file cards in files.py are `dict[str, Any]` too, as are
    `Element` and `Action`: each equals `Card` but is no Adaptive Card.
    """
    found = {}
    for module in pkgutil.walk_packages(bot.cards.__path__, "bot.cards."):
        functions = inspect.getmembers(importlib.import_module(module.name), inspect.isfunction)
        for name, function in functions:
            public = not name.startswith("_") and function.__module__ == module.name
            if public and inspect.signature(function, eval_str=True).return_annotation is Card:
                found[name] = function
    return found


BUILDERS = card_builders()

# Cards Teams could not show as meant: the check must find each problem, or a pass means nothing.
EMAIL = {"type": "Input.Text", "id": "email", "label": "Email"}
BROKEN = {
    "InvalidPropertyValue": {"type": "TextBlock", "text": "Hello", "size": "Huge"},
    "UnknownElementType": {"type": "Table2", "columns": []},
    "UnsupportedProperty": EMAIL | {"labelPosition": "inline"},  # schema 1.6
    "UnknownProperty": {"type": "TextBlock", "text": "Hello", "wrapp": True},
    "DuplicateId": {"type": "Container", "items": [EMAIL, EMAIL]},
    "RequiredInputsShouldHaveErrorMessage": EMAIL | {"isRequired": True},
}
BROKEN_CARDS = {
    f"broken: {event}": {"type": "AdaptiveCard", "version": "1.5", "body": [element]}
    for event, element in BROKEN.items()
} | {
    "broken: UnsupportedCardVersion": {"type": "AdaptiveCard", "version": "1.6", "body": []},
    "broken: TooManyActions": {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [],
        "actions": [{"type": "Action.Submit", "title": f"Button {i}"} for i in range(7)],
    },
}


def build(sample: Sample) -> Card:
    builder = BUILDERS.get(sample.builder)
    if builder is None:
        pytest.fail(f"no card builder named {sample.builder} in bot/cards/ (renamed?)")
    try:
        return builder(*sample.args, **sample.kwargs)
    except TypeError as error:
        signature = inspect.signature(builder)
        pytest.fail(f"'{sample.id}' no longer fits {sample.builder}{signature}: {error}")


def teams_message(card: Card) -> dict[str, Any]:
    """The whole activity the bot posts to Teams with the card: ids as long as Teams' own."""
    return {
        "type": "message",
        "serviceUrl": f"https://smba.trafficmanager.net/uk/{TENANT}/",
        "channelId": "msteams",
        "from": {"id": "28:0f3c9e5a-7d2b-4c1e-8a6f-3b9d2e1c7a45", "name": "Prevent training"},
        "conversation": {
            "conversationType": "personal",
            "tenantId": TENANT,
            "id": "a:1" + "Xq7TzR2mK9vB4nL8cW1yH6dF3sJ0pG5aE" * 4,
        },
        "recipient": {
            "id": "29:1" + "kP4wN8rT2yV6bM0xC3zQ7hJ5dL9sF1gA" * 4,
            "name": "Bernadette Fitzgerald-Hughes",
            "aadObjectId": "c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
        },
        "replyToId": "1768122000123",
        "locale": "en-GB",
        "inputHint": "acceptingInput",
        "text": "Hello! I book Prevent training (WRAP and more). Type 'sessions' to start.",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }


@pytest.fixture(scope="session")
def cards() -> dict[str, Card]:
    return {sample.id: build(sample) for sample in SAMPLES}


@pytest.fixture(scope="session")
def parser_report(cards: dict[str, Card]) -> dict[str, list[str]]:
    """What the adaptivecards package finds in each card, read in one Node run."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to check the cards with the adaptivecards package")
    if not (E2E / "node_modules/adaptivecards").is_dir():
        pytest.fail("the adaptivecards package is missing: run `cd tests/e2e && npm ci`")
    run = subprocess.run(
        [node, str(CHECK_CARDS)],
        input=json.dumps(cards | BROKEN_CARDS),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if run.returncode != 0:
        pytest.fail(f"{CHECK_CARDS.name} failed ({run.returncode}): {run.stderr}")
    return json.loads(run.stdout)


def test_every_card_builder_has_a_realistic_sample() -> None:
    sampled = {sample.builder for sample in SAMPLES}
    missing = sorted(set(BUILDERS) - sampled)
    assert not missing, f"add samples for these builders to tests/cards/samples.py: {missing}"


def test_every_sample_names_a_card_builder_and_a_case_of_its_own() -> None:
    unknown = sorted({sample.builder for sample in SAMPLES} - set(BUILDERS))
    assert not unknown, f"no builder in bot/cards/ returns Card under these names: {unknown}"
    ids = [sample.id for sample in SAMPLES]
    assert len(set(ids)) == len(ids), "two samples of one builder describe the same case"


@pytest.mark.parametrize("broken", sorted(BROKEN_CARDS))
def test_the_check_finds_what_teams_could_not_show(
    broken: str, parser_report: dict[str, list[str]]
) -> None:
    event = broken.removeprefix("broken: ")
    found = parser_report[broken]
    assert any(problem.startswith(event) for problem in found), found


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.id)
def test_teams_reads_the_card_without_a_problem(
    sample: Sample, parser_report: dict[str, list[str]]
) -> None:
    assert parser_report[sample.id] == []


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.id)
def test_the_card_fits_in_one_teams_message(sample: Sample, cards: dict[str, Card]) -> None:
    card = cards[sample.id]
    size = len(json.dumps(teams_message(card)).encode())
    card_size = len(json.dumps(card).encode())
    assert size < MESSAGE_LIMIT, f"{size} bytes as a message ({card_size} the card alone)"
