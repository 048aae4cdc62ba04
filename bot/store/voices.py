"""Remembered voices in the database: speakers' embeddings per conversation, consent, and people's voice prints.

Three tables, all keyed by team, so a voice never crosses workspaces:

- ``speaker_embeddings`` (team, conversation, speaker): each detected speaker's CAM++ embedding, written when the
  offline engine's results are collected; deleted with the meeting.
- ``voice_consents`` (team, user): the person ran ``/symbl voice on``. Without this row nothing of theirs is kept
  and they are never named by voice.
- ``voice_prints``: copies of speaker embeddings a consenting person was named as, at most ``MAX_PRINTS`` each,
  the newest kept. ``/symbl voice off`` deletes their consent and prints in one transaction.

Vectors are stored as little-endian float32 bytes: 192 numbers in 768 bytes, never audio.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.tables import SpeakerEmbedding, VoiceConsent, VoicePrint, utcnow
from bot.voice_match import SpeakerVoice

MAX_PRINTS = 5  # per person: enough to cover a few rooms and microphones; older prints go first


@dataclass(frozen=True)
class VoiceSummary:
    """What is stored about one person's voice in a workspace (what ``/symbl voice`` tells them)."""

    consented_at: datetime | None
    prints: int
    oldest: datetime | None
    newest: datetime | None


def to_bytes(vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> tuple[float, ...]:
    return tuple(float(v) for v in np.frombuffer(data, dtype="<f4"))


class VoiceStore:
    def __init__(self, database: Database):
        self.db = database

    # -- a conversation's speakers ---------------------------------------------------------------------------

    def save_speaker_voices(self, team_id: str, conversation_id: str, voices: Mapping[str, SpeakerVoice]) -> None:
        """Store (or replace: an append re-collects them) the conversation's speakers' embeddings."""
        with self.db.session() as s:
            s.execute(
                sa.delete(SpeakerEmbedding).where(
                    SpeakerEmbedding.team_id == team_id, SpeakerEmbedding.conversation_id == conversation_id
                )
            )
            for speaker_id, voice in voices.items():
                s.add(
                    SpeakerEmbedding(
                        team_id=team_id,
                        conversation_id=conversation_id,
                        speaker_id=speaker_id,
                        vector=to_bytes(voice.vector),
                        speech_seconds=voice.speech_seconds,
                    )
                )

    def speaker_voices(self, team_id: str, conversation_id: str) -> dict[str, SpeakerVoice]:
        with self.db.session(writes=False) as s:
            rows = s.scalars(
                sa.select(SpeakerEmbedding).where(
                    SpeakerEmbedding.team_id == team_id, SpeakerEmbedding.conversation_id == conversation_id
                )
            ).all()
            return {r.speaker_id: SpeakerVoice(from_bytes(r.vector), r.speech_seconds) for r in rows}

    # -- consent ---------------------------------------------------------------------------------------------

    def agree(self, team_id: str, user_id: str) -> None:
        """Record the person's consent (again is fine: the first date stays)."""
        try:
            with self.db.session() as s:
                if s.get(VoiceConsent, (team_id, user_id)) is None:
                    s.add(VoiceConsent(team_id=team_id, user_id=user_id, agreed_at=utcnow()))
        except IntegrityError:  # two "on"s at once: the other one wrote it
            pass

    def has_consent(self, team_id: str, user_id: str) -> bool:
        with self.db.session(writes=False) as s:
            return s.get(VoiceConsent, (team_id, user_id)) is not None

    def anyone_consents(self, team_id: str) -> bool:
        """Whether anybody in the workspace opted in (if nobody did, no voice is compared and Slack is not asked)."""
        with self.db.session(writes=False) as s:
            return s.scalar(sa.select(VoiceConsent.user_id).where(VoiceConsent.team_id == team_id).limit(1)) is not None

    def consenting(self, team_id: str, user_ids: Collection[str]) -> set[str]:
        """Which of ``user_ids`` agreed in this workspace."""
        if not user_ids:
            return set()
        with self.db.session(writes=False) as s:
            return set(
                s.scalars(
                    sa.select(VoiceConsent.user_id).where(
                        VoiceConsent.team_id == team_id, VoiceConsent.user_id.in_(list(user_ids))
                    )
                )
            )

    def summary(self, team_id: str, user_id: str) -> VoiceSummary:
        with self.db.session(writes=False) as s:
            consent = s.get(VoiceConsent, (team_id, user_id))
            count, oldest, newest = s.execute(
                sa.select(
                    sa.func.count(), sa.func.min(VoicePrint.created_at), sa.func.max(VoicePrint.created_at)
                ).where(VoicePrint.team_id == team_id, VoicePrint.user_id == user_id)
            ).one()
            return VoiceSummary(consent.agreed_at if consent else None, count, _utc(oldest), _utc(newest))

    # -- prints ----------------------------------------------------------------------------------------------

    def remember(self, team_id: str, conversation_id: str, speaker_id: str, user_id: str) -> bool:
        """Keep the speaker's embedding as the person's print, only with their consent; True when kept.

        One print per (conversation, speaker): naming the speaker as someone else moves it (a correction of a
        wrong name must not leave the wrong person with a stranger's voice). The person keeps ``MAX_PRINTS``.
        """
        with self.db.session() as s:
            # Consent is read in the same transaction as the write, so a concurrent "off" cannot be outrun
            # by more than this one transaction, whose print "off" then deletes.
            if s.get(VoiceConsent, (team_id, user_id)) is None:
                return False
            embedding = s.get(SpeakerEmbedding, (team_id, conversation_id, speaker_id))
            if embedding is None:
                return False
            s.execute(
                sa.delete(VoicePrint).where(
                    VoicePrint.team_id == team_id,
                    VoicePrint.conversation_id == conversation_id,
                    VoicePrint.speaker_id == speaker_id,
                )
            )
            s.add(
                VoicePrint(
                    team_id=team_id,
                    user_id=user_id,
                    conversation_id=conversation_id,
                    speaker_id=speaker_id,
                    vector=embedding.vector,
                    created_at=utcnow(),
                )
            )
            s.flush()
            kept = s.scalars(
                sa.select(VoicePrint.id)
                .where(VoicePrint.team_id == team_id, VoicePrint.user_id == user_id)
                .order_by(VoicePrint.created_at.desc(), VoicePrint.id.desc())
                .limit(MAX_PRINTS)
            ).all()
            s.execute(
                sa.delete(VoicePrint).where(
                    VoicePrint.team_id == team_id, VoicePrint.user_id == user_id, VoicePrint.id.not_in(kept)
                )
            )
            return True

    def prints_of(self, team_id: str, user_ids: Collection[str]) -> dict[str, list[tuple[float, ...]]]:
        """The prints of those of ``user_ids`` who consent now (a print without consent is never used)."""
        if not user_ids:
            return {}
        with self.db.session(writes=False) as s:
            rows = s.execute(
                sa.select(VoicePrint.user_id, VoicePrint.vector)
                .join(
                    VoiceConsent,
                    sa.and_(VoiceConsent.team_id == VoicePrint.team_id, VoiceConsent.user_id == VoicePrint.user_id),
                )
                .where(VoicePrint.team_id == team_id, VoicePrint.user_id.in_(list(user_ids)))
            ).all()
        prints: dict[str, list[tuple[float, ...]]] = {}
        for user_id, vector in rows:
            prints.setdefault(user_id, []).append(from_bytes(vector))
        return prints

    # -- deleting --------------------------------------------------------------------------------------------

    def delete_user(self, team_id: str, user_id: str) -> None:
        """The person's consent and every print, in one transaction (``/symbl voice off``, a revoked token)."""
        with self.db.session() as s:
            s.execute(sa.delete(VoicePrint).where(VoicePrint.team_id == team_id, VoicePrint.user_id == user_id))
            s.execute(sa.delete(VoiceConsent).where(VoiceConsent.team_id == team_id, VoiceConsent.user_id == user_id))

    def delete_workspace(self, team_id: str) -> None:
        """Every voice row of the workspace: consents, prints and conversations' speaker embeddings (uninstall)."""
        with self.db.session() as s:
            for table in (VoicePrint, VoiceConsent, SpeakerEmbedding):
                s.execute(sa.delete(table).where(table.team_id == team_id))


def _utc(moment: datetime | None) -> datetime | None:
    """A naive time from an aggregate is UTC (what every column stores)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
