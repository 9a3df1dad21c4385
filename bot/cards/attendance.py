"""Cards the attendance feature draws: Teams sync results, attendance sheets, unmatched people."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cards.elements import (
    Card,
    Element,
    bold,
    card,
    execute,
    facts,
    heading,
    local_date,
    markdown,
    text,
)
from bot.cards.register import register_button, short
from training.attendance.sheet import AttendanceSheet, AttendeeLine, SyncResult
from training.attendance.unmatched import UnmatchedLine

MAX_UNMATCHED = 20  # each has two inputs and two buttons: 50 would pass Teams' message limit
STATES = {
    "waiting": "waiting for Teams' report",
    "provisional": "provisional (I will look again)",
    "final": "final",
    "no_report": "no report from Teams: please check by hand",
    "blocked": "blocked by Microsoft Graph",
}


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min"


def _next(moment: datetime | None, zone: ZoneInfo) -> str:
    return f"; next look {local_date(moment, zone)}" if moment else ""


def sync_results_card(results: list[SyncResult], zone: ZoneInfo, failed: bool = False) -> Card:
    body: list[Element] = [heading("Teams attendance")]
    if failed:
        body.append(
            text(
                "⚠️ Something went wrong on my side while reading attendance. Nothing is lost: "
                "type 'sync attendance' to try again.",
                color="Attention",
            )
        )
    elif not results:
        body.append(text("No recent online session is waiting for its attendance."))
    for result in results:
        lines = [
            text(
                markdown(
                    bold(f"Session #{result.session_id}"),
                    f": {STATES.get(result.state, result.state)}",
                    _next(result.next_attempt_at, zone),
                )
            ),
            text(
                f"{result.reports} reports, {result.records} records, {result.people} people: "
                f"{result.completed} completed, {result.no_shows} no-shows, "
                f"{result.walk_ins} walk-ins, {result.unmatched} unmatched"
                + (f", {result.guests} external guests" if result.guests else "")
                + (f"; {result.facilitators} facilitators" if result.facilitators else ""),
                spacing="None",
            ),
        ]
        if result.problem:
            lines.append(text(f"⚠️ {result.problem}", color="Attention", spacing="None"))
        body.append({"type": "Container", "separator": True, "items": lines})
    actions = []
    if any(r.unmatched for r in results):
        actions.append(execute("Resolve unmatched", "unmatched"))
    actions += [
        execute(f"Attendance of #{r.session_id}", "session_attendance", session_id=r.session_id)
        for r in results[:3]
    ]
    return card(body, actions)


def attendance_sheet_card(sheet: AttendanceSheet, zone: ZoneInfo) -> Card:
    body: list[Element] = [
        heading(f"{sheet.course_title} (#{sheet.session_id}): attendance"),
        facts(
            [
                ("When", local_date(sheet.starts_at, zone)),
                ("Needed", _minutes(sheet.required_seconds) if sheet.attendees else "-"),
                (
                    "Status",
                    STATES.get(sheet.state, sheet.state) + _next(sheet.next_attempt_at, zone)
                    if sheet.online
                    else "in person: taken on the register",
                ),
            ]
        ),
    ]
    if sheet.problem:
        body.append(text(f"⚠️ {sheet.problem}", color="Attention"))
    for line in sheet.attendees:
        if line.decision is not None:
            body.append(text(f"• {line.display_name}: {_decided(line, zone)}", spacing="None"))
            continue
        mark = "✅ completed" if line.completed else "✗ not completed"
        notes = [
            n
            for n, on in (
                ("walk-in", line.walk_in),
                ("external guest", line.guest),
                ("unmatched", line.staff_id is None),
                ("a join or leave time is missing", line.data_gaps),
            )
            if on
        ]
        extra = f" ({', '.join(notes)})" if notes else ""
        body.append(
            text(
                f"• {line.display_name}: {_minutes(line.attended_seconds)}, {mark}{extra}"
                " (Teams report)",
                spacing="None",
            )
        )
    if not sheet.attendees and sheet.online:
        body.append(
            text(
                f"No attendance read yet. Type 'sync attendance {sheet.session_id}' to read it "
                f"now, or 'register {sheet.session_id}' to take it by hand."
            )
        )
    elif not sheet.attendees:
        body.append(text(f"No register taken yet. Type 'register {sheet.session_id}' to take it."))
    if sheet.no_shows:
        body.append(text(f"No-shows ({len(sheet.no_shows)}): {', '.join(sheet.no_shows)}"))
    if sheet.facilitators:
        body.append(
            text(
                f"Facilitators, not counted ({len(sheet.facilitators)}): "
                f"{', '.join(sheet.facilitators)}",
                isSubtle=True,
            )
        )
    actions = [register_button(sheet.session_id)]
    if sheet.online:
        actions.insert(0, execute("Read again now", "sync_attendance", session_id=sheet.session_id))
    return card(body, actions)


DECIDED = {
    "present": "✅ present, completed",
    "left_early": "✗ left early, not completed",
    "absent": "✗ absent",
}


def _decided(line: AttendeeLine, zone: ZoneInfo) -> str:
    """A result the register decided, with who decided it, when and why."""
    measured = (
        f"Teams measured {_minutes(line.attended_seconds)}; " if line.attended_seconds else ""
    )
    when = f", {local_date(line.decided_at, zone)}" if line.decided_at else ""
    why = f": {short(line.reason, 80)}" if line.reason else ""
    notes = [
        n
        for n, on in (
            ("walk-in", line.walk_in),
            ("external guest", line.guest),
            ("unmatched", line.staff_id is None),
        )
        if on
    ]
    extra = f" ({', '.join(notes)})" if notes else ""
    mark = DECIDED.get(line.decision or "", line.decision or "")
    return f"{mark}{extra} ({measured}register: {line.decided_by or 'someone'}{when}{why})"


def unmatched_card(lines: list[UnmatchedLine], zone: ZoneInfo, note: str = "") -> Card:
    body: list[Element] = [heading("Attendees I couldn't match")]
    if note:
        body.append(text(note, color="Good"))
    if not lines:
        body.append(text("Everyone who attended is matched. Nothing to resolve."))
        return card(body)
    body.append(text("Give the staff member's email, or mark them as an external guest."))
    for line in lines[:MAX_UNMATCHED]:
        done = "met the threshold" if line.completed else "below the threshold"
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    text(
                        markdown(
                            bold(line.display_name),
                            f" ({line.email or 'no email'}): "
                            f"{line.course_title} #{line.session_id}, "
                            f"{local_date(line.starts_at, zone)}; "
                            f"{_minutes(line.attended_seconds)}, {done}",
                        )
                    ),
                    {
                        "type": "Input.Text",
                        "id": f"who_{line.attendance_id}",
                        "label": "Staff email",
                        "maxLength": 320,
                    },
                    {
                        "type": "Input.Text",
                        "id": f"org_{line.attendance_id}",
                        "label": "Or guest's organisation",
                        "maxLength": 200,
                    },
                    {
                        "type": "ActionSet",
                        "actions": [
                            execute(
                                "Assign to staff",
                                "assign_attendee",
                                attendance_id=line.attendance_id,
                            ),
                            execute(
                                "External guest", "mark_guest", attendance_id=line.attendance_id
                            ),
                        ],
                    },
                ],
            }
        )
    if len(lines) > MAX_UNMATCHED:
        more = len(lines) - MAX_UNMATCHED
        body.append(text(f"…and {more} more: type 'unmatched' again after these.", isSubtle=True))
    return card(body)
