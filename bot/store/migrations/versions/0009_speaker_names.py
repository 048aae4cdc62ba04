"""``speaker_names``: who each speaker of a conversation is, as decided in Slack ("Who's who" on the notes).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if not context.is_offline_mode() and "speaker_names" in sa.inspect(op.get_bind()).get_table_names():
        return  # a database the current create_all made has it already, empty
    op.create_table(
        "speaker_names",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("speaker_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("merged_into", sa.String(length=255), nullable=True),
        sa.Column("named_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "conversation_id", "speaker_id"),
    )


def downgrade() -> None:
    op.drop_table("speaker_names")
