"""The Slack app's tables: jobs, the conversations they created, per-channel settings, the action-item ledger and
the digest runs.

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
    __table_args__ = (
        sa.Index("ix_jobs_team_user_stage", "team_id", "user_id", "stage"),
        sa.Index("ix_jobs_team_channel_stage", "team_id", "channel_id", "stage"),  # /symbl status
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(512), unique=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    channel_id: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[str | None] = mapped_column(sa.String(32))
    origin: Mapped[str] = mapped_column(sa.String(16))  # "command" | "file" | "link"
    source_ts: Mapped[str | None] = mapped_column(sa.String(32))  # the user's message, for reactions
    thread_ts: Mapped[str | None] = mapped_column(sa.String(32))  # where status and results go
    status_ts: Mapped[str | None] = mapped_column(sa.String(32), index=True)  # the one status message, edited in place
    notes_ts: Mapped[str | None] = mapped_column(sa.String(32), index=True)  # the notes, a message of their own
    failure_ts: Mapped[str | None] = mapped_column(sa.String(32))  # the failure note, a message of its own
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
    # Set just before a message is posted or a file shared: a crash between Slack's answer and saving its ts
    # leaves the flag up, and the next attempt looks for what the crashed one posted instead of posting again.
    parent_posting: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status_posting: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    notes_posting: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    failure_posting: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    transcript_file_id: Mapped[str | None] = mapped_column(sa.String(64))
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

    @property
    def shared_at(self) -> datetime:
        """When the recording was shared: its Slack message's time, else when the command asked for it.

        The meeting is dated by this (when the recording holds no date), never by when processing happens to run:
        a job that waited for its turn or for an outage must still read "by Friday" as the Friday after the meeting.
        """
        if self.source_ts:
            try:
                return datetime.fromtimestamp(float(self.source_ts), UTC)
            except ValueError:
                pass
        return self.created_at


class ConversationRecord(Base):
    """A conversation this workspace created, and the thread its results live in (for append and queries)."""

    __tablename__ = "conversations"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    channel_id: Mapped[str] = mapped_column(sa.String(32))
    thread_ts: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    name: Mapped[str | None] = mapped_column(sa.String(512))
    engine: Mapped[str] = mapped_column(sa.String(16))
    permalink: Mapped[str | None] = mapped_column(sa.Text)  # the thread's chat.getPermalink, asked once
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelSettings(Base):
    """Per-channel settings, stored as data: auto-processing (on by default) and the digest schedule (off)."""

    __tablename__ = "channel_settings"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    auto_process: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    digest_cadence: Mapped[str | None] = mapped_column(sa.String(16))  # "daily" | "weekly"; None: no digest
    digest_hour: Mapped[int | None] = mapped_column(sa.Integer)
    digest_minute: Mapped[int | None] = mapped_column(sa.Integer)
    digest_weekday: Mapped[int | None] = mapped_column(sa.Integer)  # 0 = Monday
    digest_tz: Mapped[str | None] = mapped_column(sa.String(64))
    digest_always: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Days a meeting is kept before the retention sweep forgets it: None follows the workspace's RETENTION_DAYS,
    # 0 keeps meetings until someone forgets them (``/symbl retention off``).
    retention_days: Mapped[int | None] = mapped_column(sa.Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LedgerItem(Base):
    """One action item or follow-up from a conversation, and what people did to it in Slack since.

    Keyed by the engine's own item id within the conversation, so posting a meeting's notes twice, or re-running
    it after an append, updates the same rows instead of adding new ones.
    """

    __tablename__ = "ledger_items"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "conversation_id", "kind", "item_key"),
        sa.Index("ix_ledger_items_channel_status", "team_id", "channel_id", "status"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))
    channel_id: Mapped[str] = mapped_column(sa.String(32))
    conversation_id: Mapped[str] = mapped_column(sa.String(64))
    item_key: Mapped[str] = mapped_column(sa.String(128))  # the engine's id for the item
    kind: Mapped[str] = mapped_column(sa.String(16))  # "action" | "follow_up"
    text: Mapped[str] = mapped_column(sa.Text)
    assignee_name: Mapped[str | None] = mapped_column(sa.String(256))
    assignee_email: Mapped[str | None] = mapped_column(sa.String(320))
    owner_user_id: Mapped[str | None] = mapped_column(sa.String(32))
    owner_picked: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # chosen in Slack: later runs keep it
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    definitive: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    done_by: Mapped[str | None] = mapped_column(sa.String(32))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OwnerOverride(Base):
    """A person of a conversation mapped to a Slack user by someone in Slack; later renderings use it."""

    __tablename__ = "owner_overrides"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    person_key: Mapped[str] = mapped_column(sa.String(320), primary_key=True)  # lower-cased name or email
    user_id: Mapped[str] = mapped_column(sa.String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DigestState:
    """Where a digest run is. A run is written before it is posted; its unique key makes it post once."""

    PENDING = "pending"  # asked for (a schedule fired, or "/symbl digest now"), not yet posted
    POSTED = "posted"
    SKIPPED = "skipped"  # a scheduled period without meetings, in a channel that did not ask for "always"
    FAILED = "failed"


class DigestRun(Base):
    """One digest of one channel: a scheduled period or a "now" request, posted at most once."""

    __tablename__ = "digest_runs"
    __table_args__ = (sa.UniqueConstraint("team_id", "channel_id", "run_key"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))
    channel_id: Mapped[str] = mapped_column(sa.String(32))
    run_key: Mapped[str] = mapped_column(sa.String(128))  # "scheduled:<UTC instant>" or "now:<request id>"
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    tz: Mapped[str | None] = mapped_column(sa.String(64))
    always: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # post even without meetings
    requested_by: Mapped[str | None] = mapped_column(sa.String(32))
    state: Mapped[str] = mapped_column(sa.String(16), default=DigestState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_ts: Mapped[str | None] = mapped_column(sa.String(32))
    item_ids_json: Mapped[str | None] = mapped_column(sa.Text)  # the items shown with buttons, for in-place edits
    error_text: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SearchPassage(Base):
    """A passage of a meeting: one speaker's consecutive searchable lines (transcript messages, action items,
    follow-ups, questions, topics), up to about 2 KB, which is what the full-text index points at.

    ``text`` holds the lines, one per line; ``lines`` marks each with its kind and its time in the meeting
    (``bot.store.search.passages`` writes both). Why passages and not a row per line: a row costs about 28 bytes
    before its first column and the index an entry per word per row, so a row per ~90-byte line made search cost
    three times the transcript on disk (``bench/bench_search.py``). The full-text index beside it differs by
    database (a GIN index over ``to_tsvector('simple', text)`` on PostgreSQL, an FTS5 table kept by triggers on
    SQLite); migration 0011 makes both. A meeting's passages are replaced together whenever its notes are posted
    again (appends, re-posts).
    """

    __tablename__ = "search_passages"
    # Conversation first: forgetting or re-indexing a meeting finds its rows, while a search (which knows only the
    # workspace) has no index but the full-text one to start from; given a workspace-first index, SQLite started
    # from it and probed the full-text index row by row (500 ms for a `from:` search).
    __table_args__ = (sa.Index("ix_search_passages_conversation", "conversation_id", "team_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))
    channel_id: Mapped[str] = mapped_column(sa.String(32))
    conversation_id: Mapped[str] = mapped_column(sa.String(64))
    meeting_at: Mapped[datetime] = mapped_column(UTCDateTime)
    speaker: Mapped[str | None] = mapped_column(sa.String(256))  # who said (or was given) every line of it
    lines: Mapped[str] = mapped_column(sa.Text)  # per line its kind and seconds: "m12.5 a130 t"
    text: Mapped[str] = mapped_column(sa.Text)


class ForgetRequest(Base):
    """A meeting to forget, written when someone asks and deleted with the meeting's last row.

    It holds what the steps need once the meeting's own rows are gone (its notes messages, its transcript files,
    its engine), so a crash in the middle resumes from here: every step is safe to run again.
    """

    __tablename__ = "forget_requests"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    channel_id: Mapped[str] = mapped_column(sa.String(32))
    engine: Mapped[str] = mapped_column(sa.String(16))
    requested_by: Mapped[str] = mapped_column(sa.String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why: "request" (someone's /symbl forget) or "retention" (the retention sweep); the notes message says which.
    reason: Mapped[str] = mapped_column(sa.String(16), default="request", server_default="request")
    message_ts_json: Mapped[str] = mapped_column(sa.Text, default="[]")  # notes messages to rewrite
    file_ids_json: Mapped[str] = mapped_column(sa.Text, default="[]")  # transcript files the app uploaded
    media_paths_json: Mapped[str] = mapped_column(sa.Text, default="[]")  # recordings still on disk
    step: Mapped[str] = mapped_column(sa.String(16), default="engine")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_text: Mapped[str | None] = mapped_column(sa.Text)


class RetentionSweep(Base):
    """One day's retention sweep, claimed by the first process to write it, so replicas sweep once a day.

    The lease lets another process finish a sweep whose process died; every forget it starts is idempotent.
    """

    __tablename__ = "retention_sweeps"

    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # the UTC date, "2026-12-07"
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forgotten: Mapped[int] = mapped_column(sa.Integer, default=0)  # meetings handed to the forget machinery


class ConsentNote(Base):
    """The note telling a channel what the app keeps: written once per channel, posted once by the jobs process.

    ``posting`` is raised before the message is posted (tagged in its Slack metadata) and ``ts`` saved after, so a
    crash between the two looks for the posted note instead of posting a second one (as the pipeline's messages).
    """

    __tablename__ = "consent_notes"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    trigger: Mapped[str] = mapped_column(sa.String(16))  # "auto_on" | "first_recording"
    posting: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    ts: Mapped[str | None] = mapped_column(sa.String(32))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErasureRequest(Base):
    """A workspace's data (app uninstalled, bot token revoked) or some people's data (user tokens revoked) to erase.

    Keyed by the Slack event's id, so a redelivered event or the same event reaching another replica is one
    erasure; a later uninstall (after a reinstall) is a new one. Kept once done, with counts only, as the record
    that the erasure happened; it is the one table with a team column that a workspace erasure leaves.
    """

    __tablename__ = "erasure_requests"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(16))  # "workspace" | "users"
    user_ids_json: Mapped[str] = mapped_column(sa.Text, default="[]")  # scope "users": whose data
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counts_json: Mapped[str | None] = mapped_column(sa.Text)  # rows deleted per table: numbers, never content
    error_text: Mapped[str | None] = mapped_column(sa.Text)


class SpeakerName(Base):
    """Who a speaker of a conversation is, as decided in Slack (``bot.speaker_naming``): a person's correction
    (``source`` "person"; a NULL ``user_id`` means "not who the voice said"), or a voice recognised by the voices
    feature (``source`` "voice"). ``merged_into`` folds this speaker into another one of the same conversation.
    Keyed by the engine's speaker id (Symbl's member id, else the engine's label), so an append keeps it."""

    __tablename__ = "speaker_names"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    speaker_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    source: Mapped[str] = mapped_column(sa.String(16))
    merged_into: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    named_by: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SpeakerEmbedding(Base):
    """One detected speaker's voice in a conversation: a CAM++ speaker embedding (a vector, never audio).

    Written when the offline engine's results are collected, so that naming the speaker later can remember that
    person's voice (only if they opted in). Forgotten with the meeting.
    """

    __tablename__ = "speaker_embeddings"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    speaker_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # the diarizer's "Speaker N"
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)  # float32, little-endian
    speech_seconds: Mapped[float] = mapped_column(sa.Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoiceConsent(Base):
    """A person agreed (``/symbl voice on``) that their voice is remembered in this workspace."""

    __tablename__ = "voice_consents"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoicePrint(Base):
    """A remembered voice of a person who opted in: a copy of the embedding of a speaker they were named as.

    At most a few per person, the newest kept; one per (conversation, speaker).
    """

    __tablename__ = "voice_prints"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "conversation_id", "speaker_id"),
        sa.Index("ix_voice_prints_team_user", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[str] = mapped_column(sa.String(32))
    conversation_id: Mapped[str] = mapped_column(sa.String(64))
    speaker_id: Mapped[str] = mapped_column(sa.String(64))
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
