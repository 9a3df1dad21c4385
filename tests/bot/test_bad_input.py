"""Bad input gets a clear answer and changes nothing."""

import pytest
from sqlmodel import func, select

from tests.bot.harness import button, card_from_invoke, card_text, cards_in, texts_in
from training.models import Booking, ConversationReference, Session, Staff


def _rows(database, model) -> int:
    with database.unit_of_work() as db:
        return db.exec(select(func.count()).select_from(model)).one()


NOT_ACTIVITIES = [
    b"{not json",
    b"\xff\xfe",
    b"[1, 2]",
    b'"hello"',
    b"{}",
    b'{"type": "message"}',
    b'{"type": "message", "serviceUrl": "x", "conversation": {}}',
    b'{"type": 5, "serviceUrl": "http://x", "conversation": {"id": "c"}}',
]


@pytest.mark.parametrize("body", NOT_ACTIVITIES)
async def test_a_body_that_is_not_an_activity_is_refused_with_400(chat, body):
    user = chat.user("Megan Bowen")
    response = await user.post(body)
    assert response.status == 400
    assert _rows(chat.database, Staff) == 0
    assert chat.connector.sent == []


async def test_a_message_without_a_sender_or_with_odd_fields_is_refused(chat):
    user = chat.user("Megan Bowen")
    no_sender = user.activity(text="sessions")
    del no_sender["from"]
    assert (await user.post(no_sender)).status == 400
    odd_text = user.activity(text={"not": "text"})
    assert (await user.post(odd_text)).status == 400
    assert _rows(chat.database, Staff) == 0


async def test_the_wrong_content_type_is_refused(chat):
    response = await chat.user("Megan Bowen").post(b"sessions", content_type="text/plain")
    assert response.status == 415


async def test_a_tampered_card_changes_nothing(chat, wrap_sessions):
    megan = chat.user("Megan Bowen")
    for action in (
        {"verb": "book", "data": {"session_id": "DROP TABLE"}},
        {"verb": "book", "data": {"session_id": True}},
        {"verb": "book", "data": {}},
        {"verb": "launch_missiles", "data": {"session_id": wrap_sessions[0]}},
        {"verb": "book", "data": {"session_id": wrap_sessions[0], "extra": {"nested": 1}}},
    ):
        body = await megan.presses(action)
        assert body["type"] == "application/vnd.microsoft.activity.message"
        assert "out of date or has been changed" in body["value"]
    assert _rows(chat.database, Booking) == 0


async def test_a_card_for_an_unknown_session_says_so(chat, wrap_sessions):
    body = await chat.user("Megan Bowen").presses({"verb": "book", "data": {"session_id": 9999}})
    assert "can't find session 9999" in body["value"]


async def test_someone_elses_booking_cannot_be_cancelled_from_a_replayed_card(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    ann, eve = chat.user("Ann Able"), chat.user("Eve Evans")
    [card] = cards_in(await ann.says(f"book {roomy}"))
    cancel = button(card, "Cancel my booking")
    body = await eve.presses(cancel)
    assert "can't find that booking of yours" in body["value"]
    [still] = cards_in(await ann.says("my bookings"))
    assert "Booked" in card_text(still)


async def test_a_stale_book_button_on_a_cancelled_session(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    megan = chat.user("Megan Bowen")
    [listing] = cards_in(await megan.says("sessions"))
    await chat.coordinator().presses(
        {"verb": "cancel_session", "data": {"session_id": roomy, "reason": "ill"}}
    )
    stale = next(b for b in listing["body"] if f"(#{roomy})" in card_text({"body": [b]}))
    body = await megan.presses(button({"body": [stale]}, "Book a seat"))
    assert "has been cancelled" in body["value"]
    assert _rows(chat.database, Booking) == 0


async def test_a_non_coordinator_posting_coordinator_actions_is_refused(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    megan = chat.user("Megan Bowen")
    for action in (
        {"verb": "cancel_session", "data": {"session_id": roomy, "reason": "x"}},
        {
            "verb": "create_session",
            "data": {
                "course": "WRAP",
                "date": "2027-03-01",
                "time": "10:00",
                "duration": "120",
                "capacity": "10",
                "mode": "online",
            },
        },
        {"verb": "roster", "data": {"session_id": roomy}},
    ):
        body = await megan.presses(action)
        assert body["value"] == "Only the Prevent coordinators can do that."
    [typed] = texts_in(await megan.says(f"cancel session {roomy} because"))
    assert typed == "Only the Prevent coordinators can do that."
    with chat.database.unit_of_work() as db:
        assert db.get(Session, roomy).status == "scheduled"
        assert len(db.exec(select(Session)).all()) == 3


async def test_a_tenant_outside_the_allow_list_is_refused_politely(chat, wrap_sessions):
    outsider = chat.user("Mallory", tenant="99999999-9999-9999-9999-999999999999")
    [refusal] = texts_in(await outsider.says("sessions"))
    assert "only serves the council" in refusal
    body = await outsider.presses({"verb": "book", "data": {"session_id": wrap_sessions[0]}})
    assert "only serves the council" in body["value"]
    assert _rows(chat.database, Staff) == 0
    assert _rows(chat.database, ConversationReference) == 0
    assert _rows(chat.database, Booking) == 0


async def test_a_very_long_message_is_refused_politely_and_stores_nothing(chat, wrap_sessions):
    [answer] = texts_in(await chat.user("Megan Bowen").says("book 1 " + "x" * 20000))
    assert "too long" in answer
    assert _rows(chat.database, Staff) == 0


async def test_an_oversized_body_is_refused_before_parsing(chat):
    user = chat.user("Megan Bowen")
    response = await user.post(user.activity(text="x" * 400_000))
    assert response.status == 413


async def test_an_attachment_of_the_wrong_type_is_refused(chat, wrap_sessions):
    megan = chat.user("Megan Bowen")
    exe = {
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "name": "certificate.exe",
        "content": {"downloadUrl": "https://example.invalid/x", "fileType": "exe"},
    }
    [answer] = texts_in(await megan.says("", attachments=[exe]))
    assert "PDF, PNG or JPEG" in answer
    many = [{"contentType": "image/png", "contentUrl": "https://example.invalid/a.png"}] * 4
    [answer] = texts_in(await megan.says("", attachments=many))
    assert "at most 3 attachments" in answer


async def test_one_person_flooding_is_slowed_down_and_others_still_served(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    flooder, other = chat.user("Fay Flood"), chat.user("Olu Other")
    answers = []
    for _ in range(15):
        answers += texts_in(await flooder.says(f"book {roomy}"))
    assert (
        answers.count(
            "You're sending messages faster than I can answer. Please wait a few seconds."
        )
        == 1
    )
    [card] = cards_in(await other.says("my bookings"))
    assert "Your bookings" in card_text(card)
    with chat.database.unit_of_work() as db:
        assert len(db.exec(select(Booking)).all()) == 1


async def test_a_bad_form_keeps_what_the_coordinator_typed(chat, wrap_sessions):
    body = await chat.coordinator().presses(
        {
            "verb": "create_session",
            "data": {
                "course": "WRAP",
                "date": "2027-03-01",
                "time": "10:00",
                "duration": "120",
                "capacity": "0",
                "mode": "online",
                "audience": "Family Services",
            },
        }
    )
    form = card_from_invoke(body)
    assert "Capacity must be between 1 and 500" in card_text(form)
    values = {i["id"]: i.get("value") for i in form["body"] if "id" in i}
    assert values["audience"] == "Family Services" and values["date"] == "2027-03-01"


async def test_in_a_channel_records_stay_private_and_the_shared_card_is_left_alone(
    chat, wrap_sessions
):
    roomy, _, _ = wrap_sessions
    pat = chat.coordinator()

    def in_channel(**fields):
        activity = pat.activity(**fields)
        activity["conversation"] = {
            "id": "19:team-channel",
            "conversationType": "channel",
            "tenantId": pat.tenant,
            "isGroup": True,
        }
        return activity

    for typed in (f"roster {roomy}", "audit log", "totals", "my bookings"):
        await pat.post(in_channel(text=typed))
    said = [e["activity"].get("text") for e in chat.connector.to("19:team-channel")]
    assert said and all(t.startswith("Let's do that in our personal chat") for t in said)

    invoke = in_channel(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"verb": "book", "data": {"session_id": roomy}}},
    )
    async with pat.http.post(pat.bot_url, json=invoke) as response:
        body = await response.json()
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "You're booked" in body["value"]


def _nested(levels: int) -> bytes:
    """An activity whose card value nests `levels` arrays deep (2 KB for 1,000 levels)."""
    return (
        b'{"type": "message", "serviceUrl": "http://127.0.0.1:1/", "conversation": {"id": "c"},'
        b' "from": {"id": "29:x"}, "value": ' + b"[" * levels + b"]" * levels + b"}"
    )


@pytest.mark.parametrize("levels", [1000, 200])
async def test_deeply_nested_json_is_refused_with_400(chat, levels):
    response = await chat.user("Megan Bowen").post(_nested(levels))
    assert response.status == 400
    assert _rows(chat.database, Staff) == 0
    assert chat.connector.sent == []


async def test_a_booking_id_beyond_the_databases_is_a_stale_card(chat, wrap_sessions):
    megan = chat.user("Megan Bowen")
    await megan.says(f"book {wrap_sessions[0]}")
    for booking_id in (2**31, 2**63, "3000000000"):
        body = await megan.presses({"verb": "cancel_booking", "data": {"booking_id": booking_id}})
        assert "out of date" in body["value"]
    with chat.database.unit_of_work() as db:
        assert db.exec(select(Booking)).one().status == "booked"


@pytest.mark.parametrize(
    "typed", ["cancel 99999999999", "roster 3000000000", "book 2147483648", "feedback #4000000000"]
)
async def test_a_number_too_large_to_be_an_id_gets_a_clear_answer(chat, wrap_sessions, typed):
    [card] = cards_in(await chat.coordinator().says(typed))
    huge = typed.split()[-1].lstrip("#")
    assert f"Nothing has the number {huge}" in card_text(card)
    assert _rows(chat.database, Booking) == 0


async def test_the_largest_id_is_still_read_as_a_number(chat, wrap_sessions):
    [answer] = texts_in(await chat.coordinator().says("roster 2147483647"))
    assert answer == "I can't find session 2147483647. Type 'sessions' to see what's on."


async def test_a_card_submit_in_a_group_chat_never_replaces_the_shared_card(chat, wrap_sessions):
    """`Action.Submit` (older clients) can only answer with a message: the presser's result
    goes to their personal chat, once per press, and the group sees nothing of it."""
    roomy, _, _ = wrap_sessions
    ann = chat.user("Ann Able")
    await ann.says("my bookings")  # she has a personal chat with the bot
    megan = chat.user("Megan Bowen")  # she never has

    def pressed_in_group(person, activity_id: str):
        activity = person.activity(
            id=activity_id,
            text="",
            value={"verb": "book", "session_id": roomy},
            replyToId="shared-sessions-card",
        )
        activity["conversation"] = {
            "id": "19:group-chat",
            "conversationType": "groupChat",
            "tenantId": person.tenant,
            "isGroup": True,
        }
        return activity

    for _ in range(2):  # Teams may deliver the press twice
        await ann.post(pressed_in_group(ann, "press-ann"))
    await megan.post(pressed_in_group(megan, "press-megan"))
    await chat.notices_sent()

    in_group = chat.connector.to("19:group-chat")
    assert [e["op"] for e in in_group] == ["send"]
    assert in_group[0]["activity"]["text"] == (
        "Megan: message me in a personal chat to see what that did for you."
    )
    private = [card_text(c) for c in cards_in(ann.new_replies())]
    assert len(private) == 1 and "booked" in private[0].lower()
