"""After a session, its roster and its attendance sheet tell the same story: who came with a
seat, who did not, who came without one, and which external guests came."""

from tests.bot.harness import button, card_text, cards_in
from tests.graph.scenario import seed


async def test_the_roster_and_the_attendance_sheet_agree(graph_chat, graph_server):
    world = seed(graph_chat.database, graph_server, graph_chat.clock.now())
    pat = graph_chat.coordinator()
    await pat.says(f"sync attendance {world.session_id}")
    await graph_chat.background_done()
    await graph_chat.notices_sent()  # the sync's result card
    [listing] = cards_in(await pat.says("unmatched"))
    guest = button(listing, "External guest")
    await pat.presses(guest, inputs={f"org_{guest['data']['attendance_id']}": "Met Police"})

    [roster] = cards_in(await pat.says(f"roster {world.session_id}"))
    [sheet] = cards_in(await pat.says(f"session {world.session_id} attendance"))
    on_roster, on_sheet = card_text(roster), card_text(sheet)
    assert "No-shows (1): Hal Hunt" in on_sheet
    assert _line(on_roster, "Hal Hunt").endswith(": did not come")
    assert "Came without booking (1)\n• Gus Gray" in on_roster
    assert "Gus Gray: 120 min, ✅ completed (walk-in)" in on_sheet
    assert "External guests (1)\n• Sam Guest (External)" in on_roster
    for booked in ("Ann Able", "Bob Baker", "Dev Dean"):
        assert _line(on_roster, booked).endswith(": attended")


def _line(shown: str, name: str) -> str:
    return next(line for line in shown.splitlines() if name in line)
