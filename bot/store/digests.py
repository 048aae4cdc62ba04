"""Digest runs and the meetings a digest reports on.

A run row is written before anything is posted. Its key (team, channel, run key) is unique, so however many
processes see a schedule fire, one row exists per period; the process that then takes the row's lease posts it.
A process that dies while posting leaves a lease that expires, and another process posts the run instead.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.db import Database
from bot.store.lease import Lease, expiry
from bot.store.tables import ConversationRecord, DigestRun, DigestState, Job, Stage, utcnow


@dataclass(frozen=True)
class MeetingRecord:
    """A meeting finished in a channel: its latest result, with what a digest needs to link to it."""

    conversation_id: str
    name: str | None
    finished_at: datetime
    insights: dict[str, Any]  # the insights codec's dict (bot/codec.py)
    thread_ts: str | None
    permalink: str | None


_runs = DigestRun.__table__.c
_LEASE = Lease(DigestRun)
_INSERT_RUN = {
    dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(DigestRun.__table__).on_conflict_do_nothing(
        index_elements=["team_id", "channel_id", "run_key"]
    )
    for dialect in (postgresql, sqlite)
}


class DigestStore:
    """Reads and writes of ``digest_runs``, and the meeting history digests are built from."""

    def __init__(self, database: Database):
        self.db = database

    # -- runs -------------------------------------------------------------------------------------------------

    def request(
        self,
        *,
        team_id: str,
        channel_id: str,
        run_key: str,
        period_start: datetime,
        period_end: datetime,
        tz: str | None,
        always: bool,
        now: datetime,
        requested_by: str | None = None,
    ) -> bool:
        """Write a run unless one with this key exists; True when this call wrote it."""
        values = {
            "next_attempt_at": now,
            "id": str(uuid.uuid4()),
            "team_id": team_id,
            "channel_id": channel_id,
            "run_key": run_key,
            "period_start": period_start,
            "period_end": period_end,
            "tz": tz,
            "always": always,
            "requested_by": requested_by,
        }
        with self.db.statement(writes=True) as conn:
            return bool(conn.execute(_INSERT_RUN[self.db.engine.dialect.name], values).rowcount)

    def due_ids(self, now: datetime, limit: int = 50) -> list[str]:
        """Pending runs whose next attempt is due and whose lease is free."""
        with self.db.statement() as conn:
            return list(
                conn.scalars(
                    sa.select(_runs.id)
                    .where(
                        _runs.state == DigestState.PENDING,
                        _runs.next_attempt_at <= now,
                        _LEASE.is_free(now),
                    )
                    .order_by(_runs.next_attempt_at)
                    .limit(limit)
                )
            )

    def claim(self, run_id: str, owner: str, lease_seconds: float, now: datetime) -> DigestRun | None:
        """Take the run's lease if it is pending and free; the run on success."""
        claim = _LEASE.claim(
            _runs.id == run_id,
            _runs.state == DigestState.PENDING,
            owner=owner,
            now=now,
            until=expiry(lease_seconds, now),
        )
        with self.db.statement(writes=True) as conn:
            row = conn.execute(claim.returning(*_runs)).first()
        return DigestRun(**row._mapping) if row else None

    def finish(self, run_id: str, owner: str, *, state: str, posted_ts: str | None = None, **fields) -> None:
        """End a run (posted, skipped or failed) and give its lease back."""
        if "item_ids" in fields:
            fields["item_ids_json"] = json.dumps(fields.pop("item_ids"))
        with self.db.statement(writes=True) as conn:
            conn.execute(
                _LEASE.release(
                    _runs.id == run_id, owner=owner, state=state, posted_ts=posted_ts, finished_at=utcnow(), **fields
                )
            )

    def retry_later(self, run_id: str, owner: str, *, at: datetime, attempts: int) -> None:
        """Give the lease back and try again after ``delay_seconds``."""
        with self.db.statement(writes=True) as conn:
            conn.execute(_LEASE.release(_runs.id == run_id, owner=owner, attempts=attempts, next_attempt_at=at))

    def posted_at(self, team_id: str, channel_id: str, ts: str) -> DigestRun | None:
        """The run whose message is ``ts`` in this channel (to edit it in place after a button click)."""
        with self.db.session(writes=False) as s:
            return s.scalars(
                sa.select(DigestRun).where(
                    DigestRun.team_id == team_id, DigestRun.channel_id == channel_id, DigestRun.posted_ts == ts
                )
            ).first()

    def posted_in(self, team_id: str, channel_id: str) -> list[DigestRun]:
        """Every posted run of a channel, oldest first."""
        with self.db.session(writes=False) as s:
            return list(
                s.scalars(
                    sa.select(DigestRun)
                    .where(
                        DigestRun.team_id == team_id,
                        DigestRun.channel_id == channel_id,
                        DigestRun.state == DigestState.POSTED,
                    )
                    .order_by(DigestRun.created_at)
                )
            )

    def previous_posted_end(self, team_id: str, channel_id: str, *, before: datetime) -> datetime | None:
        """The end of the period of the channel's last digest posted before ``before`` (None: it is the first)."""
        with self.db.statement() as conn:
            return conn.scalar(
                sa.select(sa.func.max(_runs.period_end)).where(
                    _runs.team_id == team_id,
                    _runs.channel_id == channel_id,
                    _runs.state == DigestState.POSTED,
                    _runs.period_end < before,
                )
            )

    # -- meetings ---------------------------------------------------------------------------------------------

    def meetings_since(self, team_id: str, channel_id: str, since: datetime) -> list[MeetingRecord]:
        """Conversations of the channel whose latest finished job ended after ``since``, oldest first.

        An appended conversation is one meeting: its latest job carries the insights over all of its media.
        """
        with self.db.session(writes=False) as s:
            rows = s.execute(
                sa.select(Job.conversation_id, Job.finished_at, Job.insights_json, ConversationRecord)
                .join(
                    ConversationRecord,
                    sa.and_(
                        ConversationRecord.team_id == Job.team_id,
                        ConversationRecord.conversation_id == Job.conversation_id,
                    ),
                )
                .where(
                    Job.team_id == team_id,
                    ConversationRecord.channel_id == channel_id,
                    Job.stage == Stage.DONE,
                    Job.finished_at > since,
                    Job.insights_json.is_not(None),
                )
                .order_by(Job.finished_at)
            ).all()
        latest: dict[str, MeetingRecord] = {}
        for conversation_id, finished_at, insights_json, record in rows:
            latest[conversation_id] = MeetingRecord(
                conversation_id=conversation_id,
                name=record.name,
                finished_at=finished_at,
                insights=json.loads(insights_json),
                thread_ts=record.thread_ts,
                permalink=record.permalink,
            )
        return sorted(latest.values(), key=lambda m: m.finished_at)

    def set_permalink(self, team_id: str, conversation_id: str, permalink: str) -> None:
        with self.db.session() as s:
            s.execute(
                sa.update(ConversationRecord)
                .where(ConversationRecord.team_id == team_id, ConversationRecord.conversation_id == conversation_id)
                .values(permalink=permalink)
            )

    def conversations_without_permalink(
        self, team_id: str, conversation_ids: Sequence[str]
    ) -> list[tuple[str, str, str]]:
        """(conversation id, channel id, thread ts) of those that still need a permalink asked for."""
        if not conversation_ids:
            return []
        with self.db.session(writes=False) as s:
            return [
                (r.conversation_id, r.channel_id, r.thread_ts)
                for r in s.scalars(
                    sa.select(ConversationRecord).where(
                        ConversationRecord.team_id == team_id,
                        ConversationRecord.conversation_id.in_(list(conversation_ids)),
                        ConversationRecord.permalink.is_(None),
                        ConversationRecord.thread_ts.is_not(None),
                    )
                )
            ]
