"""Paging follows Graph's `@odata.nextLink` only to Graph, a bounded number of pages, never round
in a loop; and the app's token never leaves for another host. The real msal and msgraph-sdk
against the local authority and Graph, with a second local server standing for somewhere else."""

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from aiohttp import web

from graph.client import GraphClient
from graph.errors import GraphProblem
from tests.graph.local_graph import LocalGraph, Report, at, record


@dataclass
class Elsewhere:
    """A server that is not Graph, on `localhost` (kiota would send a token there over http)."""

    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization header)
    url: str = ""

    async def answer(self, request: web.Request) -> web.Response:
        self.seen.append((request.path_qs, request.headers.get("Authorization", "")))
        return web.json_response({"value": []})


@pytest.fixture
async def elsewhere() -> AsyncIterator[Elsewhere]:
    server = Elsewhere()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://localhost:{port}"
    yield server
    await runner.cleanup()


def directory_of(graph_server: LocalGraph, people: int) -> None:
    graph_server.page_size = 2
    for i in range(people):
        graph_server.add_user(f"u-{i}", f"Person {i}", f"p{i}@x.gov.uk", department="Adults")


async def everyone(graph: GraphClient) -> list[str]:
    return [person.id async for page in graph.departments() for person in page]


async def test_a_next_link_to_another_host_is_not_followed(graph, graph_server, elsewhere):
    directory_of(graph_server, 5)
    graph_server.rewrite_next_link = lambda link: re.sub(r"^http://[^/]+", elsewhere.url, link)
    with pytest.raises(GraphProblem) as refused:
        await everyone(graph)
    assert refused.value.code == "next_link_elsewhere"
    assert "pointed away from Microsoft Graph (http://localhost)" in str(refused.value)
    assert elsewhere.seen == []


@pytest.mark.parametrize("listing", ["group members", "attendance records"])
async def test_every_listing_checks_its_next_links(graph, graph_server, elsewhere, listing):
    directory_of(graph_server, 5)
    graph_server.add_group("g-1", [f"u-{i}" for i in range(5)])
    meeting = graph_server.add_meeting("https://teams.microsoft.com/l/meetup-join/x", [])
    graph_server.rewrite_next_link = lambda link: re.sub(r"^http://[^/]+", elsewhere.url, link)
    with pytest.raises(GraphProblem, match="pointed away"):
        if listing == "group members":
            await graph.group_users("g-1")
        else:  # the sync keeps each next link in the database and reads it on a later try
            meeting.reports = [_report(3)]
            page = await graph.records_page(graph.first_records_url(meeting.id, "report-3"))
            assert page.next_link is not None and len(page.records) == 2
            await graph.records_page(page.next_link)
    assert elsewhere.seen == []


async def test_the_token_goes_to_the_graph_host_alone(graph, graph_server, elsewhere):
    """Even a request built by hand through the SDK's adapter carries no token elsewhere."""
    directory_of(graph_server, 1)
    assert await everyone(graph) == ["u-0"]  # with a token, to Graph
    request = graph._sdk.users.with_url(f"{elsewhere.url}/v1.0/users").to_get_request_information()
    await graph._raw(request)
    assert elsewhere.seen == [("/v1.0/users", "")]


async def test_a_looping_next_link_stops_with_a_warning(graph, graph_server, caplog):
    directory_of(graph_server, 6)
    graph_server.rewrite_next_link = lambda link: re.sub(r"skiptoken=\d+", "skiptoken=2", link)
    with (
        caplog.at_level(logging.WARNING, logger="graph.paging"),
        pytest.raises(GraphProblem) as refused,
    ):
        await everyone(graph)
    assert refused.value.code == "next_link_loop"
    assert "already read" in caplog.text
    assert len([r for r in graph_server.requests if r.startswith("GET /v1.0/users")]) == 2


async def test_a_listing_stops_at_the_page_cap(settings_for_graph, graph_server):
    directory_of(graph_server, 9)
    capped = GraphClient(settings_for_graph, max_pages=3)
    try:
        with pytest.raises(GraphProblem) as refused:
            await everyone(capped)
    finally:
        await capped.close()
    assert refused.value.code == "too_many_pages"
    assert len([r for r in graph_server.requests if r.startswith("GET /v1.0/users")]) == 3


def _report(people: int) -> Report:
    start = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
    came = [
        record(f"P{i}", aad=f"a-{i}", email=f"p{i}@x.gov.uk", intervals=[(start, at(start, 60))])
        for i in range(people)
    ]
    return Report(f"report-{people}", start, at(start, 60), came)
