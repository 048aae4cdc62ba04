"""One lease: a row held by one worker at a time, until a time that its holder keeps pushing back.

A leased table has two columns, ``lease_owner`` and ``lease_until``. Every operation is one conditional UPDATE,
so it is atomic on SQLite (one writer at a time) and on PostgreSQL with several replicas (the second of two racing
UPDATEs re-reads the row once the first commits, finds the condition false and changes nothing):

- **claim**: take the row when nobody holds it or its holder's time ran out (a crashed process never renews);
- **renew**: push the time back, only for the holder (a lease taken over meanwhile stays the new holder's);
- **release**: give the row back, only for the holder, with the caller's other changes in the same write.

The methods build statements (callers add their own conditions and columns, and run them in their own
transaction or cache them with bind parameters); :meth:`Lease.claim_row` and friends run the common case.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.store.db import Database
from bot.store.tables import utcnow


def expiry(seconds: float, now: datetime | None = None) -> datetime:
    """When a lease taken or renewed ``now`` for ``seconds`` runs out."""
    return (now or utcnow()) + timedelta(seconds=seconds)


class Lease:
    """Claim, renew and release statements for the rows of one table with ``lease_owner`` and ``lease_until``."""

    def __init__(self, table: sa.Table | Any):
        self.table: sa.Table = getattr(table, "__table__", table)  # a mapped class or its table
        self.owner = self.table.c.lease_owner
        self.until = self.table.c.lease_until

    def is_free(self, now: Any) -> sa.ColumnElement[bool]:
        """Nobody holds the row, or its holder's time is up."""
        return sa.or_(self.until.is_(None), self.until < now)

    @staticmethod
    def is_free_row(row: Any, now: datetime) -> bool:
        """:meth:`is_free` for a row already read (an ORM object with ``lease_until``)."""
        return row.lease_until is None or row.lease_until < now

    @staticmethod
    def held(*, owner: Any, until: Any) -> dict[str, Any]:
        """The values of a row held by ``owner`` until ``until``: an insert that takes its new row at once."""
        return {"lease_owner": owner, "lease_until": until}

    def claim(self, *where: Any, owner: Any, now: Any, until: Any, again: bool = False, **values: Any) -> sa.Update:
        """Take the rows matching ``where`` that are free; ``again``: also when ``owner`` already holds them.

        ``values`` are set in the same write (a status, an attempt counter). Run it and read ``rowcount`` (or add
        ``.returning(...)``): a row changed is a row now held.
        """
        free = self.is_free(now)
        if again:
            free = sa.or_(free, self.owner == owner)
        return sa.update(self.table).where(*where, free).values(lease_owner=owner, lease_until=until, **values)

    def renew(self, *where: Any, owner: Any, until: Any, **values: Any) -> sa.Update:
        """Hold the rows matching ``where`` until ``until``, where ``owner`` still holds them."""
        return sa.update(self.table).where(*where, self.owner == owner).values(lease_until=until, **values)

    def release(self, *where: Any, owner: Any, **values: Any) -> sa.Update:
        """Give back the rows matching ``where`` that ``owner`` holds, saving ``values`` in the same write."""
        return (
            sa.update(self.table)
            .where(*where, self.owner == owner)
            .values(**{"lease_owner": None, "lease_until": None, **values})
        )

    def retry_later(self, *where: Any, owner: Any, attempts: int, delay: float, **values: Any) -> sa.Update:
        """Give back the rows matching ``where`` that ``owner`` holds, to be tried again in ``delay`` seconds:
        the ``attempts`` so far and ``next_attempt_at`` saved with ``values`` (for tables that have them)."""
        return self.release(*where, owner=owner, attempts=attempts, next_attempt_at=expiry(delay), **values)

    # -- the common case: one row by its key, in a statement of its own ---------------------------------------

    def claim_row(self, database: Database, *where: Any, owner: str, seconds: float, **values: Any) -> bool:
        """Take the row for ``seconds`` if it is free; True when this call took it."""
        now = utcnow()
        statement = self.claim(*where, owner=owner, now=now, until=expiry(seconds, now), **values)
        with database.statement(writes=True) as conn:
            return conn.execute(statement).rowcount == 1

    def renew_rows(self, database: Database, *where: Any, owner: str, seconds: float) -> int:
        """Hold ``owner``'s rows among ``where`` ``seconds`` longer; how many it still holds."""
        with database.statement(writes=True) as conn:
            return conn.execute(self.renew(*where, owner=owner, until=expiry(seconds))).rowcount

    def release_row(self, database: Database, *where: Any, owner: str, **values: Any) -> bool:
        """Give the row back if ``owner`` holds it (saving ``values``); False when it was no longer theirs."""
        with database.statement(writes=True) as conn:
            return conn.execute(self.release(*where, owner=owner, **values)).rowcount == 1


class LeasedRows:
    """The rows of one table that background work goes through one at a time (``bot.background``): which are due,
    claim one, give one back for a later try. The table has the lease's columns, ``attempts`` and
    ``next_attempt_at``; its primary key is a row's key. ``pending`` tells the rows still to do from those done and
    kept (a table whose rows are deleted when done needs none); ``batch``: at most this many due rows a pass;
    ``reason_column``: where a failure's reason is saved, if the table keeps it.
    """

    def __init__(
        self, database: Database, model: Any, *, pending: Any = None, batch: int = 10, reason_column: str | None = None
    ):
        self.db = database
        self.model = model
        self.lease = Lease(model)
        self.key = tuple(sa.inspect(model).primary_key)
        self.pending = sa.true() if pending is None else pending
        self.batch = batch
        self.reason_column = reason_column

    def this(self, row: Any) -> sa.ColumnElement[bool]:
        """The condition that picks ``row`` (an object of the table) by its key."""
        return self.where(tuple(getattr(row, column.key) for column in self.key))

    def where(self, key: tuple) -> sa.ColumnElement[bool]:
        return sa.and_(*(column == value for column, value in zip(self.key, key, strict=True)))

    def due(self, now: datetime | None = None) -> list[tuple]:
        """The keys of pending rows whose next attempt is due and that nobody holds."""
        now = now or utcnow()
        query = (
            sa.select(*self.key)
            .where(self.pending, self.model.next_attempt_at <= now, self.lease.is_free(now))
            .limit(self.batch)
        )
        with self.db.session(writes=False) as s:
            return [tuple(row) for row in s.execute(query)]

    def claim(self, key: tuple, owner: str, seconds: float) -> Any | None:
        """Take the pending row of ``key`` for ``seconds``; None when another holds it (or it is done or gone)."""
        if not self.lease.claim_row(self.db, self.where(key), self.pending, owner=owner, seconds=seconds):
            return None
        with self.db.session(writes=False) as s:
            return s.get(self.model, key)

    def retry_later(self, row: Any, *, attempts: int, delay: float, reason: str) -> None:
        """Give back ``row`` (if its holder still holds it), to be tried again in ``delay`` seconds."""
        values = {self.reason_column: reason[:500]} if self.reason_column else {}
        statement = self.lease.retry_later(
            self.this(row), owner=row.lease_owner, attempts=attempts, delay=delay, **values
        )
        with self.db.session() as s:
            s.execute(statement)
