"""The schema as it was before Alembic: jobs, conversations, channel settings and the offline engine's tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Frozen as ``Base.metadata.create_all`` made it at that time (commit 2049570). ``schema()`` is also what
``prepare`` uses to complete a database that an old ``create_all`` made only in part, so it must never change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def schema() -> sa.MetaData:
    """Every table of revision 0001, in a metadata of its own."""
    metadata = sa.MetaData()
    sa.Table(
        "jobs",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("idempotency_key", sa.String(512), nullable=False, unique=True),
        sa.Column("team_id", sa.String(32), nullable=False, index=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32)),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("source_ts", sa.String(32)),
        sa.Column("thread_ts", sa.String(32)),
        sa.Column("status_ts", sa.String(32)),
        sa.Column("response_url", sa.Text),
        sa.Column("append_to", sa.String(64)),
        sa.Column("file_id", sa.String(64)),
        sa.Column("url", sa.Text),
        sa.Column("name", sa.String(512)),
        sa.Column("media_kind", sa.String(8)),
        sa.Column("content_type", sa.String(64)),
        sa.Column("local_path", sa.Text),
        sa.Column("stage", sa.String(16), nullable=False, index=True),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(64)),
        sa.Column("engine_job_id", sa.String(64), index=True),
        sa.Column("insights_json", sa.Text),
        sa.Column("result_posted", sa.Boolean, nullable=False),
        sa.Column("transcript_uploaded", sa.Boolean, nullable=False),
        sa.Column("error_text", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("poll_interval", sa.Float, nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False, index=True),
        _timestamp("deadline_at", nullable=True),
        sa.Column("lease_owner", sa.String(64)),
        _timestamp("lease_until", nullable=True),
        _timestamp("created_at", nullable=False),
        _timestamp("updated_at", nullable=False),
        _timestamp("finished_at", nullable=True),
    )
    sa.Table(
        "conversations",
        metadata,
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("conversation_id", sa.String(64), primary_key=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), index=True),
        sa.Column("name", sa.String(512)),
        sa.Column("engine", sa.String(16), nullable=False),
        _timestamp("created_at", nullable=False),
    )
    sa.Table(
        "channel_settings",
        metadata,
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("auto_process", sa.Boolean, nullable=False),
        _timestamp("updated_at", nullable=False),
    )
    sa.Table(
        "local_conversations",
        metadata,
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(500)),
        _timestamp("created_at", nullable=False),
        _timestamp("meeting_start", nullable=False),
        sa.Column("media_seconds", sa.Float, nullable=False),
        sa.Column("transcript_json", sa.Text),
        sa.Column("insights_json", sa.Text),
        _timestamp("updated_at", nullable=False),
    )
    sa.Table(
        "local_jobs",
        metadata,
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "conversation_id", sa.String(40), sa.ForeignKey("local_conversations.id"), nullable=False, index=True
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("media_path", sa.String(1000)),
        sa.Column("url", sa.Text),
        sa.Column("options_json", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_owner", sa.String(40)),
        _timestamp("lease_until", nullable=True),
        _timestamp("created_at", nullable=False),
        _timestamp("started_at", nullable=True),
        _timestamp("finished_at", nullable=True),
        sa.UniqueConstraint("conversation_id", "seq"),
    )
    return metadata


def upgrade() -> None:
    # The same CREATE TABLE and CREATE INDEX statements op.create_table would emit, from the one frozen definition.
    schema().create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    schema().drop_all(op.get_bind(), checkfirst=False)
