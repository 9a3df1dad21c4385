"""One pace of sends per tenant, kept in PostgreSQL so every replica keeps to it together.

Teams allows 50 requests a second per app per tenant, counted across all of the app's
processes. Each send takes the next free moment for its tenant, one `interval` after the last
one taken, and waits until then; the moments are read from the database's own clock, so
replicas whose clocks differ still agree. Evenly spaced sends never bunch into one second.
"""

from sqlalchemy import text
from sqlmodel import Session as DbSession

_RESERVE = text(
    """
    INSERT INTO tenant_pace (tenant_id, next_at)
    VALUES (:tenant, clock_timestamp() + make_interval(secs => :interval))
    ON CONFLICT (tenant_id) DO UPDATE
        SET next_at = GREATEST(tenant_pace.next_at, clock_timestamp())
            + make_interval(secs => :interval)
    RETURNING EXTRACT(EPOCH FROM tenant_pace.next_at - clock_timestamp()) - :interval
    """
)

_HOLD = text(
    """
    INSERT INTO tenant_pace (tenant_id, next_at)
    VALUES (:tenant, clock_timestamp() + make_interval(secs => :seconds))
    ON CONFLICT (tenant_id) DO UPDATE
        SET next_at = GREATEST(tenant_pace.next_at, clock_timestamp()
            + make_interval(secs => :seconds))
    """
)


def reserve(db: DbSession, tenant_id: str, interval_seconds: float) -> float:
    """Take the tenant's next moment to send; returns how many seconds from now it is."""
    wait = db.execute(
        _RESERVE, {"tenant": tenant_id[:100], "interval": interval_seconds}
    ).scalar_one()
    return max(float(wait), 0.0)


def hold(db: DbSession, tenant_id: str, seconds: float) -> None:
    """No send to the tenant, from any replica, for `seconds` (Teams said the tenant is busy)."""
    db.execute(_HOLD, {"tenant": tenant_id[:100], "seconds": seconds})
