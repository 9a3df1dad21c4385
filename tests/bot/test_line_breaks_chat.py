"""What people type over several lines keeps its lines on the cards others read: a
coordinator's message to a session, a cancellation's reason, a feedback comment. Each line is
its own paragraph in the card's Markdown (Teams runs single line breaks together), and none of
it becomes Markdown."""

from datetime import timedelta

from tests.bot.harness import COMMONMARK, button, card_from_invoke, card_markup, cards_in
from tests.conftest import NOW
from tests.factories import add_course, add_session, add_staff
from tests.training.report_world import add_booking

MESSAGE = "Please bring a pen.\nWe start at 10 sharp.\n\n# Thanks, Pat"
REASON = "Trainer unwell.\nA new date will follow"


def rendered(card: dict) -> str:
    return "".join(COMMONMARK.render(markup) for markup in card_markup(card))


async def test_a_message_to_a_session_keeps_its_lines(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    ann = chat.user("Ann Able")
    await ann.says(f"book {roomy}")
    pat = chat.coordinator()
    [preview] = cards_in(await pat.says(f"message session {roomy} {MESSAGE}"))
    lines = "<p>Please bring a pen.</p>\n<p>We start at 10 sharp.</p>\n<p># Thanks, Pat</p>"
    assert lines in rendered(preview)
    await pat.presses(button(preview, "Send"), {"include_waiting": "false"})
    await chat.notices_sent()
    [received] = cards_in(ann.new_replies())
    assert lines in rendered(received)
    assert "<h1>" not in rendered(received)


async def test_a_cancellation_reason_keeps_its_lines(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    ann = chat.user("Ann Able")
    await ann.says(f"book {roomy}")
    pat = chat.coordinator()
    [confirm] = cards_in(await pat.says(f"cancel session {roomy} {REASON}"))
    [reason] = [n for n in confirm["body"] if n.get("id") == "reason"]
    assert reason["value"] == REASON and reason["isMultiline"]
    await pat.presses(button(confirm, "Yes, cancel the session"), inputs={"reason": REASON})
    await chat.notices_sent()
    [notice] = cards_in(ann.new_replies())
    assert "<p>Reason: Trainer unwell.</p>\n<p>A new date will follow</p>" in rendered(notice)


async def test_a_feedback_comment_keeps_its_lines(chat):
    aad = "a0000000-0000-0000-0000-0000000000b1"
    with chat.database.unit_of_work() as db:
        session = add_session(db, add_course(db), NOW - timedelta(days=1, hours=2))
        add_booking(db, session, add_staff(db, "Bea Brown", NOW, aad_object_id=aad), "attended")
        session_id = session.id
    bea = chat.user("Bea Brown", aad)
    [form] = cards_in(await bea.says(f"feedback {session_id}"))
    answers = {
        "overall": "5",
        "usefulness": "4",
        "confidence_before": "2",
        "confidence_after": "4",
        "most_useful": "The case studies.\n- the second one most",
        "could_be_better": "",
        "consent_to_attribute": "false",
    }
    card_from_invoke(await bea.presses(button(form, "Send feedback"), answers))
    [summary] = cards_in(await chat.coordinator().says(f"feedback summary {session_id}"))
    assert "The case studies.</p>\n<p>- the second one most" in rendered(summary)
    assert "<ul>" not in rendered(summary)
