"""One person, one staff record: found by Entra id, then email or UPN in any case; records made
from an email are adopted, duplicates merged with everything that names them, and the database
refuses a second record for an id or an address."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tests.factories import add_course, add_session
from training.attendance.completion import CompletionPolicy
from training.models import (
    AuditEntry,
    BoardLead,
    Booking,
    BookingStatus,
    Completion,
    ConversationReference,
    ElearningClaim,
    FeedbackResponse,
    OutboxMessage,
    SessionAttendance,
    Staff,
)
from training.people.staff import TeamsIdentity, person_named_by_email, record_contact, upsert_staff

AAD = "0f0f0f0f-1111-2222-3333-444444444444"


def staff_rows(db) -> list[Staff]:
    return list(db.exec(select(Staff).order_by(Staff.id)).all())


def test_a_record_made_from_an_email_is_adopted_at_first_contact(database, clock):
    with database.unit_of_work() as db:
        named = person_named_by_email(db, "  Jo.Bloggs@Barnet.GOV.uk ", clock.now()).id
    with database.unit_of_work() as db:
        jo = upsert_staff(
            db, TeamsIdentity(AAD, "Jo Bloggs", "JO.BLOGGS@barnet.gov.uk"), clock.now()
        )
        assert jo is not None and jo.id == named
        assert [(s.aad_object_id, s.email, s.display_name) for s in staff_rows(db)] == [
            (AAD, "jo.bloggs@barnet.gov.uk", "Jo Bloggs")
        ]


def test_the_user_principal_name_finds_the_person_when_the_email_differs(database, clock):
    with database.unit_of_work() as db:
        named = person_named_by_email(db, "jbloggs@barnet.onmicrosoft.com", clock.now()).id
    with database.unit_of_work() as db:
        identity = TeamsIdentity(
            AAD, "Jo Bloggs", "jo.bloggs@barnet.gov.uk", upn="JBloggs@barnet.onmicrosoft.com"
        )
        assert upsert_staff(db, identity, clock.now()).id == named
        assert len(staff_rows(db)) == 1


def test_nobody_is_created_when_asked_not_to(database, clock):
    with database.unit_of_work() as db:
        assert upsert_staff(db, TeamsIdentity(AAD, "Jo"), clock.now(), create=False) is None
        assert staff_rows(db) == []


def test_a_record_by_id_and_one_by_email_become_one_with_all_they_name(database, clock):
    """Jo chatted before Teams gave us her email; then a coordinator named her by email (a board
    lead, an assigned attendee, a manager): the next time she writes, the two records merge."""
    now = clock.now()
    with database.unit_of_work() as db:
        course = add_course(db)
        session = add_session(db, course, now - timedelta(days=3), capacity=10)
        later = add_session(db, course, now + timedelta(days=3), capacity=10)
        by_id = upsert_staff(db, TeamsIdentity(AAD, "Jo Bloggs"), now)
        by_email = person_named_by_email(db, "jo.bloggs@barnet.gov.uk", now)
        ids = by_id.id, by_email.id
        for staff_id in ids:  # both booked on the same upcoming session: one seat survives
            db.add(_booking(later.id, staff_id, now))
        db.add(_booking(session.id, by_email.id, now, BookingStatus.ATTENDED))
        db.add(_completion(course.id, session.id, by_email.id, now))
        db.add(_attendance(session.id, by_email.id, now))
        db.add(
            ConversationReference(
                staff_id=by_email.id,
                conversation_id="c-1",
                service_url="https://x",
                reference_json="{}",
                updated_at=now,
            )
        )
        db.add(
            OutboxMessage(
                key="k-1",
                kind="notice",
                staff_id=by_email.id,
                summary="s",
                card_json="{}",
                next_attempt_at=now,
                created_at=now,
            )
        )
        db.add(
            FeedbackResponse(
                session_id=session.id,
                staff_id=by_email.id,
                overall=5,
                usefulness=5,
                confidence_before=2,
                confidence_after=4,
                submitted_at=now,
                updated_at=now,
            )
        )
        db.add(AuditEntry(at=now, actor_staff_id=by_email.id, action="x"))
        db.flush()
    with database.unit_of_work() as db:
        jo = upsert_staff(db, TeamsIdentity(AAD, "Jo Bloggs", "jo.bloggs@barnet.gov.uk"), now)
        assert jo.id == ids[0]  # the record with the Entra id survives
        assert [s.id for s in staff_rows(db)] == [ids[0]]
        assert jo.email == "jo.bloggs@barnet.gov.uk"
        for model in (
            Completion,
            SessionAttendance,
            ConversationReference,
            OutboxMessage,
            FeedbackResponse,
        ):
            assert {row.staff_id for row in db.exec(select(model)).all()} == {jo.id}, model
        live = db.exec(select(Booking).where(Booking.session_id == later.id)).all()
        assert sorted(b.status for b in live) == ["booked", "cancelled"]
        merge = db.exec(select(AuditEntry).where(AuditEntry.action == "staff.merge")).one()
        assert f"staff {ids[1]} merged into staff {ids[0]}" in merge.detail
        actors = {a.actor_staff_id for a in db.exec(select(AuditEntry)).all()}
        assert ids[1] not in actors


def test_a_claim_and_a_board_follow_the_merge_as_claimant_manager_and_lead(database, clock):
    from training.governance import boards
    from training.governance.boards import BoardDetails

    now = clock.now()
    with database.unit_of_work() as db:
        course = add_course(db, "HO-ELEARN", "Home Office online Prevent training")
        board = boards.save_board(
            db,
            BoardDetails(
                name="Adult Safeguarding Board",
                frequency="annual",
                lead_emails=("mo@barnet.gov.uk",),
            ),
            now,
        )
        mo_by_id = upsert_staff(db, TeamsIdentity(AAD, "Mo Manager"), now)
        ann = upsert_staff(db, TeamsIdentity("a" * 8, "Ann Able", "ann@barnet.gov.uk"), now)
        mo_by_email = db.exec(select(Staff).where(Staff.email == "mo@barnet.gov.uk")).one()
        db.add(
            ElearningClaim(
                staff_id=ann.id,
                course_id=course.id,
                status="pending",
                manager_staff_id=mo_by_email.id,
                claimed_at=now,
                updated_at=now,
            )
        )
        db.flush()
        survivor = mo_by_id.id
    with database.unit_of_work() as db:
        upsert_staff(db, TeamsIdentity(AAD, "Mo Manager", "Mo@Barnet.gov.uk"), now)
        claim = db.exec(select(ElearningClaim)).one()
        assert claim.manager_staff_id == survivor
        assert db.exec(select(BoardLead.staff_id).where(BoardLead.board_id == board.id)).all() == [
            survivor
        ]


def test_an_address_given_to_another_entra_account_moves_to_it(database, clock):
    with database.unit_of_work() as db:
        old = upsert_staff(db, TeamsIdentity("old-account", "Jo", "jo@barnet.gov.uk"), clock.now())
    with database.unit_of_work() as db:
        new = upsert_staff(db, TeamsIdentity(AAD, "Jo", "jo@barnet.gov.uk"), clock.now())
        assert new.id != old.id and new.email == "jo@barnet.gov.uk"
        assert db.get(Staff, old.id).email is None
        assert db.exec(select(AuditEntry).where(AuditEntry.action == "staff.email_moved")).one()


@pytest.mark.parametrize(
    "second",
    [
        {"email": "jo@barnet.gov.uk"},
        {"aad_object_id": AAD},
    ],
)
def test_the_database_refuses_a_second_record_for_one_person(database, clock, second):
    with database.unit_of_work() as db:
        db.add(
            Staff(
                display_name="Jo",
                email="jo@barnet.gov.uk",
                aad_object_id=AAD,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    with pytest.raises(IntegrityError), database.unit_of_work() as db:
        db.add(
            Staff(display_name="Jo again", created_at=clock.now(), updated_at=clock.now(), **second)
        )


@pytest.mark.parametrize(
    "odd",
    [{"email": "Jo@Barnet.gov.uk"}, {"email": " jo@barnet.gov.uk"}, {"aad_object_id": AAD.upper()}],
)
def test_the_database_refuses_an_address_or_id_not_in_lower_case(database, clock, odd):
    with pytest.raises(IntegrityError), database.unit_of_work() as db:
        db.add(Staff(display_name="Jo", created_at=clock.now(), updated_at=clock.now(), **odd))


def test_a_long_entra_display_name_is_cut_to_the_column(database, clock):
    with database.unit_of_work() as db:
        jo = upsert_staff(db, TeamsIdentity(AAD, "J" * 300, "jo@barnet.gov.uk"), clock.now())
        assert len(jo.display_name) == 200


def _booking(session_id, staff_id, now, status=BookingStatus.BOOKED) -> Booking:
    return Booking(
        session_id=session_id,
        staff_id=staff_id,
        status=status,
        requested_at=now,
        seat_given_at=now,
        updated_at=now,
    )


def _completion(course_id, session_id, staff_id, now) -> Completion:
    return Completion(
        staff_id=staff_id,
        course_id=course_id,
        session_id=session_id,
        source="attendance",
        completed_at=now,
        recorded_at=now,
    )


def _attendance(session_id, staff_id, now) -> SessionAttendance:
    return SessionAttendance(
        session_id=session_id,
        person_key=f"staff:{staff_id}",
        staff_id=staff_id,
        display_name="Jo",
        updated_at=now,
    )


def test_a_guest_is_one_record_whatever_the_case_of_their_address(database, clock):
    from training.attendance.unmatched import mark_guest

    now = clock.now()
    with database.unit_of_work() as db:
        course = add_course(db)
        rows = []
        for days, email in ((10, "Sam.Guest@Partner.org"), (3, "SAM.GUEST@partner.org")):
            session = add_session(db, course, now - timedelta(days=days), capacity=10)
            row = SessionAttendance(
                session_id=session.id,
                person_key=f"email:{days}",
                display_name="Sam Guest",
                email=email,
                updated_at=now,
            )
            db.add(row)
            db.flush()
            rows.append(row.id)
    for attendance_id in rows:
        with database.unit_of_work() as db:
            mark_guest(
                db,
                attendance_id,
                "Probation Service",
                actor_staff_id=None,
                now=now,
                completion=CompletionPolicy(75),
            )
    with database.unit_of_work() as db:
        [sam] = staff_rows(db)
        assert (sam.email, sam.organisation) == ("sam.guest@partner.org", "Probation Service")
        assert {r.staff_id for r in db.exec(select(SessionAttendance)).all()} == {sam.id}


def test_a_team_a_coordinator_gave_survives_a_merge(database, clock):
    now = clock.now()
    with database.unit_of_work() as db:
        jo = upsert_staff(db, TeamsIdentity(AAD, "Jo Bloggs"), now)
        jo.team, jo.team_source = "Adults", "directory"
        named = person_named_by_email(db, "jo@probation.gov.uk", now)
        named.team, named.team_source = "Probation Service", "coordinator"
        db.add_all([jo, named])
    with database.unit_of_work() as db:
        jo = upsert_staff(db, TeamsIdentity(AAD, "Jo Bloggs", "jo@probation.gov.uk"), now)
        assert (jo.team, jo.team_source) == ("Probation Service", "coordinator")


def _write(db, identity: TeamsIdentity, now) -> Staff:
    staff = record_contact(
        db,
        identity,
        now,
        conversation_id=f"a:{identity.aad_object_id}",
        conversation_type="personal",
        tenant_id="t",
        service_url="https://smba.example/",
        reference_json="{}",
    )
    assert staff is not None
    return staff


def test_writing_to_the_bot_is_seen_at_most_once_a_day(database, clock):
    """The retention rule judges by when people were last seen, so every contact counts, but a
    person chatting all day costs one write a day, not one a message."""
    now = clock.now()
    jo = TeamsIdentity(AAD, "Jo Bloggs", "jo.bloggs@barnet.gov.uk")
    seen = []
    for later in (timedelta(0), timedelta(hours=23), timedelta(hours=24), timedelta(days=30)):
        with database.unit_of_work() as db:
            seen.append(_write(db, jo, now + later).last_seen_at)
    assert seen == [now, now, now + timedelta(hours=24), now + timedelta(days=30)]


def test_a_merged_record_was_last_seen_when_either_was(database, clock):
    now = clock.now()
    with database.unit_of_work() as db:
        by_email = person_named_by_email(db, "jo.bloggs@barnet.gov.uk", now)
        by_email.last_seen_at = now + timedelta(days=40)
        by_id = _write(db, TeamsIdentity(AAD, "Jo Bloggs"), now + timedelta(days=10))
        survivor_id = by_id.id
    with database.unit_of_work() as db:
        _write(
            db, TeamsIdentity(AAD, "Jo Bloggs", "jo.bloggs@barnet.gov.uk"), now + timedelta(days=11)
        )
    with database.unit_of_work() as db:
        [jo] = staff_rows(db)
        assert jo.id == survivor_id and jo.last_seen_at == now + timedelta(days=40)
