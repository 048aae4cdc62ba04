"""The retention sweep's rows: which day's sweep is claimed or done, and which meetings a retention has expired.

A day's sweep is one ``retention_sweeps`` row keyed by the UTC date. The first process to insert it sweeps; a
process that finds it unfinished with its lease run out (its sweeper died) takes it over. Forgetting goes through
``forget_requests``, so sweeping a meeting twice still forgets it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.retention_policy import RetentionInForce
from bot.store.db import Database
from bot.store.lease import Lease, expiry
from bot.store.tables import ChannelSettings, ConversationRecord, ForgetRequest, RetentionSweep, utcnow


@dataclass(frozen=True)
class Expired:
    team_id: str
    conversation_id: str


_LEASE = Lease(RetentionSweep)


class RetentionStore:
    def __init__(self, database: Database):
        self.db = database

    def claim_day(self, day: str, owner: str, lease_seconds: float, now: datetime | None = None) -> bool:
        """Take ``day``'s sweep; False when another process has it or it is done."""
        now = now or utcnow()
        until = expiry(lease_seconds, now)
        try:
            with self.db.session() as s:
                s.add(RetentionSweep(day=day, started_at=now, **Lease.held(owner=owner, until=until)))
            return True
        except IntegrityError:
            pass  # the day's row is there: take it over only if its sweeper died before finishing
        with self.db.session() as s:
            claim = _LEASE.claim(
                RetentionSweep.day == day, RetentionSweep.finished_at.is_(None), owner=owner, now=now, until=until
            )
            return bool(s.execute(claim).rowcount)

    def finish_day(self, day: str, owner: str, forgotten: int) -> None:
        """The day swept, and its lease given back (by its holder only: a sweep taken over is finished by the
        process that took it)."""
        with self.db.session() as s:
            s.execute(_LEASE.release(RetentionSweep.day == day, owner=owner, finished_at=utcnow(), forgotten=forgotten))

    def expired(self, default_days: int, now: datetime) -> list[Expired]:
        """Meetings older than their channel's retention (or the workspace's), not already being forgotten."""
        settings = ChannelSettings.__table__.c
        with self.db.session(writes=False) as s:
            rows = s.execute(
                sa.select(
                    ConversationRecord.team_id,
                    ConversationRecord.conversation_id,
                    ConversationRecord.created_at,
                    settings.retention_days,
                )
                .outerjoin(
                    ChannelSettings,
                    sa.and_(
                        settings.team_id == ConversationRecord.team_id,
                        settings.channel_id == ConversationRecord.channel_id,
                    ),
                )
                .outerjoin(
                    ForgetRequest,
                    sa.and_(
                        ForgetRequest.team_id == ConversationRecord.team_id,
                        ForgetRequest.conversation_id == ConversationRecord.conversation_id,
                    ),
                )
                .where(ForgetRequest.team_id.is_(None))
            ).all()
        return [
            Expired(r.team_id, r.conversation_id)
            for r in rows
            if RetentionInForce.of(r.retention_days, default_days).expired(r.created_at, now)
        ]
