"""The Symbl-compatible API server's tables: api_conversations, api_jobs and api_members (bot/api/tables.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    present = set() if context.is_offline_mode() else set(sa.inspect(op.get_bind()).get_table_names())
    if "api_conversations" not in present:
        op.create_table(
            "api_conversations",
            sa.Column("id", sa.String(40), primary_key=True),
            sa.Column("client_id", sa.String(200), nullable=False),
            sa.Column("options_json", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        )
        op.create_index("ix_api_conversations_client_id", "api_conversations", ["client_id"])
    if "api_jobs" not in present:
        op.create_table(
            "api_jobs",
            sa.Column("id", sa.String(40), primary_key=True),
            sa.Column("conversation_id", sa.String(40), nullable=False),
            sa.Column("client_id", sa.String(200), nullable=False),
            sa.Column("webhook_url", sa.Text(), nullable=True),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("audio_seconds", sa.Float(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        )
        op.create_index("ix_api_jobs_conversation_id", "api_jobs", ["conversation_id"])
        op.create_index("ix_api_jobs_client_id", "api_jobs", ["client_id"])
        op.create_index("ix_api_jobs_status", "api_jobs", ["status"])
    if "api_members" not in present:
        op.create_table(
            "api_members",
            sa.Column("conversation_id", sa.String(40), primary_key=True),
            sa.Column("speaker", sa.String(500), primary_key=True),
            sa.Column("name", sa.String(500), nullable=False),
            sa.Column("email", sa.String(500), nullable=True),
        )


def downgrade() -> None:
    op.drop_table("api_members")
    op.drop_table("api_jobs")
    op.drop_table("api_conversations")
