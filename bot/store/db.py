"""The database: one SQLAlchemy engine per process, SQLite by default, PostgreSQL via DATABASE_URL.

Every table of the app (Slack jobs, the offline engine's jobs, channel settings…) hangs off ``Base``; Alembic's
revisions (``bot/store/migrations``) create and change them, and ``bot.store.schema.prepare`` applies them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base shared by every table of the app."""


def make_engine(url: str, *, autocommit: bool = False) -> sa.Engine:
    """An engine tuned for this app: WAL and a busy timeout on SQLite, pre-ping on servers.

    ``autocommit``: every statement commits on its own, set once per connection rather than switched on and back
    off at each checkout (which on SQLite costs an extra PRAGMA per statement).
    """
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL lets pollers read while a worker writes
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across app crashes, one fsync less
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):  # psycopg 3 is the driver we ship
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Sized for a burst of concurrent requests (a web worker runs 8 at once): a connection opened past the pool
    # is closed after use, and opening one costs a full authentication handshake.
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_recycle=1800, **options)


class Database:
    """The engine plus a session factory; ``with db.session() as s:`` commits or rolls back."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Connections of their own on which each statement commits by itself: one round trip instead of BEGIN,
        # statement, COMMIT. (An in-memory SQLite database exists once per connection, so it shares the pool.)
        in_memory = url.startswith("sqlite") and url.split("///", 1)[-1] in ("", ":memory:", "sqlite://")
        self._autocommit = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if in_memory
            else make_engine(url, autocommit=True)
        )
        # SQLite has one writer at a time, and a writer that finds the file locked sleeps in growing steps (1, 2,
        # 5 … 100 ms) and may lose the race again when it wakes. Threads of one process therefore queue on a
        # lock of their own, which hands over at once; only other processes meet SQLite's busy wait.
        # PostgreSQL locks rows, so it needs nothing of the kind.
        self._write_guard = threading.RLock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()

    @contextmanager
    def session(self, *, writes: bool = True) -> Iterator[Session]:
        """An ORM session in a transaction; ``writes=False`` for reads, which never wait for SQLite's writer."""
        with self._write_guard if writes else contextlib.nullcontext(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def statement(self, *, writes: bool = False) -> Iterator[sa.Connection]:
        """A Core connection whose every statement commits on its own: the cheap path for one hot statement.

        Slack's request path uses it: a statement here costs one round trip, where a transaction costs three.
        """
        with self._write_guard if writes else contextlib.nullcontext(), self._autocommit.connect() as conn:
            yield conn

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self._autocommit.dispose()
        self.engine.dispose()


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zones and hands back naive values; comparing those with aware ones raises, so every
    value is normalised on the way in and out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
