"""The meetings' full-text index: ``search_entries`` and the database's own full-text index over it, backfilled.

PostgreSQL: a GIN index over ``to_tsvector('simple', text)`` (an expression index: no stored tsvector column, so
the index is the only extra space). SQLite: an FTS5 table whose content is ``search_entries`` itself (nothing
stored twice), kept in step by triggers on insert, update and delete. Every meeting whose notes were posted
before this revision is indexed from the insights its job kept.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(text, content='search_entries', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
]


def upgrade() -> None:
    # A database an old create_all made may have the table already (never its full-text index): keep it.
    existing = set() if context.is_offline_mode() else set(sa.inspect(op.get_bind()).get_table_names())
    if "search_entries" in existing:
        op.drop_table("search_entries")  # nothing was ever written to it: only 0006's code writes there
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("speaker", sa.String(length=256), nullable=True),
        sa.Column("offset_seconds", sa.Float(), nullable=True),
        sa.Column("meeting_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_search_entries_conversation", "search_entries", ["team_id", "conversation_id"])
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_search_entries_fts ON search_entries USING gin (to_tsvector('simple', text))")
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)
    if not context.is_offline_mode():
        _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """Index every posted meeting from its newest job's insights (an append's job holds the whole conversation)."""
    from datetime import UTC, datetime

    from bot.store.search import entries_from_json

    jobs = sa.table(
        "jobs",
        sa.column("team_id"),
        sa.column("channel_id"),
        sa.column("conversation_id"),
        sa.column("insights_json"),
        sa.column("created_at"),
        sa.column("result_posted"),
    )
    entries = sa.table(
        "search_entries",
        *(sa.column(n) for n in ("team_id", "channel_id", "conversation_id", "kind", "speaker", "offset_seconds")),
        sa.column("meeting_at"),
        sa.column("text"),
    )
    newest: dict[tuple[str, str], tuple] = {}
    rows = conn.execute(
        sa.select(jobs.c.team_id, jobs.c.channel_id, jobs.c.conversation_id, jobs.c.insights_json, jobs.c.created_at)
        .where(jobs.c.result_posted.is_(True), jobs.c.insights_json.is_not(None), jobs.c.conversation_id.is_not(None))
        .order_by(jobs.c.created_at)
    )
    for row in rows:
        newest[(row.team_id, row.conversation_id)] = row
    for row in newest.values():
        try:
            insights, found = entries_from_json(row.insights_json)
        except (ValueError, KeyError, TypeError):
            continue  # an unreadable old result is not searchable; it must not stop the upgrade
        created = row.created_at
        if isinstance(created, str):
            created = datetime.fromisoformat(created)
        if created is not None and created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        meeting_at = insights.conversation.start or created or datetime.now(UTC)
        if conn.dialect.name == "sqlite":
            meeting_at = meeting_at.astimezone(UTC).replace(tzinfo=None)
        if found:
            conn.execute(
                entries.insert(),
                [
                    {
                        "team_id": row.team_id,
                        "channel_id": row.channel_id,
                        "conversation_id": row.conversation_id,
                        "kind": e.kind,
                        "speaker": e.speaker[:256] if e.speaker else None,
                        "offset_seconds": e.offset_seconds,
                        "meeting_at": meeting_at,
                        "text": e.text,
                    }
                    for e in found
                ],
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_entries_fts")
    else:
        for name in ("search_fts_insert", "search_fts_delete", "search_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_entries_conversation", table_name="search_entries")
    op.drop_table("search_entries")
