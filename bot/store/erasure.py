"""Erasing a workspace's data (the app uninstalled, its bot token revoked) or some people's (user tokens revoked).

A workspace's rows are found generically: every table of ``Base.metadata`` with a ``team_id`` column, so a table
added later is erased without anyone remembering to list it. The full-text index follows its table (SQLite's FTS5
rows are deleted by ``search_passages``' triggers, PostgreSQL's GIN index is over the table itself). A person's data
is what ``PERSONAL_DATA`` lists: register a new table there when it holds something of one person's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.store.db import Base, Database
from bot.store.lease import LeasedRows
from bot.store.tables import ConversationRecord, ErasureRequest, Job, utcnow

WORKSPACE, USERS = "workspace", "users"
# Kept through a workspace's erasure: the record that it happened (ids and counts, no content).
KEPT_TABLES = frozenset({ErasureRequest.__tablename__})
# A person's own data, as (table, column naming the person); each table also has ``team_id``. Deleted when that
# person's token is revoked. owner_overrides: which Slack user someone picked for a name said in a meeting.
PERSONAL_DATA: list[tuple[str, str]] = [
    ("owner_overrides", "user_id"),
    ("voice_consents", "user_id"),
    ("voice_prints", "user_id"),
]


@dataclass(frozen=True)
class Stored:
    """What of a workspace lies outside its rows: the engine's conversations and recordings on disk."""

    conversations: list[tuple[str, str]]  # (conversation id, engine)
    media_paths: list[str]


def team_tables() -> list[sa.Table]:
    """Every table with a team column, children before parents (so no foreign key is left dangling)."""
    from bot.store.schema import import_table_modules

    import_table_modules()
    return [
        table
        for table in reversed(Base.metadata.sorted_tables)
        if "team_id" in table.c and table.name not in KEPT_TABLES
    ]


def erased_since(database: Database, team_id: str, since: datetime) -> bool:
    """Whether the workspace's erasure (app uninstalled, bot token revoked) was asked for at or after ``since``.

    Work begun before it belongs to the erased installation: it must write nothing more (``bot.pipeline``). Work
    begun after it is a reinstalled app's. True from the moment the request is recorded, done or not.
    """
    with database.session(writes=False) as s:
        found = s.scalar(
            sa.select(ErasureRequest.event_id)
            .where(
                ErasureRequest.team_id == team_id,
                ErasureRequest.scope == WORKSPACE,
                ErasureRequest.requested_at >= since,
            )
            .limit(1)
        )
    return found is not None


class ErasureStore:
    def __init__(self, database: Database):
        self.db = database
        # The requests not yet done, for bot.erasure's background work: due, claim, retry_later.
        self.rows = LeasedRows(
            database, ErasureRequest, pending=ErasureRequest.done_at.is_(None), reason_column="error_text"
        )

    def request(self, team_id: str, event_id: str, scope: str, user_ids: list[str] | None = None) -> bool:
        """Record the erasure an event asks for; False when that event was recorded before (redelivered)."""
        try:
            with self.db.session() as s:
                s.add(
                    ErasureRequest(
                        team_id=team_id,
                        event_id=event_id[:64],
                        scope=scope,
                        user_ids_json=json.dumps(sorted(set(user_ids or []))),
                    )
                )
        except IntegrityError:
            return False
        return True

    def stored(self, team_id: str) -> Stored:
        with self.db.session(writes=False) as s:
            conversations = s.execute(
                sa.select(ConversationRecord.conversation_id, ConversationRecord.engine).where(
                    ConversationRecord.team_id == team_id
                )
            ).all()
            paths = s.scalars(sa.select(Job.local_path).where(Job.team_id == team_id, Job.local_path.is_not(None)))
            return Stored([(c.conversation_id, c.engine) for c in conversations], sorted(set(paths)))

    def erase_workspace(self, request: ErasureRequest) -> dict[str, int]:
        """Every row of the workspace, in one transaction, and the request marked done; rows deleted per table."""
        with self.db.session() as s:
            counts = {
                table.name: s.execute(sa.delete(table).where(table.c.team_id == request.team_id)).rowcount
                for table in team_tables()
            }
            self._done(s, request, counts)
        return counts

    def erase_users(self, request: ErasureRequest) -> dict[str, int]:
        """Each listed person's own data (``PERSONAL_DATA``), and the request marked done."""
        user_ids = json.loads(request.user_ids_json)
        tables = Base.metadata.tables
        with self.db.session() as s:
            counts = {
                name: s.execute(
                    sa.delete(tables[name]).where(
                        tables[name].c.team_id == request.team_id, tables[name].c[column].in_(user_ids)
                    )
                ).rowcount
                for name, column in PERSONAL_DATA
                if name in tables
            }
            self._done(s, request, counts)
        return counts

    def _done(self, s, request: ErasureRequest, counts: dict[str, int]) -> None:
        s.execute(
            self.rows.lease.release(
                self.rows.this(request),
                owner=request.lease_owner,
                done_at=utcnow(),
                counts_json=json.dumps(counts, sort_keys=True),
            )
        )
