"""What the bot can do, for staff and for coordinators."""

from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.cards.boards import boards_button
from bot.cards.booking import sessions_button
from bot.cards.elements import Action, Card, Markdown, bold, card, execute, heading, markdown, text

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
    (
        "facilitators 12, facilitators 12 add jo.bloggs@barnet.gov.uk",
        "who runs session 12, named by email ('remove' takes one off); they take its register",
    ),
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


# What the other roles may do beyond staff (coordinators see all of it above).
REPORTER_COMMANDS = [
    (cmd, what)
    for cmd, what in COORDINATOR_COMMANDS
    if cmd.startswith(("totals", "how many", "report"))
]
AUDITOR_COMMANDS = [(cmd, what) for cmd, what in COORDINATOR_COMMANDS if cmd == "audit log"]


def help_card(
    is_coordinator: bool, note: str = "", *, is_reporter: bool = False, is_auditor: bool = False
) -> Card:
    body = [heading("Prevent training bot")]
    if note:
        body.append(text(note, color="Attention"))
    body.append(text("Type one of these:"))
    body += [text(markdown(bold(cmd), f": {what}")) for cmd, what in STAFF_COMMANDS]
    actions = [sessions_button(), execute("My bookings", "my_bookings")]
    if is_coordinator:
        body.append(text("For coordinators:", weight="Bolder", spacing="Medium"))
        body += [text(markdown(bold(cmd), f": {what}")) for cmd, what in COORDINATOR_COMMANDS]
        actions.append(execute("New session", "new_session_form"))
        actions.append(boards_button("Boards"))
        return card(body, actions)
    for shown, title, role in (
        (is_reporter, "For reporting:", REPORTER_COMMANDS),
        (is_auditor, "For audit:", AUDITOR_COMMANDS),
    ):
        if shown:
            body.append(text(title, weight="Bolder", spacing="Medium"))
            body += [text(markdown(bold(cmd), f": {what}")) for cmd, what in role]
    return card(body, actions)


@dataclass(frozen=True)
class Suggestion:
    """A command offered when the bot did not understand: what to type, the words that make
    it close to what was said, and a button for it where one needs no number."""

    typed: str
    words: frozenset[str]
    button: Callable[[], Action] | None = None
    coordinators_only: bool = False


def _suggest(typed: str, words: str, button: Callable[[], Action] | None = None) -> Suggestion:
    return Suggestion(typed, frozenset(words.split()), button)


STAFF_SUGGESTIONS = [
    _suggest("sessions", "sessions session courses course dates list wrap", sessions_button),
    _suggest("book 12", "book booking seat place reserve join"),
    _suggest(
        "my bookings", "bookings booked mine cancel", lambda: execute("My bookings", "my_bookings")
    ),
    _suggest("cancel 12", "cancel unbook remove drop"),
    _suggest("wait 12", "wait waiting waitlist queue full"),
    _suggest(
        "my training",
        "training completed certificate refresher due record",
        lambda: execute("My training", "my_training"),
    ),
    _suggest("record e-learning", "e-learning elearning online home office certificate"),
    _suggest("feedback 12", "feedback comments survey rate"),
    _suggest("boards", "boards board governance update delivered"),
]
COORDINATOR_SUGGESTIONS = [
    Suggestion(s.typed, s.words, s.button, coordinators_only=True)
    for s in [
        _suggest(
            "new session",
            "new create add schedule",
            lambda: execute("New session", "new_session_form"),
        ),
        _suggest("roster 12", "roster attendees register who"),
        _suggest("totals this year", "totals figures numbers how many trained statistics stats"),
        _suggest("report 2026-27", "report prevent word"),
        _suggest("audit log", "audit log logs history"),
        _suggest("reminders", "reminders reminder upcoming"),
        _suggest("unmatched", "unmatched attendees guests match"),
        _suggest(
            "pending confirmations",
            "pending confirmations chase managers",
            lambda: execute("Pending confirmations", "pending_confirmations"),
        ),
        _suggest("sync attendance", "sync attendance attended teams"),
        _suggest("boards", "boards board governance", lambda: boards_button("Boards")),
    ]
]
FALLBACK = ("sessions", "my bookings", "my training")


def _closeness(said: list[str], suggestion: Suggestion) -> float:
    return max(
        (SequenceMatcher(None, word, known).ratio() for word in said for known in suggestion.words),
        default=0.0,
    )


def closest_commands(said: str, is_coordinator: bool, most: int = 3) -> list[Suggestion]:
    """The commands nearest what was said (a misspelling, a near word), nearest first; the
    everyday ones when nothing is near."""
    offered = STAFF_SUGGESTIONS + (COORDINATOR_SUGGESTIONS if is_coordinator else [])
    if not is_coordinator:
        offered = [s for s in offered if not s.coordinators_only]
    words = [word for word in said.lower().split() if len(word) >= 3]
    scored = [(_closeness(words, s), n, s) for n, s in enumerate(offered)]
    near = [s for score, _, s in sorted(scored, key=lambda t: (-t[0], t[1])) if score >= 0.75]
    chosen: list[Suggestion] = []
    for suggestion in near or [s for s in offered if s.typed in FALLBACK]:
        if suggestion.typed not in {c.typed for c in chosen}:
            chosen.append(suggestion)
    return chosen[:most]


def unknown_words_card(note: str, suggestions: list[Suggestion]) -> Card:
    """A short answer to words the bot does not know: what it did not get, the closest
    commands to type (with buttons where they need no number), and where to see the rest."""
    typed = [part for s in suggestions for part in (Markdown(", "), bold(s.typed))][1:]
    body = [
        text(note, color="Attention"),
        text(markdown("Closest: ", *typed, ". Type ", bold("help"), " for everything I can do.")),
    ]
    buttons = [s.button() for s in suggestions if s.button is not None]
    return card(body, buttons)
