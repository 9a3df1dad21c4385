"""The card a reminder sends when it falls due. The reminder sweep draws it, no command does, so
it is named for what it draws; the boards feature borrows its icons for the reminders to come."""

from bot.cards.elements import Action, Card, card, facts, heading
from training.governance.reminders import Reminder

ICONS = {
    "board_due": "🗓️",
    "board_overdue": "⚠️",
    "board_tbc": "❓",
    "session_day_before": "⏰",
    "refresher": "🔁",
}


def reminder_card(reminder: Reminder) -> Card:
    """What a person receives when a reminder falls due."""
    body = [heading(f"{ICONS.get(reminder.kind, '🔔')} {reminder.headline}")]
    if reminder.details:
        body.append(facts(list(reminder.details)))
    actions: list[Action] = []
    if reminder.link:
        actions.append(
            {"type": "Action.OpenUrl", "title": "Join the meeting", "url": reminder.link}
        )
    return card(body, actions)
