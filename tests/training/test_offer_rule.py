"""When a freed seat is given, offered (until when), or left free: the rule as a table."""

from datetime import UTC, datetime, timedelta

import pytest

from training.sessions.offer_rule import Filling, OfferPolicy, how_to_fill

STARTS = datetime(2027, 1, 14, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)

CASES = [
    # freed this long before the start, policy, cut-off hours -> filling, offer runs out at
    ("a week before: given", 7 * D, OfferPolicy(), 24, Filling.GIVE, None),
    ("exactly 3 days before: given", 3 * D, OfferPolicy(), 24, Filling.GIVE, None),
    (
        "just inside 3 days: offered 12 h",
        3 * D - H,
        OfferPolicy(),
        24,
        Filling.OFFER,
        2 * D + 11 * H,
    ),
    ("2 days before: offered 12 h", 2 * D, OfferPolicy(), 24, Filling.OFFER, 2 * D - 12 * H),
    ("30 h before: cut short at the cut-off", 30 * H, OfferPolicy(), 24, Filling.OFFER, 24 * H),
    ("at the cut-off: too late to ask", 24 * H, OfferPolicy(), 24, Filling.LEAVE_FREE, None),
    ("an hour before: too late to ask", H, OfferPolicy(), 24, Filling.LEAVE_FREE, None),
    ("no cut-off: offered up to the start", 5 * H, OfferPolicy(), 0, Filling.OFFER, 0 * H),
    ("window 0: always given", 2 * H, OfferPolicy(window_days=0), 24, Filling.GIVE, None),
    (
        "a longer window and shorter offers",
        6 * D,
        OfferPolicy(7, 2),
        24,
        Filling.OFFER,
        6 * D - 2 * H,
    ),
    ("a cut-off longer than the window", 2 * D, OfferPolicy(), 72, Filling.LEAVE_FREE, None),
]


@pytest.mark.parametrize(
    ("before", "policy", "cutoff", "filling", "runs_out_before"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_how_a_freed_seat_is_filled(before, policy, cutoff, filling, runs_out_before):
    rule = how_to_fill(policy, STARTS, cutoff, STARTS - before)
    assert rule.filling == filling
    assert rule.until == (STARTS - runs_out_before if runs_out_before is not None else None)
