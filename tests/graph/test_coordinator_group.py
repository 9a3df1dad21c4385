"""The coordinator group is read through the real GraphClient; Graph trouble never widens who
counts as a coordinator and never loses the members last read."""

import logging
import socket

from graph.client import GraphClient
from graph.coordinator_group import RoleGroup
from tests.graph.fixtures import graph_settings
from tests.graph.local_authority import CLIENT_SECRET
from tests.graph.local_graph import Fault
from training.people.coordinators import Coordinators

PAT = "c0000000-0000-0000-0000-000000000001"
GILL = "9111aaaa-0000-0000-0000-000000000002"
GROUP = "9c0f0000-0000-0000-0000-00000000c001"
DENIED = Fault(
    "transitiveMembers",
    403,
    code="Authorization_RequestDenied",
    message="Insufficient privileges to complete the operation.",
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_graph_down_at_start_leaves_only_the_named_coordinators(
    authority, graph_server, pki, tmp_path, caplog
):
    settings = graph_settings(
        authority,
        graph_server,
        pki,
        tmp_path,
        graph_base_url=f"http://127.0.0.1:{_closed_port()}/v1.0",
    )
    client = GraphClient(settings)
    coordinators = Coordinators([PAT])
    group = RoleGroup(client, GROUP, coordinators, refresh_seconds=600)
    try:
        with caplog.at_level(logging.WARNING, logger="graph.coordinator_group"):
            assert not await group.refresh()
    finally:
        await client.close()
    assert coordinators.includes(PAT)
    assert not coordinators.includes(GILL)
    assert "only COORDINATORS count" in caplog.text
    assert CLIENT_SECRET not in caplog.text


async def test_a_failed_refresh_keeps_the_members_last_read(graph: GraphClient, graph_server):
    graph_server.add_user(GILL, "Gill Group", "Gill.Group@council.gov.uk")
    graph_server.add_group(GROUP, [GILL])
    coordinators = Coordinators([PAT])
    group = RoleGroup(graph, GROUP, coordinators, refresh_seconds=600)
    assert await group.refresh()
    assert coordinators.includes(None, "gill.group@COUNCIL.gov.uk")

    graph_server.faults.append(DENIED)
    assert not await group.refresh()
    assert coordinators.includes(GILL)

    graph_server.groups[GROUP] = []  # Gill leaves the group
    assert await group.refresh()
    assert not coordinators.includes(GILL)
    assert coordinators.includes(PAT)


async def test_start_reads_the_group_before_it_returns_and_stop_ends_the_refreshes(
    graph: GraphClient, graph_server
):
    graph_server.add_user(GILL, "Gill Group", "gill@council.gov.uk")
    graph_server.add_group(GROUP, [GILL])
    coordinators = Coordinators()
    group = RoleGroup(graph, GROUP, coordinators, refresh_seconds=600)
    await group.start()
    try:
        assert coordinators.includes(GILL)
    finally:
        await group.stop()
    reads = [r for r in graph_server.requests if "/transitiveMembers/" in r]
    assert len(reads) == 1
