"""Remembered voices: ``speaker_embeddings`` (a conversation's speakers), ``voice_consents``, ``voice_prints``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if not context.is_offline_mode() and "voice_prints" in sa.inspect(op.get_bind()).get_table_names():
        return  # a database the current create_all made (adopted at 0005) has them already, empty
    op.create_table(
        "speaker_embeddings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("speaker_id", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("speech_seconds", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "conversation_id", "speaker_id"),
    )
    op.create_table(
        "voice_consents",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_table(
        "voice_prints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("speaker_id", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "conversation_id", "speaker_id"),
    )
    op.create_index("ix_voice_prints_team_user", "voice_prints", ["team_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_voice_prints_team_user", table_name="voice_prints")
    op.drop_table("voice_prints")
    op.drop_table("voice_consents")
    op.drop_table("speaker_embeddings")
