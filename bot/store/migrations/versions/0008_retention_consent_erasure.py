"""Retention, the consent note and erasure: ``channel_settings.retention_days``, ``forget_requests.reason``,
``retention_sweeps``, ``consent_notes`` and ``erasure_requests``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _has(table: str, column: str | None = None) -> bool:
    """Whether the database has it already (one the current create_all made, adopted at 0005, does)."""
    if context.is_offline_mode():
        return False
    inspector = sa.inspect(op.get_bind())
    if table not in inspector.get_table_names():
        return False
    return column is None or column in {c["name"] for c in inspector.get_columns(table)}


def _lease_columns() -> list[sa.Column]:
    return [
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    if not _has("channel_settings", "retention_days"):
        with op.batch_alter_table("channel_settings") as batch:
            batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
    if not _has("forget_requests", "reason"):
        with op.batch_alter_table("forget_requests") as batch:
            batch.add_column(sa.Column("reason", sa.String(length=16), server_default="request", nullable=False))
    if not _has("retention_sweeps"):
        op.create_table(
            "retention_sweeps",
            sa.Column("day", sa.String(length=10), nullable=False),
            sa.Column("lease_owner", sa.String(length=64), nullable=True),
            sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("forgotten", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("day"),
        )
    if not _has("consent_notes"):
        op.create_table(
            "consent_notes",
            sa.Column("team_id", sa.String(length=32), nullable=False),
            sa.Column("channel_id", sa.String(length=32), nullable=False),
            sa.Column("trigger", sa.String(length=16), nullable=False),
            sa.Column("posting", sa.Boolean(), nullable=False),
            sa.Column("ts", sa.String(length=32), nullable=True),
            *_lease_columns(),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("team_id", "channel_id"),
        )
        op.create_index("ix_consent_notes_next_attempt_at", "consent_notes", ["next_attempt_at"])
    if not _has("erasure_requests"):
        op.create_table(
            "erasure_requests",
            sa.Column("team_id", sa.String(length=32), nullable=False),
            sa.Column("event_id", sa.String(length=64), nullable=False),
            sa.Column("scope", sa.String(length=16), nullable=False),
            sa.Column("user_ids_json", sa.Text(), nullable=False),
            sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
            *_lease_columns(),
            sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("counts_json", sa.Text(), nullable=True),
            sa.Column("error_text", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("team_id", "event_id"),
        )
        op.create_index("ix_erasure_requests_next_attempt_at", "erasure_requests", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_erasure_requests_next_attempt_at", table_name="erasure_requests")
    op.drop_table("erasure_requests")
    op.drop_index("ix_consent_notes_next_attempt_at", table_name="consent_notes")
    op.drop_table("consent_notes")
    op.drop_table("retention_sweeps")
    with op.batch_alter_table("forget_requests") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("channel_settings") as batch:
        batch.drop_column("retention_days")
