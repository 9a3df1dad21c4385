"""A session's results from its Teams reports, on SQLite and PostgreSQL: the right people, merged
the right way, with one source of truth that every view reads (issue 11)."""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from database.engine import Database
from demo.council import load_demo_data
from tests.factories import add_course, add_session, add_staff
from tests.training.attendance_world import attendee, book, read_reports
from training.attendance import reports, unmatched
from training.attendance.completion import CompletionPolicy
from training.attendance.sheet import attendance_sheet
from training.dates import periods
from training.figures.feedback import (
    FeedbackAnswers,
    FeedbackScope,
    feedback_requests_due,
    feedback_summary,
    submit_feedback,
)
from training.figures.plain_words import TotalsQuery
from training.figures.report import headline
from training.figures.totals import compute_totals, scope_of
from training.models import (
    AttendanceRecordCopy,
    AttendanceReportCopy,
    Booking,
    BookingStatus,
    Completion,
    CompletionSource,
    Session,
    SessionAttendance,
    SessionFacilitator,
    Staff,
)
from training.people.staff import person_named_by_email
from training.records.my_training import my_training
from training.sessions.schedule import roster

UK = ZoneInfo("Europe/London")
START = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)  # Monday 4 January 2027, two hours
NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
DEV_AAD = "dddddddd-0000-0000-0000-000000000004"
ORGANISER_AAD = "0rg00000-0000-0000-0000-000000000001"


def _world(db, *names: str):
    course = add_course(db, "WRAP", "WRAP")
    session = add_session(db, course, START, capacity=20)
    people = {name: add_staff(db, name, NOW) for name in names}
    return session, people


def _rows(db, session_id: int) -> list[SessionAttendance]:
    return list(
        db.exec(
            select(SessionAttendance)
            .where(SessionAttendance.session_id == session_id)
            .order_by(SessionAttendance.display_name, SessionAttendance.id)
        ).all()
    )


def _statuses(db, session_id: int) -> dict[int, str]:
    rows = db.exec(select(Booking).where(Booking.session_id == session_id)).all()
    return {b.staff_id: b.status for b in rows}


def _completions(db, session_id: int) -> dict[int, int | None]:
    rows = db.exec(select(Completion).where(Completion.session_id == session_id)).all()
    return {c.staff_id: c.attended_seconds for c in rows}


def test_a_record_with_only_the_id_and_one_with_only_the_email_are_one_person(database):
    # Report 1 names Dev by Entra id alone, report 2 by email alone (in capitals): 50 + 60
    # minutes overlapping by 10 is 100 minutes, over the 90 needed. (Issue 11: two people of
    # 50 and 60 minutes, neither completed.)
    with database.unit_of_work() as db:
        session, people = _world(db, "Dev Dean")
        dev = people["Dev Dean"]
        dev.aad_object_id = DEV_AAD
        book(db, session, dev)
        read_reports(
            db,
            session,
            [
                [attendee("Dev Dean", START, (0, 50), aad=DEV_AAD)],
                [attendee("Dev Dean", START, (40, 100), email="DEV.DEAN@EXAMPLE.GOV.UK")],
            ],
        )
    with database.unit_of_work() as db:
        [row] = _rows(db, session.id)
        assert (row.staff_id, row.attended_seconds, row.completed) == (dev.id, 6000, True)
        assert _statuses(db, session.id) == {dev.id: "attended"}
        assert _completions(db, session.id) == {dev.id: 6000}


def test_people_known_only_by_a_name_are_never_merged(database):
    with database.unit_of_work() as db:
        session, _ = _world(db)
        read_reports(
            db,
            session,
            [
                [
                    attendee("iPhone", START, (0, 60), record_id="phone-1"),
                    attendee("iPhone", START, (50, 120), record_id="phone-2"),
                ]
            ],
        )
    with database.unit_of_work() as db:
        rows = _rows(db, session.id)
        assert [(r.display_name, r.attended_seconds, r.completed) for r in rows] == [
            ("iPhone", 3600, False),
            ("iPhone", 4200, False),
        ]
        assert len(unmatched.unmatched(db, viewer_staff_id=None, now=NOW)) == 2


def test_the_organiser_and_the_facilitators_are_never_attendees(database):
    """Facilitators are named by Entra id or email; a name, or a role Teams gave, makes nobody
    one (issue 19): Teams makes everyone a presenter when anyone may present, so an unbooked
    presenter is a walk-in who completes by the same rule as anyone."""
    with database.unit_of_work() as db:
        session, people = _world(db, "Ann Able", "Pat Prevent", "Max Mentor")
        session.facilitators = "Dee Trainer"  # typed by name before issue 19: still to fix
        so15 = person_named_by_email(db, "so15.officer@met.police.uk", NOW)
        db.add(SessionFacilitator(session_id=session.id, staff_id=so15.id))
        people["Pat Prevent"].aad_object_id = ORGANISER_AAD  # the organiser has a staff record
        book(db, session, people["Ann Able"])
        result = read_reports(
            db,
            session,
            [
                [
                    # A seat says Ann came to be trained, whatever Teams called her.
                    attendee(
                        "Ann Able",
                        START,
                        (0, 120),
                        email="ann.able@example.gov.uk",
                        role="Presenter",
                    ),
                    attendee("Pat Prevent", START, (0, 120), aad=ORGANISER_AAD),
                    attendee("Sgt Lee", START, (0, 120), email="SO15.Officer@met.police.uk"),
                    attendee("Dee Trainer", START, (0, 120)),  # a name: anyone can be called it
                    attendee(
                        "Max Mentor",
                        START,
                        (0, 120),
                        email="max.mentor@example.gov.uk",
                        role="Presenter",
                    ),
                    attendee("Ola Owner", START, (0, 120), role="Organizer"),
                ]
            ],
            organiser=ORGANISER_AAD,
        )
        assert (result.people, result.unmatched, result.walk_ins, result.facilitators) == (
            4,
            2,
            1,
            2,
        )
    with database.unit_of_work() as db:
        sheet = attendance_sheet(db, session.id, viewer_staff_id=None, now=NOW)
        assert [line.display_name for line in sheet.attendees] == [
            "Ann Able",
            "Dee Trainer",
            "Max Mentor",
            "Ola Owner",
        ]
        assert sorted(sheet.facilitators) == ["Pat Prevent", "Sgt Lee"]
        assert sorted(
            u.display_name for u in unmatched.unmatched(db, viewer_staff_id=None, now=NOW)
        ) == [
            "Dee Trainer",
            "Ola Owner",
        ]
        assert _completions(db, session.id) == {
            people["Ann Able"].id: 7200,
            people["Max Mentor"].id: 7200,
        }
        totals = compute_totals(db, scope_of(TotalsQuery(), UK), NOW, UK)
        assert (totals.figures.people_attended, totals.figures.completed_live) == (2, 2)


def test_bookings_and_completions_follow_the_attendance_rows_alone(database):
    # Bob was marked attended and given a completion some other way; the report says only
    # Ann came. The rows win: Bob is a no-show and his completion goes.
    with database.unit_of_work() as db:
        session, people = _world(db, "Ann Able", "Bob Baker")
        ann, bob = people["Ann Able"], people["Bob Baker"]
        book(db, session, ann)
        book(db, session, bob, BookingStatus.ATTENDED)
        db.add(
            Completion(
                staff_id=bob.id,
                course_id=session.course_id,
                session_id=session.id,
                source=CompletionSource.ATTENDANCE,
                completed_at=session.ends_at,
                recorded_at=session.ends_at,
            )
        )
        read_reports(
            db, session, [[attendee("Ann", START, (0, 120), email="ann.able@example.gov.uk")]]
        )
    with database.unit_of_work() as db:
        assert _statuses(db, session.id) == {ann.id: "attended", bob.id: "no_show"}
        assert _completions(db, session.id) == {ann.id: 7200}
        assert my_training(db, bob.id, NOW).completions == []


def test_assigning_someone_already_there_merges_their_time(database):
    # Fay dialled in from her phone for the first hour (a name only), then joined properly:
    # assigned to her, the two are one person with 100 minutes. (Issue 11: refused as
    # "already on this session's attendance", and she stayed not completed.)
    with database.unit_of_work() as db:
        session, people = _world(db, "Fay Fox", "Pat Prevent")
        fay = people["Fay Fox"]
        book(db, session, fay)
        read_reports(
            db,
            session,
            [
                [
                    attendee("+44 7700 900123", START, (0, 60), record_id="phone"),
                    attendee("Fay Fox", START, (50, 100), email="fay.fox@example.gov.uk"),
                ]
            ],
        )
    with database.unit_of_work() as db:
        [phone] = unmatched.unmatched(db, viewer_staff_id=None, now=NOW)
        line = unmatched.assign_attendee(
            db,
            phone.attendance_id,
            "fay.fox@example.gov.uk",
            actor_staff_id=people["Pat Prevent"].id,
            now=NOW,
            completion=CompletionPolicy(75),
        )
        assert (line.staff_id, line.attended_seconds, line.completed) == (fay.id, 6000, True)
    with database.unit_of_work() as db:
        [row] = _rows(db, session.id)
        assert row.resolution == "assigned"
        assert _completions(db, session.id) == {fay.id: 6000}
    with database.unit_of_work() as db:  # read again: the coordinator's answer holds
        reports.finish_sync(
            db, session.id, NOW, reports_listed=1, retry_offsets=[], completion=CompletionPolicy(75)
        )
        [row] = _rows(db, session.id)
        assert (row.staff_id, row.attended_seconds, row.resolution) == (fay.id, 6000, "assigned")


def _results(db, session_id: int) -> tuple:
    return (
        _statuses(db, session_id),
        _completions(db, session_id),
        [(r.staff_id, r.walk_in, r.completed) for r in _rows(db, session_id) if r.staff_id],
    )


def test_marking_a_demo_guest_changes_nobody_elses_result(database):
    # Issue 11: on the demo data, External guest turned the two who came into no-shows while
    # their completions stayed, so totals showed more completed than attended.
    with database.unit_of_work() as db:
        load_demo_data(db, NOW, UK)
    with database.unit_of_work() as db:
        [jo] = unmatched.unmatched(db, viewer_staff_id=None, now=NOW)
        before = _results(db, jo.session_id)
        people_before = compute_totals(db, scope_of(TotalsQuery(), UK), NOW, UK).figures
        unmatched.mark_guest(
            db,
            jo.attendance_id,
            "Met Police",
            actor_staff_id=1,
            now=NOW,
            completion=CompletionPolicy(75),
        )
    with database.unit_of_work() as db:
        after = _results(db, jo.session_id)
        assert after[0] == before[0]  # bookings
        assert {k: v for k, v in after[1].items() if k in before[1]} == before[1]
        assert len(after[1]) == len(before[1]) + 1  # the guest's own completion
        totals = compute_totals(db, scope_of(TotalsQuery(), UK), NOW, UK)
        assert totals.figures == people_before  # staff figures: guests are counted apart
        assert totals.external_guests == 1
        assert "1 external guest from partner organisations" in " ".join(headline(totals))


def test_every_view_of_the_demo_sessions_agrees(database):
    # Issue 11: 'session 16 attendance' listed as no-shows people the roster and totals
    # counted as attended, and 'session 13 attendance' left out the three who came.
    with database.unit_of_work() as db:
        load_demo_data(db, NOW, UK)
    with database.unit_of_work() as db:
        past = db.exec(select(Session).where(Session.ends_at < NOW)).all()
        attended_total = set()
        for session in past:
            sheet = attendance_sheet(db, session.id, viewer_staff_id=None, now=NOW)
            shown = roster(db, session.id)
            came = {line.staff_id for line in sheet.attendees if line.staff_id}
            seated_came = {
                line.person.staff_id for line in shown.booked if line.status == "attended"
            }
            no_show = {
                line.person.display_name for line in shown.booked if line.status == "no_show"
            }
            walk_ins = {line.staff_id for line in sheet.attendees if line.walk_in}
            assert came == seated_came | walk_ins, session.id
            assert set(sheet.no_shows) == no_show, session.id
            assert came, session.id  # every past demo session had people in it
            attended_total |= {(session.id, staff) for staff in came}
        totals = compute_totals(db, scope_of(TotalsQuery(), UK), NOW, UK)
        assert totals.figures.attendances == len(attended_total)
        live = db.exec(
            select(func.count()).select_from(Completion).where(Completion.session_id.is_not(None))
        ).one()
        assert totals.figures.completed_live <= totals.figures.people_attended
        # One live completion per person who came and stayed long enough, staff or guest.
        completed = db.exec(
            select(func.count())
            .select_from(SessionAttendance)
            .where(SessionAttendance.completed, SessionAttendance.staff_id.is_not(None))
        ).one()
        assert live == completed > 1000


def test_a_late_page_from_a_second_sync_never_reopens_a_finished_report(database):
    with database.unit_of_work() as db:
        session, people = _world(db, "Ann Able")
        book(db, session, people["Ann Able"])
        report = {"id": "r-1", "attendanceRecords": []}
        copy = reports.open_report(db, session.id, report, "page-1", NOW)
    ann = attendee("Ann", START, (0, 120), email="ann.able@example.gov.uk", record_id="ann")
    with database.unit_of_work() as db:
        reports.store_page(db, copy.copy_id, [ann], None, NOW)
    with database.unit_of_work() as db:  # a slower sync still on page one
        assert reports.store_page(db, copy.copy_id, [ann], "page-2", NOW) == 0
    with database.unit_of_work() as db:
        stored = db.get(AttendanceReportCopy, copy.copy_id)
        assert (stored.complete, stored.next_page_url, stored.records_read) == (True, None, 1)


def test_two_syncs_storing_one_report_at_once_take_turns(database):
    # Two replicas (or the coordinator and the scheduler) open the same report at the same
    # moment: the second waits for the first and finds its copy. (Issue 11: on PostgreSQL the
    # second failed on the unique copy, and the whole batch with it.)
    with database.unit_of_work() as db:
        session, _ = _world(db)
        session_id = session.id
    other = Database(database.url)  # another replica: its own connections
    first_open = threading.Event()
    failures: list[BaseException] = []
    report = {"id": "r-1", "attendanceRecords": []}

    def first() -> None:
        try:
            with database.unit_of_work() as db:
                reports.open_report(db, session_id, report, "page-1", NOW)
                first_open.set()
                threading.Event().wait(0.5)  # the second is now waiting on us
        except BaseException as error:
            failures.append(error)

    def second() -> None:
        first_open.wait()
        try:
            with other.unit_of_work() as db:
                reports.open_report(db, session_id, report, "page-1", NOW)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    assert failures == []
    with database.unit_of_work() as db:
        assert db.exec(select(func.count()).select_from(AttendanceReportCopy)).one() == 1


def test_long_names_and_addresses_are_cut_to_their_columns(database):
    # Entra display names run to 256 characters and guests' addresses can be longer than a
    # column: they are cut, on PostgreSQL as on SQLite, and the guest can still be resolved.
    name = "N" * 300
    email = "g" * 310 + "@example.org"
    with database.unit_of_work() as db:
        session, people = _world(db, "Pat Prevent")
        read_reports(db, session, [[attendee(name, START, (0, 120), email=email)]])
    with database.unit_of_work() as db:
        [row] = _rows(db, session.id)
        assert (len(row.display_name), len(row.email or "")) == (256, 320)
        line = unmatched.mark_guest(
            db,
            row.id,
            "O" * 300,
            actor_staff_id=people["Pat Prevent"].id,
            now=NOW,
            completion=CompletionPolicy(75),
        )
        guest = db.get(Staff, line.staff_id)
        assert (len(guest.display_name), len(guest.email), len(guest.organisation)) == (
            200,
            320,
            200,
        )
        assert db.exec(select(func.count()).select_from(AttendanceRecordCopy)).one() == 1


def test_attended_means_the_same_in_every_figure(database):
    # Ann booked and came; Bob walked in (another team); a partner's officer was marked a
    # guest; the organiser ran it; somebody nobody knows stayed unmatched.
    with database.unit_of_work() as db:
        session, people = _world(db, "Ann Able", "Bob Baker", "Pat Prevent")
        people["Bob Baker"].team = "Adults MASH"
        people["Pat Prevent"].aad_object_id = ORGANISER_AAD
        book(db, session, people["Ann Able"])
        read_reports(
            db,
            session,
            [
                [
                    attendee("Ann", START, (0, 120), email="ann.able@example.gov.uk"),
                    attendee("Bob", START, (0, 60), email="bob.baker@example.gov.uk"),
                    attendee("PC Guest", START, (0, 120), email="pc@met.police.uk"),
                    attendee("Pat", START, (0, 120), aad=ORGANISER_AAD, role="Organizer"),
                    attendee("Someone", START, (0, 120), record_id="someone"),
                ]
            ],
            organiser=ORGANISER_AAD,  # the bot's mailbox: its role in Teams says nothing
        )
        guest_row = next(r for r in _rows(db, session.id) if r.email == "pc@met.police.uk")
        unmatched.mark_guest(
            db,
            guest_row.id,
            "Metropolitan Police",
            actor_staff_id=people["Pat Prevent"].id,
            now=NOW,
            completion=CompletionPolicy(75),
        )
    with database.unit_of_work() as db:
        query = TotalsQuery(period=periods.month(2027, 1))
        totals = compute_totals(db, scope_of(query, UK), NOW, UK)
    f = totals.figures
    assert (f.people_booked, f.people_attended, f.attendances, f.no_shows) == (1, 2, 2, 0)
    assert (f.completed_live, f.completed_any, f.sessions_delivered) == (1, 1, 1)
    by_team = {line.name: line.figures for line in totals.by_team}
    assert set(by_team) == {"Family Services", "Adults MASH"}  # no guest, no organiser
    assert by_team["Adults MASH"].sessions_delivered == 1  # Bob's walk-in delivers it there
    assert by_team["Adults MASH"].people_attended == 1
    for line in [*totals.by_team, *totals.by_course]:
        assert line.figures.completed_live <= line.figures.people_attended, line.name
    [january] = [m for m in totals.by_month if m.month.month == 1]
    assert (january.sessions_delivered, january.people_attended) == (1, 2)
    assert (totals.external_guests, totals.unmatched_attendees) == (1, 1)
    said = " ".join(headline(totals))
    assert "with 2 people attending (2 attendances; 0 no-shows)" in said
    assert "1 external guest from partner organisations also attended" in said
    with database.unit_of_work() as db:
        team = compute_totals(
            db,
            scope_of(TotalsQuery(period=periods.month(2027, 1), team="Adults MASH"), UK),
            NOW,
            UK,
        )
    assert (team.figures.sessions_delivered, team.figures.people_attended) == (1, 1)
    assert [(m.sessions_delivered, m.people_attended) for m in team.by_month] == [(1, 1)]


def test_a_walk_in_is_asked_for_feedback_like_everyone_who_attended(database):
    # Attended means the same for feedback: Bob walked in, so he is asked and may answer, and
    # the response rate counts him. (Issue 11: only bookings were asked.)
    with database.unit_of_work() as db:
        session, people = _world(db, "Ann Able", "Bob Baker")
        ann, bob = people["Ann Able"], people["Bob Baker"]
        book(db, session, ann)
        read_reports(
            db,
            session,
            [[attendee("Bob", START, (0, 120), email="bob.baker@example.gov.uk")]],
            now=session.ends_at + timedelta(minutes=30),
        )
    later = session.ends_at + timedelta(hours=1)
    with database.unit_of_work() as db:
        due = feedback_requests_due(db, later, edit_days=5)
        assert [(d.session_id, d.staff_id) for d in due] == [(session.id, bob.id)]
        submit_feedback(db, bob.id, session.id, FeedbackAnswers(5, 5, 2, 4), later, edit_days=5)
        summary = feedback_summary(db, FeedbackScope(session_id=session.id), later)
        assert (summary.invited, summary.responses) == (1, 1)  # Ann was a no-show
