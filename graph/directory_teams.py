"""Departments from Entra ID, so every person the bot knows is in a team.

    await read_people(database, graph, staff_ids, now)   # after first contact, or attendees
    await refresh_directory(database, graph, now)        # once a day, from the reminder sweep

Nothing is lost to a Graph failure (429/503 beyond the SDK's retries, an outage): a person
whose read failed stays unread and is read again next time; a daily refresh that stops part-way
keeps the pages it stored and is not marked done, so the next sweep runs it again.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from database.engine import Database
from graph.client import GraphClient
from graph.errors import GraphProblem
from training.people import teams
from training.people.teams import DirectoryEntry, PersonToRead

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeopleRead:
    read: int  # answered by Graph (found, or not in the directory)
    failed: int  # Graph failed: left unread, tried again next time


async def read_people(
    database: Database,
    graph: GraphClient,
    staff_ids: Sequence[int],
    now: datetime,
    *,
    unread_only: bool = True,
    concurrency: int = 4,
) -> PeopleRead:
    """Read the department of each of `staff_ids` never read before (`GET /users/{id}` with
    `$select`, by Entra object id or else email), `concurrency` at a time, each stored in its
    own transaction."""
    people = await database.run(teams.people_to_read, staff_ids, unread_only=unread_only)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(person: PersonToRead) -> bool:
        async with gate:
            try:
                user = await graph.user(person.directory_id)
            except GraphProblem as problem:
                log.warning("could not read staff %s's department: %s", person.staff_id, problem)
                return False
        await database.run(
            teams.record_department,
            person.staff_id,
            user.department if user else None,
            now,
            found=user is not None,
        )
        return True

    done = await asyncio.gather(*(one(p) for p in people))
    return PeopleRead(sum(done), len(done) - sum(done))


@dataclass(frozen=True)
class DirectoryRefresh:
    users: int  # directory users read
    people: int  # of them, people the bot knows
    changed: int  # whose team changed


async def refresh_directory(
    database: Database, graph: GraphClient, now: datetime
) -> DirectoryRefresh:
    """Read every user's department (a paged `GET /users` with `$select`, 999 a page) and file
    the people we know; each page is stored as it arrives. Raises `GraphProblem` if a page
    fails, after storing the pages before it; only a complete read is recorded as done."""
    users = people = changed = 0
    async for page in graph.departments():
        entries = [DirectoryEntry(u.id, u.mail, u.user_principal_name, u.department) for u in page]
        result = await database.run(teams.record_directory, entries, now)
        users, people, changed = users + len(page), people + result.people, changed + result.changed
    await database.run(
        teams.finish_directory_refresh, now, users=users, people=people, changed=changed
    )
    log.info(
        "directory refresh: %s users read, %s people known, %s changed team", users, people, changed
    )
    return DirectoryRefresh(users, people, changed)


async def read_attendees(
    database: Database, graph: GraphClient, session_id: int, now: datetime
) -> PeopleRead:
    """After a session's attendance is recomputed: the departments of its matched attendees
    who were never read (people who never wrote to the bot among them)."""
    staff_ids = await database.run(teams.attendees_of, session_id)
    return await read_people(database, graph, staff_ids, now)
