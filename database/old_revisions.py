"""The revision ids the migrations had before they were renumbered, and the step that moves a
database stamped with one onto the id it has now.

Until issue 18 a migration's id was its four-digit number, and the numbers had stopped following
the chain (0013 and 0019 ran before 0011). Now the number in a file's name only orders the files,
and the id is the rest of the name, the slug. No old id is a new id or the start of one, and that
matters: Alembic takes an id it does not know for the start of one it does, so had the new ids
begun with their numbers, a stamp of "0013" (calendar events) would have passed for the new 0013
(last-seen times), and the upgrade would have skipped the two migrations between them. Without
this step an old stamp stops the upgrade ("no such revision") rather than misleading it. An id
stays the same when its file is renumbered, so this map never grows.
"""

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    inspect,
    text,
)

OLD_REVISIONS: dict[str, str] = {  # in the order they run
    "0001": "bookings_foundation",
    "0002": "completions_and_audit_log",
    "0003": "attendance_sync_report_copies_and_e_learning_claims",
    "0004": "governance_calendar_and_outbox",
    "0005": "feedback_and_totals",
    "0006": "calendar_sync_of_teams_events",
    "0007": "completions_by_session_index",
    "0008": "one_staff_record_per_person_normalised_emails_and_object_ids",
    "0009": "attendance_rows_know_facilitators_and_guests",
    "0010": "teams_for_everyone_a_department_to_reporting_team_map",
    "0013": "calendar_events_move_with_their_session",
    "0019": "a_booking_can_be_undone_for_a_while",
    "0011": "last_seen_times_and_managers_people_name",
    "0014": "seat_offers_close_to_a_session",
    "0012": "the_register_decisions_on_attendance_rows",
    "0020": "a_new_session_form_is_used_once",
    "0017": "tenant_pace_shared_by_replicas",
    "0015": "certificates_kept_in_the_database",
    "0018": "files_to_download_by_link",
}

# Alembic's own table, but with room for a slug: Alembic makes version_num 32 characters long,
# and PostgreSQL holds a string to its length (SQLite does not).
VERSION_NUM_LENGTH = 255
version_table = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(VERSION_NUM_LENGTH), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def restamp(connection: Connection) -> None:
    """Before Alembic reads the version, in the upgrade's own transaction and turn (the caller
    holds the advisory lock or the lock file): make room for a slug and replace an old id."""
    version_table.create(connection, checkfirst=True)
    if connection.dialect.name == "postgresql":
        (column,) = inspect(connection).get_columns(version_table.name)
        if getattr(column["type"], "length", None) != VERSION_NUM_LENGTH:
            connection.execute(
                text(
                    f"ALTER TABLE {version_table.name} ALTER COLUMN version_num"
                    f" TYPE VARCHAR({VERSION_NUM_LENGTH})"
                )
            )
    stamped = connection.execute(version_table.select()).scalars().all()
    for old in stamped:
        if old in OLD_REVISIONS:
            connection.execute(
                version_table.update()
                .where(version_table.c.version_num == old)
                .values(version_num=OLD_REVISIONS[old])
            )
