"""The demo data gives every command something to show, and loads only once."""

from sqlmodel import func, select

from config.settings import Settings
from training.booking import upcoming_sessions
from training.demo import load_demo_data
from training.models import Board, Completion, FeedbackResponse, Session, SessionAttendance


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_demo_data_has_a_past_a_future_and_a_calendar(database, clock):
    zone = Settings(_env_file=None).zone
    with database.unit_of_work() as db:
        assert load_demo_data(db, clock.now(), zone)
    with database.unit_of_work() as db:
        assert not load_demo_data(db, clock.now(), zone)
        assert len(upcoming_sessions(db, clock.now(), limit=50)) == 12
        assert _count(db, Session, Session.status == "delivered") == 4
        assert _count(db, Completion) == 11
        assert _count(db, FeedbackResponse) == 10
        assert _count(db, SessionAttendance, SessionAttendance.staff_id.is_(None)) == 1
        assert _count(db, Board) == 7
