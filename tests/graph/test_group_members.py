"""Reading an Entra group's users with the real msgraph-sdk against the local Graph."""

import pytest

from graph.client import GraphClient
from graph.errors import GraphProblem
from graph.records import GroupMember
from tests.graph import metadata
from tests.graph.local_graph import Fault

GROUP = "9c0f0000-0000-0000-0000-00000000c001"
NESTED = "9c0f0000-0000-0000-0000-00000000c002"


def _people(graph_server, count: int) -> list[str]:
    ids = []
    for i in range(count):
        aad = f"a0000000-0000-0000-0000-{i:012d}"
        graph_server.add_user(aad, f"Person {i}", f"Person.{i}@Council.gov.uk")
        ids.append(aad)
    return ids


async def test_every_user_in_the_group_and_its_nested_groups_once(graph: GraphClient, graph_server):
    graph_server.page_size = 3
    people = _people(graph_server, 5)
    graph_server.users[people[4]]["mail"] = None  # an account without a mailbox
    graph_server.add_group(NESTED, [people[3], people[4], people[0]])
    graph_server.add_group(GROUP, [people[0], people[1], people[2], NESTED])

    members = await graph.group_users(GROUP)

    assert sorted(m.id for m in members) == sorted(people)
    assert GroupMember(people[4], None, "Person.4@Council.gov.uk") in members
    reads = [r for r in graph_server.requests if "/transitiveMembers/" in r]
    assert len(reads) == 2  # two pages, the second from @odata.nextLink
    assert all("?$select=id,mail,userPrincipalName&$top=999" in r for r in reads), reads


async def test_throttling_and_a_busy_graph_are_retried(graph: GraphClient, graph_server):
    graph_server.page_size = 2
    people = _people(graph_server, 3)
    graph_server.add_group(GROUP, people)
    graph_server.faults += [
        Fault("transitiveMembers", 429, retry_after="1"),
        Fault("skiptoken", 503, retry_after="1", code="ServiceUnavailable"),
    ]

    members = await graph.group_users(GROUP)

    assert [m.id for m in members] == people
    assert all(f.times == 0 for f in graph_server.faults)  # both were met, and retried


async def test_a_group_graph_does_not_know_is_a_graph_problem(graph: GraphClient, graph_server):
    with pytest.raises(GraphProblem) as raised:
        await graph.group_users(GROUP)
    assert raised.value.not_found and raised.value.code == "Request_ResourceNotFound"


def test_a_member_page_graph_would_never_send_is_caught():
    page = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,mail)",
        "value": [{"@odata.type": "#microsoft.graph.user", "id": "a", "mail": "a@x.gov.uk"}],
    }
    metadata.check_collection(page, "graph.user")
    page["value"][0]["email"] = page["value"][0].pop("mail")
    with pytest.raises(AssertionError, match=r"'email' is not a property of graph\.user"):
        metadata.check_collection(page, "graph.user")
    page["value"][0] = {"@odata.type": "#microsoft.graph.device", "id": "d"}
    with pytest.raises(AssertionError, match=r"is not a graph\.user"):
        metadata.check_collection(page, "graph.user")
