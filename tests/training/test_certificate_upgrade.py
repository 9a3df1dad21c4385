"""Upgrading moves the certificates kept on one replica's disk (CERTIFICATE_DIR) into the
database, and downgrading writes them back there."""

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import select

from database import migrate
from database.engine import Database, make_engine
from tests.conftest import POSTGRES_URL, _tables
from tests.factories import add_course, add_staff
from training.models import ElearningClaim, StoredCertificate

BEFORE = "tenant_pace_shared_by_replicas"  # 0017, before certificates were in the database
PDF = b"%PDF-1.4\n% kept on a disk\n"
NAME = f"{hashlib.sha256(PDF).hexdigest()}.pdf"
LOST = f"{'0' * 64}.png"  # named by a claim, but gone from the disk already
NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def database_before(request, tmp_path, postgres_migrated):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        migrate.upgrade(url, BEFORE)
    else:
        url = postgres_migrated
        engine = make_engine(url)
        with engine.begin() as connection:  # rows other tests left
            connection.execute(text(f"TRUNCATE {', '.join(_tables())} RESTART IDENTITY CASCADE"))
        engine.dispose()
        migrate.downgrade(url, BEFORE)
    database = Database(url)
    yield database
    database.dispose()
    migrate.upgrade(url)


def test_upgrade_takes_certificates_off_the_disk_and_downgrade_puts_them_back(
    database_before, tmp_path, monkeypatch
):
    disk = tmp_path / "certificates"
    disk.mkdir()
    (disk / NAME).write_bytes(PDF)
    monkeypatch.setenv("CERTIFICATE_DIR", str(disk))
    with database_before.unit_of_work() as db:
        course = add_course(db, "HO-ELEARN", "Home Office online Prevent training")
        for n, name in enumerate((NAME, LOST)):
            person = add_staff(db, f"Person {n}", NOW)
            db.add(
                ElearningClaim(
                    staff_id=person.id,
                    course_id=course.id,
                    status="pending",
                    certificate_file=name,
                    claimed_at=NOW,
                    updated_at=NOW,
                )
            )

    migrate.upgrade(database_before.url)
    with database_before.unit_of_work() as db:
        stored = db.exec(select(StoredCertificate)).all()
        assert [(s.name, s.content, s.size) for s in stored] == [(NAME, PDF, len(PDF))]

    (disk / NAME).unlink()
    migrate.downgrade(database_before.url, BEFORE)
    assert (disk / NAME).read_bytes() == PDF
