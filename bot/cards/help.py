"""What the bot can do, for staff and for coordinators."""

from bot.cards.elements import Card, card, execute, heading, text

STAFF_COMMANDS = [
    ("sessions", "upcoming sessions with seats left; add a course or month: 'sessions wrap march'"),
    ("book 12", "book a seat on session 12 (or press Book on a card)"),
    ("wait 12", "join the waiting list for a full session 12"),
    ("my bookings", "your bookings, with buttons to cancel"),
    ("cancel 12", "cancel your booking on session 12"),
    ("feedback 12", "give (or change) your feedback on session 12 after it"),
]
COORDINATOR_COMMANDS = [
    ("new session", "put a session on, with a form"),
    ("roster 12", "who is booked on and waiting for session 12"),
    ("cancel session 12 reason", "call session 12 off; everyone booked is told"),
    ("totals 2020-21", "figures for a period, team or course: 'totals WRAP by team this quarter'"),
    ("how many trained in Adults MASH last year", "the same, asked in words"),
    ("report 2020-21", "the training section of the Prevent update, as Word or Markdown"),
    ("feedback summary 12", "feedback on session 12; or for a period: 'feedback summary 2020-21'"),
]


def help_card(is_coordinator: bool, note: str = "") -> Card:
    body = [heading("Prevent training bot")]
    if note:
        body.append(text(note, color="Attention"))
    body.append(text("Type one of these:"))
    body += [text(f"**{cmd}**: {what}") for cmd, what in STAFF_COMMANDS]
    actions = [execute("Show sessions", "list_sessions"), execute("My bookings", "my_bookings")]
    if is_coordinator:
        body.append(text("For coordinators:", weight="Bolder", spacing="Medium"))
        body += [text(f"**{cmd}**: {what}") for cmd, what in COORDINATOR_COMMANDS]
        actions.append(execute("New session", "new_session_form"))
    return card(body, actions)
