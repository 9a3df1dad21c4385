"""The tenant's pace in PostgreSQL: replicas taking turns get evenly spaced moments."""

import itertools

import pytest

from database.engine import Database
from delivery import pace


def test_turns_taken_by_two_replicas_are_spaced_evenly_and_a_hold_pushes_them_back(database):
    if database.dialect != "postgresql":
        pytest.skip("the shared pace is for several processes, so PostgreSQL only")
    other = Database(database.url)  # a second replica's own engine
    waits = []
    for replica in (database, other) * 3:
        with replica.unit_of_work() as db:
            waits.append(pace.reserve(db, "tenant", 0.5))
    other.dispose()
    # Each turn is half a second after the one before, whichever replica took it (less the
    # moments it took to ask).
    assert waits[0] == 0.0
    for earlier, later in itertools.pairwise(waits):
        assert 0.25 < later - earlier <= 0.5
    with database.unit_of_work() as db:
        pace.hold(db, "tenant", 30)
        assert 29 < pace.reserve(db, "tenant", 0.5) <= 30
        assert pace.reserve(db, "another tenant", 0.5) == 0.0


def test_a_turn_further_off_than_the_sender_waits_is_not_taken(database):
    if database.dialect != "postgresql":
        pytest.skip("the shared pace is for several processes, so PostgreSQL only")
    with database.unit_of_work() as db:
        pace.hold(db, "held tenant", 30)
        # A thousand senders that will wait at most 15 s are each told ~30 s, and take nothing.
        refused = [pace.reserve(db, "held tenant", 0.025, at_most=15) for _ in range(1000)]
        assert all(29 < wait <= 30 for wait in refused)
        assert 29 < pace.reserve(db, "held tenant", 0.025, at_most=31) <= 30
        assert 29 < pace.reserve(db, "held tenant", 0.025) <= 30.03  # the next one after it
