"""Teams on staff records: from the directory, from coordinators, and through the map."""

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.conftest import NOW
from tests.factories import add_course, add_session, add_staff
from training.data_protection.retention import apply_retention
from training.models import (
    AttendanceRole,
    AuditEntry,
    Booking,
    BookingStatus,
    Completion,
    CompletionSource,
    SessionAttendance,
    Staff,
)
from training.people import teams
from training.people.team_rule import TeamLine
from training.people.teams import DirectoryEntry, TeamProblem


def _staff(database, email):
    with database.unit_of_work() as db:
        found = db.exec(select(Staff).where(Staff.email == email)).one()
        db.expunge(found)
        return found


def _actions(database):
    with database.unit_of_work() as db:
        return [(e.action, e.subject, e.detail) for e in db.exec(select(AuditEntry)).all()]


def test_the_directory_files_people_by_object_id_or_email(database):
    with database.unit_of_work() as db:
        ann = add_staff(db, "Ann Able", NOW, team=None, aad_object_id="aad-ann").id
        add_staff(db, "Bob Baker", NOW, team=None)  # named by email only (a board lead)
    entries = [
        DirectoryEntry("AAD-Ann", "ann.able@example.gov.uk", None, "Adults  MASH"),  # any case
        DirectoryEntry("aad-bob", None, "BOB.BAKER@example.gov.uk", "Family Services"),
        DirectoryEntry("aad-stranger", "who@example.gov.uk", None, "Licensing"),
    ]
    with database.unit_of_work() as db:
        result = teams.record_directory(db, entries, NOW)
    assert (result.people, result.changed) == (2, 2)
    ann_now, bob = (
        _staff(database, "ann.able@example.gov.uk"),
        _staff(database, "bob.baker@example.gov.uk"),
    )
    assert (ann_now.id, ann_now.team, ann_now.department) == (ann, "Adults MASH", "Adults MASH")
    assert (ann_now.team_source, ann_now.department_read_at) == ("directory", NOW)
    assert (bob.team, bob.team_source) == ("Family Services", "directory")
    with database.unit_of_work() as db:
        assert db.exec(select(Staff).where(Staff.email == "who@example.gov.uk")).first() is None


def test_a_coordinators_team_stands_against_the_directory_and_says_so(database):
    with database.unit_of_work() as db:
        add_staff(db, "Jo Bloggs", NOW, team=None, aad_object_id="aad-jo")
    with database.unit_of_work() as db:
        change = teams.set_team(
            db, "Jo.Bloggs@example.gov.uk", "Probation Service", NOW, actor_staff_id=None
        )
    assert (change.before, change.person.team, change.person.source) == (
        None,
        "Probation Service",
        "coordinator",
    )
    with database.unit_of_work() as db:
        teams.record_directory(db, [DirectoryEntry("aad-jo", None, None, "Guests")], NOW)
    jo = _staff(database, "jo.bloggs@example.gov.uk")
    assert (jo.team, jo.team_source, jo.department) == (
        "Probation Service",
        "coordinator",
        "Guests",
    )

    with database.unit_of_work() as db:
        cleared = teams.clear_team(db, "jo.bloggs@example.gov.uk", NOW, actor_staff_id=None)
    assert (cleared.before, cleared.person.team, cleared.person.source) == (
        "Probation Service",
        "Guests",
        "directory",
    )
    assert [a for a, _, _ in _actions(database)] == ["team.set", "team.cleared"]


def test_setting_a_team_for_someone_not_met_yet_makes_their_record(database):
    with database.unit_of_work() as db:
        add_staff(db, "Pat Probation", NOW, team="Probation Service")
    with database.unit_of_work() as db:
        change = teams.set_team(
            db, "sam.khan@mht.nhs.uk", "  probation   SERVICE ", NOW, actor_staff_id=None
        )
    # the team as already spelt, so the totals do not split it in two
    assert change.created and change.person.team == "Probation Service"
    assert change.person.email == "sam.khan@mht.nhs.uk"
    with database.unit_of_work() as db, pytest.raises(TeamProblem, match="not an email"):
        teams.set_team(db, "sam.khan", "Probation Service", NOW, actor_staff_id=None)


def test_several_departments_report_as_one_team_and_a_change_refiles_them(database):
    with database.unit_of_work() as db:
        for i, department in enumerate(["Early Help West", "Early Help East", "Licensing"]):
            person = add_staff(db, f"Person {i}", NOW, team=None, aad_object_id=f"aad-{i}")
            person.department, person.team, person.team_source = department, department, "directory"
        partner = add_staff(db, "Partner Person", NOW, team="Probation Service")
        partner.department, partner.team_source = "Early Help West", "coordinator"
    with database.unit_of_work() as db:
        west = teams.map_department(
            db, "early help west", "Family Services", NOW, actor_staff_id=None
        )
        east = teams.map_department(
            db, "Early Help East", "family services", NOW, actor_staff_id=None
        )
    assert (west.refiled, east.refiled) == (1, 1)
    assert [(m.department, m.team, m.people) for m in east.mappings] == [
        ("Early Help East", "Family Services", 1),
        ("Early Help West", "Family Services", 2),
    ]
    filed = {s.display_name: s.team for s in _all_staff(database)}
    assert filed == {
        "Person 0": "Family Services",
        "Person 1": "Family Services",
        "Person 2": "Licensing",
        "Partner Person": "Probation Service",  # the coordinator's setting stands
    }

    with database.unit_of_work() as db:
        removed = teams.unmap_department(db, "EARLY HELP WEST", NOW, actor_staff_id=None)
    assert (removed.before, removed.after, removed.refiled) == ("Family Services", None, 1)
    assert {s.display_name: s.team for s in _all_staff(database)}["Person 0"] == "Early Help West"
    assert [a for a, _, _ in _actions(database)] == [
        "team_map.set",
        "team_map.set",
        "team_map.removed",
    ]
    with database.unit_of_work() as db, pytest.raises(TeamProblem, match="not in the map"):
        teams.unmap_department(db, "Early Help West", NOW, actor_staff_id=None)


def _all_staff(database):
    with database.unit_of_work() as db:
        found = db.exec(select(Staff)).all()
        for s in found:
            db.expunge(s)
        return found


def test_an_import_is_all_or_nothing(database):
    with database.unit_of_work() as db:
        add_staff(db, "Ann Able", NOW, team=None)
    good = [
        TeamLine(1, "ann.able@example.gov.uk", "Probation Service"),
        TeamLine(2, "new.person@mht.nhs.uk", "Mental Health Trust"),
    ]
    with pytest.raises(TeamProblem), database.unit_of_work() as db:
        teams.import_teams(db, [*good, TeamLine(3, "broken", "X")], NOW, actor_staff_id=None)
    assert {s.email: s.team for s in _all_staff(database)} == {"ann.able@example.gov.uk": None}

    with database.unit_of_work() as db:
        result = teams.import_teams(db, good, NOW, actor_staff_id=None)
    assert (result.people, result.changed, result.added) == (2, 2, 1)
    assert {s.email: s.team for s in _all_staff(database)} == {
        "ann.able@example.gov.uk": "Probation Service",
        "new.person@mht.nhs.uk": "Mental Health Trust",
    }
    with database.unit_of_work() as db:
        again = teams.import_teams(db, good, NOW, actor_staff_id=None)
    assert (again.changed, again.added) == (0, 0)
    assert [a for a, _, _ in _actions(database)].count("team.set") == 2


def test_people_without_a_team_are_counted_for_the_totals_line(database):
    with database.unit_of_work() as db:
        course = add_course(db)
        inside = add_session(db, course, NOW - timedelta(days=3))
        outside = add_session(db, course, NOW - timedelta(days=60))
        for name, team, session in [
            ("No Team Booked", None, inside),
            ("Teamed Booked", "Family Services", inside),
            ("No Team Long Ago", None, outside),
        ]:
            person = add_staff(db, name, NOW, team=team)
            db.add(
                Booking(
                    session_id=session.id,
                    staff_id=person.id,
                    status=BookingStatus.ATTENDED,
                    requested_at=NOW,
                    updated_at=NOW,
                )
            )
        add_staff(db, "No Team Idle", NOW, team=None)
        walk_in = add_staff(db, "No Team Walk In", NOW, team=None)
        trainer = add_staff(db, "No Team Facilitator", NOW, team=None)
        for person, role in [(walk_in, AttendanceRole.ATTENDEE), (trainer, "facilitator")]:
            db.add(
                SessionAttendance(
                    session_id=inside.id,
                    person_key=f"aad:{person.id}",
                    staff_id=person.id,
                    role=role,
                    updated_at=NOW,
                )
            )
        elearner = add_staff(db, "No Team E-learner", NOW, team=None)
        db.add(
            Completion(
                staff_id=elearner.id,
                course_id=add_course(db, "HO-ELEARN", "E-learning").id,
                source=CompletionSource.ELEARNING,
                completed_at=NOW - timedelta(days=1),
                recorded_at=NOW,
            )
        )
    with database.unit_of_work() as db:
        # booked, walked in and e-learning; never the facilitator
        assert teams.no_team_in(db, NOW - timedelta(days=7), NOW) == 3
        assert teams.no_team_in(db, NOW - timedelta(days=7), NOW, "WRAP") == 2
        assert teams.no_team_in(db, None, None) == 4
        assert teams.no_team_in(db, None, None, "OTHER") == 0
        everyone = teams.people_without_team(db)
    assert everyone.count == 6


def test_the_directory_refresh_is_due_once_a_day(database):
    with database.unit_of_work() as db:
        assert teams.directory_refresh_due(db, NOW)
        teams.finish_directory_refresh(db, NOW, users=10, people=4, changed=1)
    with database.unit_of_work() as db:
        assert not teams.directory_refresh_due(db, NOW + timedelta(hours=22))
        assert teams.directory_refresh_due(db, NOW + timedelta(hours=23, minutes=1))


def test_an_anonymised_person_keeps_no_department_or_team(database):
    long_ago = NOW - timedelta(days=365 * 8)
    with database.unit_of_work() as db:
        leaver = add_staff(db, "Lee Leaver", long_ago, team="Probation Service")
        leaver.department, leaver.department_read_at = "Probation", long_ago
        leaver.team_source = "coordinator"
    with database.unit_of_work() as db:
        assert apply_retention(db, NOW, years=6).anonymised_people == 1
    [gone] = _all_staff(database)
    assert (gone.team, gone.team_source, gone.department, gone.department_read_at) == (
        None,
        None,
        None,
        None,
    )
