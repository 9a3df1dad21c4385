"""The register card: everyone booked and waiting, each with a present/left early/absent
choice, someone who came without booking, and (online) the reason for changing Teams' result."""

from zoneinfo import ZoneInfo

from bot.cards.elements import (
    Action,
    Card,
    Element,
    bold,
    card,
    execute,
    facts,
    heading,
    local_date,
    text,
    when,
    where,
)
from training.attendance.register import TEAMS, Register, RegisterLine


def short(words: str, most: int) -> str:
    """A reason cut to fit a line (the whole of it is in the audit log)."""
    return words if len(words) <= most else words[: most - 1].rstrip() + "…"


CHOICES = [("Present", "present"), ("Left early", "left_early"), ("Absent", "absent")]
TEAMS_CHOICE = ("As Teams recorded", TEAMS)


def register_button(session_id: int) -> Action:
    """Take (or correct) the session's register: on the roster and the attendance sheet."""
    return execute("Register", "register", session_id=session_id)


def drawn_marks(lines: tuple[RegisterLine, ...]) -> str:
    """What the card shows for each person, carried by its buttons: a save applies only what
    was changed on the card, so it never undoes someone else's newer decision."""
    return ";".join(f"{line.key}={line.mark}" for line in lines)


def _status(line: RegisterLine, online: bool, zone: ZoneInfo) -> str:
    parts = [line.standing]
    if line.email and line.standing != "unmatched":
        parts.append(line.email)
    if online:
        if line.teams_seconds is None:
            parts.append("Teams: not in a report")
        else:
            done = "completed" if line.teams_completed else "not completed"
            parts.append(f"Teams: {line.teams_seconds // 60} min, {done}")
    if line.decided_by:
        at = f" {local_date(line.decided_at, zone)}" if line.decided_at else ""
        why = f" ({short(line.reason, 60)})" if line.reason else ""
        parts.append(f"register: {line.decided_by}{at}{why}")
    return " · ".join(parts)


def _person(line: RegisterLine, online: bool, zone: ZoneInfo, shown: str) -> Element:
    choices = [*CHOICES, TEAMS_CHOICE] if online else CHOICES
    choice: Element = {
        "type": "Input.ChoiceSet",
        "id": f"m_{line.key}",
        "style": "compact",
        "placeholder": "Not recorded",
        "choices": [{"title": title, "value": value} for title, value in choices],
    }
    if shown:
        choice["value"] = shown
    return {
        "type": "ColumnSet",
        "separator": True,
        "columns": [
            {
                "type": "Column",
                "width": "stretch",
                "items": [
                    text(bold(line.display_name)),
                    text(_status(line, online, zone), isSubtle=True, size="Small", spacing="None"),
                ],
            },
            {
                "type": "Column",
                "width": "auto",
                "verticalContentAlignment": "Center",
                "items": [choice],
            },
        ],
    }


def register_card(
    register: Register,
    zone: ZoneInfo,
    *,
    chosen: dict[str, str] | None = None,
    walk_in: str = "",
    reason: str = "",
) -> Card:
    """One page of the register. `chosen` (the changes a refused save asked for), `walk_in`
    and `reason` put back what was typed, so a refused save loses nothing."""
    session, online = register.session, register.session.online
    body: list[Element] = [
        heading(f"Register: {session.course_title} (#{session.id})"),
        facts(
            [
                ("When", when(session, zone)),
                ("Where", where(session)),
                (
                    "Recorded",
                    f"{register.people} on the register: {register.attended} came "
                    f"({register.completed} completed), {register.absent} absent, "
                    f"{register.not_recorded} not recorded",
                ),
            ]
        ),
    ]
    if register.note:
        body.append(text(f"✅ {register.note}", color="Good"))
    body += [text(f"⚠️ {problem}", color="Attention") for problem in register.problems]
    if online:
        body.append(
            text(
                "Each result is Teams' unless you change it here. A change needs a reason, "
                "and a later Teams sync never overwrites it.",
                isSubtle=True,
            )
        )
    else:
        body.append(
            text(
                "Present means completed; choose Left early for anyone who left before the end.",
                isSubtle=True,
            )
        )
        body.append(
            {
                "type": "Input.Toggle",
                "id": "everyone",
                "title": "Everyone booked was here (everyone booked not yet recorded is present)",
                "value": "false",
                "valueOn": "true",
                "valueOff": "false",
            }
        )
    if not register.lines:
        body.append(text("Nobody is booked or waiting. Add anyone who came below."))
    kept = chosen or {}
    for line in register.lines:
        body.append(_person(line, online, zone, kept.get(line.key, line.mark)))
    body.append(
        {
            "type": "Input.Text",
            "id": "walk_in",
            "label": "Came without booking: email or name, one a line",
            "isMultiline": True,
            "maxLength": 1000,
            "value": walk_in or register.left_over,
        }
    )
    body.append(
        {
            "type": "Input.Text",
            "id": "reason",
            "label": "Reason (needed to change Teams' result)" if online else "Note (optional)",
            "maxLength": 500,
            "value": reason,
        }
    )
    if register.pages > 1:
        body.append(text(f"Page {register.page} of {register.pages}", isSubtle=True))
    return card(body, _actions(register))


def _actions(register: Register) -> list[Action]:
    def save(title: str, page: int) -> Action:
        return execute(
            title,
            "register_save",
            session_id=register.session.id,
            page=page,
            on=register.page,
            drawn=drawn_marks(register.lines),
        )

    actions = [save("Save register", register.page)]
    if register.page > 1:
        actions.append(save("‹ Save, previous page", register.page - 1))
    if register.page < register.pages:
        actions.append(save("Save, next page ›", register.page + 1))
    return actions
