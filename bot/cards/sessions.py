"""Cards the sessions feature draws: the new-session form, rosters, cancelling a session and the
notice its bookers receive."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.elements import (
    Card,
    Element,
    card,
    delivery_inputs,
    execute,
    facts,
    heading,
    local_date,
    seats,
    text,
    when,
    where,
)
from bot.cards.register import register_button
from bot.cards.session_life import edit_button, file_buttons, message_button, roster_button
from training.dates.working_days import next_working_day
from training.views import CourseChoice, Person, Roster, RosterLine, SessionSummary


def new_session_form(
    courses: list[CourseChoice],
    now: datetime,
    zone: ZoneInfo,
    *,
    error: str = "",
    warning: str = "",
    values: dict[str, Any] | None = None,
    meeting_by_graph: bool = False,
    form_id: str = "",
) -> Card:
    """`meeting_by_graph`: an online session may leave the join link empty (we create it).
    `form_id`: the form's one-time token, so pressing Create twice makes one session.
    It starts on WRAP, the next working day (no weekend or bank holiday) at 10:00. `warning`
    (a date that is not a working day) comes with a Create anyway button for that date."""
    values = values or {}
    next_day = next_working_day(now.astimezone(zone).date()).isoformat()
    codes = [c.code for c in courses]
    course = "WRAP" if "WRAP" in codes else (codes[0] if codes else "")
    body: list[Element] = [heading("New training session")]
    if error:
        body.append(text(f"⚠️ {error}", color="Attention"))
    if warning:
        body.append(text(f"⚠️ {warning}", color="Warning"))
    body += [
        {
            "type": "Input.ChoiceSet",
            "id": "course",
            "label": "Course",
            "isRequired": True,
            "errorMessage": "Choose a course.",
            "value": values.get("course", course),
            "choices": [{"title": c.title, "value": c.code} for c in courses],
        },
        {
            "type": "Input.Date",
            "id": "date",
            "label": "Date",
            "isRequired": True,
            "errorMessage": "Choose the date of the session.",
            "value": values.get("date", next_day),
        },
        {
            "type": "Input.Time",
            "id": "time",
            "label": "Start time (UK)",
            "isRequired": True,
            "errorMessage": "Give the time it starts.",
            "value": values.get("time", "10:00"),
        },
        {
            "type": "Input.Number",
            "id": "duration",
            "label": "Duration (minutes)",
            "min": 15,
            "max": 480,
            "value": values.get("duration", 120),
        },
        {
            "type": "Input.Number",
            "id": "capacity",
            "label": "Capacity",
            "min": 1,
            "max": 500,
            "value": values.get("capacity", 20),
        },
        *delivery_inputs(
            values.get("mode", "online"),
            values.get("join_url", ""),
            values.get("location", ""),
            meeting_by_graph=meeting_by_graph,
        ),
        {
            "type": "Input.Text",
            "id": "audience",
            "label": "Intended audience",
            "value": values.get("audience", ""),
        },
        {
            "type": "Input.Text",
            "id": "facilitators",
            "label": "Facilitators (emails, separated by commas: they take the register)",
            "value": values.get("facilitators", ""),
        },
    ]
    once = {"form_id": form_id} if form_id else {}
    if warning:  # pressed with this date again, it is created
        anyway = {"date_checked": values.get("date", ""), **once}
        return card(body, [execute("Create anyway", "create_session", style="positive", **anyway)])
    return card(body, [execute("Create session", "create_session", style="positive", **once)])


def _meeting_note(session: SessionSummary) -> list[Element]:
    if not session.online or session.join_url:
        return []
    return [
        text(
            "I'm creating the Teams meeting in the organiser's calendar now; everyone who "
            "books is invited to it, and its join link will show on the session.",
            isSubtle=True,
        )
    ]


def session_created_card(session: SessionSummary, zone: ZoneInfo) -> Card:
    return card(
        [
            heading(f"✅ Session #{session.id} created"),
            facts(
                [
                    ("Course", session.course_title),
                    ("When", when(session, zone)),
                    ("Where", where(session)),
                    ("Capacity", str(session.capacity)),
                ]
            ),
            *_meeting_note(session),
        ],
        [roster_button(session.id)],
    )


def _people(lines: list[RosterLine], zone: ZoneInfo, numbered: bool = False) -> list[Element]:
    out = []
    for i, line in enumerate(lines, start=1):
        prefix = f"{i}. " if numbered else "• "
        team = f", {line.person.team}" if line.person.team else ""
        came = ATTENDANCE.get(line.status, "")
        out.append(
            text(
                f"{prefix}{line.person.display_name}{team} "
                f"(asked {local_date(line.requested_at, zone)}){came}",
                spacing="None",
            )
        )
    return out or [text("Nobody.", isSubtle=True, spacing="None")]


ATTENDANCE = {"attended": ": attended", "no_show": ": did not come"}


def _came(title: str, people: tuple[Person, ...]) -> list[Element]:
    """People the attendance shows who held no seat; nothing at all when there are none."""
    if not people:
        return []
    lines = [
        text(f"• {p.display_name}" + (f", {p.team}" if p.team else ""), spacing="None")
        for p in people
    ]
    return [text(title, weight="Bolder"), *lines]


def _offered(roster: Roster, zone: ZoneInfo) -> list[Element]:
    """Seats held for people waiting until they answer; nothing when there are none."""
    lines = [
        text(
            f"• {line.person.display_name}"
            + (f", {line.person.team}" if line.person.team else "")
            + (
                f": until {local_date(line.offer_expires_at, zone)}"
                if line.offer_expires_at
                else ""
            ),
            spacing="None",
        )
        for line in roster.offered
    ]
    return [text(f"Offered a seat ({len(lines)})", weight="Bolder"), *lines] if lines else []


def _names_to_fix(session: SessionSummary) -> list[Element]:
    """Facilitators typed by name before they were named by email: they take no register."""
    if not session.facilitators:
        return []
    return [
        text(
            f"Facilitators named by name only, who cannot take the register until named by "
            f"email ('facilitators {session.id}'): {session.facilitators}",
            color="Attention",
        )
    ]


def roster_card(roster: Roster, zone: ZoneInfo) -> Card:
    session = roster.session
    body: list[Element] = [
        heading(f"{session.course_title} (#{session.id})"),
        facts(
            [
                ("When", when(session, zone)),
                ("Where", where(session)),
                ("Seats", seats(session)),
                ("Status", session.status.capitalize()),
                ("Facilitators", ", ".join(session.facilitator_emails) or "none named"),
            ]
        ),
        *_names_to_fix(session),
        text(f"Booked ({len(roster.booked)})", weight="Bolder"),
        *_people(roster.booked, zone),
        *_offered(roster, zone),
        text(f"Waiting list ({len(roster.waitlisted)})", weight="Bolder"),
        *_people(roster.waitlisted, zone, numbered=True),
        *_came(f"Came without booking ({len(roster.walk_ins)})", roster.walk_ins),
        *_came(f"External guests ({len(roster.guests)})", roster.guests),
    ]
    actions = []
    if session.status != "cancelled":
        body.append({"type": "ActionSet", "separator": True, "actions": file_buttons(session)})
        actions.append(message_button(session))
    if session.status != "cancelled" and roster.started:
        actions.insert(0, register_button(session.id))
    if session.status == "scheduled" and not roster.started:
        actions.insert(0, edit_button(session))
        actions.append(
            execute(
                "Cancel this session",
                "confirm_cancel_session",
                style="destructive",
                session_id=session.id,
            )
        )
    return card(body, actions)


def confirm_cancel_session_card(session: SessionSummary, zone: ZoneInfo, reason: str = "") -> Card:
    people = session.booked + session.offered + session.waitlisted
    return card(
        [
            heading(f"Cancel {session.course_title} on {when(session, zone)}?"),
            text(f"{people} people booked or waiting will be told."),
            {
                "type": "Input.Text",
                "id": "reason",
                "label": "Reason (sent to them)",
                "value": reason,
                "isMultiline": True,
                "maxLength": 300,
            },
        ],
        [
            execute(
                "Yes, cancel the session",
                "cancel_session",
                style="destructive",
                session_id=session.id,
            )
        ],
    )


def session_cancelled_card(session: SessionSummary, zone: ZoneInfo, told: int) -> Card:
    return card(
        [
            heading(f"❌ Session #{session.id} cancelled"),
            text(f"{session.course_title}, {when(session, zone)}."),
            text(f"{told} people booked or waiting have been told."),
        ]
    )


def session_cancelled_notice(session: SessionSummary, zone: ZoneInfo, reason: str | None) -> Card:
    body = [
        heading(f"❌ {session.course_title} on {when(session, zone)} is cancelled"),
        text("Your booking has been cancelled. Type 'sessions' to book another date."),
    ]
    if reason:
        body.insert(1, text(f"Reason: {reason}"))
    return card(body)
