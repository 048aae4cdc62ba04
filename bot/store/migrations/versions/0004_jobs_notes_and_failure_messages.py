"""The notes and the failure note are messages of their own: jobs.notes_ts, failure_ts and their posting flags.

Until now the notes replaced the status message (an edit, which notifies nobody). Now each is posted as a new
message in the thread; its ts is saved as soon as Slack answers, and the flag is raised before posting so that a
job resumed after a crash looks for the message it may already have posted (``bot/pipeline.py``, ``_post_once``).
The notes message's ts is also how a ledger click finds its job, hence the index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Rows written before it keep their values: their notes are in the status message (``notes_ts`` is empty), which is
where a click on them is still looked up (``JobStore.with_notes_message``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = ("notes_posting", "failure_posting")
INDEX = "ix_jobs_notes_ts"


def upgrade() -> None:
    present = set() if context.is_offline_mode() else {c["name"] for c in sa.inspect(op.get_bind()).get_columns("jobs")}
    with op.batch_alter_table("jobs") as batch:
        for name in ("notes_ts", "failure_ts"):
            if name not in present:
                batch.add_column(sa.Column(name, sa.String(32), nullable=True))
        for name in FLAGS:
            if name not in present:
                # NOT NULL needs a value for the rows already there; the default goes again below (the app always
                # writes one), so the schema ends as create_all makes it from the models.
                batch.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("jobs") as batch:  # on SQLite this copies the table: it cannot drop a default
        for name in FLAGS:
            batch.alter_column(name, existing_type=sa.Boolean(), existing_nullable=False, server_default=None)
    indexes = set() if context.is_offline_mode() else {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("jobs")}
    if INDEX not in indexes:
        op.create_index(INDEX, "jobs", ["notes_ts"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        for name in ("failure_posting", "notes_posting", "failure_ts", "notes_ts"):
            batch.drop_column(name)
