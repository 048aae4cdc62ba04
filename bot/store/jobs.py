"""The job store: every read and write of jobs, conversations and channel settings.

Claiming a job is a conditional UPDATE (owner and lease expiry), so a job is worked on by one thread of one
process at a time even with several replicas on one PostgreSQL; a crashed worker's lease simply expires.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.tables import ChannelSettings, ConversationRecord, Job, Stage, utcnow


class JobStore:
    """Repository over the app's tables. Methods return detached rows (safe to read after the session)."""

    def __init__(self, database: Database):
        self.db = database

    # -- jobs ---------------------------------------------------------------------------------------------

    def create_job(self, *, idempotency_key: str, **fields) -> Job | None:
        """Insert a job before any work starts; None when a job with this key already exists."""
        job = Job(id=str(uuid.uuid4()), idempotency_key=idempotency_key, **fields)
        try:
            with self.db.session() as s:
                s.add(job)
        except IntegrityError:
            return None
        return job

    def get(self, job_id: str) -> Job | None:
        with self.db.session() as s:
            return s.get(Job, job_id)

    def update(self, job_id: str, **fields) -> None:
        with self.db.session() as s:
            s.execute(sa.update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **fields))

    def claim(self, job_id: str, owner: str, lease_seconds: float) -> Job | None:
        """Take the job's lease if it is free or expired; the job row on success, None if someone holds it."""
        now = utcnow()
        with self.db.session() as s:
            taken = s.execute(
                sa.update(Job)
                .where(
                    Job.id == job_id,
                    Job.stage.in_(Stage.ACTIVE),
                    sa.or_(Job.lease_until.is_(None), Job.lease_until < now, Job.lease_owner == owner),
                )
                .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
            ).rowcount
            return s.get(Job, job_id) if taken else None

    def release(self, job_id: str, owner: str, **fields) -> None:
        """Give the lease back, saving ``fields`` in the same write."""
        with self.db.session() as s:
            s.execute(
                sa.update(Job)
                .where(Job.id == job_id, Job.lease_owner == owner)
                .values(lease_owner=None, lease_until=None, updated_at=utcnow(), **fields)
            )

    def renew_leases(self, owner: str, lease_seconds: float) -> int:
        """Extend every lease this owner holds; returns how many (a live process keeps its jobs)."""
        with self.db.session() as s:
            return s.execute(
                sa.update(Job)
                .where(Job.lease_owner == owner, Job.stage.in_(Stage.ACTIVE))
                .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
            ).rowcount

    def due_job_ids(self, now: datetime | None = None, limit: int = 100) -> list[str]:
        """Active jobs whose next step is due and whose lease is free, oldest first."""
        now = now or utcnow()
        query = (
            sa.select(Job.id)
            .where(
                Job.stage.in_(Stage.ACTIVE),
                Job.next_run_at <= now,
                sa.or_(Job.lease_until.is_(None), Job.lease_until < now),
            )
            .order_by(Job.next_run_at)
            .limit(limit)
        )
        with self.db.session() as s:
            return list(s.scalars(query))

    def by_engine_job_id(self, engine_job_id: str) -> Job | None:
        with self.db.session() as s:
            return s.scalars(sa.select(Job).where(Job.engine_job_id == engine_job_id)).first()

    def active_in_channel(self, team_id: str, channel_id: str, limit: int = 50) -> Sequence[sa.Row]:
        """The channel's unfinished jobs, oldest first: only what ``/symbl status`` shows (it must answer fast)."""
        query = (
            sa.select(Job.name, Job.stage, Job.created_at, Job.conversation_id)
            .where(Job.team_id == team_id, Job.channel_id == channel_id, Job.stage.in_(Stage.ACTIVE))
            .order_by(Job.created_at)
            .limit(limit)
        )
        with self.db.session() as s:
            return list(s.execute(query))

    # -- conversations ------------------------------------------------------------------------------------

    def record_conversation(
        self,
        *,
        team_id: str,
        conversation_id: str,
        channel_id: str,
        thread_ts: str | None,
        name: str | None,
        engine: str,
    ) -> None:
        """Remember a conversation this workspace created (first writer wins; appends keep the original thread)."""
        try:
            with self.db.session() as s:
                s.add(
                    ConversationRecord(
                        team_id=team_id,
                        conversation_id=conversation_id,
                        channel_id=channel_id,
                        thread_ts=thread_ts,
                        name=name,
                        engine=engine,
                    )
                )
        except IntegrityError:
            pass

    def conversation(self, team_id: str, conversation_id: str) -> ConversationRecord | None:
        """The conversation if, and only if, this workspace created it."""
        with self.db.session() as s:
            return s.get(ConversationRecord, (team_id, conversation_id))

    def conversation_in_thread(self, team_id: str, channel_id: str, thread_ts: str) -> ConversationRecord | None:
        with self.db.session() as s:
            return s.scalars(
                sa.select(ConversationRecord).where(
                    ConversationRecord.team_id == team_id,
                    ConversationRecord.channel_id == channel_id,
                    ConversationRecord.thread_ts == thread_ts,
                )
            ).first()

    # -- channel settings ---------------------------------------------------------------------------------

    def auto_process(self, team_id: str, channel_id: str) -> bool:
        with self.db.session() as s:
            row = s.get(ChannelSettings, (team_id, channel_id))
            return True if row is None else row.auto_process

    def set_auto_process(self, team_id: str, channel_id: str, enabled: bool) -> None:
        with self.db.session() as s:
            row = s.get(ChannelSettings, (team_id, channel_id))
            if row is None:
                s.add(ChannelSettings(team_id=team_id, channel_id=channel_id, auto_process=enabled))
            else:
                row.auto_process = enabled
