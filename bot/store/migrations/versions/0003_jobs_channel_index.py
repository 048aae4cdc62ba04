"""An index on jobs (team_id, channel_id, stage) for ``/symbl status``.

The status list is read on Slack's request path; without this index it reads every job the workspace ever made.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_jobs_team_channel_stage"


def upgrade() -> None:
    present = set() if context.is_offline_mode() else {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("jobs")}
    if INDEX not in present:
        op.create_index(INDEX, "jobs", ["team_id", "channel_id", "stage"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="jobs")
