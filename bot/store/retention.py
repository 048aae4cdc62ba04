"""The retention sweep's rows: which day's sweep is claimed or done, and which meetings a retention has expired.

A day's sweep is one ``retention_sweeps`` row keyed by the UTC date. The first process to insert it sweeps; a
process that finds it unfinished with its lease run out (its sweeper died) takes it over. Forgetting goes through
``forget_requests``, so sweeping a meeting twice still forgets it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.retention_policy import RetentionInForce
from bot.store.db import Database
from bot.store.tables import ChannelSettings, ConversationRecord, ForgetRequest, RetentionSweep, utcnow


@dataclass(frozen=True)
class Expired:
    team_id: str
    conversation_id: str


class RetentionStore:
    def __init__(self, database: Database):
        self.db = database

    def claim_day(self, day: str, owner: str, lease_seconds: float, now: datetime | None = None) -> bool:
        """Take ``day``'s sweep; False when another process has it or it is done."""
        now = now or utcnow()
        lease_until = now + timedelta(seconds=lease_seconds)
        try:
            with self.db.session() as s:
                s.add(RetentionSweep(day=day, lease_owner=owner, lease_until=lease_until, started_at=now))
            return True
        except IntegrityError:
            pass  # the day's row is there: take it over only if its sweeper died before finishing
        with self.db.session() as s:
            return bool(
                s.execute(
                    sa.update(RetentionSweep)
                    .where(
                        RetentionSweep.day == day,
                        RetentionSweep.finished_at.is_(None),
                        sa.or_(RetentionSweep.lease_until.is_(None), RetentionSweep.lease_until < now),
                    )
                    .values(lease_owner=owner, lease_until=lease_until)
                ).rowcount
            )

    def finish_day(self, day: str, forgotten: int) -> None:
        with self.db.session() as s:
            s.execute(
                sa.update(RetentionSweep)
                .where(RetentionSweep.day == day)
                .values(finished_at=utcnow(), forgotten=forgotten, lease_until=None)
            )

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
