"""Channel digests, the action-item ledger, crash-safe posting and per-user limits: the rest of the pre-Alembic schema.

ledger_items, owner_overrides and digest_runs; the digest schedule in channel_settings; conversations.permalink;
jobs.parent_posting, status_posting and transcript_file_id; indexes on jobs (status_ts) and (team_id, user_id, stage).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Rows written before it keep their values; the new columns are empty, except the flags, which are false (no digest
posts on empty days; nothing is half-posted).

Each step is skipped when what it makes is already there. Before Alembic, ``create_all`` added new tables to an
existing database but never new columns, so a database can hold the ledger's tables and still lack the columns that
came with them; ``prepare`` stamps every such database at 0001 and lets this revision add what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class _Present:
    """What the database already has (nothing, when writing SQL offline)."""

    def __init__(self) -> None:
        self.inspector = None if context.is_offline_mode() else sa.inspect(op.get_bind())
        self.tables = set(self.inspector.get_table_names()) if self.inspector else set()

    def columns(self, table: str) -> set[str]:
        return {c["name"] for c in self.inspector.get_columns(table)} if table in self.tables else set()

    def indexes(self, table: str) -> set[str]:
        return {i["name"] for i in self.inspector.get_indexes(table)} if table in self.tables else set()


def _flag(name: str) -> sa.Column:
    # NOT NULL needs a value for the rows already there; the default goes again afterwards (the app always writes
    # one), so the schema ends as create_all makes it from the models.
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def _add_columns(present: _Present, table: str, *columns: sa.Column) -> None:
    missing = [column for column in columns if column.name not in present.columns(table)]
    if not missing:
        return
    with op.batch_alter_table(table) as batch:
        for column in missing:
            batch.add_column(column)
    flags = [column.name for column in missing if column.server_default is not None]
    if flags:
        with op.batch_alter_table(table) as batch:  # on SQLite this copies the table: it cannot drop a default
            for name in flags:
                batch.alter_column(name, existing_type=sa.Boolean(), existing_nullable=False, server_default=None)


def _create_index(present: _Present, name: str, table: str, columns: list[str]) -> None:
    if name not in present.indexes(table):
        op.create_index(name, table, columns)


def upgrade() -> None:
    present = _Present()

    # The job behind a clicked notes message is found by its status message's ts.
    _create_index(present, "ix_jobs_status_ts", "jobs", ["status_ts"])
    # Counting a person's running and pending recordings for the per-user limits.
    _create_index(present, "ix_jobs_team_user_stage", "jobs", ["team_id", "user_id", "stage"])
    _add_columns(
        present,
        "jobs",
        _flag("parent_posting"),
        _flag("status_posting"),
        sa.Column("transcript_file_id", sa.String(64), nullable=True),
    )
    _add_columns(present, "conversations", sa.Column("permalink", sa.Text(), nullable=True))
    _add_columns(
        present,
        "channel_settings",
        sa.Column("digest_cadence", sa.String(16), nullable=True),
        sa.Column("digest_hour", sa.Integer(), nullable=True),
        sa.Column("digest_minute", sa.Integer(), nullable=True),
        sa.Column("digest_weekday", sa.Integer(), nullable=True),
        sa.Column("digest_tz", sa.String(64), nullable=True),
        _flag("digest_always"),
    )

    if "ledger_items" not in present.tables:
        op.create_table(
            "ledger_items",
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("team_id", sa.String(32), nullable=False),
            sa.Column("channel_id", sa.String(32), nullable=False),
            sa.Column("conversation_id", sa.String(64), nullable=False),
            sa.Column("item_key", sa.String(128), nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("assignee_name", sa.String(256), nullable=True),
            sa.Column("assignee_email", sa.String(320), nullable=True),
            sa.Column("owner_user_id", sa.String(32), nullable=True),
            sa.Column("owner_picked", sa.Boolean(), nullable=False),
            sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("definitive", sa.Boolean(), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("done_by", sa.String(32), nullable=True),
            sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("team_id", "conversation_id", "kind", "item_key"),
        )
    _create_index(present, "ix_ledger_items_channel_status", "ledger_items", ["team_id", "channel_id", "status"])

    if "owner_overrides" not in present.tables:
        op.create_table(
            "owner_overrides",
            sa.Column("team_id", sa.String(32), primary_key=True),
            sa.Column("conversation_id", sa.String(64), primary_key=True),
            sa.Column("person_key", sa.String(320), primary_key=True),
            sa.Column("user_id", sa.String(32), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )

    if "digest_runs" not in present.tables:
        op.create_table(
            "digest_runs",
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("team_id", sa.String(32), nullable=False),
            sa.Column("channel_id", sa.String(32), nullable=False),
            sa.Column("run_key", sa.String(128), nullable=False),
            sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
            sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
            sa.Column("tz", sa.String(64), nullable=True),
            sa.Column("always", sa.Boolean(), nullable=False),
            sa.Column("requested_by", sa.String(32), nullable=True),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("lease_owner", sa.String(64), nullable=True),
            sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
            sa.Column("posted_ts", sa.String(32), nullable=True),
            sa.Column("item_ids_json", sa.Text(), nullable=True),
            sa.Column("error_text", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
            sa.UniqueConstraint("team_id", "channel_id", "run_key"),
        )
    _create_index(present, "ix_digest_runs_state", "digest_runs", ["state"])


def downgrade() -> None:
    op.drop_table("digest_runs")  # its indexes go with it
    op.drop_table("owner_overrides")
    op.drop_table("ledger_items")
    with op.batch_alter_table("channel_settings") as batch:
        for column in ("always", "tz", "weekday", "minute", "hour", "cadence"):
            batch.drop_column(f"digest_{column}")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("permalink")
    with op.batch_alter_table("jobs") as batch:
        for column in ("transcript_file_id", "status_posting", "parent_posting"):
            batch.drop_column(column)
    op.drop_index("ix_jobs_team_user_stage", table_name="jobs")
    op.drop_index("ix_jobs_status_ts", table_name="jobs")
