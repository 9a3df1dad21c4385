"""People named by email before they first chat are that person when they do: one record."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import func, select

from bot.app import WRAPBOT
from tests.bot.graph_chat import offer
from tests.bot.harness import button, card_from_invoke, card_text, cards_in
from tests.graph.scenario import seed
from training.models import Staff
from training.people.staff import person_named_by_email

PDF = b"%PDF-1.7\n" + b"0" * 2000


def records_of(chat, email: str) -> list[tuple[str | None, str | None]]:
    with chat.database.unit_of_work() as db:
        rows = db.exec(select(Staff).where(func.lower(Staff.email) == email.lower())).all()
        return [(r.aad_object_id, r.email) for r in rows]


def staff_count(chat) -> int:
    with chat.database.unit_of_work() as db:
        return db.exec(select(func.count()).select_from(Staff)).one()


async def test_a_board_lead_named_before_they_chat_leads_records_and_is_reminded(chat):
    pat, megan = chat.coordinator(), chat.user("Megan Bowen")
    [form] = cards_in(await pat.says("new board"))
    await pat.presses(
        button(form, "Save"),
        inputs={
            "name": "Adult Safeguarding Board",
            "frequency": "annual",
            "next_due": "2027-02-15",
            "leads": "Megan.Bowen@Example.GOV.uk",  # typed in another case
        },
    )
    assert records_of(chat, megan.email) == [(None, megan.email)]

    [boards] = cards_in(await megan.says("boards"))  # her first message
    assert "Adult Safeguarding Board" in card_text(boards)
    assert records_of(chat, megan.email) == [(megan.aad_object_id, megan.email)]

    headlines = []
    moment = chat.clock.now()
    while moment <= datetime(2027, 2, 14, 12, tzinfo=UTC):
        chat.clock.move_to(moment)
        await chat.app[WRAPBOT].sweep.run()
        await chat.notices_sent()
        headlines += [
            (moment.date(), card_text(c).splitlines()[0]) for c in cards_in(megan.new_replies())
        ]
        moment += timedelta(hours=12)
    due = "🗓️ Prevent update to Adult Safeguarding Board is due on Mon 15 Feb 2027"
    assert headlines == [
        (date(2027, 1, 18), due),
        (date(2027, 2, 8), due),
        (date(2027, 2, 14), due),
    ]
    [recorded] = cards_in(await megan.says("board update delivered adult safeguarding"))
    assert "Update to Adult Safeguarding Board recorded" in card_text(recorded)


async def test_a_manager_named_by_email_confirms_when_they_come(graph_chat, files):
    with graph_chat.database.unit_of_work() as db:
        person_named_by_email(db, "Bo.Boss@example.gov.uk", graph_chat.clock.now())
    lee, bo, pat = graph_chat.user("Lee Lone"), graph_chat.user("Bo Boss"), graph_chat.coordinator()
    await lee.says("record e-learning")
    [form] = cards_in(await lee.says("", attachments=offer(files, "cert.pdf", PDF)))
    sent = await lee.presses(button(form, "Send to my manager"), inputs={"manager_email": bo.email})
    # not met yet: named by their address, not a name guessed from it
    assert "asked bo.boss@example.gov.uk to confirm" in card_text(card_from_invoke(sent))

    await bo.says("hi")  # Bo's first message: the record Lee named is Bo's
    # The ask queued while Bo could not be reached may go now, before or after 'hi' is answered:
    # let it, so the chase below is the one new card.
    await graph_chat.notices_sent()
    bo.new_replies()
    [pending] = cards_in(await pat.says("pending confirmations"))
    await pat.presses(button(pending, "Chase the manager"))
    await graph_chat.notices_sent()
    [ask] = cards_in(bo.new_replies())
    confirmed = await bo.presses(button(ask, "Confirm"))
    assert "confirmed" in card_text(card_from_invoke(confirmed)).lower()
    assert records_of(graph_chat, bo.email) == [(bo.aad_object_id, bo.email)]


async def test_an_attendee_assigned_from_unmatched_sees_the_completion(graph_chat, graph_server):
    world = seed(graph_chat.database, graph_server, graph_chat.clock.now())
    with graph_chat.database.unit_of_work() as db:
        person_named_by_email(db, "sam.seen@example.gov.uk", graph_chat.clock.now())
    pat = graph_chat.coordinator()
    await pat.says(f"sync attendance {world.session_id}")
    await graph_chat.background_done()
    await graph_chat.notices_sent()
    [listing] = cards_in(await pat.says("unmatched"))
    assign = button(listing, "Assign to staff")
    attendance_id = assign["data"]["attendance_id"]
    await pat.presses(assign, inputs={f"who_{attendance_id}": "Sam.Seen@example.gov.uk"})
    before = staff_count(graph_chat)

    sam = graph_chat.user("Sam Seen")
    [mine] = cards_in(await sam.says("my training"))
    assert "WRAP" in card_text(mine) and "No completed training" not in card_text(mine)
    assert staff_count(graph_chat) == before
    assert records_of(graph_chat, sam.email) == [(sam.aad_object_id, sam.email)]
