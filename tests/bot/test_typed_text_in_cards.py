"""What people type (names, comments, board and file names, places, reasons) is shown in the
bot's cards exactly as typed: Teams renders card text as Markdown, and a comment must never
become a link or bold type inside a card the bot vouches for."""

from datetime import timedelta

from tests.bot.graph_chat import offer
from tests.bot.harness import (
    COMMONMARK,
    button,
    card_from_invoke,
    card_markup,
    card_text,
    cards_in,
)
from tests.conftest import NOW
from tests.factories import add_course, add_session, add_staff
from tests.graph.scenario import AAD
from tests.training.report_world import add_booking

LINK = "[Click to renew your access](https://evil.example/login)"
LOUD = "**URGENT** _act now_ <b>x</b> `y` &amp;"
LIST = "1. first\n- second\n# third"


def assert_shown_as_typed(card: dict, *typed: str) -> None:
    rendered = "".join(COMMONMARK.render(markup) for markup in card_markup(card))
    assert "<a " not in rendered and "<em>" not in rendered and "<code>" not in rendered
    assert "<h1>" not in rendered and "<ol>" not in rendered and "<ul>" not in rendered
    shown = card_text(card)
    for words in typed:
        assert " ".join(words.split()) in " ".join(shown.split()), words


async def test_feedback_comments_and_names_are_shown_as_typed(chat):
    aad = "a0000000-0000-0000-0000-0000000000aa"
    name = "**Ann** [Able](https://evil.example/login)"
    with chat.database.unit_of_work() as db:
        session = add_session(db, add_course(db), NOW - timedelta(days=1, hours=2))
        add_booking(db, session, add_staff(db, name, NOW, aad_object_id=aad), "attended")
        session_id = session.id
    ann = chat.user(name, aad)
    [form] = cards_in(await ann.says(f"feedback {session_id}"))
    answers = {
        "overall": "5",
        "usefulness": "4",
        "confidence_before": "2",
        "confidence_after": "4",
        "most_useful": LINK,
        "could_be_better": f"{LOUD}\n{LIST}",
        "consent_to_attribute": "true",
    }
    thanks = card_from_invoke(await ann.presses(button(form, "Send feedback"), answers))
    assert_shown_as_typed(thanks)

    [summary] = cards_in(await chat.coordinator().says(f"feedback summary {session_id}"))
    assert_shown_as_typed(summary, LINK, LOUD, "1. first - second # third", name)


async def test_names_on_the_roster_and_a_typed_place_and_reason_are_shown_as_typed(
    chat, wrap_sessions
):
    roomy, _, _ = wrap_sessions
    name = "[IT Service Desk](https://evil.example/login)"
    booked = chat.user(name)
    await booked.says(f"book {roomy}")
    pat = chat.coordinator()
    [roster] = cards_in(await pat.says(f"roster {roomy}"))
    assert_shown_as_typed(roster, name)

    place = "Room **1** [map](https://evil.example/login)"
    form = {
        "course": "WRAP",
        "date": (NOW + timedelta(days=22)).date().isoformat(),  # a Tuesday
        "time": "10:00",
        "duration": "120",
        "capacity": "10",
        "mode": "in_person",
        "location": place,
    }
    created = card_from_invoke(await pat.presses({"verb": "create_session", "data": form}))
    assert_shown_as_typed(created, place)

    [confirm] = cards_in(await pat.says(f"cancel session {roomy}"))
    booked.new_replies()
    await pat.presses(button(confirm, "Yes, cancel the session"), inputs={"reason": LINK})
    await chat.notices_sent()
    [told] = cards_in(booked.new_replies())
    assert_shown_as_typed(told, f"Reason: {LINK}")


async def test_a_board_name_is_shown_as_typed(chat):
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new board"))
    name = "Safeguarding [Board](https://evil.example/login)"
    saved = card_from_invoke(
        await pat.presses(
            button(form, "Save"),
            inputs={"name": name, "focus": LOUD, "frequency": "annual", "next_due": ""},
        )
    )
    assert_shown_as_typed(saved, name)
    [boards] = cards_in(await pat.says("boards"))
    assert_shown_as_typed(boards, name)


async def test_a_certificates_file_name_is_shown_as_typed(graph_chat, graph_server, files):
    ann = graph_chat.user("Ann Able", AAD["A"])
    mo = graph_chat.user("Mo Manager", "eeeeeeee-0000-0000-0000-00000000000m")
    await mo.says("hi")
    graph_server.add_user(AAD["A"], "Ann Able", ann.email)
    graph_server.add_user(mo.aad_object_id, "Mo Manager", mo.email)
    graph_server.managers[AAD["A"]] = mo.aad_object_id
    file_name = "[open me](https://evil.example/login).pdf"
    [attachment, *_] = offer(files, "cert.pdf", b"%PDF-1.7\n" + b"0" * 99)
    await ann.says("record e-learning", attachments=[{**attachment, "name": file_name}])
    await graph_chat.background_done()
    await graph_chat.notices_sent()
    [ask] = cards_in(mo.new_replies())
    assert_shown_as_typed(ask, file_name)


async def test_sentences_that_repeat_typed_words_are_sent_as_plain_text(chat):
    replies = await chat.coordinator().says(f"board update delivered {LINK}")
    [sent] = [reply["activity"] for reply in replies if reply["activity"].get("text")]
    assert "https://evil.example/login" in sent["text"]
    assert sent["textFormat"] == "plain"
