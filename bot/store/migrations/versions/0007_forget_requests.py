"""``forget_requests``: a meeting being forgotten, step by step, resumable after a crash.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if not context.is_offline_mode() and "forget_requests" in sa.inspect(op.get_bind()).get_table_names():
        return  # a database the current create_all made (adopted at 0005) has it already, empty
    op.create_table(
        "forget_requests",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_ts_json", sa.Text(), nullable=False),
        sa.Column("file_ids_json", sa.Text(), nullable=False),
        sa.Column("media_paths_json", sa.Text(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "conversation_id"),
    )
    op.create_index("ix_forget_requests_next_attempt_at", "forget_requests", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_forget_requests_next_attempt_at", table_name="forget_requests")
    op.drop_table("forget_requests")
