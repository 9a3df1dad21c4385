"""What the bot can do, for staff and for coordinators."""

from bot.cards.elements import Card, bold, card, execute, heading, markdown, text
from bot.cards.reminders import boards_button

STAFF_COMMANDS = [
    ("sessions", "upcoming sessions with seats left; add a course or month: 'sessions wrap march'"),
    ("book 12", "book a seat on session 12 (or press Book on a card)"),
    ("wait 12", "join the waiting list for a full session 12"),
    ("my bookings", "your bookings, with buttons to cancel"),
    ("cancel 12", "cancel your booking on session 12"),
    ("accept 12, decline 12", "answer a seat held for you on session 12 (or press its buttons)"),
    ("my training", "what you've completed, and when a refresher is due"),
    (
        "record e-learning",
        "send your Home Office e-learning certificate for your manager to confirm",
    ),
    ("feedback 12", "give (or change) your feedback on session 12 after it"),
    ("boards", "board leads: the boards you lead ('board update delivered adults' once presented)"),
]
COORDINATOR_COMMANDS = [
    ("new session", "put a session on, with a form"),
    ("roster 12", "who is booked on and waiting for session 12"),
    ("cancel session 12 reason", "call session 12 off; everyone booked is told"),
    ("edit session 12", "change its time, place or seats; bookings are kept and people told"),
    ("message session 12 text", "write to everyone booked (and, if you choose, waiting)"),
    ("sync attendance", "read Teams attendance for recent sessions ('sync attendance 12': one)"),
    ("session 12 attendance", "who attended session 12, for how long, and who completed"),
    ("unmatched", "attendees I couldn't match to staff: assign them or mark them as guests"),
    ("register 12", "take session 12's register by hand (in person), or correct Teams' result"),
    ("pending confirmations", "e-learning waiting for managers, with a button to chase"),
    ("audit log", "who did or looked at what, and when"),
    ("boards", "the governance calendar: next dates and who leads each board"),
    ("board update delivered adult safeguarding", "record an update; the next date rolls on"),
    ("new board, edit board health", "add a board, or change its date, frequency or leads"),
    ("reminders", "what the bot will send in the next 14 days"),
    ("failed deliveries", "messages Teams would not take, with a button to try again"),
    ("totals 2020-21", "figures for a period, team or course: 'totals WRAP by team this quarter'"),
    ("how many trained in Adults MASH last year", "the same, asked in words"),
    ("report 2020-21", "the training section of the Prevent update, as Word or Markdown"),
    ("feedback summary 12", "feedback on session 12; or for a period: 'feedback summary 2020-21'"),
    ("team jo.bloggs@probation.gov.uk Probation Service", "set someone's team (partners too)"),
    ("import teams", "with a CSV of email,team attached: set many people's teams at once"),
    ("team map", "Entra departments and the teams they report as ('map Early Help to Adults')"),
    ("no team", "people with no team recorded, and how to give them one"),
]


def help_card(is_coordinator: bool, note: str = "") -> Card:
    body = [heading("Prevent training bot")]
    if note:
        body.append(text(note, color="Attention"))
    body.append(text("Type one of these:"))
    body += [text(markdown(bold(cmd), f": {what}")) for cmd, what in STAFF_COMMANDS]
    actions = [execute("Show sessions", "list_sessions"), execute("My bookings", "my_bookings")]
    if is_coordinator:
        body.append(text("For coordinators:", weight="Bolder", spacing="Medium"))
        body += [text(markdown(bold(cmd), f": {what}")) for cmd, what in COORDINATOR_COMMANDS]
        actions.append(execute("New session", "new_session_form"))
        actions.append(boards_button("Boards"))
    return card(body, actions)
