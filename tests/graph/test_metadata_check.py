"""The checker that keeps the local Graph honest can itself fail."""

import pytest

from tests.graph import metadata
from tests.graph.local_graph import record
from tests.graph.scenario import messy_reports


def test_every_scenario_fixture_is_what_graph_sends():
    for report in messy_reports():
        metadata.check(report.summary(), "graph.meetingAttendanceReport")
        metadata.check_collection({"value": report.records}, "graph.attendanceRecord")


@pytest.mark.parametrize(
    "change, complaint",
    [
        (lambda r: r.update(email=r.pop("emailAddress")), "'email' is not a property"),
        (lambda r: r.update(totalAttendanceInSeconds="60"), "is not Edm.Int32"),
        (lambda r: r["attendanceIntervals"][0].update(joinDateTime="4 Jan"), "DateTimeOffset"),
        (lambda r: r["identity"].update(userId="x"), "'userId' is not a property"),
    ],
)
def test_a_record_graph_would_never_send_is_caught(change, complaint):
    bad = record("A", aad="a", email="a@x", intervals=[(None, None)])
    change(bad)
    with pytest.raises(AssertionError, match=complaint):
        metadata.check(bad, "graph.attendanceRecord")


def test_a_manager_must_really_be_a_user():
    with pytest.raises(AssertionError, match=r"is not a graph\.directoryObject"):
        metadata.check(
            {"@odata.type": "#microsoft.graph.event", "id": "x"}, "graph.directoryObject"
        )
