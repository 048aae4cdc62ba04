"""The API server's own tables: which client owns each conversation and job, and what the wire layer adds.

The offline engine keeps the transcripts, insights and its job queue (``bot/engines/local/tables.py``); these
tables only say whose they are (another client's id is answered 404), which webhook to call and which status it was
last told, and the per-conversation choices that change how results are shown (member names, thresholds).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bot.engines.local.tables import utcnow
from bot.store.db import Base, UTCDateTime


class ApiConversation(Base):
    """A conversation created through the API, and the client that created it."""

    __tablename__ = "api_conversations"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # the engine's conversation id
    client_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    # {"confidenceThreshold": float, "detectPhrases": bool, "enableSummary": bool}: the submit's display options
    options_json: Mapped[str] = mapped_column(sa.Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiJob(Base):
    """A job submitted through the API: its owner, its webhook and the last status the server saw (and told)."""

    __tablename__ = "api_jobs"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # the engine's job id
    conversation_id: Mapped[str] = mapped_column(sa.String(40), index=True)
    client_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    webhook_url: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)  # JobStatus, as last seen
    audio_seconds: Mapped[float | None] = mapped_column(sa.Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiMember(Base):
    """A member's name and email as the client set them (``PUT …/members/{id}``, ``channelMetadata``)."""

    __tablename__ = "api_members"

    conversation_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    # The speaker's name as the engine gave it ("Speaker 2"): the member's id is derived from it
    speaker: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(500))
    email: Mapped[str | None] = mapped_column(sa.String(500))
