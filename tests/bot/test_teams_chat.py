"""Every person in a team, over real HTTP: departments read after first contact without the
reply waiting, coordinators setting and importing teams (partners are not in the directory),
the department map, and the totals' no-team line saying how to empty it."""

import asyncio
from datetime import timedelta

from sqlmodel import select

from tests.bot.graph_chat import offer
from tests.bot.harness import button, card_from_invoke, card_text, cards_in, texts_in
from tests.factories import add_course, add_session, add_staff
from tests.graph.local_graph import Fault
from training.models import AuditEntry, Booking, BookingStatus, Staff

PARTNER = "jo.bloggs@probation.gov.uk"


def _staff(database) -> dict[str, tuple[str | None, str | None]]:
    with database.unit_of_work() as db:
        return {s.email: (s.team, s.team_source) for s in db.exec(select(Staff)).all()}


def _audited(database, prefix: str) -> list[tuple[str, str]]:
    with database.unit_of_work() as db:
        entries = db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(e.action, e.subject) for e in entries if e.action.startswith(prefix)]


async def test_a_department_is_read_after_first_contact_and_nobody_waits_for_it(
    graph_chat, graph_server
):
    ann = graph_chat.user("Ann Able")
    graph_server.add_user(ann.aad_object_id, "Ann Able", ann.email, department="Adults MASH")
    graph_server.held = asyncio.Event()  # Graph answers nothing until released
    [welcome] = cards_in(await ann.says("help"))
    assert "Prevent training bot" in card_text(welcome)
    assert _staff(graph_chat.database)[ann.email] == (None, None)

    graph_server.held.set()
    await graph_chat.background_done()
    assert _staff(graph_chat.database)[ann.email] == ("Adults MASH", "directory")
    await ann.says("my bookings")
    await graph_chat.background_done()
    asked = [r for r in graph_server.requests if f"/users/{ann.aad_object_id}?" in r]
    assert len(asked) == 1 and "department" in asked[0]  # once, not at every message


async def test_a_failed_first_read_is_tried_again_at_the_next_message(graph_chat, graph_server):
    ann = graph_chat.user("Ann Able")
    graph_server.add_user(ann.aad_object_id, "Ann Able", ann.email, department="Adults MASH")
    # Throttled beyond the SDK's retries (a Retry-After of 180 s or more is not waited for).
    graph_server.faults.append(Fault(f"/users/{ann.aad_object_id}", 429, retry_after="180"))
    # (and the scheduler's daily read of everyone fails meanwhile, so only the lookups count)
    graph_server.faults.append(Fault("/v1.0/users?", 503, times=1000, retry_after="180"))
    assert cards_in(await ann.says("help"))  # the person never hears of it
    await graph_chat.background_done()
    await ann.says("my bookings")
    await graph_chat.background_done()
    await ann.says("my bookings")
    await graph_chat.background_done()
    asked = [r for r in graph_server.requests if f"/users/{ann.aad_object_id}?" in r]
    assert len(asked) == 2  # failed, then read at the next message, then left alone
    assert _staff(graph_chat.database)[ann.email] == ("Adults MASH", "directory")


async def test_a_coordinator_sets_a_partners_team_and_it_wins_over_the_directory(chat):
    pat = chat.coordinator()
    [set_card] = cards_in(await pat.says(f"team {PARTNER} Probation Service"))
    text = card_text(set_card)
    assert "jo.bloggs@probation.gov.uk: no team → Probation Service" in text
    assert "I hadn't met them yet" in text
    assert "Set by: a coordinator (the directory does not change it)" in text
    assert _staff(chat.database)[PARTNER] == ("Probation Service", "coordinator")
    assert _audited(chat.database, "team.") == [("team.set", PARTNER)]

    [shown] = cards_in(await pat.says(f"team {PARTNER}"))
    body = await pat.presses(button(shown, "Use the directory's team"))
    assert "Probation Service → no team" in card_text(card_from_invoke(body))
    assert _staff(chat.database)[PARTNER] == (None, None)


async def test_staff_cannot_set_teams(chat):
    ann = chat.user("Ann Able")
    said = texts_in(await ann.says(f"team {PARTNER} Probation Service"))
    assert said == ["Only the Prevent coordinators can do that."]
    assert PARTNER not in _staff(chat.database)


async def test_a_csv_of_teams_is_imported_whole_or_not_at_all(chat, files):
    pat = chat.coordinator()
    with chat.database.unit_of_work() as db:
        add_staff(db, "Ann Able", chat.clock.now(), team=None)
    bad = b"email,team\nann.able@example.gov.uk,Adults MASH\njo.bloggs,Probation\nsam@mht.nhs.uk,\n"
    [refused] = cards_in(await pat.says("import teams", attachments=offer(files, "teams.csv", bad)))
    text = card_text(refused)
    assert "I changed nothing" in text
    assert "line 3: 'jo.bloggs' is not an email address" in text
    assert "line 4: no team for sam@mht.nhs.uk" in text
    assert _staff(chat.database)["ann.able@example.gov.uk"] == (None, None)

    good = f"ann.able@example.gov.uk,Adults MASH\n{PARTNER},Probation Service\n".encode()
    [done] = cards_in(await pat.says("import teams", attachments=offer(files, "teams.csv", good)))
    assert "People in the file: 2" in card_text(done)
    assert "New to me (linked when they chat or attend): 1" in card_text(done)
    teams = _staff(chat.database)
    assert teams["ann.able@example.gov.uk"] == ("Adults MASH", "coordinator")
    assert teams[PARTNER] == ("Probation Service", "coordinator")
    assert [a for a, _ in _audited(chat.database, "team.")] == [
        "team.set",
        "team.set",
        "team.import",
    ]

    [how] = texts_in(await pat.says("import teams"))
    assert "email,team" in how


async def test_departments_are_mapped_to_one_team_and_people_refiled(chat):
    pat = chat.coordinator()
    with chat.database.unit_of_work() as db:
        for name, department in [("Ann Able", "Early Help West"), ("Bob Baker", "Early Help East")]:
            person = add_staff(db, name, chat.clock.now(), team=department)
            person.department, person.team_source = department, "directory"
    [mapped] = cards_in(await pat.says("map early help west to Family Services"))
    assert "Early Help West reports as Family Services: 1 person re-filed." in card_text(mapped)
    body = await pat.presses(
        button(mapped, "Save"), {"department": "Early Help East", "team": "family services"}
    )
    text = card_text(card_from_invoke(body))
    assert "Early Help East: Family Services (1 in Entra ID)" in text
    assert "Early Help West: Family Services (1 in Entra ID)" in text
    assert _staff(chat.database)["bob.baker@example.gov.uk"] == ("Family Services", "directory")

    [listed] = cards_in(await pat.says("team map"))
    body = await pat.presses(
        button(listed, "Take out"), {"department": "", "team": "", "remove": "Early Help West"}
    )
    assert "no longer reports as Family Services" in card_text(card_from_invoke(body))
    assert _staff(chat.database)["ann.able@example.gov.uk"] == ("Early Help West", "directory")
    assert [a for a, _ in _audited(chat.database, "team_map.")] == [
        "team_map.set",
        "team_map.set",
        "team_map.removed",
    ]


async def test_the_no_team_line_of_the_totals_says_how_many_and_how_to_fix_it(chat):
    pat = chat.coordinator()
    now = chat.clock.now()
    with chat.database.unit_of_work() as db:
        session = add_session(db, add_course(db), now - timedelta(days=3))
        for name, team in [("Ann Able", None), ("Bob Baker", None), ("Cat Cole", "Adults MASH")]:
            person = add_staff(db, name, now, team=team)
            db.add(
                Booking(
                    session_id=session.id,
                    staff_id=person.id,
                    status=BookingStatus.BOOKED,
                    requested_at=now - timedelta(days=9),
                    updated_at=now - timedelta(days=9),
                )
            )
    [totals] = cards_in(await pat.says("totals"))
    text = card_text(totals)
    assert "(no team recorded): 2 people with no team on their record. Type 'no team'" in text
    assert "'import teams'" in text and "'team map'" in text

    [who] = cards_in(await pat.says("no team"))
    assert "3 people have no team" in card_text(who)  # the coordinator too
    assert "ann.able@example.gov.uk" in card_text(who)
    await pat.says("team ann.able@example.gov.uk Adults MASH")
    await pat.says("team bob.baker@example.gov.uk adults mash")
    [after] = cards_in(await pat.says("totals"))
    assert "(no team recorded)" not in card_text(after)
