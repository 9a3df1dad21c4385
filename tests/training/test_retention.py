"""Old training records are deleted, people with nothing left are anonymised, the rest kept."""

from datetime import timedelta

from sqlmodel import select

from delivery.file_links import store_download
from tests.factories import add_course, add_session, add_staff
from training.data_protection import audit
from training.data_protection.retention import ANONYMOUS, apply_retention
from training.models import (
    AuditEntry,
    Booking,
    Completion,
    CompletionSource,
    ConversationReference,
    ExportDownload,
    SessionAttendance,
    SessionFacilitator,
    Staff,
)
from training.sessions.booking import book_seat


def test_records_past_the_period_go_and_recent_ones_stay(database, clock):
    now = clock.now()
    long_ago = now - timedelta(days=365 * 7)
    with database.unit_of_work() as db:
        course = add_course(db)
        old = add_session(db, course, long_ago, capacity=5)
        recent = add_session(db, course, now - timedelta(days=30), capacity=5)
        leaver = add_staff(db, "Lee Leaver", long_ago, aad_object_id="leaver-aad")
        stayer = add_staff(db, "Sam Stayer", long_ago)
        for person in (leaver, stayer):
            db.add(
                Booking(
                    session_id=old.id,
                    staff_id=person.id,
                    status="attended",
                    requested_at=long_ago,
                    updated_at=long_ago,
                )
            )
            db.add(
                Completion(
                    staff_id=person.id,
                    course_id=course.id,
                    session_id=old.id,
                    source=CompletionSource.ATTENDANCE,
                    completed_at=old.ends_at,
                    recorded_at=long_ago,
                )
            )
        db.add(
            Booking(
                session_id=recent.id,
                staff_id=stayer.id,
                status="attended",
                requested_at=now - timedelta(days=40),
                updated_at=now,
            )
        )
        db.add(
            ConversationReference(
                staff_id=leaver.id,
                conversation_id="a:leaver",
                service_url="https://smba.example/",
                reference_json="{}",
                updated_at=long_ago,
            )
        )
        audit.record(db, stayer.id, "session.roster.view", long_ago)

    with database.unit_of_work() as db:
        result = apply_retention(db, now, years=6)
    assert result.deleted["booking"] == 2 and result.deleted["completion"] == 2
    assert result.deleted["audit_log"] == 1
    assert result.anonymised_people == 1

    with database.unit_of_work() as db:
        people = {s.id: s for s in db.exec(select(Staff)).all()}
        assert people[leaver.id].display_name == ANONYMOUS
        assert people[leaver.id].email is None and people[leaver.id].aad_object_id is None
        assert people[stayer.id].display_name == "Sam Stayer"
        assert [b.session_id for b in db.exec(select(Booking)).all()] == [recent.id]
        assert db.exec(select(ConversationReference)).all() == []

    with database.unit_of_work() as db:
        again = apply_retention(db, now, years=6)
    assert sum(again.deleted.values()) == 0 and again.anonymised_people == 0


def test_nothing_inside_the_period_is_touched(database, clock):
    with database.unit_of_work() as db:
        course = add_course(db)
        session = add_session(db, course, clock.now() + timedelta(days=3))
        person = add_staff(db, "Nia New", clock.now())
        book_seat(db, person.id, session.id, clock.now())
    with database.unit_of_work() as db:
        result = apply_retention(db, clock.now(), years=1)
    assert result.deleted["booking"] == 0 and result.anonymised_people == 0


def test_hundreds_gone_at_once_are_all_scrubbed(database, clock):
    """More people than one batch, with more names, addresses and ids than SQLite would take in
    one query (it refuses an expression deeper than 1,000): everyone is found and scrubbed."""
    now = clock.now()
    long_ago = now - timedelta(days=365 * 7)
    with database.unit_of_work() as db:
        keeper = add_staff(db, "Kim Keeper", now).id
        gone = [
            add_staff(db, f"Leaver Number{n}", long_ago, aad_object_id=f"aad-{n}").id
            for n in range(250)
        ]
        for n in range(250):
            audit.record(
                db,
                keeper,
                "team.set",
                now - timedelta(days=10),
                subject=f"leaver.number{n}@example.gov.uk",
                detail=f"Leaver Number{n}: Family Services -> Adults MASH",
            )
    with database.unit_of_work() as db:
        assert apply_retention(db, now, years=6).anonymised_people == 250
    with database.unit_of_work() as db:
        entries = db.exec(select(AuditEntry).where(AuditEntry.action == "team.set")).all()
        assert sorted(e.subject for e in entries) == sorted(f"staff {i}" for i in gone)
        assert all("Leaver" not in e.detail for e in entries)


def test_only_whole_names_and_addresses_are_scrubbed(database, clock):
    """Lee Leaver has gone; Lee Leaverton and anlee.leaver@ are other people, still about."""
    now = clock.now()
    long_ago = now - timedelta(days=365 * 7)
    with database.unit_of_work() as db:
        add_staff(db, "Lee Leaver", long_ago)
        kept = add_staff(db, "Lee Leaverton", now).id
        texts = {
            "lee.leaver@example.gov.uk": "Lee Leaver, then Lee Leaverton",
            "anlee.leaver@example.gov.uk": "LEE LEAVER left; (Lee Leaver.)",
            "x.lee.leaver@example.gov.uk": "Mary-Lee Leaver stays",
        }
        for subject, detail in texts.items():
            audit.record(db, kept, "team.set", now, subject=subject, detail=detail)
    with database.unit_of_work() as db:
        assert apply_retention(db, now, years=6).anonymised_people == 1
    with database.unit_of_work() as db:
        entries = db.exec(select(AuditEntry).where(AuditEntry.action == "team.set")).all()
        gone = db.exec(select(Staff.id).where(Staff.display_name == ANONYMOUS)).one()
    assert sorted((e.subject, e.detail) for e in entries) == sorted(
        [
            (f"staff {gone}", f"staff {gone}, then Lee Leaverton"),
            ("anlee.leaver@example.gov.uk", f"staff {gone} left; (staff {gone}.)"),
            ("x.lee.leaver@example.gov.uk", "Mary-Lee Leaver stays"),
        ]
    )


def test_a_register_reason_naming_someone_gone_is_scrubbed(database, clock):
    now = clock.now()
    with database.unit_of_work() as db:
        kim = add_staff(db, "Kim Keeper", now)
        lee = add_staff(db, "Lee Leaver", now - timedelta(days=365 * 7)).id
        session = add_session(db, add_course(db), now - timedelta(days=3), online=False)
        db.add(
            SessionAttendance(
                session_id=session.id,
                person_key=f"staff:{kim.id}",
                staff_id=kim.id,
                display_name=kim.display_name,
                decision="present",
                reason="Watched from Lee Leaver's laptop (lee.leaver@example.gov.uk)",
                completed=True,
                updated_at=now,
            )
        )
    with database.unit_of_work() as db:
        assert apply_retention(db, now, years=6).anonymised_people == 1
    with database.unit_of_work() as db:
        row = db.exec(select(SessionAttendance)).one()
        assert row.reason == f"Watched from staff {lee}'s laptop (staff {lee})"


def test_export_files_whose_link_has_expired_go_and_live_ones_stay(database, clock):
    now = clock.now()
    with database.unit_of_work() as db:
        coordinator = add_staff(db, "Cora Coordinator", now)
        # Each new file clears the expired ones, so the expired one is made last (earlier).
        live = store_download(
            db,
            coordinator.id,
            "totals.csv",
            b"team,count\n",
            now,
            lifetime=timedelta(minutes=10),
            action="export.csv",
            subject="totals",
            detail="",
        )
        expired = store_download(
            db,
            coordinator.id,
            "roster.csv",
            b"name,email\nAnn,ann@council.example\n",
            now - timedelta(hours=2),
            lifetime=timedelta(minutes=10),
            action="export.csv",
            subject="session 1",
            detail="roster",
        )

    with database.unit_of_work() as db:
        result = apply_retention(db, now, years=6)
    assert result.deleted["export_download"] == 1

    with database.unit_of_work() as db:
        kept = [row.id for row in db.exec(select(ExportDownload)).all()]
    assert kept == [live.id] and expired.id not in kept


def test_a_facilitator_of_a_session_still_to_come_is_not_anonymised(database, clock):
    """Not seen for seven years, but named to run a session next week: still needed (issue
    19). Once that session has ended and they are named on nothing else to come, they go."""
    now = clock.now()
    long_ago = now - timedelta(days=365 * 7)
    with database.unit_of_work() as db:
        course = add_course(db)
        coming = add_session(db, course, now + timedelta(days=7))
        fay = add_staff(db, "Fay Facilitator", long_ago)
        db.add(SessionFacilitator(session_id=coming.id, staff_id=fay.id))
        fay_id = fay.id
    with database.unit_of_work() as db:
        assert apply_retention(db, now, years=6).anonymised_people == 0
        assert db.get(Staff, fay_id).display_name == "Fay Facilitator"
    with database.unit_of_work() as db:
        result = apply_retention(db, now + timedelta(days=8), years=6)
        assert result.anonymised_people == 1
        assert db.get(Staff, fay_id).display_name == ANONYMOUS
