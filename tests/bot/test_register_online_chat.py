"""The register on an online session, through the bot's endpoint with the local Bot Connector
and the local Graph: a person's Teams result is changed by hand with a reason, a later Teams
sync leaves the decision alone, and `session 12 attendance` says where each result came from."""

from sqlmodel import select

from tests.bot.harness import button, card_from_invoke, card_text, cards_in
from tests.graph.scenario import booking_statuses, seed
from training.models import Completion


async def _synced(graph_chat, graph_server):
    world = seed(graph_chat.database, graph_server, graph_chat.clock.now())
    pat = graph_chat.coordinator()
    await pat.says(f"sync attendance {world.session_id}")
    await graph_chat.background_done()
    await graph_chat.notices_sent()
    return world, pat


def _completed(graph_chat, session_id: int) -> set[int]:
    with graph_chat.database.unit_of_work() as db:
        return set(
            db.exec(select(Completion.staff_id).where(Completion.session_id == session_id)).all()
        )


def _choice(card: dict, key: str) -> str | None:
    def walk(node: object):
        if isinstance(node, dict):
            if node.get("id") == key:
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    [found] = list(walk(card))
    return found.get("value")


async def test_a_teams_result_changed_by_hand_needs_a_reason_and_outlives_the_next_sync(
    graph_chat, graph_server
):
    world, pat = await _synced(graph_chat, graph_server)
    eve, hal, ann = (world.staff[n] for n in ("Eve Evans", "Hal Hunt", "Ann Able"))
    assert eve not in _completed(graph_chat, world.session_id)  # 30 of 120 minutes
    [register] = cards_in(await pat.says(f"register {world.session_id}"))
    shown = card_text(register)
    assert "booked · eve.evans@example.gov.uk · Teams: 30 min, not completed" in shown
    assert "booked · hal.hunt@example.gov.uk · Teams: not in a report" in shown
    assert _choice(register, f"m_s{eve}") == "teams"

    changes = {f"m_s{eve}": "present", f"m_s{hal}": "present", f"m_s{ann}": "absent"}
    refused = card_from_invoke(await pat.presses(button(register, "Save register"), changes))
    assert "say why you are changing what Teams recorded" in card_text(refused)
    assert "Nothing was saved." in card_text(refused)
    assert _choice(refused, f"m_s{eve}") == "present"  # what was chosen is kept
    assert eve not in _completed(graph_chat, world.session_id)

    reason = {"reason": "Connection dropped; finished on a colleague's laptop"}
    saved = card_from_invoke(
        await pat.presses(button(refused, "Save register"), {**changes, **reason})
    )
    assert "Saved: 3 changes recorded." in card_text(saved)
    done = _completed(graph_chat, world.session_id)
    assert eve in done and hal in done and ann not in done
    assert booking_statuses(graph_chat.database, world.session_id)[hal] == "attended"
    assert booking_statuses(graph_chat.database, world.session_id)[ann] == "no_show"

    # Teams is read again: the register's decisions stand.
    await pat.says(f"sync attendance {world.session_id}")
    await graph_chat.background_done()
    await graph_chat.notices_sent()
    assert _completed(graph_chat, world.session_id) == done
    assert booking_statuses(graph_chat.database, world.session_id)[ann] == "no_show"

    [sheet] = cards_in(await pat.says(f"session {world.session_id} attendance"))
    on_sheet = card_text(sheet)
    assert (
        "• Eve Evans: ✅ present, completed (Teams measured 30 min; register: Pat Coordinator, "
        "11 Jan 2027 09:00: Connection dropped; finished on a colleague's laptop)" in on_sheet
    )
    assert "• Hal Hunt: ✅ present, completed (register: Pat Coordinator" in on_sheet
    assert "• Ann Able: ✗ absent (Teams measured 120 min; register: Pat Coordinator" in on_sheet
    assert "• Bob Baker: 110 min, ✅ completed (Teams report)" in on_sheet


async def test_a_result_given_back_to_teams_follows_the_reports_again(graph_chat, graph_server):
    world, pat = await _synced(graph_chat, graph_server)
    eve, hal = world.staff["Eve Evans"], world.staff["Hal Hunt"]
    [register] = cards_in(await pat.says(f"register {world.session_id}"))
    why = {"reason": "checked with her manager"}
    decided = card_from_invoke(
        await pat.presses(
            button(register, "Save register"),
            {f"m_s{eve}": "present", f"m_s{hal}": "present"} | why,
        )
    )
    assert {eve, hal} <= _completed(graph_chat, world.session_id)
    back = card_from_invoke(
        await pat.presses(
            button(decided, "Save register"), {f"m_s{eve}": "teams", f"m_s{hal}": "teams"} | why
        )
    )
    assert "Saved: 2 changes recorded." in card_text(back)
    assert not {eve, hal} & _completed(graph_chat, world.session_id)
    assert booking_statuses(graph_chat.database, world.session_id)[hal] == "no_show"
    [sheet] = cards_in(await pat.says(f"session {world.session_id} attendance"))
    assert "• Eve Evans: 30 min, ✗ not completed (Teams report)" in card_text(sheet)
