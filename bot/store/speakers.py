"""The ``speaker_names`` rows: who each speaker of a conversation is, as decided in Slack.

Only ``bot.speaker_naming`` writes them (the one place a correction is saved); the notes read them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.tables import SpeakerName

# A person's correction; a voice the voices feature recognised; a row that only merges (names nobody).
PERSON, VOICE, NOBODY = "person", "voice", ""


@dataclass(frozen=True)
class SpeakerChoice:
    """What Slack decided about one speaker: a user (or, from a person with no user, "not that voice's owner"),
    and whether it is folded into another speaker."""

    speaker_id: str
    user_id: str | None
    source: str
    merged_into: str | None = None


class SpeakerNameStore:
    def __init__(self, database: Database):
        self.db = database

    def for_conversation(self, team_id: str, conversation_id: str) -> dict[str, SpeakerChoice]:
        with self.db.session(writes=False) as s:
            rows = s.scalars(
                sa.select(SpeakerName).where(
                    SpeakerName.team_id == team_id, SpeakerName.conversation_id == conversation_id
                )
            )
            return {r.speaker_id: SpeakerChoice(r.speaker_id, r.user_id, r.source, r.merged_into) for r in rows}

    def upsert(self, team_id: str, conversation_id: str, speaker_id: str, *, by: str | None, **values) -> None:
        """Set ``values`` (user_id, source, merged_into) on the speaker's row, creating it when there is none."""
        for attempt in range(2):  # two clicks at once creating the same row: the loser updates the winner's
            try:
                with self.db.session() as s:
                    row = s.get(SpeakerName, (team_id, conversation_id, speaker_id))
                    if row is None:
                        row = SpeakerName(
                            team_id=team_id,
                            conversation_id=conversation_id,
                            speaker_id=speaker_id,
                            user_id=None,
                            source=NOBODY,
                            merged_into=None,
                        )
                        s.add(row)
                    for name, value in values.items():
                        setattr(row, name, value)
                    row.named_by = by
                return
            except IntegrityError:
                if attempt:
                    raise
