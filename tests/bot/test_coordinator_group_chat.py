"""Coordinators from an Entra group (COORDINATOR_GROUP_ID), served over real HTTP: the bot reads
the group from the local Graph at start, and checks every command and card press on the server."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp
from aiohttp import web

from bot.app import WRAPBOT, create_app
from graph.client import GraphClient
from tests.bot.conftest import COORDINATOR_AAD, Chat
from tests.bot.harness import TENANT, LocalConnector, button, card_from_invoke, card_text, cards_in
from tests.bot.test_reminders_chat import add_board
from tests.factories import add_course
from tests.graph.fixtures import graph_settings
from tests.graph.local_graph import Fault

GROUP = "9c0f0000-0000-0000-0000-00000000c001"
NESTED = "9c0f0000-0000-0000-0000-00000000c002"
GILL = "9111aaaa-0000-0000-0000-000000000002"  # in the group through a nested group
REFUSED = "Only the Prevent coordinators can do that."
AUDITORS_ONLY = "Only the Prevent coordinators and the auditors can read the audit log."
NEW_SESSION = {
    "course": "WRAP",
    "date": "2027-06-15",
    "time": "14:30",
    "duration": "90",
    "capacity": "12",
    "mode": "in_person",
    "location": "Colindale Office, Room 2",
}


@asynccontextmanager
async def group_chat(
    database, clock, authority, graph_server, pki, tmp_path, **extra
) -> AsyncIterator[Chat]:
    """The bot with COORDINATORS=[Pat] and COORDINATOR_GROUP_ID set, started (so the group has
    been read, or failed to be) before anyone speaks."""
    settings = graph_settings(
        authority,
        graph_server,
        pki,
        tmp_path,
        database_url=database.url,
        coordinators=[COORDINATOR_AAD],
        coordinator_group_id=GROUP,
        allowed_tenant_ids=[TENANT],
        scheduler_enabled=False,
        **extra,
    )
    graph = GraphClient(settings)
    connector = LocalConnector()
    await connector.start()
    runner = web.AppRunner(create_app(settings, database, clock, graph=graph), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    with database.unit_of_work() as db:
        add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/api/messages"
            yield Chat(runner.app, url, connector, http, database, clock)
    finally:
        await runner.cleanup()
        await connector.stop()
        await graph.close()


def the_group(graph_server) -> None:
    graph_server.add_user(GILL, "Gill Group", "gill.group@example.gov.uk")
    graph_server.add_user("e0000000-0000-0000-0000-000000000009", "Eve Else", "eve@example.gov.uk")
    graph_server.add_group(NESTED, [GILL])
    graph_server.add_group(GROUP, ["e0000000-0000-0000-0000-000000000009", NESTED])
    graph_server.page_size = 1  # two pages: Eve, then Gill


async def test_a_group_member_is_served_as_a_coordinator(
    database, clock, authority, graph_server, pki, tmp_path
):
    the_group(graph_server)
    async with group_chat(database, clock, authority, graph_server, pki, tmp_path) as chat:
        gill = chat.user("Gill Group", GILL)
        [form] = cards_in(await gill.says("new session"))
        body = await gill.presses(button(form, "Create session"), inputs=NEW_SESSION)
        assert "created" in card_text(card_from_invoke(body))
        [log] = cards_in(await gill.says("audit log"))
        assert "Gill Group put on session" in card_text(log)


async def test_someone_outside_the_group_and_the_settings_is_refused_even_replaying_a_card(
    database, clock, authority, graph_server, pki, tmp_path
):
    the_group(graph_server)
    async with group_chat(database, clock, authority, graph_server, pki, tmp_path) as chat:
        [form] = cards_in(await chat.user("Gill Group", GILL).says("new session"))
        dev = chat.user("Dev Dean")
        assert [e["activity"]["text"] for e in await dev.says("audit log")] == [AUDITORS_ONLY]
        pressed = await dev.presses(button(form, "Create session"), inputs=NEW_SESSION)
        assert pressed["value"] == REFUSED
        create = button(form, "Create session")
        submitted = await dev.submits({"verb": create["verb"], **create["data"], **NEW_SESSION})
        assert [e["activity"]["text"] for e in submitted] == [REFUSED]
        assert [
            c for c in cards_in(await dev.says("sessions june 2027")) if "Colindale" in card_text(c)
        ] == []


async def test_graph_refusing_at_start_leaves_only_the_coordinators_in_settings(
    database, clock, authority, graph_server, pki, tmp_path
):
    the_group(graph_server)
    graph_server.faults.append(
        Fault(
            "transitiveMembers",
            403,
            code="Authorization_RequestDenied",
            message="Insufficient privileges to complete the operation.",
        )
    )
    async with group_chat(database, clock, authority, graph_server, pki, tmp_path) as chat:
        gill = chat.user("Gill Group", GILL)
        assert [e["activity"]["text"] for e in await gill.says("audit log")] == [AUDITORS_ONLY]
        assert cards_in(await chat.coordinator().says("audit log"))


async def test_group_members_get_the_coordinators_reminders(
    database, clock, authority, graph_server, pki, tmp_path
):
    the_group(graph_server)
    async with group_chat(database, clock, authority, graph_server, pki, tmp_path) as chat:
        gill, dev, lead = (
            chat.user("Gill Group", GILL),
            chat.user("Dev Dean"),
            chat.user("Lee Lead"),
        )
        for person in (gill, dev, lead):
            await person.says("hi")
            person.new_replies()
        add_board(chat.database, chat.clock, (clock.now() - timedelta(days=1)).date(), lead.email)
        await chat.app[WRAPBOT].sweep.run()
        await chat.notices_sent()
        overdue = [card_text(c) for c in cards_in(gill.new_replies())]
        assert any("Overdue: Adult Safeguarding Board" in text for text in overdue), overdue
        assert cards_in(dev.new_replies()) == []


REPORTERS = "9c0f0000-0000-0000-0000-00000000c0e1"
AUDITORS = "9c0f0000-0000-0000-0000-00000000c0e2"
ROY = "9111aaaa-0000-0000-0000-0000000000e1"
AUDREY = "9111aaaa-0000-0000-0000-0000000000e2"


async def test_the_reporters_and_auditors_groups_are_read_like_the_coordinators(
    database, clock, authority, graph_server, pki, tmp_path
):
    the_group(graph_server)
    graph_server.add_user(ROY, "Roy Reports", "roy.reports@example.gov.uk")
    graph_server.add_user(AUDREY, "Audrey Audits", "audrey.audits@example.gov.uk")
    graph_server.add_group(REPORTERS, [ROY])
    graph_server.add_group(AUDITORS, [AUDREY])
    async with group_chat(
        database,
        clock,
        authority,
        graph_server,
        pki,
        tmp_path,
        reporter_group_id=REPORTERS,
        auditor_group_id=AUDITORS,
    ) as chat:
        roy, audrey = chat.user("Roy Reports", ROY), chat.user("Audrey Audits", AUDREY)
        assert cards_in(await roy.says("totals"))
        assert [e["activity"]["text"] for e in await roy.says("new session")] == [REFUSED]
        assert [e["activity"]["text"] for e in await roy.says("audit log")] == [AUDITORS_ONLY]
        [log] = cards_in(await audrey.says("audit log"))
        assert "Roy Reports" in card_text(log)
        assert [e["activity"]["text"] for e in await audrey.says("new session")] == [REFUSED]
        assert cards_in(await chat.user("Gill Group", GILL).says("audit log"))
