"""The consent note's row: one per channel, written by whichever trigger comes first, posted once.

``ask`` inserts the row (its primary key is the channel, so two triggers, two replicas or a redelivered command
make one row); the jobs process then claims it with a lease (``rows``, for ``bot.background``), raises ``posting``
before posting and saves the ts after, as the pipeline does for its messages.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.lease import LeasedRows
from bot.store.tables import ConsentNote


class ConsentStore:
    def __init__(self, database: Database):
        self.db = database
        # The notes still to post, for bot.consent's background work: due, claim, retry_later.
        self.rows = LeasedRows(database, ConsentNote, pending=ConsentNote.ts.is_(None), batch=20)

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

    def posting(self, note: ConsentNote) -> None:
        """Saved just before the post: a later attempt looks for the note before posting again."""
        with self.db.session() as s:
            s.execute(sa.update(ConsentNote).where(self.rows.this(note)).values(posting=True))
        note.posting = True

    def posted(self, note: ConsentNote, ts: str) -> None:
        with self.db.session() as s:
            s.execute(self.rows.lease.release(self.rows.this(note), owner=note.lease_owner, ts=ts))
