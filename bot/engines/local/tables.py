"""The offline engine's own tables: its conversations (transcript and insights as JSON) and its jobs.

A job is claimed with a lease (``lease_owner`` + ``lease_until``) by a conditional UPDATE, so two processes
sharing one PostgreSQL database never run the same job, and a crashed worker's job is picked up again once
its lease runs out. ``seq`` orders the jobs of one conversation: they run first in, first out.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.db import Base, UTCDateTime


def utcnow() -> datetime:
    """Now, timezone-aware UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


class LocalConversation(Base):
    """A conversation of the offline engine: everything transcribed into it so far, and its insights."""

    __tablename__ = "local_conversations"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The meeting's start, which due dates are resolved against: the first recording's creation time from its
    # metadata when it has one, else when it was shared in Slack, else when it was submitted (the CLI)
    meeting_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Seconds of media transcribed so far: where the next appended recording's offsets start
    media_seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    # {"turns": [{start, end, text, speaker}], "profiles": {speaker: [voice features]}}
    transcript_json: Mapped[str | None] = mapped_column(sa.Text)
    insights_json: Mapped[str | None] = mapped_column(sa.Text)  # bot.codec.insights_to_dict
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LocalJob(Base):
    """One recording to transcribe into a conversation (its first, or an append)."""

    __tablename__ = "local_jobs"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "seq"),)

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(sa.ForeignKey("local_conversations.id"), index=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(10))  # MediaKind
    media_path: Mapped[str | None] = mapped_column(sa.String(1000))  # our copy of the recording
    url: Mapped[str | None] = mapped_column(sa.Text)  # or where to download it from
    options_json: Mapped[str] = mapped_column(sa.Text, default="{}")
    status: Mapped[str] = mapped_column(sa.String(20), index=True)  # JobStatus
    error: Mapped[str | None] = mapped_column(sa.Text)  # user-readable, when failed
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
