"""Forgetting a meeting in the database: the request row that makes it resumable, and the final delete.

``begin`` writes the request with everything the later steps need (the notes messages, the transcript files, the
media on disk) and takes the meeting out of search in the same transaction, so it stops being found at once.
``delete_rows`` removes every row of the meeting, the request included, in one transaction: a crash leaves
either all of them (and the request, which runs again) or none.
"""

from __future__ import annotations

import json
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.lease import LeasedRows, expiry
from bot.store.tables import (
    ConversationRecord,
    DigestRun,
    ForgetRequest,
    Job,
    LedgerItem,
    OwnerOverride,
    SearchPassage,
    SpeakerEmbedding,
    SpeakerName,
    Stage,
    VoicePrint,
)


class Begun(StrEnum):
    STARTED = "started"
    ALREADY = "already"  # someone asked before; that request is under way
    GONE = "gone"  # no such meeting (any more)


def _jobs_of(team_id: str, conversation_id: str):
    return sa.and_(
        Job.team_id == team_id, sa.or_(Job.conversation_id == conversation_id, Job.append_to == conversation_id)
    )


class ForgetStore:
    def __init__(self, database: Database):
        self.db = database
        # The requests under way (a done one is deleted), for bot.forget's background work: due, claim, retry_later.
        self.rows = LeasedRows(database, ForgetRequest, reason_column="error_text")

    def sharer(self, team_id: str, conversation_id: str) -> str | None:
        """Who shared the recording the meeting began with."""
        with self.db.session(writes=False) as s:
            return s.scalars(
                sa.select(Job.user_id)
                .where(Job.team_id == team_id, Job.conversation_id == conversation_id, Job.append_to.is_(None))
                .order_by(Job.created_at)
                .limit(1)
            ).first()

    def is_processing(self, team_id: str, conversation_id: str) -> bool:
        """Whether a recording of the meeting (its first or an append) is still being worked on."""
        with self.db.session(writes=False) as s:
            return (
                s.scalars(
                    sa.select(Job.id).where(_jobs_of(team_id, conversation_id), Job.stage.in_(Stage.ACTIVE)).limit(1)
                ).first()
                is not None
            )

    def begin(self, team_id: str, conversation_id: str, requested_by: str, *, reason: str = "request") -> Begun:
        with self.db.session(writes=False) as s:
            if s.get(ForgetRequest, (team_id, conversation_id)) is not None:
                return Begun.ALREADY
        try:
            with self.db.session() as s:
                record = s.get(ConversationRecord, (team_id, conversation_id))
                if record is None:
                    return Begun.GONE
                jobs = s.scalars(sa.select(Job).where(_jobs_of(team_id, conversation_id))).all()
                messages = [ts for j in jobs for ts in (j.status_ts, j.notes_ts) if ts]
                s.add(
                    ForgetRequest(
                        team_id=team_id,
                        conversation_id=conversation_id,
                        channel_id=record.channel_id,
                        engine=record.engine,
                        requested_by=requested_by,
                        reason=reason,
                        message_ts_json=json.dumps(sorted(set(messages))),
                        file_ids_json=json.dumps(sorted({j.transcript_file_id for j in jobs if j.transcript_file_id})),
                        media_paths_json=json.dumps(sorted({j.local_path for j in jobs if j.local_path})),
                        step="engine",
                    )
                )
                s.execute(
                    sa.delete(SearchPassage).where(
                        SearchPassage.team_id == team_id, SearchPassage.conversation_id == conversation_id
                    )
                )
        except IntegrityError:
            return Begun.ALREADY  # two requests at once: the other one's row won
        return Begun.STARTED

    def advance(self, request: ForgetRequest, step: str, lease_seconds: float) -> None:
        """Save that the request reached ``step``, and hold it ``lease_seconds`` longer."""
        renew = self.rows.lease.renew(
            self.rows.this(request),
            owner=request.lease_owner,
            until=expiry(lease_seconds),
            step=step,
            attempts=0,
            error_text=None,
        )
        with self.db.session() as s:
            s.execute(renew)
        request.step = step

    def delete_rows(self, team_id: str, conversation_id: str) -> None:
        """Every row of the meeting, and the request itself, in one transaction."""
        with self.db.session() as s:
            item_ids = set(
                s.scalars(
                    sa.select(LedgerItem.id).where(
                        LedgerItem.team_id == team_id, LedgerItem.conversation_id == conversation_id
                    )
                )
            )
            if item_ids:  # a posted digest keeps the ids of the items it shows with buttons: take these out
                for run in s.scalars(
                    sa.select(DigestRun).where(DigestRun.team_id == team_id, DigestRun.item_ids_json.is_not(None))
                ):
                    shown = json.loads(run.item_ids_json or "[]")
                    kept = [i for i in shown if i not in item_ids]
                    if len(kept) != len(shown):
                        run.item_ids_json = json.dumps(kept)
            s.execute(sa.delete(Job).where(_jobs_of(team_id, conversation_id)))
            # A voice print taken from this meeting goes with it too: it was this meeting's audio
            tables = (
                LedgerItem,
                OwnerOverride,
                SpeakerName,
                SearchPassage,
                SpeakerEmbedding,
                VoicePrint,
                ConversationRecord,
            )
            for table in (*tables, ForgetRequest):
                s.execute(sa.delete(table).where(table.team_id == team_id, table.conversation_id == conversation_id))
