"""Search stores a meeting's lines a passage (one speaker's lines, about 2 KB) per row: ``search_passages``.

Replaces revision 0006's ``search_entries`` (a row per line), whose rows and index made search cost three times
the transcript on disk (``tables.SearchPassage`` says why). The full-text index moves with it: a GIN index over
``to_tsvector('simple', text)`` on PostgreSQL, an FTS5 table over ``search_passages`` kept by triggers on SQLite.
Every indexed meeting's lines are carried over, in their order.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

import sqlalchemy as sa
from alembic import context, op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite_fts(fts: str, table: str) -> list[str]:
    """An FTS5 table over ``table``'s ``text`` (external content) and the triggers that keep it in step, named as
    revision 0006 named them for ``search_entries`` (``search_fts``)."""
    # The names are this module's constants, never input.
    delete = f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.id, old.text);"  # noqa: S608
    insert = f"INSERT INTO {fts}(rowid, text) VALUES (new.id, new.text);"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(text, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE ON {table} BEGIN {delete} {insert} END",
    ]


def _make_index(table: str, fts: str, gin: str) -> None:
    if _is_postgres():
        op.execute(f"CREATE INDEX {gin} ON {table} USING gin (to_tsvector('simple', text))")
    else:
        for statement in _sqlite_fts(fts, table):
            op.execute(statement)


def _drop_index(table: str, fts: str, gin: str) -> None:
    if _is_postgres():
        op.execute(f"DROP INDEX IF EXISTS {gin}")
    else:
        for name in (f"{fts}_insert", f"{fts}_delete", f"{fts}_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")


PASSAGES = ("search_passages", "search_passages_fts", "ix_search_passages_fts")
LINES = ("search_entries", "search_fts", "ix_search_entries_fts")  # revision 0006's
LINE_COLUMNS = ("team_id", "channel_id", "conversation_id", "kind", "speaker", "offset_seconds", "meeting_at", "text")
PASSAGE_COLUMNS = ("team_id", "channel_id", "conversation_id", "meeting_at", "speaker", "lines", "text")


def _is_postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    # A database the current create_all made (adopted at 0005) has the table already, empty and without its
    # full-text index: made again here, with it.
    if not context.is_offline_mode() and "search_passages" in sa.inspect(op.get_bind()).get_table_names():
        op.drop_table("search_passages")
    op.create_table(
        "search_passages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("meeting_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("speaker", sa.String(length=256), nullable=True),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    # Conversation first: see tables.SearchPassage.
    op.create_index("ix_search_passages_conversation", "search_passages", ["conversation_id", "team_id"])
    _make_index(*PASSAGES)
    if not context.is_offline_mode():
        _carry_lines_over(op.get_bind())
    _drop_index(*LINES)
    op.drop_index("ix_search_entries_conversation", table_name="search_entries")
    op.drop_table("search_entries")


def _carry_lines_over(conn: sa.Connection) -> None:
    """Each meeting's lines, in the order they were written, into passages."""
    from bot.store.search import Entry, passage_rows

    lines = sa.table("search_entries", sa.column("id"), *(sa.column(n) for n in LINE_COLUMNS))
    passages = sa.table("search_passages", *(sa.column(n) for n in PASSAGE_COLUMNS))
    rows = conn.execute(sa.select(lines).order_by(lines.c.team_id, lines.c.conversation_id, lines.c.id))
    for (team_id, conversation_id), group in groupby(rows, key=lambda r: (r.team_id, r.conversation_id)):
        meeting = list(group)
        found = passage_rows(
            team_id=team_id,
            channel_id=meeting[0].channel_id,
            conversation_id=conversation_id,
            meeting_at=meeting[0].meeting_at,
            entries=[Entry(r.kind, r.text, r.speaker, r.offset_seconds) for r in meeting],
        )
        if found:
            conn.execute(passages.insert(), found)


def downgrade() -> None:
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
    _make_index(*LINES)
    if not context.is_offline_mode():
        _split_passages(op.get_bind())
    _drop_index(*PASSAGES)
    op.drop_index("ix_search_passages_conversation", table_name="search_passages")
    op.drop_table("search_passages")


def _split_passages(conn: sa.Connection) -> None:
    """Back to a row per line, passage by passage (so a meeting's lines come back grouped by speaker)."""
    from bot.store.search import line_marks

    passages = sa.table("search_passages", sa.column("id"), *(sa.column(n) for n in PASSAGE_COLUMNS))
    lines = sa.table("search_entries", *(sa.column(n) for n in LINE_COLUMNS))
    for row in conn.execute(sa.select(passages).order_by(passages.c.id)):
        found = [
            {
                "team_id": row.team_id,
                "channel_id": row.channel_id,
                "conversation_id": row.conversation_id,
                "kind": kind,
                "speaker": row.speaker,
                "offset_seconds": offset,
                "meeting_at": row.meeting_at,
                "text": text,
            }
            for (kind, offset), text in zip(line_marks(row), row.text.split("\n"), strict=True)
        ]
        conn.execute(lines.insert(), found)
