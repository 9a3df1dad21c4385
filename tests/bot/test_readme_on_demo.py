"""Every example in the README's command tables, typed by the demo person whose role it is, on
the demo data (`make run`), through the bot's HTTP endpoint: each answers with something real,
never an empty list, zero totals or 'I didn't understand'. Walked on three days, so the
examples and the demo stay true whenever the demo is loaded: a January, the first day of a
financial year, and a late November."""

import json
import re
from datetime import UTC, datetime

import pytest

from config.settings import Settings
from demo.council import PLAYGROUND_PEOPLE, load_demo_data
from tests.bot.test_routes import README_PHRASES
from training.dates.clock import FixedClock

ALEX, MEGAN, ADELE, ISAIAH, PATTI, LYNNE = PLAYGROUND_PEOPLE
SAID_NOTHING_REAL = re.compile(
    r"didn't understand|no sessions|no upcoming|nothing to|isn't open|no bookings|"
    r"\b0 sessions were delivered|with 0 people|\b0 people (completed|gave)|you can't|"
    r"only coordinators|sorry",
    re.IGNORECASE,
)

# (who, phrase, what the answer must show), in the order a newcomer might try them.
WALK = [
    (ISAIAH, "sessions", ["Upcoming Prevent training", "Book a seat"]),
    (ISAIAH, "sessions wrap", ["Upcoming WRAP", "Book a seat"]),
    (ISAIAH, "sessions march", ["in March", "Book a seat"]),
    (ISAIAH, "book 12", ["You're booked"]),
    (ISAIAH, "wait 2", ["on the waiting list"]),
    (PATTI, "accept 23", ["You accepted this seat"]),
    (LYNNE, "decline 23", ["WRAP"]),
    (ISAIAH, "my bookings", ["Your bookings", "Cancel booking"]),
    (ISAIAH, "cancel 12", ["is cancelled"]),
    (ISAIAH, "book session 12", ["You're booked"]),
    (ISAIAH, "cancel my booking on 12", ["is cancelled"]),
    (ISAIAH, "my training", ["Your Prevent training", "refresher due"]),
    (ISAIAH, "record e-learning", ["e-learning certificate"]),
    (ISAIAH, "feedback 22", ["How was WRAP", "Overall, how was the session?"]),
    (MEGAN, "boards", ["Adult Safeguarding Board"]),
    (MEGAN, "board update delivered adult safeguarding", ["Update to Adult Safeguarding Board"]),
    (ALEX, "new session", ["New training session"]),
    (ALEX, "roster 12", ["(#12)", "Booked (", "Cancel this session"]),
    (ALEX, "facilitators 12", ["(#12)", "No facilitators are named"]),
    (
        ALEX,
        "facilitators 12 add sarah.whitfield@barnet.gov.uk",
        ["Added sarah.whitfield@barnet.gov.uk", "Facilitators of"],
    ),
    (
        ALEX,
        "facilitators 12 remove sarah.whitfield@barnet.gov.uk",
        ["Removed sarah.whitfield@barnet.gov.uk", "No facilitators are named"],
    ),
    (ALEX, "edit session 12", ["(#12)"]),
    (ALEX, "reschedule session 12", ["(#12)"]),
    (ALEX, "message session 12 please bring a pen", ["please bring a pen"]),
    (ALEX, "message session 12", ["(#12)"]),
    (ALEX, "cancel session 12 trainer unwell", ["trainer unwell", "will be told"]),
    # No Microsoft Graph in the demo: the answer says what to set, and where.
    (ALEX, "sync attendance", ["GRAPH_ORGANISER"]),
    (ALEX, "sync attendance 22", ["GRAPH_ORGANISER"]),
    (ALEX, "session 22 attendance", ["(#22): attendance", "Isaiah Langer"]),
    (ALEX, "register 22", ["(#22)", "Isaiah Langer"]),
    (ALEX, "unmatched", ["Jo (Guest)"]),
    (ALEX, "pending confirmations", ["Lynne Robbins", "Adele Vance"]),
    (ALEX, "new board", ["Add a board"]),
    (ALEX, "edit board health", ["Health and Wellbeing Board"]),
    (ALEX, "reminders", ["Reminders in the next 14 days", "Megan Bowen"]),
    (ALEX, "failed deliveries", ["Try again"]),
    (ALEX, "totals", ["Delivered to date:", "Completed (either)"]),
    (ALEX, "totals Family Services", ["within Family Services", "Completed (either)"]),
    (ALEX, "totals 2025-26", ["in 2025-26", "Completed (either)"]),
    (ALEX, "totals since July 2020", ["since 1 July 2020", "Completed (either)"]),
    (ALEX, "totals WRAP by team last quarter", ["of WRAP", "Completed (either)"]),
    (ALEX, "how many trained in Adults MASH last year", ["within Adults MASH", "completed"]),
    (ALEX, "report 2025-26", ["Training section of the Prevent update", "in 2025-26"]),
    (ALEX, "feedback summary 22", ["Feedback: WRAP", "gave feedback"]),
    (ALEX, "feedback summary 2025-26", ["responses from", "Response rate"]),
    (ALEX, "team jo.bloggs@probation.gov.uk Probation Service", ["Probation Service"]),
    (
        ALEX,
        "team jo.bloggs@probation.gov.uk",
        ["Team: jo.bloggs@probation.gov.uk", "Probation Service"],
    ),
    (ALEX, "team jo.bloggs@probation.gov.uk directory", ["no team recorded"]),
    (ALEX, "import teams", ["Attach a CSV file"]),
    (ALEX, "team map", ["Early Years and Family Support"]),
    (ALEX, "map Early Help to Family Services", ["Early Help reports as Family Services"]),
    (ALEX, "unmap Early Help", ["Early Help no longer reports"]),
    (ALEX, "no team", ["Sam Okafor"]),
]


@pytest.fixture
def chat_settings() -> dict[str, object]:
    # As `make run`: Alex (the Playground's user) is the coordinator. A newcomer types faster
    # than the per-person rate limit allows a test to.
    return {"coordinators": [ALEX.aad_object_id], "rate_limit_burst": 1000}


@pytest.fixture(
    params=[
        datetime(2027, 1, 11, 9, 0, tzinfo=UTC),
        datetime(2027, 4, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 19, 0, tzinfo=UTC),
    ],
    ids=["january", "new-financial-year", "late-november"],
)
def clock(request: pytest.FixtureRequest) -> FixedClock:
    return FixedClock(request.param)


def _shown(replies: list[dict]) -> str:
    """Everything the person sees: texts and the cards' words."""
    seen = []
    for reply in replies:
        activity = reply["activity"]
        seen.append(activity.get("text") or "")
        seen += (
            [json.dumps(a.get("content"), ensure_ascii=False) for a in activity["attachments"]]
            if activity.get("attachments")
            else []
        )
    return "\n".join(seen)


def test_the_walk_covers_every_readme_example():
    assert [phrase for _, phrase, _ in WALK] == list(dict.fromkeys(p for _, p, _ in WALK))
    assert {phrase for _, phrase, _ in WALK} == set(README_PHRASES)


async def test_every_readme_example_answers_on_the_demo(chat, database, clock):
    with database.unit_of_work() as db:
        assert load_demo_data(db, clock.now(), Settings(_env_file=None).zone)
    people = {p: chat.user(p.name, p.aad_object_id, email=p.email) for p in PLAYGROUND_PEOPLE}
    for who, phrase, expected in WALK:
        shown = _shown(await people[who].says(phrase))
        for words in expected:
            assert words in shown, (who.name, phrase, shown[:600])
        nothing = SAID_NOTHING_REAL.search(shown)
        assert not nothing, (who.name, phrase, shown[max(0, nothing.start() - 300) : nothing.end()])


def _buttons(node: object) -> list[dict]:
    if isinstance(node, dict):
        own = [node] if node.get("type") == "Action.Execute" else []
        return own + [b for value in node.values() for b in _buttons(value)]
    if isinstance(node, list):
        return [b for item in node for b in _buttons(item)]
    return []


async def test_the_demo_manager_confirms_the_demo_claim(chat, database, clock):
    with database.unit_of_work() as db:
        load_demo_data(db, clock.now(), Settings(_env_file=None).zone)
    alex, adele, lynne = (
        chat.user(p.name, p.aad_object_id, email=p.email) for p in (ALEX, ADELE, LYNNE)
    )
    await adele.says("help")
    await lynne.says("help")
    [pending] = await alex.says("pending confirmations")
    chase = next(
        b
        for b in _buttons(pending["activity"]["attachments"][0]["content"])
        if b["title"] == "Chase the manager"
    )
    await alex.presses(chase)
    await chat.notices_sent()
    [asked] = [r for r in adele.new_replies() if r["activity"].get("attachments")]
    card = asked["activity"]["attachments"][0]["content"]
    assert "Lynne Robbins" in json.dumps(card)
    confirm = next(b for b in _buttons(card) if b["verb"] == "confirm_elearning")
    await adele.presses(confirm)
    await chat.notices_sent()
    training = _shown(await lynne.says("my training"))
    assert "Home Office online Prevent training" in training
