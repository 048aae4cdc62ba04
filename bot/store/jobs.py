"""The job store: every read and write of jobs and the conversations they created.

Claiming a job is a conditional UPDATE (owner and lease expiry), so a job is worked on by one thread of one
process at a time even with several replicas on one PostgreSQL; a crashed worker's lease simply expires.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.lease import Lease, expiry
from bot.store.tables import ConversationRecord, Job, Stage, utcnow

# Free-text metadata that comes from users (a file's title, a command's name): cut to its column, never refused.
# PostgreSQL rejects a longer value (a 629-character title made every delivery fail); SQLite would keep it whole.
_CUT_TO_FIT = ("name",)


def fit(column: sa.Column, value: str | None) -> str | None:
    """``value`` cut to ``column``'s width (ending with an ellipsis when cut)."""
    width = getattr(column.type, "length", None)
    if value is None or width is None or len(value) <= width:
        return value
    return value[: width - 1] + "…"


def _fitted(fields: dict) -> dict:
    return {k: fit(Job.__table__.c[k], v) if k in _CUT_TO_FIT else v for k, v in fields.items()}


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
_LEASE = Lease(Job)
_CLAIM_JOB = _LEASE.claim(
    _jobs.id == sa.bindparam("job_id"),
    _jobs.stage.in_(Stage.ACTIVE),
    owner=sa.bindparam("owner"),
    now=sa.bindparam("now"),
    until=sa.bindparam("until"),
    again=True,  # its holder may take it again: the lease is only extended
).returning(*_jobs)
_RELEASE_JOB = _LEASE.release(_jobs.id == sa.bindparam("job_id"), owner=sa.bindparam("owner"))
_RENEW_LEASES = _LEASE.renew(_jobs.stage.in_(Stage.ACTIVE), owner=sa.bindparam("owner"), until=sa.bindparam("until"))
_DUE_JOB_IDS = (
    sa.select(_jobs.id)
    .where(
        _jobs.stage.in_(Stage.ACTIVE),
        _jobs.next_run_at <= sa.bindparam("now"),
        _LEASE.is_free(sa.bindparam("now")),
    )
    .order_by(_jobs.next_run_at)
    .limit(sa.bindparam("limit"))
)
_PENDING_FOR_USER = sa.select(sa.func.count()).where(
    _jobs.team_id == sa.bindparam("team_id"), _jobs.user_id == sa.bindparam("user_id"), _jobs.stage.in_(Stage.ACTIVE)
)
_KEY_TAKEN = sa.select(_jobs.id).where(_jobs.idempotency_key == sa.bindparam("idempotency_key"))


@functools.cache
def _insert_job_within_limit(dialect_name: str, names: tuple[str, ...]) -> sa.Insert:
    """``INSERT … SELECT <values> WHERE <the user's unfinished jobs> < :pending_limit ON CONFLICT DO NOTHING``.

    One statement per set of column names (a job from a file and one from a link set different columns), built
    once and then reused from SQLAlchemy's compiled cache.
    """
    columns = ("id", "idempotency_key", *names)
    values = sa.select(*(sa.bindparam(name, type_=_jobs[name].type) for name in columns)).where(
        _PENDING_FOR_USER.scalar_subquery() < sa.bindparam("pending_limit")
    )
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[dialect_name]
    return (
        dialect.insert(Job.__table__)
        .from_select(columns, values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(_jobs.id)  # psycopg reports no row count for INSERT … SELECT; a returned row says it happened
    )


class PendingLimitReached(Exception):
    """The person already has as many unfinished jobs as they may; no job was written."""


# The newest few, each row also carrying how many there are in all (an uncorrelated scalar subquery, computed
# once from the (team, channel, stage) index: still one statement, and cheaper than a window count, which would
# read every matching row in full before the limit applies).
STATUS_LIST_LIMIT = 15
_IN_CHANNEL_ACTIVE = (
    _jobs.team_id == sa.bindparam("team_id"),
    _jobs.channel_id == sa.bindparam("channel_id"),
    _jobs.stage.in_(Stage.ACTIVE),
)
_ACTIVE_IN_CHANNEL = (
    sa.select(
        _jobs.name,
        _jobs.stage,
        _jobs.created_at,
        _jobs.conversation_id,
        sa.select(sa.func.count()).where(*_IN_CHANNEL_ACTIVE).scalar_subquery().label("total"),
    )
    .where(*_IN_CHANNEL_ACTIVE)
    .order_by(_jobs.created_at.desc())
    .limit(STATUS_LIST_LIMIT)
)


class JobStore:
    """Repository over the app's tables. Methods return detached rows (safe to read after the session)."""

    def __init__(self, database: Database):
        self.db = database

    # -- jobs ---------------------------------------------------------------------------------------------

    def create_job(self, *, idempotency_key: str, pending_limit: int | None = None, **fields) -> str | None:
        """Insert a job before any work starts; its id, or None when a job with this key already exists.

        With ``pending_limit`` and a ``user_id``, the job is written only while that person has fewer unfinished
        jobs in the workspace, checked by the insert itself; else ``PendingLimitReached`` (a redelivery of a job
        already written is still just None).

        This runs on every Slack request that starts work, so it is one Core ``INSERT … ON CONFLICT DO NOTHING``
        (the ORM's unit of work costs more than the insert itself, and a caught IntegrityError more still).
        """
        job_id = str(uuid.uuid4())
        fields = _fitted(fields)
        params = {"id": job_id, "idempotency_key": idempotency_key, **fields}
        dialect = self.db.engine.dialect.name
        if pending_limit is None or not fields.get("user_id"):
            with self.db.statement(writes=True) as conn:
                return job_id if conn.execute(_INSERT_JOB[dialect], params).rowcount else None
        insert = _insert_job_within_limit(dialect, tuple(sorted(fields)))
        with self.db.statement(writes=True) as conn:
            if conn.execute(insert, {**params, "pending_limit": pending_limit}).first() is not None:
                return job_id
            if conn.execute(_KEY_TAKEN, params).first() is not None:
                return None
        raise PendingLimitReached(pending_limit)

    def get(self, job_id: str) -> Job | None:
        with self.db.session(writes=False) as s:
            return s.get(Job, job_id)

    def update(self, job_id: str, **fields) -> None:
        with self.db.statement(writes=True) as conn:
            conn.execute(_UPDATE_JOB, {"job_id": job_id, **_fitted(fields)})

    def claim(self, job_id: str, owner: str, lease_seconds: float) -> Job | None:
        """Take the job's lease if it is free or expired; the job row on success, None if someone holds it."""
        now = utcnow()
        params = {"job_id": job_id, "owner": owner, "now": now, "until": expiry(lease_seconds, now)}
        with self.db.statement(writes=True) as conn:
            row = conn.execute(_CLAIM_JOB, params).first()
        return Job(**row._mapping) if row else None

    def release(self, job_id: str, owner: str, **fields) -> None:
        """Give the lease back, saving ``fields`` in the same write."""
        params = {"job_id": job_id, "owner": owner, **fields}
        with self.db.statement(writes=True) as conn:
            conn.execute(_RELEASE_JOB, params)

    def renew_leases(self, owner: str, lease_seconds: float) -> int:
        """Extend every lease this owner holds; returns how many (a live process keeps its jobs)."""
        with self.db.statement(writes=True) as conn:
            return conn.execute(_RENEW_LEASES, {"owner": owner, "until": expiry(lease_seconds)}).rowcount

    def due_job_ids(self, now: datetime | None = None, limit: int = 100) -> list[str]:
        """Active jobs whose next step is due and whose lease is free, oldest first."""
        with self.db.statement() as conn:
            return list(conn.scalars(_DUE_JOB_IDS, {"now": now or utcnow(), "limit": limit}))

    def by_engine_job_id(self, engine_job_id: str) -> Job | None:
        with self.db.session(writes=False) as s:
            return s.scalars(sa.select(Job).where(Job.engine_job_id == engine_job_id)).first()

    def with_notes_message(self, team_id: str, channel_id: str, ts: str) -> Job | None:
        """The job whose notes message is ``ts`` in this channel of this workspace.

        Notes posted before they became a message of their own replaced their job's status message: for such a
        job (notes posted, no ``notes_ts``) the status message is the notes.
        """
        legacy = sa.and_(Job.notes_ts.is_(None), Job.status_ts == ts, Job.result_posted.is_(True))
        with self.db.session(writes=False) as s:
            return s.scalars(
                sa.select(Job).where(
                    Job.team_id == team_id, Job.channel_id == channel_id, sa.or_(Job.notes_ts == ts, legacy)
                )
            ).first()

    def active_in_channel(self, team_id: str, channel_id: str) -> tuple[Sequence[sa.Row], int]:
        """The channel's newest unfinished jobs (at most ``STATUS_LIST_LIMIT``) and how many there are in all:
        what ``/symbl status`` shows, in one statement (it must answer fast)."""
        with self.db.statement() as conn:
            rows = list(conn.execute(_ACTIVE_IN_CHANNEL, {"team_id": team_id, "channel_id": channel_id}))
        return rows, (rows[0].total if rows else 0)

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
                        name=fit(ConversationRecord.__table__.c.name, name),
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
