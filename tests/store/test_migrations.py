"""Schema migrations on SQLite and PostgreSQL: every way to reach the newest revision ends with the models' schema.

Fresh databases, databases at revision 0001 holding rows, databases an old ``create_all`` made (in full or in
part), and several processes starting at once must all end identical, keep their rows, and agree with the models
(Alembic's own autogenerate comparison finds nothing to change).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata, produce_migrations, render_python_code
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.engines.local.tables import LocalConversation, LocalJob
from bot.store import schema
from bot.store.channels import ChannelStore
from bot.store.db import Base, Database
from bot.store.jobs import JobStore
from bot.store.schema import alembic_config, head_revision, prepare
from bot.store.tables import ChannelSettings, ConversationRecord, Job
from tests.pg import fresh_database

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
LOCAL_TABLES = ("local_conversations", "local_jobs")


@pytest.fixture(params=["sqlite", "postgres"])
def new_database(request, tmp_path) -> Callable[[], Database]:
    """Makes empty databases (as many as a test asks for) of one kind; all are disposed of afterwards."""
    made: list[Database] = []
    with contextlib.ExitStack() as stack:

        def make() -> Database:
            if request.param == "sqlite":
                url = f"sqlite:///{tmp_path / f'db{len(made)}.sqlite3'}"
            else:
                url = stack.enter_context(fresh_database(request.getfixturevalue("postgres_server")))
            made.append(Database(url))
            return made[-1]

        yield make
        for database in made:
            database.dispose()


def revision_0001() -> sa.MetaData:
    """The frozen pre-Alembic schema, as revision 0001 defines it."""
    return ScriptDirectory.from_config(alembic_config()).get_revision("0001").module.schema()


def upgrade_to(database: Database, revision: str) -> None:
    with database.engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def version(database: Database) -> str | None:
    return schema.current_revision(database)


def schema_of(database: Database) -> dict:
    """Everything the inspector tells about the app's tables, in a form that compares equal when they match."""
    inspector = sa.inspect(database.engine)
    found = {}
    # The hand-made full-text index (FTS5 tables, an expression index) is no model's; test_search covers it.
    tables = {t for t in inspector.get_table_names() if not t.startswith(schema.FULL_TEXT_OBJECTS)}
    for table in sorted(tables - {"alembic_version"}):
        columns = {
            c["name"]: (str(c["type"]), c["nullable"], c.get("default"), c.get("autoincrement") is True)
            for c in inspector.get_columns(table)
        }
        found[table] = {
            "columns": columns,
            "primary_key": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
                if not i["name"].startswith(schema.FULL_TEXT_OBJECTS)
            ),
            "unique": sorted(
                (u["name"] or "", tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return found


def differences_from_models(database: Database) -> list:
    with database.engine.connect() as conn:
        opts = {"compare_type": True, "include_object": schema.include_object}
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, Base.metadata)


def write_old_rows(database: Database) -> None:
    """A job, its conversation, a channel's settings and an offline-engine job, as the app wrote them at 0001."""
    tables = revision_0001().tables
    with database.engine.begin() as conn:
        conn.execute(
            tables["jobs"].insert(),
            {
                "id": "job-1",
                "idempotency_key": "T1:C1:1700000000.000100:F1",
                "team_id": "T1",
                "channel_id": "C1",
                "origin": "file",
                "status_ts": "1700000000.000200",
                "stage": "done",
                "engine": "local",
                "conversation_id": "conv-1",
                "insights_json": '{"action_items": []}',
                "result_posted": True,
                "transcript_uploaded": True,
                "attempts": 0,
                "poll_interval": 5.0,
                "next_run_at": T0,
                "created_at": T0,
                "updated_at": T0,
                "finished_at": T0,
            },
        )
        conn.execute(
            tables["conversations"].insert(),
            {
                "team_id": "T1",
                "conversation_id": "conv-1",
                "channel_id": "C1",
                "thread_ts": "1700000000.000100",
                "name": "Standup",
                "engine": "local",
                "created_at": T0,
            },
        )
        conn.execute(
            tables["channel_settings"].insert(),
            {"team_id": "T1", "channel_id": "C1", "auto_process": False, "updated_at": T0},
        )
        conn.execute(
            tables["local_conversations"].insert(),
            {
                "id": "conv-1",
                "name": "Standup",
                "created_at": T0,
                "meeting_start": T0,
                "media_seconds": 61.5,
                "updated_at": T0,
            },
        )
        conn.execute(
            tables["local_jobs"].insert(),
            {
                "id": "ljob-1",
                "conversation_id": "conv-1",
                "seq": 0,
                "kind": "audio",
                "options_json": "{}",
                "status": "completed",
                "attempts": 1,
                "created_at": T0,
            },
        )


def assert_old_rows_kept(database: Database) -> None:
    with database.session(writes=False) as s:
        job = s.get(Job, "job-1")
        assert (job.idempotency_key, job.stage, job.status_ts, job.result_posted) == (
            "T1:C1:1700000000.000100:F1",
            "done",
            "1700000000.000200",
            True,
        )
        assert job.next_run_at == T0
        assert job.next_run_at.tzinfo is not None
        conversation = s.get(ConversationRecord, ("T1", "conv-1"))
        assert (conversation.name, conversation.thread_ts, conversation.permalink) == (
            "Standup",
            "1700000000.000100",
            None,
        )
        settings = s.get(ChannelSettings, ("T1", "C1"))
        assert settings.auto_process is False
        assert settings.digest_always is False
        assert (settings.digest_cadence, settings.digest_hour, settings.digest_tz) == (None, None, None)
        assert s.get(LocalConversation, "conv-1").media_seconds == 61.5
        assert s.get(LocalJob, "ljob-1").status == "completed"
    # The repositories work on the old rows, and the new columns take writes.
    channels = ChannelStore(database)
    assert channels.config("T1", "C1").digest is None
    assert not channels.auto_process("T1", "C1")
    assert JobStore(database).with_notes_message("T1", "C1", "1700000000.000200").id == "job-1"


def test_a_fresh_database_and_one_upgraded_from_0001_with_rows_end_identical_to_the_models(new_database):
    fresh, old, created = new_database(), new_database(), new_database()
    prepare(fresh)
    upgrade_to(old, "0001")
    write_old_rows(old)
    prepare(old)
    Base.metadata.create_all(created.engine)  # what the models alone make

    assert version(fresh) == version(old) == head_revision()
    assert schema_of(fresh) == schema_of(old) == schema_of(created)
    assert set(schema_of(fresh)) == set(Base.metadata.tables)
    assert differences_from_models(fresh) == []
    assert differences_from_models(old) == []


def test_rows_written_at_0001_survive_the_upgrade_with_defaults_for_new_columns(new_database):
    database = new_database()
    upgrade_to(database, "0001")
    write_old_rows(database)
    prepare(database)
    assert_old_rows_kept(database)


def test_revision_0001_is_what_the_pre_alembic_create_all_made(new_database):
    database = new_database()
    upgrade_to(database, "0001")
    assert set(schema_of(database)) == {"jobs", "conversations", "channel_settings", *LOCAL_TABLES}
    columns = schema_of(database)
    assert "permalink" not in columns["conversations"]["columns"]
    assert set(columns["channel_settings"]["columns"]) == {"team_id", "channel_id", "auto_process", "updated_at"}
    assert "ix_jobs_status_ts" not in {name for name, _, _ in columns["jobs"]["indexes"]}


def test_downgrading_to_nothing_and_back_gives_the_same_schema(new_database):
    database, reference = new_database(), new_database()
    prepare(database)
    prepare(reference)
    with database.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert "ledger_items" not in schema_of(database)
    with database.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert schema_of(database) == {}
    prepare(database)
    assert schema_of(database) == schema_of(reference)


def test_prepare_at_head_changes_nothing_and_does_not_load_alembic(new_database, monkeypatch):
    database = new_database()
    prepare(database)
    before = schema_of(database)

    def no_upgrade(*_args, **_kwargs):
        raise AssertionError("prepare ran an upgrade on a database already at head")

    monkeypatch.setattr(command, "upgrade", no_upgrade)
    prepare(database)
    assert schema_of(database) == before
    assert version(database) == head_revision()
    # Every process start calls prepare: at head it must not pay for importing Alembic.
    check = (
        "import sys; from bot.store.db import Database; from bot.store.schema import prepare; "
        f"prepare(Database({database.url!r})); assert 'alembic' not in sys.modules, 'alembic imported'"
    )
    subprocess.run([sys.executable, "-c", check], check=True, cwd=ROOT, timeout=60)


def test_autogenerate_writes_utc_timestamps_as_plain_timezone_aware_datetimes():
    with sa.create_engine("sqlite://").connect() as conn:
        operations = produce_migrations(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    code = render_python_code(operations.upgrade_ops, render_item=schema.render_item, render_as_batch=True)
    assert "sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False)" in code
    assert "UTCDateTime" not in code


def test_the_head_read_without_alembic_is_alembics_head():
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.mark.parametrize("start", ["empty", "0001"])
def test_processes_starting_together_upgrade_once(new_database, start):
    database = new_database()
    if start == "0001":
        upgrade_to(database, "0001")
        write_old_rows(database)
    # Each thread stands for a process: its own engine and pool on the same database.
    starters = [Database(database.url) for _ in range(3)]
    barrier = threading.Barrier(len(starters))
    errors: list[BaseException] = []

    def start_up(db: Database) -> None:
        try:
            barrier.wait()
            prepare(db)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start_up, args=(db,)) for db in starters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for db in starters:
        db.dispose()
    assert errors == []
    assert version(database) == head_revision()
    assert differences_from_models(database) == []
    if start == "0001":
        assert_old_rows_kept(database)


def test_a_database_the_current_create_all_made_is_stamped_at_head(new_database):
    database, reference = new_database(), new_database()
    Base.metadata.create_all(database.engine)
    prepare(reference)
    prepare(database)
    assert version(database) == head_revision()
    assert schema_of(database) == schema_of(reference)


def test_a_database_the_pre_alembic_create_all_made_is_stamped_at_0001_and_upgraded(new_database):
    database, reference = new_database(), new_database()
    revision_0001().create_all(database.engine)  # the tables as create_all made them before the ledger work
    write_old_rows(database)
    prepare(reference)
    prepare(database)
    assert version(database) == head_revision()
    assert schema_of(database) == schema_of(reference)
    assert_old_rows_kept(database)


def test_an_old_database_that_create_all_later_gave_the_new_tables_but_not_the_new_columns_is_completed(new_database):
    database, reference = new_database(), new_database()
    revision_0001().create_all(database.engine)
    write_old_rows(database)
    new_tables = ("ledger_items", "owner_overrides", "digest_runs")
    Base.metadata.create_all(database.engine, tables=[Base.metadata.tables[name] for name in new_tables])
    with database.engine.begin() as conn:
        conn.execute(
            Base.metadata.tables["owner_overrides"].insert(),
            {"team_id": "T1", "conversation_id": "conv-1", "person_key": "ana", "user_id": "U1", "updated_at": T0},
        )
    prepare(reference)
    prepare(database)
    assert version(database) == head_revision()
    assert schema_of(database) == schema_of(reference)
    assert_old_rows_kept(database)
    with database.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT user_id FROM owner_overrides")).scalar_one() == "U1"


def test_a_database_made_with_the_ledger_before_the_posting_flags_is_completed(new_database):
    database, reference = new_database(), new_database()
    Base.metadata.create_all(database.engine)
    with database.engine.begin() as conn:  # the shape create_all made between the ledger work and the flags
        for column in ("parent_posting", "status_posting", "transcript_file_id"):
            conn.execute(sa.text(f"ALTER TABLE jobs DROP COLUMN {column}"))
    prepare(reference)
    prepare(database)
    assert version(database) == head_revision()
    assert schema_of(database) == schema_of(reference)


@pytest.mark.parametrize(
    ("made", "tables"),
    [
        ("current", LOCAL_TABLES),  # the offline engine's create_all, before the store's tables were imported
        ("0001", LOCAL_TABLES),
        ("0001", ("jobs", "conversations", "channel_settings")),
        ("current", ("jobs", "conversations", "channel_settings", "ledger_items", "owner_overrides", "digest_runs")),
    ],
)
def test_a_database_create_all_made_in_part_is_completed(new_database, made, tables):
    database, reference = new_database(), new_database()
    metadata = Base.metadata if made == "current" else revision_0001()
    metadata.create_all(database.engine, tables=[metadata.tables[name] for name in tables])
    prepare(reference)
    prepare(database)
    assert version(database) == head_revision()
    assert schema_of(database) == schema_of(reference)


def test_search_lines_indexed_before_passages_are_carried_over_and_back(new_database):
    """Revision 0011 moves every indexed line into passages (still found, with its speaker and time); its downgrade
    gives the lines back."""
    from bot.search_query import parse
    from bot.store.search import SearchIndex

    database = new_database()
    upgrade_to(database, "0010")
    lines = [
        ("c-1", "message", "Priya Raman", 65.0, "We decided to drop the caching idea."),
        ("c-1", "message", "Marco Rossi", 130.0, "I'll talk to legal about it."),
        ("c-1", "action", "Marco Rossi", 130.0, "Marco will talk to legal by Friday."),
        ("c-2", "topic", None, None, "vendor shortlist"),
    ]
    entries = sa.table(
        "search_entries",
        *(sa.column(n) for n in ("team_id", "channel_id", "conversation_id")),
        *(sa.column(n) for n in ("kind", "speaker", "offset_seconds", "meeting_at", "text")),
    )
    with database.engine.begin() as conn:
        conn.execute(
            entries.insert(),
            [
                {
                    "team_id": "T1",
                    "channel_id": "CGEN",
                    "conversation_id": c,
                    "kind": k,
                    "speaker": who,
                    "offset_seconds": at,
                    "meeting_at": T0,
                    "text": text,
                }
                for c, k, who, at, text in lines
            ],
        )
    JobStore(database).record_conversation(
        team_id="T1", conversation_id="c-1", channel_id="CGEN", thread_ts="1.1", name="Planning", engine="symbl"
    )
    upgrade_to(database, "head")

    hits = SearchIndex(database).search("T1", parse('"talk to legal"'), ["CGEN"])
    assert sorted((h.kind, h.speaker, h.offset_seconds, h.name) for h in hits) == [
        ("action", "Marco Rossi", 130.0, "Planning"),
        ("message", "Marco Rossi", 130.0, "Planning"),
    ]
    assert [h.text for h in SearchIndex(database).search("T1", parse("shortlist"), ["CGEN"])] == ["vendor shortlist"]

    with database.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0010")
    with database.engine.connect() as conn:
        back = conn.execute(sa.select(entries.c.conversation_id, entries.c.kind, entries.c.speaker, entries.c.text))
        assert sorted(back, key=str) == sorted(((c, k, who, text) for c, k, who, _, text in lines), key=str)
