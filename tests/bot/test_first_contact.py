"""A new person's first activities arrive together (Teams sends two when the app is
installed, and may deliver one again): every one gets its proper answer, one staff record is
made, and the welcome comes once."""

import asyncio

from sqlmodel import func, select

from tests.bot.harness import BOT_ID, TeamsUser, cards_in, texts_in
from training.models import ConversationReference, Staff

WELCOME = "Hello! I book Prevent training (WRAP and more). Type 'sessions' to start."
SORRY = "Sorry, something went wrong on my side. Please try again."


def _installed(user: TeamsUser, activity_id: str) -> dict:
    return user.activity(
        "conversationUpdate",
        id=activity_id,
        membersAdded=[{"id": BOT_ID, "name": "wrapbot"}],
    )


def _count(chat, model) -> int:
    with chat.database.unit_of_work() as db:
        return db.exec(select(func.count()).select_from(model)).one()


async def test_five_first_activities_at_once_are_all_answered_and_welcome_once(chat, wrap_sessions):
    megan = chat.user("Megan Bowen")
    install = _installed(megan, "install-1")
    activities = [
        install,
        install,  # delivered again, at the same moment
        install,
        megan.activity("installationUpdate", action="add"),
        megan.activity(text="sessions"),
    ]

    responses = await asyncio.gather(*(megan.post(a) for a in activities))

    assert [r.status for r in responses if r.status not in (200, 201)] == []
    said = texts_in(megan.new_replies())
    assert SORRY not in said
    assert said.count(WELCOME) == 1
    sessions_cards = [
        entry
        for entry in chat.connector.to(megan.conversation_id)
        if entry["activity"].get("attachments") and entry["activity"].get("text") != WELCOME
    ]
    assert len(sessions_cards) == 1  # the answer to 'sessions'
    assert _count(chat, Staff) == 1
    assert _count(chat, ConversationReference) == 1


async def test_five_first_messages_at_once_each_get_their_answer(chat, wrap_sessions):
    megan = chat.user("Megan Bowen")

    responses = await asyncio.gather(
        *(megan.post(megan.activity(text="sessions")) for _ in range(5))
    )

    assert [r.status for r in responses if r.status not in (200, 201)] == []
    replies = megan.new_replies()
    assert SORRY not in texts_in(replies)
    assert len(cards_in(replies)) == 5
    assert _count(chat, Staff) == 1


async def test_ten_new_people_installing_at_once_are_each_welcomed_once(chat):
    people = [chat.user(f"New Starter {n}") for n in range(10)]
    activities = [
        activity
        for person in people
        for activity in (
            _installed(person, f"install-{person.aad_object_id}"),
            person.activity("installationUpdate", action="add"),
        )
    ]

    responses = await asyncio.gather(
        *(people[i // 2].post(activity) for i, activity in enumerate(activities))
    )

    assert [r.status for r in responses if r.status not in (200, 201)] == []
    for person in people:
        assert texts_in(person.new_replies()) == [WELCOME], person.name
    assert _count(chat, Staff) == 10
