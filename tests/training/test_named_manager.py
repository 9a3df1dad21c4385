"""A manager the person names waits, when approval is needed, for a coordinator: until then
they can neither confirm the claim nor fetch its certificate, and only a claim waiting for
approval can be approved or refused (a second press changes nothing)."""

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.factories import add_course, add_staff
from training.models import AuditEntry, Completion, Delivery, ElearningClaim
from training.records import elearning
from training.records.elearning import Certificate, ClaimNotFound, ClaimProblem

PDF = b"%PDF-1.4\n"


@pytest.fixture
def claim(database, clock, tmp_path):
    now = clock.now()
    with database.unit_of_work() as db:
        add_course(
            db, "HO-ELEARN", "Home Office online Prevent training"
        ).delivery = Delivery.ELEARNING
        lee = add_staff(db, "Lee Lone", now).id
        bo = add_staff(db, "Bo Boss", now).id
        cora = add_staff(db, "Cora Ordinator", now).id
        view = elearning.attach_certificate(
            db,
            lee,
            Certificate("cert.pdf", PDF),
            now,
            course_code="HO-ELEARN",
            max_bytes=1000,
            manager_staff_id=None,
        )
        named = elearning.name_manager(
            db, view.claim_id, lee, "Bo.Boss@example.gov.uk", now, needs_approval=True
        )
    assert (named.status, named.manager_named, named.manager_staff_id) == (
        "awaiting_approval",
        True,
        bo,
    )
    return named.claim_id, lee, bo, cora


def test_until_approved_the_named_manager_can_neither_confirm_nor_download(database, clock, claim):
    claim_id, _, bo, _ = claim
    with database.unit_of_work() as db:
        with pytest.raises(ClaimProblem, match="not waiting for a decision"):
            elearning.decide(db, claim_id, bo, True, clock.now())
        with pytest.raises(ClaimNotFound):
            elearning.certificate_for_manager(db, claim_id, bo, clock.now(), audit_view=True)
        assert db.exec(select(Completion)).all() == []
        [waiting] = elearning.pending_confirmations(db, viewer_staff_id=None, now=clock.now())
        assert (waiting.claim_id, waiting.status) == (claim_id, "awaiting_approval")


def test_approved_the_claim_goes_to_the_manager_and_a_second_press_changes_nothing(
    database, clock, claim
):
    claim_id, _, bo, cora = claim
    later = clock.now() + timedelta(hours=1)
    with database.unit_of_work() as db:
        approved = elearning.approve_manager(db, claim_id, coordinator_staff_id=cora, now=later)
    assert approved.status == "pending"
    with database.unit_of_work() as db:
        with pytest.raises(ClaimProblem, match="not waiting for a manager's approval"):
            elearning.refuse_manager(db, claim_id, coordinator_staff_id=cora, now=later)
        row = db.get(ElearningClaim, claim_id)
        assert (row.status, row.manager_approved_by_staff_id, row.manager_approved_at) == (
            "pending",
            cora,
            later,
        )
        elearning.decide(db, claim_id, bo, True, later)
        assert len(db.exec(select(Completion)).all()) == 1
        actions = db.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == [
        "elearning.manager.named",
        "elearning.manager.approved",
        "elearning.confirm",
    ]


def test_refused_the_person_names_another_and_naming_twice_is_refused(database, clock, claim):
    claim_id, lee, _, cora = claim
    with database.unit_of_work() as db:
        refused = elearning.refuse_manager(db, claim_id, coordinator_staff_id=cora, now=clock.now())
        assert refused.manager_name == "Bo Boss"
        assert db.get(ElearningClaim, claim_id).status == "awaiting_manager"
        again = elearning.name_manager(
            db, claim_id, lee, "cora.ordinator@example.gov.uk", clock.now()
        )
        assert again.status == "pending" and again.manager_staff_id == cora
        with pytest.raises(ClaimProblem, match="not waiting for a manager"):
            elearning.name_manager(db, claim_id, lee, "bo.boss@example.gov.uk", clock.now())
