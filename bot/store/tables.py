"""The Slack app's tables: jobs, the conversations they created, and per-channel settings.

A job row is written before any work starts, keyed for idempotency, so duplicate Slack deliveries can never
make two jobs: the unique ``idempotency_key`` is the single arbiter, even across replicas.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.db import Base, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Stage:
    """Where a job is in its lifecycle. Every stage is safe to run twice."""

    QUEUED = "queued"  # row written; status message not yet posted
    FETCHING = "fetching"  # getting the media (Slack download, URL check)
    SUBMITTING = "submitting"  # sending it to the engine (also: waiting out the engine's concurrency limit)
    PROCESSING = "processing"  # the engine is working; the poll sweep watches it
    COLLECTING = "collecting"  # fetching the insights
    POSTING = "posting"  # writing the results into Slack
    DONE = "done"
    FAILED = "failed"

    ACTIVE = (QUEUED, FETCHING, SUBMITTING, PROCESSING, COLLECTING, POSTING)
    TERMINAL = (DONE, FAILED)


class Job(Base):
    """One recording to process (or append), from the Slack input that asked for it to the posted result."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(512), unique=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    channel_id: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[str | None] = mapped_column(sa.String(32))
    origin: Mapped[str] = mapped_column(sa.String(16))  # "command" | "file" | "link"
    source_ts: Mapped[str | None] = mapped_column(sa.String(32))  # the user's message, for reactions
    thread_ts: Mapped[str | None] = mapped_column(sa.String(32))  # where status and results go
    status_ts: Mapped[str | None] = mapped_column(sa.String(32))  # the one status message, edited in place
    response_url: Mapped[str | None] = mapped_column(sa.Text)  # commands: where to answer if we cannot post

    append_to: Mapped[str | None] = mapped_column(sa.String(64))  # conversation id when appending
    file_id: Mapped[str | None] = mapped_column(sa.String(64))
    url: Mapped[str | None] = mapped_column(sa.Text)
    name: Mapped[str | None] = mapped_column(sa.String(512))
    media_kind: Mapped[str | None] = mapped_column(sa.String(8))
    content_type: Mapped[str | None] = mapped_column(sa.String(64))
    local_path: Mapped[str | None] = mapped_column(sa.Text)

    stage: Mapped[str] = mapped_column(sa.String(16), default=Stage.QUEUED, index=True)
    engine: Mapped[str] = mapped_column(sa.String(16))
    conversation_id: Mapped[str | None] = mapped_column(sa.String(64))
    engine_job_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    insights_json: Mapped[str | None] = mapped_column(sa.Text)
    result_posted: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    transcript_uploaded: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    error_text: Mapped[str | None] = mapped_column(sa.Text)

    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)  # consecutive retryable failures
    poll_interval: Mapped[float] = mapped_column(sa.Float, default=5.0)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConversationRecord(Base):
    """A conversation this workspace created, and the thread its results live in (for append and queries)."""

    __tablename__ = "conversations"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    channel_id: Mapped[str] = mapped_column(sa.String(32))
    thread_ts: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    name: Mapped[str | None] = mapped_column(sa.String(512))
    engine: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelSettings(Base):
    """Per-channel settings, stored as data (auto-processing on by default)."""

    __tablename__ = "channel_settings"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    auto_process: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
