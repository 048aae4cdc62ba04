"""Bringing the database to the newest schema revision (Alembic, ``bot/store/migrations``) at every process start.

``prepare`` is cheap when there is nothing to do: one query reads ``alembic_version`` and compares it with the head
revision, which is read from the scripts once per process without importing Alembic (that import alone costs about
0.1 s, and every process start calls ``prepare``). Otherwise it upgrades under a lock, so several processes
starting together upgrade once and the others find the work done: on PostgreSQL a transaction-scoped advisory lock,
on SQLite an exclusive transaction. Both databases run DDL inside transactions, so an upgrade that fails halfway
leaves the schema as it was.

A database made by ``create_all`` before the app used Alembic has tables but no ``alembic_version``: it is stamped
at the revision its tables match, then upgraded from there.
"""

from __future__ import annotations

import ast
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event

from bot.store.db import Base, Database, UTCDateTime, make_engine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().with_name("migrations")

# The key of the PostgreSQL advisory lock held while upgrading ("symbl-db" in ASCII). Advisory locks belong to
# one database, so other databases on the same server never wait for it.
ADVISORY_LOCK_KEY = 0x73796D626C2D6462


def import_table_modules() -> None:
    """Import every table module so ``Base.metadata`` knows them all."""
    from bot.api import tables as api_tables  # noqa: F401
    from bot.engines.local import tables as local_tables  # noqa: F401
    from bot.store import tables  # noqa: F401


# The full-text index is made by hand in migration 0011 (an FTS5 table and its shadow tables on SQLite, an
# expression GIN index on PostgreSQL): no model describes it, so comparisons with the models leave it out.
FULL_TEXT_OBJECTS = ("search_passages_fts", "ix_search_passages_fts")


# A database made by create_all is at most what revision 0005 makes; later tables need their revision's hand.
LAST_CREATE_ALL_REVISION = "0005"
MADE_BY_REVISIONS_ONLY = (
    "search_passages",
    "forget_requests",
    "retention_sweeps",
    "consent_notes",
    "erasure_requests",
    "speaker_names",
    "speaker_embeddings",
    "voice_consents",
    "voice_prints",
)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: everything but the hand-made full-text index."""
    return not (name or "").startswith(FULL_TEXT_OBJECTS)


def render_item(type_: str, obj, autogen_context) -> str | bool:
    """Autogenerate writes ``UTCDateTime`` as what the database has, so revisions never import the app's types."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration, built in code; ``connection`` is used by ``env.py`` instead of connecting itself."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str | None:
    """The newest revision in ``migrations/versions`` (None if there is not exactly one: Alembic then decides).

    Read from the scripts' ``revision`` and ``down_revision`` assignments, as Alembic reads them, but without
    importing it. A test checks the answer against Alembic's.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name.startswith("_"):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name) or target.id not in {"revision", "down_revision"}:
                continue
            found = ast.literal_eval(value)
            if target.id == "revision":
                revisions.add(found)
            elif isinstance(found, str):
                parents.add(found)
            elif found is not None:
                parents.update(found)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revision(database: Database) -> str | None:
    """The revision the database is at; None when it has no ``alembic_version`` (new, or made by create_all)."""
    try:
        with database.engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):  # no such table
        return None


def prepare(database: Database) -> None:
    """Upgrade the database to the newest revision; safe to call from several processes at once."""
    import_table_modules()
    head = head_revision()
    if head is not None and current_revision(database) == head:
        return
    from alembic import command

    with _migration_connection(database) as conn:
        # Another process may have upgraded while this one waited for the lock: Alembic reads the version again.
        _adopt_unversioned(conn)
        command.upgrade(alembic_config(conn), "head")


@contextmanager
def _migration_connection(database: Database) -> Iterator[sa.Connection]:
    """A connection in a transaction that only one process at a time can hold; committed on success."""
    if database.is_postgres:
        with database.engine.connect() as conn, conn.begin():
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            yield conn
        return
    if database.engine.dialect.name != "sqlite" or database.engine.url.database in (None, "", ":memory:"):
        # An in-memory database lives in one connection only: nobody else can reach it to race.
        with database.engine.begin() as conn:
            yield conn
        return
    engine = _exclusive_sqlite_engine(database.url)
    try:
        with engine.connect() as conn, conn.begin():
            yield conn
    finally:
        engine.dispose()


def _exclusive_sqlite_engine(url: str) -> sa.Engine:
    """A SQLite engine whose transactions take the write lock at BEGIN and include DDL.

    Python's sqlite3 module commits before DDL on its own, and its BEGIN is deferred. Taking over the transaction
    handling (SQLAlchemy's documented recipe) makes the whole upgrade one transaction that a second process waits
    for (the busy timeout is 30 s) instead of interleaving with.
    """
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_conn, _record):
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_exclusive(conn):
        conn.exec_driver_sql("BEGIN EXCLUSIVE")

    return engine


def _adopt_unversioned(conn: sa.Connection) -> None:
    """Stamp a database made by ``create_all`` (tables, no ``alembic_version``) at the revision it matches.

    One whose tables match the models is stamped at the newest revision, after the tables it lacks are made (a
    create_all only makes the tables whose modules were imported). Any other was made before Alembic, when
    create_all added new tables but never new columns: its tables are completed as revision 0001 had them and it
    is stamped there; revision 0002 then adds what it lacks, skipping what it has.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    script = ScriptDirectory.from_config(alembic_config())
    baseline = script.get_revision("0001").module.schema()
    ours = existing & (set(Base.metadata.tables) | set(baseline.tables))
    if "alembic_version" in existing or not ours:
        return
    if _differences(conn, ours):
        revision, complete, tables = "0001", baseline, None
    else:
        # The models as of 0005; the search table comes with its full-text index, which only 0006 can make.
        revision, complete = LAST_CREATE_ALL_REVISION, Base.metadata
        tables = [t for name, t in Base.metadata.tables.items() if name not in MADE_BY_REVISIONS_ONLY]
    log.info("adopting a database made without Alembic: stamped at revision %s", revision)
    complete.create_all(conn, tables=tables, checkfirst=True)
    command.stamp(alembic_config(conn), revision)


def _differences(conn: sa.Connection, tables: set[str]) -> list:
    """How ``tables`` in the database differ from the models (the other tables are left out)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def include(obj, name, type_, reflected, compare_to) -> bool:
        return (type_ != "table" or name in tables) and include_object(obj, name, type_, reflected, compare_to)

    context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include})
    return compare_metadata(context, Base.metadata)
