"""One pace of sends per tenant, kept in PostgreSQL so every replica keeps to it together.

Teams allows 50 requests a second per app per tenant, counted across all of the app's
processes. Each send takes the next free moment for its tenant, one `interval` after the last
one taken, and waits until then; the moments are read from the database's own clock, so
replicas whose clocks differ still agree. Evenly spaced sends never bunch into one second.

A moment is taken only when it is no further off than the sender will wait (`at_most`), in the
same statement that reads it: a sender that would hand its message back untried leaves the pace
as it was. Otherwise, after a long hold with a backlog, every message handed back would push
the pace further ahead, and the tenant would stay silent long after Teams allowed it again.
"""

from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session as DbSession

# `:now` is the database's clock unless a test passes its own.
_RESERVE = text(
    """
    WITH clock AS (SELECT COALESCE(CAST(:now AS timestamptz), clock_timestamp()) AS now),
    taken AS (
        INSERT INTO tenant_pace (tenant_id, next_at)
        SELECT :tenant, clock.now + make_interval(secs => :interval) FROM clock
        ON CONFLICT (tenant_id) DO UPDATE
            SET next_at = GREATEST(tenant_pace.next_at, (SELECT now FROM clock))
                + make_interval(secs => :interval)
            WHERE CAST(:at_most AS double precision) IS NULL
                OR tenant_pace.next_at <= (SELECT now FROM clock)
                    + make_interval(secs => CAST(:at_most AS double precision))
        RETURNING tenant_pace.next_at
    )
    SELECT COALESCE(
        (SELECT EXTRACT(EPOCH FROM taken.next_at - clock.now) - :interval FROM taken),
        (SELECT EXTRACT(EPOCH FROM p.next_at - clock.now) FROM tenant_pace AS p
            WHERE p.tenant_id = :tenant)
    )
    FROM clock
    """
)

_HOLD = text(
    """
    WITH clock AS (SELECT COALESCE(CAST(:now AS timestamptz), clock_timestamp()) AS now)
    INSERT INTO tenant_pace (tenant_id, next_at)
    SELECT :tenant, clock.now + make_interval(secs => :seconds) FROM clock
    ON CONFLICT (tenant_id) DO UPDATE
        SET next_at = GREATEST(tenant_pace.next_at, (SELECT now FROM clock)
            + make_interval(secs => :seconds))
    """
)


def reserve(
    db: DbSession,
    tenant_id: str,
    interval_seconds: float,
    *,
    at_most: float | None = None,
    now: datetime | None = None,
) -> float:
    """Take the tenant's next moment to send, if it is at most `at_most` seconds away; returns
    how many seconds from now it is. More than `at_most`: nothing was taken, and that is how
    long until the pace is free again."""
    arguments = {"tenant": tenant_id[:100], "interval": interval_seconds, "at_most": at_most}
    wait = db.execute(_RESERVE, {**arguments, "now": now}).scalar_one()
    if wait is None:
        # Another replica made the tenant's row after this statement began, and it is too far
        # off to take: asked again, the statement sees it.
        wait = db.execute(_RESERVE, {**arguments, "now": now}).scalar_one()
    return max(float(wait), 0.0)


def hold(db: DbSession, tenant_id: str, seconds: float, *, now: datetime | None = None) -> None:
    """No send to the tenant, from any replica, for `seconds` (Teams said the tenant is busy)."""
    db.execute(_HOLD, {"tenant": tenant_id[:100], "seconds": seconds, "now": now})
