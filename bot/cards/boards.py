"""Cards the boards feature draws: the governance calendar, board forms, the reminders coming up
and the deliveries that failed."""

from datetime import date
from typing import Any
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
    markdown,
    text,
)
from bot.cards.reminders import ICONS
from delivery.outbox import DeliveryProblem
from training.governance.boards import BoardView
from training.governance.due import UpcomingReminder
from training.governance.reminders import FREQUENCY_WORDS
from training.models import BoardFrequency, BoardKind

KIND_WORDS = {
    BoardKind.BOARD: "Board",
    BoardKind.MEETING: "Meeting",
    BoardKind.BRIEFING: "Briefing",
}
MAX_LINES = 40  # keeps a card well under Teams's size limit


def _day(day: date | None) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}" if day else "to be confirmed"


def boards_card(boards: list[BoardView], today: date, *, for_coordinator: bool) -> Card:
    """The governance calendar: each board, when its next update is due and who leads it.
    A board lead (not a coordinator) is shown only the button they may press: Update
    delivered."""
    if not boards:
        return card(
            [heading("Governance calendar"), text("No boards yet. Type 'new board' to add one.")],
            [execute("Add a board", "board_form")] if for_coordinator else [],
        )
    body: list[Element] = [heading("Governance calendar")]
    for board in boards:
        due = _day(board.next_due_on)
        if board.next_due_on and board.next_due_on < today and board.kind != BoardKind.MEETING:
            due += " (overdue)"
        leads = ", ".join(p.display_name for p in board.leads) or "the coordinators"
        pairs = [
            ("Next", due),
            ("Frequency", FREQUENCY_WORDS.get(BoardFrequency(board.frequency), board.frequency)),
            ("Members" if board.kind == BoardKind.MEETING else "Lead", leads),
            ("Last update", _day(board.last_update_on) if board.last_update_on else "none yet"),
        ]
        if board.focus:
            pairs.insert(0, ("Focus", board.focus))
        actions = [execute("Change", "board_form", board_id=board.id)] if for_coordinator else []
        if board.kind != BoardKind.MEETING:
            actions.insert(
                0,
                execute("Update delivered", "board_delivered", style="positive", board_id=board.id),
            )
        body.append(
            {
                "type": "Container",
                "separator": True,
                "spacing": "Medium",
                "items": [
                    text(
                        markdown(
                            bold(board.name),
                            f" ({KIND_WORDS.get(BoardKind(board.kind), board.kind)})",
                        )
                    ),
                    facts(pairs),
                    *([{"type": "ActionSet", "actions": actions}] if actions else []),
                ],
            }
        )
    if not for_coordinator:
        return card(body)
    return card(body, [execute("Add a board", "board_form"), execute("Reminders", "reminders")])


def _choice(title: str, value: str) -> dict[str, str]:
    return {"title": title, "value": value}


def board_form(
    board: BoardView | None, *, error: str = "", values: dict[str, Any] | None = None
) -> Card:
    """Add a board, or change one (its date, frequency, leads)."""
    values = values or {}

    def value(name: str, current: str) -> str:
        return str(values.get(name, current))

    body: list[Element] = [heading(f"Change {board.name}" if board else "Add a board")]
    if error:
        body.append(text(f"⚠️ {error}", color="Attention"))
    body += [
        {
            "type": "Input.Text",
            "id": "name",
            "label": "Name",
            "isRequired": True,
            "errorMessage": "Give the board a name.",
            "maxLength": 200,
            "value": value("name", board.name if board else ""),
        },
        {
            "type": "Input.Text",
            "id": "focus",
            "label": "Focus",
            "maxLength": 500,
            "value": value("focus", board.focus if board else ""),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "kind",
            "label": "Kind",
            "value": value("kind", board.kind if board else BoardKind.BOARD),
            "choices": [
                _choice("A board the lead updates", BoardKind.BOARD),
                _choice("A meeting its members attend", BoardKind.MEETING),
                _choice("A briefing the coordinator gives", BoardKind.BRIEFING),
            ],
        },
        {
            "type": "Input.ChoiceSet",
            "id": "frequency",
            "label": "Frequency",
            "value": value("frequency", board.frequency if board else BoardFrequency.ANNUAL),
            "choices": [
                _choice("Quarterly", BoardFrequency.QUARTERLY),
                _choice("Twice a year", BoardFrequency.BIANNUAL),
                _choice("Annually", BoardFrequency.ANNUAL),
                _choice("To be confirmed each time", BoardFrequency.TBC),
            ],
        },
        {
            "type": "Input.Date",
            "id": "next_due",
            "label": "Next date (leave empty if to be confirmed)",
            "value": value(
                "next_due", board.next_due_on.isoformat() if board and board.next_due_on else ""
            ),
        },
        {
            "type": "Input.Date",
            "id": "last_update",
            "label": "Last update",
            "value": value(
                "last_update",
                board.last_update_on.isoformat() if board and board.last_update_on else "",
            ),
        },
        {
            "type": "Input.Text",
            "id": "leads",
            "label": "Leads or members (email addresses, separated by commas)",
            "maxLength": 2000,
            "value": value("leads", ", ".join(p.email or "" for p in board.leads) if board else ""),
        },
    ]
    data = {"board_id": board.id} if board else {}
    return card(body, [execute("Save", "save_board", style="positive", **data)])


def boards_button(title: str = "Show all boards") -> Action:
    return execute(title, "list_boards")


def board_saved_card(board: BoardView, created: bool) -> Card:
    leads = ", ".join(p.display_name for p in board.leads) or "the coordinators"
    return card(
        [
            heading(f"✅ {board.name} {'added' if created else 'saved'}"),
            facts([("Next", _day(board.next_due_on)), ("Lead", leads)]),
            *[
                text(f"I don't know {email} yet: they will be linked when they first message me.")
                for email in board.unseen_leads
            ],
        ],
        [boards_button()],
    )


def update_delivered_card(board: BoardView, was_due: date | None) -> Card:
    return card(
        [
            heading(f"✅ Update to {board.name} recorded"),
            facts(
                [
                    ("Delivered", _day(board.last_update_on)),
                    ("Was due", _day(was_due)),
                    ("Next due", _day(board.next_due_on)),
                ]
            ),
        ],
        [boards_button()],
    )


def upcoming_reminders_card(upcoming: list[UpcomingReminder], zone: ZoneInfo, days: int) -> Card:
    """What the bot will send in the next `days` days, soonest first."""
    body: list[Element] = [heading(f"Reminders in the next {days} days")]
    if not upcoming:
        body.append(text("Nothing is due to be sent."))
    for item in upcoming[:MAX_LINES]:
        r = item.reminder
        body.append(
            text(
                markdown(
                    bold(local_date(r.due_at, zone)),
                    f" {ICONS.get(r.kind, '🔔')} {r.headline} → {item.recipient}",
                ),
                spacing="Small",
            )
        )
    if len(upcoming) > MAX_LINES:
        body.append(text(f"…and {len(upcoming) - MAX_LINES} more.", isSubtle=True))
    return card(body)


def failed_deliveries_card(problems: list[DeliveryProblem], zone: ZoneInfo) -> Card:
    """Messages Teams would not take, or that had nobody to go to; each can be tried again."""
    body: list[Element] = [heading("Failed deliveries")]
    if not problems:
        body.append(text("Every message has been delivered. 🎉"))
    for problem in problems[:MAX_LINES]:
        why = (
            "blocked or removed the app"
            if problem.state == "blocked"
            else f"failed after {problem.attempts} tries"
        )
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    text(markdown(bold(problem.person.display_name), f": {problem.summary}")),
                    text(
                        f"{why}; {problem.last_error} "
                        f"(written {local_date(problem.created_at, zone)})",
                        isSubtle=True,
                        spacing="None",
                    ),
                    {
                        "type": "ActionSet",
                        "actions": [execute("Try again", "retry_delivery", outbox_id=problem.id)],
                    },
                ],
            }
        )
    return card(body)
