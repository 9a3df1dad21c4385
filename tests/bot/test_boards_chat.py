"""The coordinator keeps the governance calendar in chat; bad input changes nothing."""

from datetime import date, timedelta

from sqlmodel import func, select

from tests.bot.harness import button, card_from_invoke, card_text, cards_in, texts_in
from training.governance import boards
from training.governance.boards import BoardDetails
from training.models import AuditEntry, Board, BoardUpdate


def add_board(chat, name: str, due: date | None, lead: str = "", frequency: str = "annual") -> int:
    details = BoardDetails(
        name=name, frequency=frequency, next_due_on=due, lead_emails=(lead,) if lead else ()
    )
    with chat.database.unit_of_work() as db:
        return boards.save_board(db, details, chat.clock.now()).id


def board_count(chat) -> int:
    with chat.database.unit_of_work() as db:
        return db.exec(select(func.count()).select_from(Board)).one()


async def test_boards_shows_next_dates_and_leads_soonest_first(chat):
    megan = chat.user("Megan Bowen")
    await megan.says("hi")
    add_board(chat, "Health and Wellbeing Board", None)
    add_board(chat, "Adult Safeguarding Board", date(2027, 2, 15), megan.email)
    add_board(chat, "Safer Communities Partnership Board", date(2027, 1, 20))
    [card] = cards_in(await chat.coordinator().says("boards"))
    shown = card_text(card)
    assert shown.index("Safer Communities") < shown.index("Adult") < shown.index("Health")
    assert "Mon 15 Feb 2027" in shown and "Megan Bowen" in shown
    assert "to be confirmed" in shown


async def test_recording_an_update_rolls_the_next_date(chat):
    add_board(chat, "Adult Safeguarding Board", date(2027, 1, 20))
    pat = chat.coordinator()
    [card] = cards_in(await pat.says("board update delivered adult safeguarding"))
    assert "Next due: Thu 20 Jan 2028" in card_text(card)  # a year on from when it was due
    [listing] = cards_in(await pat.says("boards"))
    body = await pat.presses(button(listing, "Update delivered"))
    pressed_again = card_text(card_from_invoke(body))
    assert "Update to Adult Safeguarding Board recorded" in pressed_again
    assert "Next due: Thu 20 Jan 2028" in pressed_again  # recorded twice in one cycle: no jump
    with chat.database.unit_of_work() as db:
        assert len(db.exec(select(BoardUpdate)).all()) == 2
        assert "board.delivered" in {a.action for a in db.exec(select(AuditEntry)).all()}


async def test_bad_board_commands_get_a_clear_answer_and_change_nothing(chat):
    add_board(chat, "Adult Safeguarding Board", date(2027, 1, 20))
    add_board(chat, "Children Safeguarding Board", date(2027, 3, 1))
    pat = chat.coordinator()
    [unknown] = texts_in(await pat.says("board update delivered knitting circle"))
    assert "can't find a board called 'knitting circle'" in unknown
    [vague] = texts_in(await pat.says("board update delivered safeguarding"))
    assert "could be any of" in vague
    [which] = texts_in(await pat.says("board update delivered"))
    assert "Which board?" in which
    [refused] = texts_in(await chat.user("Megan Bowen").says("boards"))
    assert "Only the Prevent coordinators" in refused
    with chat.database.unit_of_work() as db:
        assert db.exec(select(BoardUpdate)).all() == []


async def test_a_board_is_added_and_changed_with_the_form(chat):
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new board"))
    bad = card_from_invoke(
        await pat.presses(
            button(form, "Save"),
            inputs={
                "name": "Health and Wellbeing Board",
                "frequency": "annual",
                "next_due": "soon",
            },
        )
    )
    assert "next date must be a date" in card_text(bad)
    assert board_count(chat) == 0
    saved = card_from_invoke(
        await pat.presses(
            button(bad, "Save"),
            inputs={
                "name": "Health and Wellbeing Board",
                "focus": "mental health",
                "frequency": "annual",
                "next_due": "",
                "leads": "megan.bowen@example.gov.uk",
            },
        )
    )
    assert "Health and Wellbeing Board added" in card_text(saved)
    [edit] = cards_in(await pat.says("edit board health"))
    changed = card_from_invoke(
        await pat.presses(
            button(edit, "Save"),
            inputs={
                "name": "Health and Wellbeing Board",
                "frequency": "annual",
                "next_due": "2027-03-04",
            },
        )
    )
    assert "Thu 4 Mar 2027" in card_text(changed)
    assert board_count(chat) == 1


async def test_reminders_lists_what_will_be_sent_in_the_next_two_weeks(chat):
    megan = chat.user("Megan Bowen")
    await megan.says("hi")
    pat = chat.coordinator()
    await pat.says("hi")
    add_board(
        chat,
        "Adult Safeguarding Board",
        (chat.clock.now() + timedelta(days=20)).date(),
        megan.email,
    )
    add_board(chat, "Health and Wellbeing Board", None)
    [card] = cards_in(await pat.says("reminders"))
    shown = card_text(card)
    assert "Adult Safeguarding Board is due on" in shown and "→ Megan Bowen" in shown
    assert "still to be confirmed → Pat Coordinator" in shown
    [failed] = cards_in(await pat.says("failed deliveries"))
    assert "Every message has been delivered" in card_text(failed)


async def test_a_board_lead_records_their_own_update_but_no_one_elses(chat):
    megan, eve = chat.user("Megan Bowen"), chat.user("Eve Evans")
    await megan.says("hi")
    await eve.says("hi")
    adults = add_board(chat, "Adult Safeguarding Board", date(2027, 2, 15), megan.email)
    add_board(chat, "Children Safeguarding Board", date(2027, 3, 1))

    [mine] = cards_in(await megan.says("boards"))
    assert "Adult Safeguarding Board" in card_text(mine)
    assert "Children Safeguarding Board" not in card_text(mine)
    [recorded] = cards_in(await megan.says("board update delivered adult safeguarding"))
    assert "Update to Adult Safeguarding Board recorded" in card_text(recorded)

    refused = "Only the Prevent coordinators or the board's lead can do that."
    assert texts_in(await megan.says("board update delivered children safeguarding")) == [refused]
    assert texts_in(await eve.says("boards")) == [refused]
    body = await eve.presses({"verb": "board_delivered", "data": {"board_id": adults}})
    assert body["value"] == refused
    with chat.database.unit_of_work() as db:
        updates = db.exec(select(BoardUpdate)).all()
    assert [(u.board_id, u.recorded_by_staff_id is not None) for u in updates] == [(adults, True)]


async def test_someone_who_leads_no_board_learns_no_board_names(chat):
    """One refusal for a board that is not theirs, not there, or not clear: a name they may not
    see is neither listed nor confirmed."""
    megan = chat.user("Megan Bowen")
    await megan.says("hi")
    adult = add_board(chat, "Adult Safeguarding Board", date(2027, 2, 15))
    add_board(chat, "Channel Panel (confidential)", date(2027, 3, 1))
    mine = add_board(chat, "Health and Wellbeing Board", date(2027, 4, 1), megan.email)
    refusal = "Only the Prevent coordinators or the board's lead can do that."
    mallory = chat.user("Mallory Staff")
    for typed in ("a", "channel", "zzz", "adult safeguarding board"):
        assert texts_in(await mallory.says(f"board update delivered {typed}")) == [refusal]
    for board_id in (adult, mine, 99_999):
        body = await mallory.presses({"verb": "board_delivered", "data": {"board_id": board_id}})
        assert body["value"] == refusal
    # Megan leads one: she finds it by a word, and still learns nothing of the others.
    assert texts_in(await megan.says("board update delivered channel")) == [refusal]
    [done] = cards_in(await megan.says("board update delivered wellbeing"))
    assert "Health and Wellbeing Board" in card_text(done)
