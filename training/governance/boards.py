"""The governance calendar: boards, who leads each, and recording an update as delivered."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.errors import AmbiguousBoard, InvalidBoardDetails, NotTheBoardLead, UnknownBoard
from training.governance.reminders import MONTHS, BoardPlan, add_months, next_due_after
from training.models import (
    Board,
    BoardFrequency,
    BoardKind,
    BoardLead,
    BoardUpdate,
    HandledRequest,
    OutboxMessage,
    OutboxState,
    Staff,
)
from training.people.staff import is_email_address, person_named_by_email
from training.sessions.queries import person
from training.views import Person


@dataclass(frozen=True)
class BoardView:
    id: int
    name: str
    focus: str
    kind: str
    frequency: str
    last_update_on: date | None
    next_due_on: date | None
    leads: tuple[Person, ...]
    # Leads named by an address the bot has not met yet: linked when they first message it.
    unseen_leads: tuple[str, ...] = ()

    @property
    def to_be_confirmed(self) -> bool:
        return self.next_due_on is None


@dataclass(frozen=True)
class BoardDetails:
    """What a coordinator fills in to add or change a board. Leads are email addresses."""

    name: str
    focus: str = ""
    kind: str = BoardKind.BOARD
    frequency: str = BoardFrequency.ANNUAL
    next_due_on: date | None = None
    last_update_on: date | None = None
    lead_emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeliveredUpdate:
    board: BoardView
    was_due_on: date | None
    repeated: bool = False


def _leads(db: DbSession, board_ids: list[int]) -> dict[int, list[Staff]]:
    found: dict[int, list[Staff]] = {board_id: [] for board_id in board_ids}
    if not board_ids:
        return found
    rows = db.exec(
        select(BoardLead, Staff)
        .join(Staff, col(Staff.id) == col(BoardLead.staff_id))
        .where(col(BoardLead.board_id).in_(board_ids))
        .order_by(col(Staff.display_name))
    ).all()
    for lead, staff in rows:
        found[lead.board_id].append(staff)
    return found


def _view(board: Board, leads: list[Staff]) -> BoardView:
    assert board.id is not None
    return BoardView(
        id=board.id,
        name=board.name,
        focus=board.focus,
        kind=board.kind,
        frequency=board.frequency,
        last_update_on=board.last_update_on,
        next_due_on=board.next_due_on,
        leads=tuple(person(s) for s in leads),
        unseen_leads=tuple(s.email for s in leads if s.aad_object_id is None and s.email),
    )


def list_boards(db: DbSession) -> list[BoardView]:
    """Every board, soonest due first; those still to be confirmed last."""
    boards = db.exec(select(Board)).all()
    leads = _leads(db, [b.id for b in boards if b.id is not None])
    ordered = sorted(boards, key=lambda b: (b.next_due_on is None, b.next_due_on, b.name))
    return [_view(b, leads[b.id]) for b in ordered if b.id is not None]


def board_plans(db: DbSession) -> list[BoardPlan]:
    return [
        BoardPlan(
            id=b.id,
            name=b.name,
            focus=b.focus,
            kind=b.kind,
            frequency=b.frequency,
            next_due_on=b.next_due_on,
            last_update_on=b.last_update_on,
            lead_ids=tuple(p.staff_id for p in b.leads),
        )
        for b in list_boards(db)
    ]


def board_view(db: DbSession, board_id: int) -> BoardView:
    board = db.get(Board, board_id)
    if board is None or board.id is None:
        raise UnknownBoard(board_id)
    return _view(board, _leads(db, [board.id])[board.id])


def find_board(db: DbSession, wanted: str, led_by: int | None = None) -> BoardView:
    """The board someone means by its name or a few words of it (case does not matter).

    `led_by`: look only among the boards that person leads, and refuse anything else with one
    sentence, so a name they may not see is neither confirmed nor listed."""
    words = wanted.strip().lower().split()
    if not words:
        raise UnknownBoard(wanted)
    boards = list_boards(db)
    if led_by is not None:
        boards = [b for b in boards if any(lead.staff_id == led_by for lead in b.leads)]
        if not any(all(w in b.name.lower() for w in words) for b in boards):
            raise NotTheBoardLead()
    exact = [b for b in boards if b.name.lower() == " ".join(words)]
    fits = exact or [b for b in boards if all(w in b.name.lower() for w in words)]
    if not fits:
        raise UnknownBoard(wanted.strip())
    if len(fits) > 1:
        raise AmbiguousBoard(wanted.strip(), [b.name for b in fits])
    return fits[0]


def _validate(details: BoardDetails) -> None:
    if not details.name.strip():
        raise InvalidBoardDetails("The board needs a name.")
    if len(details.name.strip()) > 200 or len(details.focus) > 500:
        raise InvalidBoardDetails("The name must be at most 200 characters, the focus 500.")
    if details.kind not in set(BoardKind):
        raise InvalidBoardDetails("Choose whether it is a board, a meeting or a briefing.")
    if details.frequency not in set(BoardFrequency):
        raise InvalidBoardDetails(
            "The frequency must be quarterly, twice a year, annual or to be confirmed."
        )
    for email in details.lead_emails:
        if len(email) > 320 or not is_email_address(email):
            raise InvalidBoardDetails(
                f"'{email[:80]}' is not an email address: leads are named like "
                "jo.bloggs@barnet.gov.uk, separated by commas."
            )
    if len(details.lead_emails) > 20:
        raise InvalidBoardDetails("A board can have at most 20 leads.")


def _lead_ids(db: DbSession, emails: tuple[str, ...], now: datetime) -> list[int]:
    """Staff for each email; someone not seen yet is added, and linked when they first chat."""
    ids = []
    for raw in emails:
        staff = person_named_by_email(db, raw, now)
        assert staff.id is not None
        ids.append(staff.id)
    return list(dict.fromkeys(ids))


def save_board(
    db: DbSession,
    details: BoardDetails,
    now: datetime,
    *,
    board_id: int | None = None,
    actor_staff_id: int | None = None,
) -> BoardView:
    """Add a board (no `board_id`) or change one, with its leads; audited."""
    _validate(details)
    name = details.name.strip()
    clash = db.exec(select(Board).where(Board.name == name)).first()
    if clash is not None and clash.id != board_id:
        raise InvalidBoardDetails(f"There is already a board called '{name}'.")
    if board_id is None:
        board = Board(name=name, frequency=details.frequency, created_at=now, updated_at=now)
    else:
        found = db.get(Board, board_id)
        if found is None:
            raise UnknownBoard(board_id)
        board = found
    board.name = name
    board.focus = details.focus.strip()
    board.kind = details.kind
    board.frequency = details.frequency
    board.next_due_on = details.next_due_on
    board.last_update_on = details.last_update_on
    board.updated_at = now
    db.add(board)
    db.flush()
    assert board.id is not None
    for old in db.exec(select(BoardLead).where(BoardLead.board_id == board.id)).all():
        db.delete(old)
    db.flush()
    for staff_id in _lead_ids(db, details.lead_emails, now):
        db.add(BoardLead(board_id=board.id, staff_id=staff_id))
    due = details.next_due_on.isoformat() if details.next_due_on else "tbc"
    audit.record(
        db,
        actor_staff_id,
        "board.create" if board_id is None else "board.change",
        now,
        subject=f"board {board.id}",
        detail=f"{name}; {details.frequency}; next {due}; leads {len(details.lead_emails)}",
    )
    db.flush()
    return board_view(db, board.id)


def _next_due(was_due: date | None, delivered_on: date, frequency: str) -> date | None:
    """The board's own cycle goes on from the date the update was due (so an early or late
    update doesn't move the board's calendar), to the first date after the delivery."""
    months = MONTHS.get(BoardFrequency(frequency))
    if was_due is None or not months:
        return next_due_after(delivered_on, frequency)
    if delivered_on < add_months(was_due, -months):
        return was_due  # this cycle's update was already recorded: the next one is still due
    following = add_months(was_due, months)
    while following <= delivered_on:
        following = add_months(following, months)
    return following


def record_update_delivered(
    db: DbSession,
    board_id: int,
    delivered_on: date,
    now: datetime,
    *,
    actor_staff_id: int | None = None,
    request_key: str | None = None,
) -> DeliveredUpdate:
    """Record the update and roll the next due date on by the board's frequency.

    Reminders still waiting for the old date are cancelled; a redelivered request changes nothing.
    """
    board = db.exec(select(Board).where(Board.id == board_id).with_for_update()).first()
    if board is None or board.id is None:
        raise UnknownBoard(board_id)
    if request_key is not None:
        if db.get(HandledRequest, request_key) is not None:
            return DeliveredUpdate(board_view(db, board.id), board.next_due_on, repeated=True)
        db.add(HandledRequest(key=request_key, handled_at=now))
    was_due = board.next_due_on
    db.add(
        BoardUpdate(
            board_id=board.id,
            delivered_on=delivered_on,
            was_due_on=was_due,
            recorded_by_staff_id=actor_staff_id,
            recorded_at=now,
        )
    )
    board.last_update_on = delivered_on
    board.next_due_on = _next_due(was_due, delivered_on, board.frequency)
    board.updated_at = now
    db.add(board)
    waiting = db.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.key).startswith(f"board:{board.id}:"),
            OutboxMessage.state == OutboxState.PENDING,
        )
    ).all()
    for message in waiting:
        message.state = OutboxState.CANCELLED
        message.last_error = "the update was delivered"
        db.add(message)
    audit.record(
        db,
        actor_staff_id,
        "board.delivered",
        now,
        subject=f"board {board.id}",
        detail=f"delivered {delivered_on.isoformat()}; was due {was_due}; "
        f"next {board.next_due_on or 'to be confirmed'}",
    )
    db.flush()
    return DeliveredUpdate(board_view(db, board.id), was_due)
