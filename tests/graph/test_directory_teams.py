"""Departments through the real Graph SDK: one person at a time, a session's attendees, and
the whole directory once a day; Graph failures lose nothing."""

import time

from sqlmodel import select

from graph.directory_teams import read_people, refresh_directory
from graph.errors import GraphProblem
from tests.conftest import NOW
from tests.factories import add_staff
from tests.graph.local_graph import Fault
from tests.graph.scenario import AAD, seed
from training.models import Staff
from training.people import teams

SELECT = "$select=id,mail,userPrincipalName,department"


def _teams(database) -> dict[str, tuple[str | None, str | None]]:
    with database.unit_of_work() as db:
        return {s.display_name: (s.team, s.department) for s in db.exec(select(Staff)).all()}


def _people(database, graph_server, count: int) -> None:
    """`count` people known to the bot by object id, and as many others in the directory."""
    with database.unit_of_work() as db:
        for i in range(count):
            add_staff(db, f"Person {i}", NOW, team=None, aad_object_id=f"aad-{i}")
    for i in range(2 * count):
        graph_server.add_user(f"aad-{i}", f"Person {i}", f"person.{i}@x.gov.uk", f"Dept {i % 3}")


async def test_the_directory_is_read_page_by_page_with_select(database, graph, graph_server):
    graph_server.page_size = 2
    _people(database, graph_server, 3)
    pages = [page async for page in graph.departments()]
    assert [len(p) for p in pages] == [2, 2, 2]
    assert pages[0][1].department == "Dept 1" and pages[0][1].mail == "person.1@x.gov.uk"
    assert all(SELECT in r and "$top=999" in r for r in graph_server.requests)


async def test_a_daily_refresh_stopped_by_throttling_keeps_what_it_read_and_runs_again(
    database, graph, graph_server
):
    graph_server.page_size = 2
    _people(database, graph_server, 3)
    # Retry-After of 180 s or more: the SDK gives up at once (FACTS.md), as after its retries.
    graph_server.faults.append(Fault("skiptoken=2", 429, retry_after="180"))
    try:
        await refresh_directory(database, graph, NOW)
        raise AssertionError("the throttled page should have stopped the refresh")
    except GraphProblem as problem:
        assert problem.status == 429
    assert _teams(database) == {
        "Person 0": ("Dept 0", "Dept 0"),
        "Person 1": ("Dept 1", "Dept 1"),
        "Person 2": (None, None),
    }
    with database.unit_of_work() as db:
        assert teams.directory_refresh_due(db, NOW)  # not done: the next sweep runs it again

    done = await refresh_directory(database, graph, NOW)
    assert (done.users, done.people, done.changed) == (6, 3, 1)
    assert _teams(database)["Person 2"] == ("Dept 2", "Dept 2")
    with database.unit_of_work() as db:
        assert not teams.directory_refresh_due(db, NOW)


async def test_a_person_whose_read_failed_is_read_next_time(database, graph, graph_server):
    _people(database, graph_server, 2)
    with database.unit_of_work() as db:
        ids = [s.id for s in db.exec(select(Staff).order_by(Staff.id)).all()]
    graph_server.faults.append(
        Fault("/users/aad-1", 503, retry_after="180", code="ServiceUnavailable")
    )
    first = await read_people(database, graph, ids, NOW)
    assert (first.read, first.failed) == (1, 1)
    assert _teams(database)["Person 1"] == (None, None)

    second = await read_people(database, graph, ids, NOW)
    assert (second.read, second.failed) == (1, 0)  # only the one not read before
    assert _teams(database)["Person 1"] == ("Dept 1", "Dept 1")
    assert sum("/users/aad-0" in r for r in graph_server.requests) == 1


async def test_someone_not_in_the_directory_is_not_asked_about_again(database, graph, graph_server):
    with database.unit_of_work() as db:
        guest = add_staff(db, "Sam Partner", NOW, team=None).id
    assert (await read_people(database, graph, [guest], NOW)).read == 1
    assert (await read_people(database, graph, [guest], NOW)).read == 0
    # looked up by email (Graph takes a user principal name in place of the id)
    assert graph_server.requests[0].startswith("GET /v1.0/users/sam.partner%40example.gov.uk?")


async def test_attendees_matched_from_a_report_get_their_teams(
    database, graph, graph_server, sync_policy
):
    from graph.attendance_sync import sync_one_session

    world = seed(database, graph_server, NOW)
    with database.unit_of_work() as db:
        for person in db.exec(select(Staff)).all():
            person.team = None
            db.add(person)
    for letter, name in zip("ABH", ["Ann Able", "Bob Baker", "Hal Hunt"], strict=True):
        email = name.lower().replace(" ", ".") + "@example.gov.uk"
        graph_server.add_user(AAD[letter], name, email, department="Children's MASH")

    await sync_one_session(database, graph, sync_policy, world.session_id, NOW)

    found = _teams(database)
    assert found["Ann Able"] == ("Children's MASH", "Children's MASH")
    assert found["Bob Baker"] == ("Children's MASH", "Children's MASH")
    assert found["Hal Hunt"] == (None, None)  # booked, never came: not an attendee


async def test_a_full_page_of_999_users_is_cheap_to_read(graph, graph_server):
    """Raw JSON, not kiota's user model (about 4.5 s of CPU for 999 users, on the event loop)."""
    graph_server.page_size = 999
    for i in range(999):
        graph_server.add_user(f"aad-{i}", f"Person {i}", f"p{i}@x.gov.uk", f"Dept {i % 40}")
    await anext(graph.departments())  # the token and connection, outside the measurement
    started = time.process_time()
    [page] = [page async for page in graph.departments()]
    assert len(page) == 999 and page[41].department == "Dept 1"
    assert time.process_time() - started < 1.5
