"""Feedback after a session, in chat: the form, saving and changing it, refusals, the summary."""

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.bot.harness import button, card_from_invoke, card_text, cards_in, texts_in
from tests.conftest import NOW
from tests.factories import add_course, add_session, add_staff
from tests.training.report_world import add_booking
from training.models import AuditEntry, FeedbackResponse

ANN_AAD = "a0000000-0000-0000-0000-0000000000aa"
CAT_AAD = "a0000000-0000-0000-0000-0000000000cc"
ANSWERS = {
    "overall": "5",
    "usefulness": "4",
    "confidence_before": "2",
    "confidence_after": "4",
    "most_useful": "The case studies",
    "could_be_better": "More time for questions",
    "consent_to_attribute": "true",
}


@pytest.fixture
def ended(chat) -> tuple[int, int]:
    """A WRAP session that ended yesterday: Ann attended, Cat did not turn up."""
    with chat.database.unit_of_work() as db:
        session = add_session(db, add_course(db), NOW - timedelta(days=1, hours=2))
        ann = add_staff(db, "Ann Able", NOW, aad_object_id=ANN_AAD)
        cat = add_staff(db, "Cat Cole", NOW, aad_object_id=CAT_AAD)
        add_booking(db, session, ann, "attended")
        add_booking(db, session, cat, "no_show")
        other = add_session(db, add_course(db, "ERW", "ERW briefing"), NOW - timedelta(days=2))
        return session.id, other.id


def saved(chat) -> list[tuple[int, str]]:
    with chat.database.unit_of_work() as db:
        return [(r.overall, r.most_useful) for r in db.exec(select(FeedbackResponse))]


async def test_give_feedback_then_change_it(chat, ended):
    session_id, _ = ended
    ann = chat.user("Ann Able", ANN_AAD)
    [form] = cards_in(await ann.says(f"feedback {session_id}"))
    assert "How was WRAP?" in card_text(form)
    thanks = card_from_invoke(await ann.presses(button(form, "Send feedback"), ANSWERS))
    assert "Thank you: feedback received" in card_text(thanks)

    [again] = cards_in(await ann.says(f"feedback {session_id}"))
    choices = {n["id"]: n.get("value") for n in again["body"] if "id" in n}
    assert choices["overall"] == "5" and choices["most_useful"] == "The case studies"
    changed = {**ANSWERS, "overall": "4"}
    body = await ann.presses(button(again, "Update my feedback"), changed)
    assert "Thank you: feedback updated" in card_text(card_from_invoke(body))
    assert saved(chat) == [(4, "The case studies")]


async def test_the_submit_fallback_works_too(chat, ended):
    session_id, _ = ended
    ann = chat.user("Ann Able", ANN_AAD)
    replies = await ann.submits({"verb": "submit_feedback", "session_id": session_id, **ANSWERS})
    assert "Thank you" in card_text(cards_in(replies)[0])
    assert saved(chat) == [(5, "The case studies")]


@pytest.mark.parametrize(
    "tampered",
    [
        {"overall": "9"},
        {"overall": "0"},
        {"usefulness": "five"},
        {"confidence_after": None},
        {"consent_to_attribute": "maybe"},
        {"overall": True},
        {"overall": "4.5"},
    ],
)
async def test_tampered_answers_are_refused_and_nothing_saved(chat, ended, tampered):
    session_id, _ = ended
    ann = chat.user("Ann Able", ANN_AAD)
    action = {"verb": "submit_feedback", "data": {"session_id": session_id}}
    body = await ann.presses(action, {**ANSWERS, **tampered})
    assert "⚠️" in card_text(card_from_invoke(body))
    assert saved(chat) == []


async def test_only_people_who_attended_may_answer(chat, ended):
    session_id, other_id = ended
    cat = chat.user("Cat Cole", CAT_AAD)  # a no-show
    replies = await cat.says(f"feedback {session_id}")
    assert "I don't have you down for that one" in texts_in(replies)[0]
    ann = chat.user("Ann Able", ANN_AAD)
    action = {"verb": "submit_feedback", "data": {"session_id": other_id}}  # not hers
    body = await ann.presses(action, ANSWERS)
    assert "I don't have you down for that one" in body["value"]
    assert saved(chat) == []


async def test_late_feedback_is_refused_politely(chat, ended):
    session_id, _ = ended
    ann = chat.user("Ann Able", ANN_AAD)
    [form] = cards_in(await ann.says(f"feedback {session_id}"))
    chat.clock.move_to(NOW + timedelta(days=10))
    body = await ann.presses(button(form, "Send feedback"), ANSWERS)
    assert body["value"].startswith("Thank you, but feedback on that session closed on")
    assert saved(chat) == []


async def test_the_coordinator_reads_the_feedback_named_only_with_consent(chat, ended):
    session_id, _ = ended
    ann = chat.user("Ann Able", ANN_AAD)
    await ann.presses({"verb": "submit_feedback", "data": {"session_id": session_id}}, ANSWERS)
    pat = chat.coordinator()
    [summary] = cards_in(await pat.says(f"feedback summary {session_id}"))
    shown = card_text(summary)
    assert "Responses: 1 of 1 asked" in shown
    assert "Confidence before → after: 2.0 / 5 → 4.0 / 5" in shown
    assert "(Ann Able, WRAP" in shown

    await ann.presses(
        {"verb": "submit_feedback", "data": {"session_id": session_id}},
        {**ANSWERS, "consent_to_attribute": "false"},
    )
    [summary] = cards_in(await pat.says(f"feedback summary {session_id}"))
    assert "Ann Able" not in card_text(summary) and "(not named, WRAP" in card_text(summary)
    [period] = cards_in(await pat.says("feedback summary this month"))
    assert "Responses: 1 of 1 asked" in card_text(period)
    with chat.database.unit_of_work() as db:
        actions = [e.action for e in db.exec(select(AuditEntry))]
    assert actions == ["feedback.view", "feedback.view", "feedback.view"]

    refused = await ann.says(f"feedback summary {session_id}")
    assert texts_in(refused) == ["Only the Prevent coordinators can do that."]


async def test_a_refused_answer_keeps_every_other_answer_and_names_the_question(chat, ended):
    session_id, _ = ended
    ann = chat.user("Ann Able", ANN_AAD)
    [form] = cards_in(await ann.says(f"feedback {session_id}"))
    missing = {k: v for k, v in ANSWERS.items() if k != "usefulness"}
    again = card_from_invoke(await ann.presses(button(form, "Send feedback"), missing))
    assert "'How useful was it for your role?'" in card_text(again)
    kept = {n["id"]: n.get("value") for n in again["body"] if "id" in n}
    assert kept == {**ANSWERS, "usefulness": None}
    assert saved(chat) == []
    body = await ann.presses(button(again, "Send feedback"), {**kept, "usefulness": "3"})
    assert "Thank you: feedback received" in card_text(card_from_invoke(body))
    assert saved(chat) == [(5, "The case studies")]
