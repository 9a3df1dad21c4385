"""In a group chat the bot's answers are read by everyone there: a sessions list shows no one's
own booking, and a booking (typed or pressed) is answered in the person's personal chat, so a
session's join link never goes to the group."""

from tests.bot.harness import buttons, card_text, cards_in

GROUP = "19:prevent-group-chat"
JOIN_LINK = "https://teams.microsoft.com/l/meetup-join/abc"


def in_group(person, **fields) -> dict:
    activity = person.activity(**fields)
    activity["conversation"] = {
        "id": GROUP,
        "conversationType": "groupChat",
        "tenantId": person.tenant,
        "isGroup": True,
    }
    return activity


def group_messages(chat) -> list[dict]:
    return [entry["activity"] for entry in chat.connector.to(GROUP)]


async def test_sessions_in_a_group_show_no_ones_own_booking(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    bob = chat.user("Bob Baker")
    await bob.says(f"book {roomy}")
    await bob.post(in_group(bob, text="<at>wrapbot</at> sessions"))
    [listing] = cards_in(chat.connector.to(GROUP))
    assert "19 of 20 left" in card_text(listing)
    assert "You're booked" not in card_text(listing)
    assert "Cancel my booking" not in [b["title"] for b in buttons(listing)]


async def test_book_typed_in_a_group_is_answered_in_the_personal_chat(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    ann = chat.user("Ann Able")
    await ann.says("my bookings")  # she has a personal chat with the bot
    await ann.post(in_group(ann, text=f"<at>wrapbot</at> book {roomy}"))
    await chat.notices_sent()
    assert JOIN_LINK not in str(group_messages(chat))
    assert [card_text(c) for c in cards_in(chat.connector.to(GROUP))] == []
    [mine] = cards_in(ann.new_replies())
    assert "You're booked" in card_text(mine)
    assert JOIN_LINK in str(mine)


async def test_book_pressed_in_a_group_is_answered_in_the_personal_chat(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    ann, cat = chat.user("Ann Able"), chat.user("Cat Cole")
    await ann.says("my bookings")
    await cat.post(in_group(cat, text="<at>wrapbot</at> sessions"))
    [listing] = cards_in(chat.connector.to(GROUP))
    [book] = [b for b in buttons(listing) if b["data"].get("session_id") == roomy]
    ann.new_replies()
    pressed = in_group(
        ann,
        name="adaptiveCard/action",
        value={
            "action": {"type": "Action.Execute", "verb": book["verb"], "data": book["data"]},
            "trigger": "manual",
        },
    )
    pressed["type"] = "invoke"
    async with ann.http.post(ann.bot_url, json=pressed) as response:
        body = await response.json()
    await chat.notices_sent()
    assert "The details are in our personal chat." in body["value"]
    assert JOIN_LINK not in body["value"]
    assert len(group_messages(chat)) == 1  # the listing only
    [mine] = cards_in(ann.new_replies())
    assert "You're booked" in card_text(mine)
    assert JOIN_LINK in str(mine)


async def test_someone_with_no_personal_chat_is_asked_to_start_one_not_shown_the_link(
    chat, wrap_sessions
):
    roomy, _, _ = wrap_sessions
    megan = chat.user("Megan Bowen")
    await megan.post(in_group(megan, text=f"<at>wrapbot</at> book {roomy}"))
    await chat.notices_sent()
    [said] = group_messages(chat)
    assert said["text"] == "Megan: message me in a personal chat to see what that did for you."
    assert JOIN_LINK not in str(said)
