"""The outbox keeps each message once, hands it to one sender at a time and loses none."""

import threading
from datetime import date, timedelta

import pytest
from sqlmodel import select

from delivery import outbox
from delivery.outbox import OutgoingMessage
from tests.factories import add_staff, leases_age
from training.errors import InvalidBoardDetails, UnknownBoard
from training.governance import boards
from training.governance.boards import BoardDetails
from training.models import (
    AuditEntry,
    Board,
    DeliveryBlock,
    OutboxMessage,
    OutboxState,
)
from training.people.staff import TeamsIdentity, record_contact


def message(key: str, staff_id: int) -> OutgoingMessage:
    return OutgoingMessage(key=key, kind="test", staff_id=staff_id, summary=key, card={"k": key})


@pytest.fixture
def megan(database, clock) -> int:
    with database.unit_of_work() as db:
        return add_staff(db, "Megan Bowen", clock.now(), aad_object_id="aad-megan").id


def test_writing_the_same_key_twice_keeps_one_row(database, clock, megan):
    with database.unit_of_work() as db:
        assert outbox.enqueue(db, [message("a", megan), message("b", megan)], clock.now()) == 2
    with database.unit_of_work() as db:
        assert outbox.enqueue(db, [message("a", megan), message("c", megan)], clock.now()) == 1
        assert outbox.counts(db) == {"pending": 3}


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(database, clock, megan):
    with database.unit_of_work() as db:
        outbox.enqueue(db, [message("a", megan)], clock.now())
    with database.unit_of_work() as db:
        [first] = outbox.claim(db, "one", clock.now(), lease_seconds=60, limit=10)
    with database.unit_of_work() as db:
        assert outbox.claim(db, "two", clock.now(), lease_seconds=60, limit=10) == []
    later = clock.now() + timedelta(seconds=61)
    with database.unit_of_work() as db:
        leases_age(db, 61)
        [again] = outbox.claim(db, "two", later, lease_seconds=60, limit=10)
    assert again.id == first.id
    with database.unit_of_work() as db:
        assert outbox.mark_sent(db, first.id, "one", later) is False  # "one" lost its lease
        assert outbox.mark_sent(db, first.id, "two", later) is True
        assert outbox.counts(db) == {"sent": 1}


def test_a_replica_whose_clock_runs_fast_does_not_take_a_live_claim(database, clock, megan):
    if database.dialect != "postgresql":
        pytest.skip("replicas share PostgreSQL; SQLite serves one process with one clock")
    with database.unit_of_work() as db:
        outbox.enqueue(db, [message("a", megan)], clock.now())
    with database.unit_of_work() as db:
        [first] = outbox.claim(db, "one", clock.now(), lease_seconds=60, limit=10)
    five_minutes_fast = clock.now() + timedelta(minutes=5)
    with database.unit_of_work() as db:
        assert outbox.claim(db, "two", five_minutes_fast, lease_seconds=60, limit=10) == []
        assert outbox.claim_holders(db, five_minutes_fast) == ["one"]
        assert outbox.renew(db, first.id, "one", clock.now(), lease_seconds=60)


def test_retries_wait_and_give_up_after_the_last_attempt(database, clock, megan):
    with database.unit_of_work() as db:
        outbox.enqueue(db, [message("a", megan)], clock.now())
    now = clock.now()
    for attempt in (1, 2):
        with database.unit_of_work() as db:
            [claimed] = outbox.claim(db, "w", now, lease_seconds=60, limit=1)
            state = outbox.mark_retry(
                db, claimed.id, "w", now, delay_seconds=30, error="502", max_attempts=2
            )
        assert state == ("pending" if attempt == 1 else "failed")
        with database.unit_of_work() as db:
            assert (
                outbox.claim(db, "w", now + timedelta(seconds=29), lease_seconds=60, limit=1) == []
            )
        now += timedelta(seconds=31)
    with database.unit_of_work() as db:
        [problem] = outbox.failed_deliveries(db)
    assert (problem.state, problem.attempts, problem.last_error) == ("failed", 2, "502")


def test_a_refusal_blocks_the_person_until_they_write_again(database, clock, megan):
    with database.unit_of_work() as db:
        outbox.enqueue(db, [message("a", megan)], clock.now())
        [claimed] = outbox.claim(db, "w", clock.now(), lease_seconds=60, limit=1)
        outbox.mark_blocked(
            db, claimed.id, "w", megan, clock.now(), status_code=403, reason="blocked"
        )
    with database.unit_of_work() as db:
        assert db.get(DeliveryBlock, megan).status_code == 403
        outbox.enqueue(db, [message("b", megan)], clock.now())
        [next_one] = outbox.claim(db, "w", clock.now(), lease_seconds=60, limit=1)
    assert next_one.blocked
    with database.unit_of_work() as db:
        record_contact(
            db,
            TeamsIdentity("aad-megan", "Megan Bowen"),
            clock.now(),
            conversation_id="a:megan",
            conversation_type="personal",
            tenant_id="t",
            service_url="http://127.0.0.1/",
            reference_json="{}",
        )
    with database.unit_of_work() as db:
        assert db.get(DeliveryBlock, megan) is None


def test_two_senders_claiming_at_once_never_share_a_row(database, clock, megan):
    with database.unit_of_work() as db:
        outbox.enqueue(db, [message(f"m{i}", megan) for i in range(60)], clock.now())
    claimed: dict[str, list[int]] = {"one": [], "two": [], "three": []}
    start = threading.Barrier(3)

    def take(worker: str) -> None:
        start.wait()
        while True:
            with database.unit_of_work() as db:
                got = outbox.claim(db, worker, clock.now(), lease_seconds=60, limit=7)
            if not got:
                return
            claimed[worker] += [m.id for m in got]

    threads = [threading.Thread(target=take, args=(w,)) for w in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for ids in claimed.values() for i in ids]
    assert len(every) == 60 and len(set(every)) == 60


def _board(database, clock, **changes) -> int:
    details = BoardDetails(
        name="Adult Safeguarding Board",
        frequency="annual",
        next_due_on=date(2027, 2, 1),
        lead_emails=("lead@example.gov.uk",),
    )
    with database.unit_of_work() as db:
        return boards.save_board(db, details, clock.now(), **changes).id


def test_delivering_an_update_rolls_the_date_and_cancels_waiting_reminders(database, clock, megan):
    board_id = _board(database, clock)
    with database.unit_of_work() as db:
        outbox.enqueue(
            db, [message(f"board:{board_id}:due-7d:2027-02-01:to:1", megan)], clock.now()
        )
        outbox.enqueue(db, [message(f"board:{board_id}9:other", megan)], clock.now())
    with database.unit_of_work() as db:
        result = boards.record_update_delivered(
            db, board_id, date(2027, 1, 28), clock.now(), actor_staff_id=megan, request_key="r1"
        )
    assert (result.was_due_on, result.board.next_due_on) == (date(2027, 2, 1), date(2028, 2, 1))
    with database.unit_of_work() as db:
        again = boards.record_update_delivered(
            db, board_id, date(2027, 1, 29), clock.now(), request_key="r1"
        )
        states = {m.key.split(":")[1]: m.state for m in db.exec(select(OutboxMessage)).all()}
        actions = [a.action for a in db.exec(select(AuditEntry)).all()]
    assert again.repeated and again.board.next_due_on == date(2028, 2, 1)
    assert states == {str(board_id): OutboxState.CANCELLED, f"{board_id}9": OutboxState.PENDING}
    assert actions == ["board.create", "board.delivered"]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"name": "  "}, "needs a name"),
        ({"frequency": "fortnightly"}, "frequency must be"),
        ({"kind": "party"}, "board, a meeting or a briefing"),
        ({"lead_emails": ("not an email",)}, "is not an email address"),
        ({"name": "Adult Safeguarding Board"}, "already a board called"),
    ],
)
def test_a_board_that_does_not_add_up_is_refused_and_nothing_changes(
    database, clock, changes, problem
):
    _board(database, clock)
    details = BoardDetails(name="Health and Wellbeing Board", frequency="annual")
    fields = {**details.__dict__, **changes}
    with pytest.raises(InvalidBoardDetails, match=problem), database.unit_of_work() as db:
        boards.save_board(db, BoardDetails(**fields), clock.now())
    with database.unit_of_work() as db:
        assert [b.name for b in db.exec(select(Board)).all()] == ["Adult Safeguarding Board"]


def test_an_unknown_board_is_named_in_the_answer(database, clock):
    _board(database, clock)
    with pytest.raises(UnknownBoard, match="knitting circle"), database.unit_of_work() as db:
        boards.find_board(db, "knitting circle")
    with database.unit_of_work() as db:
        assert boards.find_board(db, "adult").name == "Adult Safeguarding Board"


def test_a_claim_renews_only_while_its_own_and_a_given_back_row_is_not_a_try(
    database, clock, megan
):
    with database.unit_of_work() as db:
        outbox.enqueue(db, [message("a", megan), message("b", megan)], clock.now())
        first, second = outbox.claim(db, "one", clock.now(), lease_seconds=60, limit=10)
    later = clock.now() + timedelta(seconds=61)
    with database.unit_of_work() as db:
        leases_age(db, 61)
        assert outbox.renew(
            db, first.id, "one", later, lease_seconds=60
        )  # lapsed, yet still its own
        assert outbox.claim_holders(db, later) == ["one"]
        assert outbox.give_back(db, second.id, "one", later + timedelta(seconds=600))
        assert outbox.claim(db, "two", later, lease_seconds=60, limit=10) == []
    much_later = later + timedelta(seconds=61)
    with database.unit_of_work() as db:
        leases_age(db, 61)
        [taken] = outbox.claim(db, "two", much_later, lease_seconds=60, limit=10)
        assert taken.id == first.id
        assert not outbox.renew(db, first.id, "one", much_later, lease_seconds=60)
        assert outbox.release_claims(db, "two") == 1
        assert outbox.claim_holders(db, much_later) == []
        given_back = db.get(OutboxMessage, second.id)
    assert given_back.attempts == 0 and given_back.leased_by is None
