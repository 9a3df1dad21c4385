"""The real msal and msgraph-sdk against a local HTTPS authority and a local Graph."""

from datetime import UTC, datetime

import pytest

from graph.client import GraphClient
from graph.errors import GraphProblem
from tests.graph.fixtures import graph_settings
from tests.graph.local_graph import Fault, Report, at, record

START = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
JOIN = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=x"


def _report(n: int, count: int) -> Report:
    people = [
        record(
            f"Person {i}",
            aad=f"00000000-0000-0000-0000-{i:012d}",
            email=f"p{i}@x.gov.uk",
            intervals=[(START, at(START, 90))],
        )
        for i in range(count)
    ]
    return Report(f"report-{n}", START, at(START, 120), people)


async def test_create_the_teams_meeting_once_per_transaction_id(graph: GraphClient, graph_server):
    first = await graph.create_teams_meeting(
        transaction_id="wrapbot-session-7",
        subject="WRAP",
        starts_at=START,
        ends_at=at(START, 120),
    )
    again = await graph.create_teams_meeting(
        transaction_id="wrapbot-session-7",
        subject="WRAP",
        starts_at=START,
        ends_at=at(START, 120),
    )
    assert first.join_url and first.join_url.startswith("https://teams.microsoft.com/")
    assert again.event_id == first.event_id
    assert len(graph_server.events) == 1
    found = await graph.find_meeting(first.join_url)
    assert found is not None and found.join_url == first.join_url


async def test_add_and_remove_an_attendee(graph: GraphClient, graph_server):
    meeting = await graph.create_teams_meeting(
        transaction_id="t-1", subject="WRAP", starts_at=START, ends_at=at(START, 120)
    )
    assert await graph.add_attendee(meeting.event_id, "Ann.Able@x.gov.uk", "Ann Able")
    assert not await graph.add_attendee(meeting.event_id, "ann.able@x.gov.uk", "Ann Able")
    assert await graph.add_attendee(meeting.event_id, "bob@x.gov.uk", "Bob")
    assert await graph.remove_attendee(meeting.event_id, "ANN.ABLE@x.gov.uk")
    attendees = graph_server.events[meeting.event_id]["attendees"]
    assert [a["emailAddress"]["address"] for a in attendees] == ["bob@x.gov.uk"]
    assert attendees[0]["type"] == "required"


async def test_every_page_of_every_report_through_429_and_503(graph: GraphClient, graph_server):
    graph_server.page_size = 40
    meeting = graph_server.add_meeting(JOIN, [_report(1, 130), _report(2, 45)])
    graph_server.faults += [
        Fault("attendanceRecords", 429, retry_after="1"),
        Fault("attendanceRecords", 503, retry_after="1", code="ServiceUnavailable"),
    ]
    found = await graph.find_meeting(JOIN)
    assert found is not None and found.id == meeting.id
    reports = await graph.attendance_reports(found.id)
    assert [r.id for r in reports] == ["report-1", "report-2"]
    counts = []
    for report in reports:
        url: str | None = graph.first_records_url(found.id, report.id)
        seen = 0
        while url:
            page = await graph.records_page(url)
            seen += len(page.records)
            url = page.next_link
        counts.append(seen)
    assert counts == [130, 45]
    assert all(f.times == 0 for f in graph_server.faults)  # both faults were met and retried
    assert graph.credential.token_requests >= 1


async def test_one_token_serves_many_calls(graph: GraphClient, graph_server, authority):
    graph_server.add_meeting(JOIN, [])
    for _ in range(5):
        await graph.find_meeting(JOIN)
    assert authority.token_requests == 1


async def test_no_application_access_policy_is_a_clear_problem(graph: GraphClient, graph_server):
    meeting = graph_server.add_meeting(JOIN, [])
    graph_server.faults.append(
        Fault(
            "attendanceReports",
            403,
            code="Forbidden",
            message="No Application Access Policy found for this app.",
        )
    )
    with pytest.raises(GraphProblem) as raised:
        await graph.attendance_reports(meeting.id)
    assert raised.value.no_access_policy


async def test_department_and_manager(graph: GraphClient, graph_server):
    graph_server.add_user("u-1", "Ann Able", "ann@x.gov.uk", department="Family Services")
    graph_server.add_user("m-1", "Mo Manager", "mo@x.gov.uk", department="Family Services")
    graph_server.add_user("u-2", "Lone Wolf", "lone@x.gov.uk")
    graph_server.managers["u-1"] = "m-1"
    ann = await graph.user("u-1")
    assert ann is not None and ann.department == "Family Services"
    manager = await graph.manager("u-1")
    assert manager is not None and (manager.id, manager.email) == ("m-1", "mo@x.gov.uk")
    assert await graph.manager("u-2") is None
    assert await graph.user("nobody") is None


async def test_certificate_credential_instead_of_a_secret(
    authority, graph_server, pki, tmp_path, monkeypatch
):
    # A stray REQUESTS_CA_BUNDLE must not beat our own trust setting (it beats Session.verify).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    settings = graph_settings(
        authority,
        graph_server,
        pki,
        tmp_path,
        graph_client_secret="",
        graph_client_certificate_path=str(pki.app_pem_file),
    )
    client = GraphClient(settings)
    try:
        graph_server.add_meeting(JOIN, [])
        assert await client.find_meeting(JOIN) is not None
    finally:
        await client.close()
    assert authority.refused == []


async def test_a_wrong_secret_is_refused_plainly(authority, graph_server, pki, tmp_path):
    settings = graph_settings(authority, graph_server, pki, tmp_path, graph_client_secret="wrong")
    client = GraphClient(settings)
    try:
        with pytest.raises(GraphProblem) as raised:
            await client.find_meeting(JOIN)
    finally:
        await client.close()
    assert raised.value.status == 401 and "secret" in raised.value.message
