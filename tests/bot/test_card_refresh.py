"""Cards redraw themselves when shown (Universal Actions' refresh): an old card shows what is
true now, and Teams can never make a refresh change anything."""

from sqlmodel import func, select

from tests.bot.harness import buttons, card_from_invoke, card_text, cards_in
from training.models import Booking


async def _shown(person, card, conversation: dict | None = None) -> dict:
    """Teams showing `card` to `person`: its refresh action, sent by itself."""
    value = {"action": card["refresh"]["action"], "trigger": "automatic"}
    activity = person.activity("invoke", name="adaptiveCard/action", value=value)
    if conversation:
        activity["conversation"] = conversation
    async with person.http.post(person.bot_url, json=activity) as response:
        assert response.status == 200
        return await response.json()


async def test_an_old_waiting_list_card_redraws_as_the_seat_given_since(chat, wrap_sessions):
    _, small, _ = wrap_sessions
    ann, bob, cat = chat.user("Ann Able"), chat.user("Bob Baker"), chat.user("Cat Cole")
    await ann.says(f"book {small}")
    await bob.says(f"book {small}")
    [waiting] = cards_in(await cat.says(f"wait {small}"))
    assert waiting["refresh"]["userIds"] == [cat.user_id]
    assert [b["title"] for b in buttons(waiting)] == ["Leave the waiting list"]

    await ann.says(f"cancel {small}")  # Cat is given the seat
    redrawn = card_from_invoke(await _shown(cat, waiting))
    assert "You're booked" in card_text(redrawn)
    assert "Cancel my booking" in [b["title"] for b in buttons(redrawn)]
    assert redrawn["refresh"]["userIds"] == [cat.user_id]


async def test_someone_elses_booking_card_does_not_redraw_for_me(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    ann, bob = chat.user("Ann Able"), chat.user("Bob Baker")
    [booked] = cards_in(await ann.says(f"book {roomy}"))
    body = await _shown(bob, booked)
    assert body["value"] == "I can't find that booking of yours. Type 'my bookings' to see them."


async def test_a_shared_sessions_card_shows_current_seats_to_each_viewer(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    ann, bob = chat.user("Ann Able"), chat.user("Bob Baker")
    group = {"id": "19:team-chat", "conversationType": "groupChat", "tenantId": ann.tenant}
    asked = ann.activity(text="sessions")
    asked["conversation"] = group
    await ann.post(asked)
    [listing] = cards_in(chat.connector.to("19:team-chat"))
    assert "userIds" not in listing["refresh"]  # in a group, Teams refreshes for everyone
    assert "20 of 20 left" in card_text(listing)

    await bob.says(f"book {roomy}")
    for viewer, mine in ((ann, False), (bob, True)):
        redrawn = card_from_invoke(await _shown(viewer, listing, group))
        assert "19 of 20 left" in card_text(redrawn)
        assert ("You're booked" in card_text(redrawn)) is mine


async def test_a_refresh_can_never_book_or_cancel(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    megan = chat.user("Megan Bowen")
    book = {"verb": "book", "data": {"verb": "book", "session_id": roomy}}
    forged = {"refresh": {"action": book}}
    body = await _shown(megan, forged)
    assert "out of date" in body["value"]
    with chat.database.unit_of_work() as db:
        assert db.exec(select(func.count()).select_from(Booking)).one() == 0
