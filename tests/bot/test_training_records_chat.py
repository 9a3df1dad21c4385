"""Attendance and e-learning in chat: the real bot over HTTP, the real Graph SDK against the
local Graph, and certificates fetched from a local file server as Teams would offer them."""

import asyncio
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.app import WRAPBOT
from bot.teams_bot import STALE_CARD
from tests.bot.graph_chat import offer
from tests.bot.harness import button, card_from_invoke, card_text, cards_in, texts_in
from tests.graph.scenario import AAD, seed
from training.models import AuditEntry, Completion, ElearningClaim, SessionAttendance, Staff

PDF = b"%PDF-1.7\n" + b"0" * 2000
MANAGER_AAD = "eeeeeeee-0000-0000-0000-00000000000m"
NOT_FOUND_OR_NOT_YOURS = "I can't find that e-learning record, or it isn't yours to act on."


async def settled(chat) -> None:
    """Work the turns started in the background is done, and its notices sent."""
    await chat.app[WRAPBOT].background.drain()
    await chat.notices_sent()


def _count(database, model) -> int:
    with database.unit_of_work() as db:
        return db.exec(select(func.count()).select_from(model)).one()


def test_session_attendance_is_read_before_the_roster(router):
    today = date(2027, 1, 11)
    assert router.read_text("session 12 attendance", today).verb == "session_attendance"
    assert router.read_text("session 12", today).verb == "roster"
    assert router.read_text("sync attendance 12", today).data.model_dump() == {"session_id": 12}


async def test_without_graph_sync_says_so_plainly(chat):
    [said] = [r["activity"]["text"] for r in await chat.coordinator().says("sync attendance")]
    assert "Microsoft Graph isn't set up" in said and "GRAPH_CLIENT_ID" in said


async def test_staff_cannot_sync_or_see_unmatched(graph_chat):
    megan = graph_chat.user("Megan Bowen")
    for command in ("sync attendance", "unmatched", "pending confirmations"):
        [said] = [r["activity"]["text"] for r in await megan.says(command)]
        assert said == "Only the Prevent coordinators can do that."


async def test_coordinator_syncs_and_reads_who_attended(graph_chat, graph_server):
    graph_server.page_size = 3
    world = seed(graph_chat.database, graph_server, graph_chat.clock.now())
    pat = graph_chat.coordinator()
    [reading] = texts_in(await pat.says(f"sync attendance {world.session_id}"))
    assert reading.startswith("Reading Teams attendance for 1 session…")
    await settled(graph_chat)
    [result] = cards_in(pat.new_replies())  # sent when done, not held by the turn
    assert "5 completed, 1 no-shows, 1 walk-ins, 1 unmatched" in card_text(result)

    [sheet] = cards_in(await pat.says(f"session {world.session_id} attendance"))
    shown = card_text(sheet)
    assert "Bob Baker: 110 min, ✅ completed" in shown
    assert "Dev Dean: 100 min, ✅ completed" in shown
    assert "Eve Evans: 30 min, ✗ not completed" in shown
    assert "Gus Gray: 120 min, ✅ completed (walk-in)" in shown
    assert "Cat Cole: 0 min, ✗ not completed (a join or leave time is missing)" in shown
    assert "No-shows (1): Hal Hunt" in shown


async def test_resolving_an_unmatched_guest_and_refusing_tampered_cards(graph_chat, graph_server):
    world = seed(graph_chat.database, graph_server, graph_chat.clock.now())
    pat = graph_chat.coordinator()
    await pat.says(f"sync attendance {world.session_id}")
    await settled(graph_chat)
    [listing] = cards_in(await pat.says("unmatched"))
    assert "Sam Guest (External)" in card_text(listing)
    guest_button = button(listing, "External guest")
    attendance_id = guest_button["data"]["attendance_id"]

    tampered = {**guest_button, "data": {**guest_button["data"], "attendance_id": "1 OR 1=1"}}
    assert (await pat.presses(tampered))["value"] == STALE_CARD
    forged = {**guest_button, "data": {**guest_button["data"], "attendance_id": 987654}}
    assert "can't find that attendee" in (await pat.presses(forged))["value"]
    empty = await pat.presses(guest_button, inputs={f"org_{attendance_id}": "  "})
    assert "which organisation" in empty["value"]
    megan = await graph_chat.user("Megan Bowen").presses(
        guest_button, inputs={f"org_{attendance_id}": "Met Police"}
    )
    assert megan["value"] == "Only the Prevent coordinators can do that."
    assert _count(graph_chat.database, Completion) == 5  # nothing changed so far

    done = await pat.presses(guest_button, inputs={f"org_{attendance_id}": "Met Police"})
    assert "marked as a guest and recorded their completion" in card_text(card_from_invoke(done))
    assert _count(graph_chat.database, Completion) == 6
    with graph_chat.database.unit_of_work() as db:
        row = db.get(SessionAttendance, attendance_id)
        guest = db.get(Staff, row.staff_id)
        assert (guest.organisation, guest.roles) == ("Met Police", "guest")
    again = await pat.presses(guest_button, inputs={f"org_{attendance_id}": "Met Police"})
    assert "can't find that attendee" in again["value"]


async def test_elearning_goes_to_the_graph_manager_who_alone_can_confirm(
    graph_chat, graph_server, files
):
    ann = graph_chat.user("Ann Able", AAD["A"])
    mo = graph_chat.user("Mo Manager", MANAGER_AAD)
    eve = graph_chat.user("Eve Evans", AAD["E"])
    await mo.says("hi")
    await eve.says("hi")
    graph_server.add_user(AAD["A"], "Ann Able", ann.email, department="Family Services")
    graph_server.add_user(MANAGER_AAD, "Mo Manager", mo.email, department="Family Services")
    graph_server.managers[AAD["A"]] = MANAGER_AAD

    replies = await ann.says("record e-learning", attachments=offer(files, "cert.pdf", PDF))
    [sent] = cards_in(replies)
    assert "asked Mo Manager to confirm" in card_text(sent)
    await graph_chat.notices_sent()
    [ask] = cards_in(mo.new_replies())
    assert "Ann Able says they completed" in card_text(ask)
    assert "cert.pdf (PDF, 1 KB)" in card_text(ask)

    pat = graph_chat.coordinator()
    [pending] = cards_in(await pat.says("pending confirmations"))
    assert "Ann Able" in card_text(pending) and "with Mo Manager" in card_text(pending)
    chased = await pat.presses(button(pending, "Chase the manager"))
    assert "chased 1×" in card_text(card_from_invoke(chased))
    await graph_chat.notices_sent()
    assert len(cards_in(mo.new_replies())) == 1  # the card again

    refused = await eve.presses(button(ask, "Confirm"))
    assert refused["value"] == NOT_FOUND_OR_NOT_YOURS
    assert _count(graph_chat.database, Completion) == 0

    confirmed = await mo.presses(button(ask, "Confirm"))
    assert "Confirmed" in card_text(card_from_invoke(confirmed))
    assert _count(graph_chat.database, Completion) == 1
    await mo.presses(button(ask, "Confirm"))  # pressed twice: still one completion
    assert _count(graph_chat.database, Completion) == 1
    await graph_chat.notices_sent()
    [told] = cards_in(ann.new_replies())
    assert "Confirmed: Ann Able's e-learning" in card_text(told)
    [mine] = cards_in(await ann.says("my training"))
    assert "Home Office online Prevent training" in card_text(mine)
    assert "e-learning, confirmed" in card_text(mine) and "refresher due 11 Jan 2029" in card_text(
        mine
    )
    with graph_chat.database.unit_of_work() as db:
        assert db.exec(select(Staff.team).where(Staff.aad_object_id == AAD["A"])).one() == (
            "Family Services"
        )


async def test_a_certificate_with_a_graph_manager_is_two_calls_around_the_download_and_graph(
    graph_chat, graph_server, files, services
):
    """One read before the certificate is fetched and Graph asked, one unit of work after:
    the department, the manager and the claim together."""
    ann = graph_chat.user("Ann Able", AAD["A"])
    mo = graph_chat.user("Mo Manager", MANAGER_AAD)
    # In Entra before they first write, so the department read at first contact succeeds and
    # is not tried again during the turn counted below; Ann then moves team, which only the
    # certificate's own Graph look-up can have recorded.
    graph_server.add_user(AAD["A"], "Ann Able", ann.email, department="Adults MASH")
    graph_server.add_user(MANAGER_AAD, "Mo Manager", mo.email, department="Family Services")
    graph_server.managers[AAD["A"]] = MANAGER_AAD
    await ann.says("hi")
    await mo.says("hi")
    await graph_chat.background_done()  # the departments read when each first wrote
    with graph_chat.database.unit_of_work() as db:
        assert db.exec(select(Staff.team).where(Staff.aad_object_id == AAD["A"])).one() == (
            "Adults MASH"
        )
    graph_server.add_user(AAD["A"], "Ann Able", ann.email, department="Family Services")
    services.clear()
    [sent] = cards_in(await ann.says("record e-learning", attachments=offer(files, "c.pdf", PDF)))
    assert "asked Mo Manager to confirm" in card_text(sent)
    assert services == [
        "training.records.elearning.certificate_expected",
        "training.records.elearning.claim_with_certificate",
    ]
    with graph_chat.database.unit_of_work() as db:
        assert db.exec(select(Staff.team).where(Staff.aad_object_id == AAD["A"])).one() == (
            "Family Services"
        )


async def test_no_manager_in_graph_means_the_person_names_one(graph_chat, graph_server, files):
    lee = graph_chat.user("Lee Lone")
    boss = graph_chat.user("Bo Boss")
    await boss.says("hi")
    await lee.says("record e-learning")
    [form] = cards_in(
        await lee.says("", attachments=offer(files, "photo.png", b"\x89PNG\r\n\x1a\n.."))
    )
    assert "couldn't find your manager" in card_text(form)
    wrong = await lee.presses(button(form, "Send to my manager"), inputs={"manager_email": "x@y"})
    assert "don't know anyone" in card_text(card_from_invoke(wrong))
    sent = await lee.presses(
        button(form, "Send to my manager"), inputs={"manager_email": boss.email}
    )
    assert "asked Bo Boss to confirm" in card_text(card_from_invoke(sent))


@pytest.mark.parametrize(
    "name, data, complaint",
    [
        ("cert.html", b"<html><script>alert(1)</script></html>", "PDF, PNG or JPEG"),
        ("cert.pdf", b"%PDF-" + b"x" * (6 * 1024 * 1024), "larger than"),
        ("cert.pdf", b"", "empty"),
    ],
)
async def test_a_bad_certificate_is_refused_and_nothing_is_kept(
    graph_chat, files, name, data, complaint
):
    ann = graph_chat.user("Ann Able", AAD["A"])
    said = await ann.says("record e-learning", attachments=offer(files, name, data))
    assert any(complaint in r["activity"].get("text", "") for r in said), [
        r["activity"].get("text") or r["activity"].get("attachments") for r in said
    ]
    with graph_chat.database.unit_of_work() as db:
        assert db.exec(select(ElearningClaim)).all() == []


async def test_sync_of_a_session_teams_cannot_know_is_refused_plainly(graph_chat, wrap_sessions):
    pat = graph_chat.coordinator()
    upcoming, _, in_person = wrap_sessions
    cases = {
        "sync attendance 999": "can't find session 999",
        f"sync attendance {upcoming}": "hasn't finished yet",
        f"sync attendance {in_person}": "was in person: Teams has no attendance report",
    }
    for typed, complaint in cases.items():
        [said] = [r["activity"]["text"] for r in await pat.says(typed)]
        assert complaint in said, (typed, said)
    [nothing] = cards_in(await pat.says("sync attendance"))
    assert "No recent online session is waiting" in card_text(nothing)


async def test_a_sync_button_is_answered_at_once_and_the_result_follows(graph_chat, graph_server):
    world = seed(graph_chat.database, graph_server, graph_chat.clock.now())
    pat = graph_chat.coordinator()
    [sheet] = cards_in(await pat.says(f"session {world.session_id} attendance"))
    graph_server.held = asyncio.Event()  # Graph answers nothing until released

    pressed = await pat.presses(button(sheet, "Read again now"))

    assert pressed["value"].startswith("Reading Teams attendance for 1 session…")
    again = await pat.presses(button(sheet, "Read again now"))
    assert again["value"] == (
        f"I'm already reading attendance for #{world.session_id}; the result will follow."
    )
    assert _count(graph_chat.database, Completion) == 0
    graph_server.held.set()
    await settled(graph_chat)
    [result] = cards_in(pat.new_replies())
    assert "5 completed, 1 no-shows" in card_text(result)
    assert _count(graph_chat.database, Completion) == 5


async def _named(graph_chat, files):
    """Lee's directory entry has no manager, so he names Bo Boss."""
    lee = graph_chat.user("Lee Lone")
    boss = graph_chat.user("Bo Boss")
    await boss.says("hi")
    [form] = cards_in(
        await lee.says("record e-learning", attachments=offer(files, "cert.pdf", PDF))
    )
    sent = await lee.presses(
        button(form, "Send to my manager"), inputs={"manager_email": boss.email.upper()}
    )
    await settled(graph_chat)
    return lee, boss, card_text(card_from_invoke(sent))


async def test_a_named_manager_is_audited_and_shown_as_named_to_the_coordinators(graph_chat, files):
    _, boss, said = await _named(graph_chat, files)
    assert "asked Bo Boss to confirm" in said
    assert len(cards_in(boss.new_replies())) == 1
    pat = graph_chat.coordinator()
    [pending] = cards_in(await pat.says("pending confirmations"))
    assert "with Bo Boss (named by them, not from the directory)" in card_text(pending)
    [log] = cards_in(await pat.says("audit log"))
    assert "named their manager on e-learning claim" in card_text(log)
    assert f"named staff {_staff_id(graph_chat, boss.email)} ({boss.email})" in card_text(log)


@pytest.mark.parametrize("chat_settings", [{"named_manager_needs_approval": True}])
async def test_a_named_manager_can_be_made_to_wait_for_a_coordinators_approval(graph_chat, files):
    lee, boss, said = await _named(graph_chat, files)
    assert "coordinator will check that Bo Boss is your manager" in said
    assert boss.new_replies() == []  # nothing goes to Bo yet
    pat = graph_chat.coordinator()
    [pending] = cards_in(await pat.says("pending confirmations"))
    assert "names Bo Boss as their manager: waiting for your approval" in card_text(pending)
    approve = button(pending, "Approve manager")

    refused = await boss.presses(approve)  # not a coordinator: the card is not his to press
    assert "coordinator" in refused["value"].lower()
    assert boss.new_replies() == []

    approved = await pat.presses(approve)
    assert "with Bo Boss (named by them" in card_text(card_from_invoke(approved))
    await graph_chat.notices_sent()
    [ask] = cards_in(boss.new_replies())
    assert "Lee Lone says they completed" in card_text(ask)
    [told] = cards_in(lee.new_replies())
    assert "asked Bo Boss to confirm" in card_text(told)
    again = await pat.presses(approve)  # an old button: already approved, nothing changes
    assert "not waiting for a manager's approval" in str(again["value"])
    confirmed = await boss.presses(button(ask, "Confirm"))
    assert "Confirmed" in card_text(card_from_invoke(confirmed))
    [log] = cards_in(await pat.says("audit log"))
    assert "approved the manager named on e-learning claim" in card_text(log)


@pytest.mark.parametrize("chat_settings", [{"named_manager_needs_approval": True}])
async def test_a_coordinator_refuses_a_named_manager_and_the_person_names_another(
    graph_chat, files, services
):
    lee, boss, _ = await _named(graph_chat, files)
    real = graph_chat.user("Rita Real")
    await real.says("hi")
    pat = graph_chat.coordinator()
    [pending] = cards_in(await pat.says("pending confirmations"))
    await graph_chat.background_done()
    services.clear()
    await pat.presses(button(pending, "Not their manager"))
    assert services == ["training.records.elearning.refuse_and_list"]  # one unit of work
    await graph_chat.notices_sent()
    [form] = cards_in(lee.new_replies())
    assert "couldn't confirm that Bo Boss is your manager" in card_text(form)
    sent = await lee.presses(
        button(form, "Send to my manager"), inputs={"manager_email": real.email}
    )
    assert "check that Rita Real is your manager" in card_text(card_from_invoke(sent))
    assert boss.new_replies() == [] and real.new_replies() == []
    with graph_chat.database.unit_of_work() as db:
        actions = db.exec(select(AuditEntry.action).where(AuditEntry.action.like("elearning.m%")))
        assert sorted(actions.all()) == [
            "elearning.manager.named",
            "elearning.manager.named",
            "elearning.manager.refused",
        ]


def _staff_id(chat, email: str) -> int:
    with chat.database.unit_of_work() as db:
        return db.exec(select(Staff.id).where(Staff.email == email.lower())).one()
