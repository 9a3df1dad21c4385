"""Which failures are worth another try, and when 429s mean the whole tenant is busy."""

import pytest

from bot.ratelimit import LocalPace, backoff_seconds, tenant_wide, transient


@pytest.mark.parametrize(
    ("status", "again"),
    [
        (None, True),  # a reset or no answer in time
        (408, True),
        (412, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (400, False),  # a card Teams will never take
        (401, False),
        (403, False),
        (404, False),
    ],
)
def test_transient_failures(status, again):
    assert transient(status) is again


@pytest.mark.parametrize(
    ("answers", "whole_tenant"),
    [
        ([], False),
        ([("ann", True)], False),
        ([("ann", True)] * 10, False),  # one busy conversation, however often
        ([("ann", True), ("bob", True)], False),
        ([("ann", True), ("bob", True), ("cat", True)], True),
        ([("ann", True), ("bob", True), ("cat", True), ("dan", False)], True),
        # a fifth of sends throttled at random is not the tenant
        ([(f"p{i}", i % 5 == 0) for i in range(50)], False),
        ([(f"p{i}", i % 2 == 0) for i in range(50)], True),
    ],
)
def test_429s_hold_the_tenant_only_when_many_conversations_get_them(answers, whole_tenant):
    assert tenant_wide(answers) is whole_tenant


def test_backoff_grows_is_capped_and_waits_at_least_retry_after():
    assert [backoff_seconds(n, rand=lambda: 1.0) for n in (1, 2, 3, 10, 20)] == [
        1.0,
        2.0,
        4.0,
        300.0,
        300.0,
    ]
    assert backoff_seconds(1, 30.0, rand=lambda: 0.0) == 30.0
    assert backoff_seconds(3, rand=lambda: 0.0) == 2.0


async def test_the_tenants_pace_spaces_sends_evenly_and_a_hold_pushes_them_back():
    now = [100.0]
    pace = LocalPace(40, monotonic=lambda: now[0])
    waits = [await pace.reserve("t") for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.025, 0.05, 0.075, 0.1])
    assert await pace.reserve("another tenant") == 0.0
    await pace.hold("t", 5)
    assert await pace.reserve("t") == pytest.approx(5.0)
    now[0] += 60  # a pace long past does not let a burst through
    assert [await pace.reserve("t") for _ in range(2)] == pytest.approx([0.0, 0.025])
