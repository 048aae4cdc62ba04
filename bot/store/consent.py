"""The consent note's row: one per channel, written by whichever trigger comes first, posted once.

``ask`` inserts the row (its primary key is the channel, so two triggers, two replicas or a redelivered command
make one row); the jobs process then claims it with a lease, raises ``posting`` before posting and saves the ts
after, as the pipeline does for its messages.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.retry import CONSENT_NOTE
from bot.store.db import Database
from bot.store.lease import Lease, expiry
from bot.store.tables import ConsentNote, utcnow

_LEASE = Lease(ConsentNote)


def _this(note: ConsentNote):
    return sa.and_(ConsentNote.team_id == note.team_id, ConsentNote.channel_id == note.channel_id)


class ConsentStore:
    def __init__(self, database: Database):
        self.db = database

    def ask(self, team_id: str, channel_id: str, trigger: str) -> bool:
        """Ask for the channel's note; False when it was asked for (or posted) before."""
        with self.db.session(writes=False) as s:
            if s.get(ConsentNote, (team_id, channel_id)) is not None:
                return False
        try:
            with self.db.session() as s:
                s.add(ConsentNote(team_id=team_id, channel_id=channel_id, trigger=trigger))
        except IntegrityError:
            return False  # asked at the same moment by another trigger or replica: its row stands
        return True

    def due(self, now: datetime | None = None, limit: int = 20) -> list[tuple[str, str]]:
        now = now or utcnow()
        with self.db.session(writes=False) as s:
            rows = s.execute(
                sa.select(ConsentNote.team_id, ConsentNote.channel_id)
                .where(
                    ConsentNote.ts.is_(None),
                    ConsentNote.next_attempt_at <= now,
                    _LEASE.is_free(now),
                )
                .limit(limit)
            ).all()
        return [(r.team_id, r.channel_id) for r in rows]

    def claim(self, team_id: str, channel_id: str, owner: str, lease_seconds: float) -> ConsentNote | None:
        now = utcnow()
        with self.db.session() as s:
            taken = s.execute(
                _LEASE.claim(
                    ConsentNote.team_id == team_id,
                    ConsentNote.channel_id == channel_id,
                    ConsentNote.ts.is_(None),
                    owner=owner,
                    now=now,
                    until=expiry(lease_seconds, now),
                )
            ).rowcount
            return s.get(ConsentNote, (team_id, channel_id)) if taken else None

    def posting(self, note: ConsentNote) -> None:
        """Saved just before the post: a later attempt looks for the note before posting again."""
        with self.db.session() as s:
            s.execute(sa.update(ConsentNote).where(_this(note)).values(posting=True))
        note.posting = True

    def posted(self, note: ConsentNote, ts: str) -> None:
        with self.db.session() as s:
            s.execute(_LEASE.release(_this(note), owner=note.lease_owner, ts=ts))

    def retry_later(self, note: ConsentNote) -> None:
        with self.db.session() as s:
            s.execute(
                _LEASE.retry_later(
                    _this(note),
                    owner=note.lease_owner,
                    attempts=note.attempts + 1,
                    delay=CONSENT_NOTE.delay(note.attempts + 1),
                )
            )
