"""The job store: every read and write of jobs and the conversations they created.

Claiming a job is a conditional UPDATE (owner and lease expiry), so a job is worked on by one thread of one
process at a time even with several replicas on one PostgreSQL; a crashed worker's lease simply expires.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.tables import ConversationRecord, Job, Stage, utcnow

# Statements on Slack's request path, built once: SQLAlchemy then reuses their compiled form, and building the
# expression on every request would cost more than running it. Both dialects can skip a duplicate key.
_INSERT_JOB = {
    dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(Job.__table__).on_conflict_do_nothing(
        index_elements=["idempotency_key"]
    )
    for dialect in (postgresql, sqlite)
}
_jobs = Job.__table__.c
_UPDATE_JOB = sa.update(Job.__table__).where(_jobs.id == sa.bindparam("job_id"))  # SET: the other parameters
_CLAIM_JOB = (
    sa.update(Job.__table__)
    .where(
        _jobs.id == sa.bindparam("job_id"),
        _jobs.stage.in_(Stage.ACTIVE),
        sa.or_(
            _jobs.lease_until.is_(None),
            _jobs.lease_until < sa.bindparam("now"),
            _jobs.lease_owner == sa.bindparam("owner"),
        ),
    )
    .values(lease_owner=sa.bindparam("owner"), lease_until=sa.bindparam("until"))
    .returning(*_jobs)
)
_RELEASE_JOB = sa.update(Job.__table__).where(
    _jobs.id == sa.bindparam("job_id"), _jobs.lease_owner == sa.bindparam("owner")
)
_RENEW_LEASES = (
    sa.update(Job.__table__)
    .where(_jobs.lease_owner == sa.bindparam("owner"), _jobs.stage.in_(Stage.ACTIVE))
    .values(lease_until=sa.bindparam("until"))
)
_DUE_JOB_IDS = (
    sa.select(_jobs.id)
    .where(
        _jobs.stage.in_(Stage.ACTIVE),
        _jobs.next_run_at <= sa.bindparam("now"),
        sa.or_(_jobs.lease_until.is_(None), _jobs.lease_until < sa.bindparam("now")),
    )
    .order_by(_jobs.next_run_at)
    .limit(sa.bindparam("limit"))
)
_RUNNING = (Stage.FETCHING, Stage.SUBMITTING, Stage.PROCESSING, Stage.COLLECTING, Stage.POSTING)
_RUNNING_COUNTS = sa.select(
    sa.func.count().filter(_jobs.channel_id == sa.bindparam("channel_id")).label("channel"),
    sa.func.count().filter(_jobs.user_id == sa.bindparam("user_id")).label("user"),
).where(_jobs.team_id == sa.bindparam("team_id"), _jobs.id != sa.bindparam("job_id"), _jobs.stage.in_(_RUNNING))
_PENDING_FOR_USER = sa.select(sa.func.count()).where(
    _jobs.team_id == sa.bindparam("team_id"), _jobs.user_id == sa.bindparam("user_id"), _jobs.stage.in_(Stage.ACTIVE)
)
_ACTIVE_IN_CHANNEL = (
    sa.select(Job.name, Job.stage, Job.created_at, Job.conversation_id)
    .where(
        Job.team_id == sa.bindparam("team_id"),
        Job.channel_id == sa.bindparam("channel_id"),
        Job.stage.in_(Stage.ACTIVE),
    )
    .order_by(Job.created_at)
    .limit(50)
)


class JobStore:
    """Repository over the app's tables. Methods return detached rows (safe to read after the session)."""

    def __init__(self, database: Database):
        self.db = database

    # -- jobs ---------------------------------------------------------------------------------------------

    def create_job(self, *, idempotency_key: str, **fields) -> str | None:
        """Insert a job before any work starts; its id, or None when a job with this key already exists.

        This runs on every Slack request that starts work, so it is one Core ``INSERT … ON CONFLICT DO NOTHING``
        (the ORM's unit of work costs more than the insert itself, and a caught IntegrityError more still).
        """
        job_id = str(uuid.uuid4())
        insert = _INSERT_JOB[self.db.engine.dialect.name]
        with self.db.statement(writes=True) as conn:
            inserted = conn.execute(insert, {"id": job_id, "idempotency_key": idempotency_key, **fields}).rowcount
        return job_id if inserted else None

    def get(self, job_id: str) -> Job | None:
        with self.db.session(writes=False) as s:
            return s.get(Job, job_id)

    def update(self, job_id: str, **fields) -> None:
        with self.db.statement(writes=True) as conn:
            conn.execute(_UPDATE_JOB, {"job_id": job_id, **fields})

    def claim(self, job_id: str, owner: str, lease_seconds: float) -> Job | None:
        """Take the job's lease if it is free or expired; the job row on success, None if someone holds it."""
        now = utcnow()
        params = {"job_id": job_id, "owner": owner, "now": now, "until": now + timedelta(seconds=lease_seconds)}
        with self.db.statement(writes=True) as conn:
            row = conn.execute(_CLAIM_JOB, params).first()
        return Job(**row._mapping) if row else None

    def release(self, job_id: str, owner: str, **fields) -> None:
        """Give the lease back, saving ``fields`` in the same write."""
        params = {"job_id": job_id, "owner": owner, "lease_owner": None, "lease_until": None, **fields}
        with self.db.statement(writes=True) as conn:
            conn.execute(_RELEASE_JOB, params)

    def renew_leases(self, owner: str, lease_seconds: float) -> int:
        """Extend every lease this owner holds; returns how many (a live process keeps its jobs)."""
        with self.db.statement(writes=True) as conn:
            return conn.execute(
                _RENEW_LEASES, {"owner": owner, "until": utcnow() + timedelta(seconds=lease_seconds)}
            ).rowcount

    def due_job_ids(self, now: datetime | None = None, limit: int = 100) -> list[str]:
        """Active jobs whose next step is due and whose lease is free, oldest first."""
        with self.db.statement() as conn:
            return list(conn.scalars(_DUE_JOB_IDS, {"now": now or utcnow(), "limit": limit}))

    def by_engine_job_id(self, engine_job_id: str) -> Job | None:
        with self.db.session(writes=False) as s:
            return s.scalars(sa.select(Job).where(Job.engine_job_id == engine_job_id)).first()

    def running_counts(self, job: Job) -> tuple[int, int]:
        """How many other jobs of this job's channel, and of its user, are past the queue and not yet finished."""
        with self.db.statement() as conn:
            row = conn.execute(
                _RUNNING_COUNTS,
                {"job_id": job.id, "team_id": job.team_id, "channel_id": job.channel_id, "user_id": job.user_id or ""},
            ).one()
        return int(row.channel or 0), int(row.user or 0)

    def pending_for_user(self, team_id: str, user_id: str) -> int:
        """The user's unfinished jobs in this workspace (checked on Slack's request path, so one indexed count)."""
        with self.db.statement() as conn:
            return int(conn.execute(_PENDING_FOR_USER, {"team_id": team_id, "user_id": user_id}).scalar() or 0)

    def with_status_message(self, team_id: str, channel_id: str, ts: str) -> Job | None:
        """The job whose status message (later its results) is ``ts`` in this channel of this workspace."""
        with self.db.session(writes=False) as s:
            return s.scalars(
                sa.select(Job).where(Job.team_id == team_id, Job.channel_id == channel_id, Job.status_ts == ts)
            ).first()

    def active_in_channel(self, team_id: str, channel_id: str) -> Sequence[sa.Row]:
        """The channel's unfinished jobs, oldest first: only what ``/symbl status`` shows (it must answer fast)."""
        with self.db.statement() as conn:
            return list(conn.execute(_ACTIVE_IN_CHANNEL, {"team_id": team_id, "channel_id": channel_id}))

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
        with self.db.session(writes=False) as s:
            return s.get(ConversationRecord, (team_id, conversation_id))

    def conversation_in_thread(self, team_id: str, channel_id: str, thread_ts: str) -> ConversationRecord | None:
        with self.db.session(writes=False) as s:
            return s.scalars(
                sa.select(ConversationRecord).where(
                    ConversationRecord.team_id == team_id,
                    ConversationRecord.channel_id == channel_id,
                    ConversationRecord.thread_ts == thread_ts,
                )
            ).first()
