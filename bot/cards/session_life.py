"""Cards for a session's life after it is put on: the edit form, what changed (old and new side
by side), and messages from the coordinator to the people booked."""

from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.elements import (
    Action,
    Card,
    Element,
    card,
    delivery_inputs,
    execute,
    facts,
    heading,
    link,
    text,
    when,
    where,
)
from training.people.facilitators import FacilitatorList
from training.sessions.changes import SessionChange, edit_mark
from training.sessions.messages import MessageAudience
from training.views import SessionSummary


def roster_button(session_id: int) -> Action:
    return execute("Show roster", "roster", session_id=session_id)


def edit_button(session: SessionSummary) -> Action:
    return execute("Change session", "edit_session", session_id=session.id)


def message_button(session: SessionSummary) -> Action:
    return execute("Message people", "message_session", session_id=session.id)


def file_buttons(session: SessionSummary) -> list[Action]:
    """The sign-in sheet and the roster as files (through Teams' file consent card)."""
    return [
        execute("Sign-in sheet (Word)", "roster_file", session_id=session.id, format="docx"),
        execute("Roster (CSV)", "roster_file", session_id=session.id, format="csv"),
        execute("Roster (Excel)", "roster_file", session_id=session.id, format="xlsx"),
    ]


def _session_values(session: SessionSummary, zone: ZoneInfo) -> dict[str, Any]:
    starts = session.starts_at.astimezone(zone)
    minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    return {
        "date": starts.date().isoformat(),
        "time": f"{starts:%H:%M}",
        "duration": minutes,
        "capacity": session.capacity,
        "mode": "online" if session.online else "in_person",
        "join_url": session.join_url or "",
        "location": session.location or "",
        "audience": session.audience,
        "facilitators": ", ".join(session.facilitator_emails),
    }


def edit_session_form(
    session: SessionSummary,
    zone: ZoneInfo,
    *,
    meeting_made_by_bot: bool,
    meeting_by_graph: bool = False,
    error: str = "",
    values: dict[str, Any] | None = None,
) -> Card:
    """The session form, prefilled. The Save button carries the mark of the details shown, so
    a form drawn before someone else's change saves nothing."""
    shown = {**_session_values(session, zone), **(values or {})}
    body: list[Element] = [
        heading(f"Change {session.course_title} (#{session.id})"),
        text(
            f"{session.booked} booked, {session.waitlisted} waiting. Everyone booked or waiting "
            "is told what changed; bookings are kept.",
            isSubtle=True,
        ),
    ]
    if error:
        body.append(text(f"⚠️ {error}", color="Attention"))
    body += [
        {"type": "Input.Date", "id": "date", "label": "Date", "isRequired": True,
         "errorMessage": "Choose the date of the session.", "value": shown["date"]},
        {"type": "Input.Time", "id": "time", "label": "Start time (UK)", "isRequired": True,
         "errorMessage": "Give the time it starts.", "value": shown["time"]},
        {"type": "Input.Number", "id": "duration", "label": "Duration (minutes)", "min": 15,
         "max": 480, "value": shown["duration"]},
        {"type": "Input.Number", "id": "capacity", "label": "Capacity", "min": 1, "max": 500,
         "value": shown["capacity"]},
    ]  # fmt: skip
    if meeting_made_by_bot:
        body.append(
            text(
                "Online: the Teams meeting was made by the bot. A new time moves it, and its "
                "join link stays the same.",
                isSubtle=True,
            )
        )
    else:
        body += delivery_inputs(
            shown["mode"], shown["join_url"], shown["location"], meeting_by_graph=meeting_by_graph
        )
    body.append(
        {
            "type": "Input.Text",
            "id": "audience",
            "label": "Intended audience",
            "value": shown["audience"],
        }
    )
    body.append(
        {
            "type": "Input.Text",
            "id": "facilitators",
            "label": "Facilitators (emails, separated by commas: they take the register)",
            "value": shown["facilitators"],
        }
    )
    save = execute(
        "Save and tell people",
        "save_session",
        style="positive",
        session_id=session.id,
        seen=edit_mark(session),
    )
    # One button: Teams sends every input with every button, and only Save takes them.
    return card(body, [save])


Change = tuple[str, str, str]  # what changed, as it was, as it is now


def _changes(before: SessionSummary, after: SessionSummary, zone: ZoneInfo) -> list[Change]:
    rows = [
        ("When", when(before, zone), when(after, zone)),
        ("Where", where(before), where(after)),
        ("Join link", before.join_url or "-", after.join_url or "-"),
        ("For", before.audience or "-", after.audience or "-"),
        ("Seats", str(before.capacity), str(after.capacity)),
    ]
    return [row for row in rows if row[1] != row[2]]


def _side_by_side(rows: list[Change]) -> Element:
    """Old and new in two columns, a row per thing that changed."""

    def column(title: str, values: list[str], bold: bool = False) -> Element:
        items = [text(title, weight="Bolder", spacing="None")]
        items += [text(value, spacing="Small", weight="Bolder" if bold else "Default")
                  for value in values]  # fmt: skip
        return {"type": "Column", "width": "stretch", "items": items}

    return {
        "type": "ColumnSet",
        "columns": [
            {**column("Changed", [r[0] for r in rows]), "width": "auto"},
            column("Was", [r[1] for r in rows]),
            column("Now", [r[2] for r in rows], bold=True),
        ],
    }


WHAT_IT_MEANS = {
    "booked": "You're still booked: nothing to do unless you can no longer come.",
    "given_seat": "The session has more seats now, and one is yours. Cancel if you can't come.",
    "offered_seat": "The session has more seats now, and one is held for you: accept or decline "
    "it on the card that comes with this.",
}


def session_changed_notice(
    change: SessionChange, zone: ZoneInfo, status: str, position: int | None = None
) -> Card:
    """What someone booked or waiting is sent when a coordinator changes the session."""
    after = change.after
    meaning = WHAT_IT_MEANS.get(status) or f"You're number {position} on the waiting list."
    body: list[Element] = [
        heading(f"📅 {after.course_title} (#{after.id}) has changed"),
        _side_by_side(_changes(change.before, after, zone)),
        text(meaning),
    ]
    if status != "waitlisted" and after.online and after.join_url:
        body.append(text(link("Join the Teams meeting", after.join_url)))
    if change.before.starts_at != after.starts_at and status != "waitlisted":
        body.append(
            text(
                "Your calendar invitation moves too. The cancellation cut-off follows the new "
                "time.",
                isSubtle=True,
            )
        )
    body.append(text("Type 'my bookings' to see or cancel your bookings.", isSubtle=True))
    return card(body)


def session_saved_card(change: SessionChange, zone: ZoneInfo) -> Card:
    """The coordinator's answer after saving."""
    after = change.after
    rows = _changes(change.before, after, zone)
    body: list[Element] = [heading(f"✅ Session #{after.id} changed")]
    if rows:
        body.append(_side_by_side(rows))
    else:
        body.append(text("Nothing was different, so nothing changed and nobody was told."))
    given = change.given_seats
    if given:
        names = ", ".join(p.display_name for p in given)
        body.append(text(f"Given seats from the waiting list, in order: {names}."))
    offered = change.offered_seats
    if offered:
        names = ", ".join(p.display_name for p in offered)
        body.append(text(f"Seats offered to the people waiting, in order: {names}."))
    if change.people_to_tell:
        body.append(text(f"{len(change.people_to_tell)} people booked or waiting are being told."))
    return card(body, [roster_button(after.id)])


def message_form_card(session: SessionSummary, zone: ZoneInfo, error: str = "") -> Card:
    """Write a message to the people on a session."""
    body: list[Element] = [
        heading(f"Message the people on {session.course_title} (#{session.id})"),
        text(when(session, zone), isSubtle=True),
    ]
    if error:
        body.append(text(f"⚠️ {error}", color="Attention"))
    body.append(
        {
            "type": "Input.Text",
            "id": "message",
            "label": "Message",
            "isMultiline": True,
            "maxLength": 1000,
            "isRequired": True,
            "errorMessage": "Write the message first.",
        }
    )
    return card(body, [execute("Preview", "message_session", session_id=session.id)])


def message_preview_card(
    found: MessageAudience, message: str, zone: ZoneInfo, sender: str, draft: str
) -> Card:
    """The message as people will see it, whom it goes to, and Send."""
    session = found.session
    body: list[Element] = [
        heading("Preview"),
        {
            "type": "Container",
            "style": "emphasis",
            "items": session_message_card(session, message, zone, sender)["body"],
        },
        text(f"Goes to the {len(found.booked)} people booked.", weight="Bolder"),
    ]
    if found.waiting:
        body.append(
            {
                "type": "Input.Toggle",
                "id": "include_waiting",
                "title": f"Also send it to the {len(found.waiting)} people waiting",
                "value": "false",
                "valueOn": "true",
                "valueOff": "false",
            }
        )
    send = execute(
        "Send",
        "send_session_message",
        style="positive",
        session_id=session.id,
        message=message,
        draft=draft,
    )
    body.append(text("To change it, type the command again.", isSubtle=True))
    return card(body, [send])


def session_message_card(
    session: SessionSummary, message: str, zone: ZoneInfo, sender: str
) -> Card:
    """What the people booked (and waiting) receive."""
    return card(
        [
            heading(f"✉️ About {session.course_title} (#{session.id})"),
            facts([("When", when(session, zone)), ("Where", where(session)), ("From", sender)]),
            text(message),
        ]
    )


def message_sent_card(session: SessionSummary, count: int, repeated: bool = False) -> Card:
    said = "was already sent" if repeated else "is on its way"
    return card(
        [heading(f"✉️ Your message about session #{session.id} {said} to {count} people")],
        [roster_button(session.id)],
    )


def facilitators_text(found: FacilitatorList) -> str:
    """Who runs the session, and the names from before that still need an email."""
    session = found.session
    lines = [found.note] if found.note else []
    title = f"{session.course_title} (#{session.id})"
    if found.people:
        named = ", ".join(f"{p.display_name} ({p.email or 'no email'})" for p in found.people)
        lines.append(f"Facilitators of {title}: {named}.")
    else:
        lines.append(f"No facilitators are named on {title}.")
    if found.to_fix:
        lines.append(
            f"Named by name only, so they cannot take the register: {'; '.join(found.to_fix)}. "
            f"Name each by email with 'facilitators {session.id} add <email>', then "
            f"'facilitators {session.id} remove <name>'."
        )
    return "\n\n".join(lines)
