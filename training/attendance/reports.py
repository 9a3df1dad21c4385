"""Storing Teams attendance reports as Graph sent them, and the state of each session's sync.

The Graph adapter reads reports and hands their raw JSON to these services page by page; each
page is stored in its own transaction together with where to resume, so a sync that stops
between pages picks up where it left off and a sync run twice changes nothing. Figures are
always recomputed from our stored copies, never from a running count
(`training.attendance.results`).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from database.columns import cut
from training.attendance.completion import CompletionPolicy, parse_time, record_key
from training.attendance.results import recompute
from training.attendance.sheet import SyncResult, sync_result
from training.errors import AttendanceProblem
from training.models import (
    AttendanceRecordCopy,
    AttendanceReportCopy,
    AttendanceSync,
    Session,
    SessionStatus,
    SyncState,
)
from training.sessions.queries import load_session


@dataclass(frozen=True)
class SyncTarget:
    session_id: int
    join_url: str
    online_meeting_id: str | None
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ReportProgress:
    copy_id: int
    next_page_url: str | None
    complete: bool


# --- which sessions to read -------------------------------------------------------------


def _target(session: Session, sync: AttendanceSync | None) -> SyncTarget:
    assert session.id is not None and session.join_url
    return SyncTarget(
        session.id,
        session.join_url,
        sync.online_meeting_id if sync else None,
        session.starts_at,
        session.ends_at,
    )


def sessions_due(
    db: DbSession, now: datetime, *, lookback_days: int, only_due: bool = True
) -> list[SyncTarget]:
    """Online sessions that ended lately whose next look at attendance is due (or, with
    `only_due=False`, every one not yet settled: a coordinator asked for all of them now)."""
    rows = db.exec(
        select(Session, AttendanceSync)
        .join(AttendanceSync, col(AttendanceSync.session_id) == col(Session.id), isouter=True)
        .where(
            col(Session.online),
            col(Session.join_url).is_not(None),
            Session.status != SessionStatus.CANCELLED,
            Session.ends_at <= now,
            Session.ends_at >= now - timedelta(days=lookback_days),
        )
        .order_by(col(Session.ends_at))
    ).all()
    due = []
    for session, sync in rows:
        if sync is None or (
            sync.state not in (SyncState.FINAL, SyncState.NO_REPORT)
            and (not only_due or sync.next_attempt_at is None or sync.next_attempt_at <= now)
        ):
            due.append(_target(session, sync))
    return due


def session_to_sync(db: DbSession, session_id: int, now: datetime) -> SyncTarget:
    """One session a coordinator asked for; refused plainly when Teams can have no report."""
    session = load_session(db, session_id)
    if session.status == SessionStatus.CANCELLED:
        raise AttendanceProblem(f"Session {session_id} was cancelled, so nobody attended.")
    if not session.online:
        raise AttendanceProblem(
            f"Session {session_id} was in person: Teams has no attendance report for it."
        )
    if not session.join_url:
        raise AttendanceProblem(f"Session {session_id} has no Teams join link to read from.")
    if session.ends_at > now:
        raise AttendanceProblem(
            f"Session {session_id} hasn't finished yet; Teams makes the report after it ends."
        )
    sync = db.exec(select(AttendanceSync).where(AttendanceSync.session_id == session_id)).first()
    return _target(session, sync)


def _sync_row(db: DbSession, session_id: int, now: datetime) -> AttendanceSync:
    sync = db.exec(select(AttendanceSync).where(AttendanceSync.session_id == session_id)).first()
    if sync is None:
        sync = AttendanceSync(session_id=session_id, updated_at=now)
        db.add(sync)
        db.flush()
    return sync


def remember_meeting(db: DbSession, session_id: int, online_meeting_id: str, now: datetime) -> None:
    """Keep the meeting's id, so it is not looked up again (an id too long to keep is not)."""
    load_session(db, session_id, lock=True)  # one sync of a session at a time
    if cut(online_meeting_id, AttendanceSync.online_meeting_id) != online_meeting_id:
        return
    sync = _sync_row(db, session_id, now)
    if sync.online_meeting_id != online_meeting_id:
        sync.online_meeting_id = online_meeting_id
        sync.updated_at = now
        db.add(sync)


# --- storing what Graph sent -------------------------------------------------------------


def open_report(
    db: DbSession,
    session_id: int,
    raw_report: dict[str, Any],
    first_page_url: str,
    now: datetime,
) -> ReportProgress:
    """Start (or resume) reading one report; stores our copy of the report itself.

    Two syncs of one session at once (the coordinator's and the scheduler's, or two
    replicas) take turns: each write holds the session's row, so neither stores a copy the
    other has just stored."""
    report_id = str(raw_report.get("id") or "")[:300]
    if not report_id:
        raise AttendanceProblem("Teams sent an attendance report without an id.")
    load_session(db, session_id, lock=True)
    copy = db.exec(
        select(AttendanceReportCopy).where(
            AttendanceReportCopy.session_id == session_id,
            AttendanceReportCopy.report_id == report_id,
        )
    ).first()
    if copy is None:
        copy = AttendanceReportCopy(
            session_id=session_id,
            report_id=report_id,
            meeting_start=parse_time(raw_report.get("meetingStartDateTime")),
            meeting_end=parse_time(raw_report.get("meetingEndDateTime")),
            raw_json=json.dumps(raw_report),
            next_page_url=first_page_url,
            first_read_at=now,
            updated_at=now,
        )
        db.add(copy)
        db.flush()
    assert copy.id is not None
    return ReportProgress(copy.id, copy.next_page_url, copy.complete)


def store_page(
    db: DbSession,
    copy_id: int,
    raw_records: list[dict[str, Any]],
    next_page_url: str | None,
    now: datetime,
) -> int:
    """Keep one page of records and where to go next, in one transaction; returns new records."""
    found = db.get(AttendanceReportCopy, copy_id)
    if found is None:
        raise AttendanceProblem("That attendance report copy has gone.")
    load_session(db, found.session_id, lock=True)  # one sync of a session at a time
    db.refresh(found)
    copy = found
    if copy.complete:
        return 0  # another sync finished this report meanwhile: it is not reopened
    keyed = {record_key(raw): raw for raw in raw_records}
    known = set(
        db.exec(
            select(AttendanceRecordCopy.record_key).where(
                AttendanceRecordCopy.report_copy_id == copy_id,
                col(AttendanceRecordCopy.record_key).in_(list(keyed)),
            )
        ).all()
    )
    fresh = [
        AttendanceRecordCopy(
            report_copy_id=copy_id, record_key=key, raw_json=json.dumps(raw), read_at=now
        )
        for key, raw in keyed.items()
        if key not in known
    ]
    db.add_all(fresh)
    copy.records_read += len(fresh)
    copy.next_page_url = next_page_url
    copy.complete = next_page_url is None
    copy.updated_at = now
    db.add(copy)
    db.flush()
    return len(fresh)


# --- after reading: state, retries and figures ---------------------------------------------


def _next_try(ends_at: datetime, now: datetime, offsets: Sequence[int]) -> datetime | None:
    for minutes in offsets:
        moment = ends_at + timedelta(minutes=minutes)
        if moment > now:
            return moment
    return None


def finish_sync(
    db: DbSession,
    session_id: int,
    now: datetime,
    *,
    reports_listed: int,
    retry_offsets: Sequence[int],
    completion: CompletionPolicy,
    problem: str = "",
    blocked: bool = False,
    organiser: str = "",
) -> SyncResult:
    """Record how this look went and when to look again; recompute figures from our copies.

    No report yet is never "nobody came": the session stays waiting until the last scheduled
    try, and after that is flagged for a person (`no_report`), with no one marked absent.
    """
    session = load_session(db, session_id, lock=True)
    sync = _sync_row(db, session_id, now)
    sync.attempts += 1
    sync.last_attempt_at = now
    sync.updated_at = now
    sync.last_error = problem[:1000]
    if organiser:
        sync.organiser = organiser[:320]
    next_try = _next_try(session.ends_at, now, retry_offsets)
    complete_reports = _complete_reports(db, session_id)
    if blocked or problem:
        sync.state = SyncState.BLOCKED if blocked else sync.state
        # Graph refused or failed: try again soon, but not sooner than the policy can apply.
        sync.next_attempt_at = now + timedelta(minutes=30 if blocked else 15)
    elif not complete_reports and reports_listed == 0:
        sync.state = SyncState.WAITING if next_try else SyncState.NO_REPORT
        sync.next_attempt_at = next_try
    else:
        sync.state = SyncState.PROVISIONAL if next_try else SyncState.FINAL
        sync.next_attempt_at = next_try
    db.add(sync)
    db.flush()
    if complete_reports:
        recompute(db, session, now, completion)
    return sync_result(db, session, sync)


def _complete_reports(db: DbSession, session_id: int) -> list[int]:
    return [
        i
        for i in db.exec(
            select(AttendanceReportCopy.id).where(
                AttendanceReportCopy.session_id == session_id, col(AttendanceReportCopy.complete)
            )
        ).all()
        if i is not None
    ]
