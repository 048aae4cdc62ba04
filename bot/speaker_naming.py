"""The one place where what people decide about a meeting's speakers is saved.

"Who's who" on the notes (``handlers/whoswho.py``) calls :meth:`SpeakerNaming.correct` when someone picks a Slack
user for a speaker, :meth:`merge` / :meth:`split` for "these are the same person", and :meth:`undo_voice` for
"not who the voice said". The voices feature calls :meth:`recognised` when it knows a voice; a person's word is
never overwritten by it.

``on_person_named`` is the seam for anything that learns from a correction: each callback gets
``(team_id, conversation_id, speaker_id, user_id)`` after the row is saved (the voices feature stores the named
person's voice there, when they opted in). A failing callback is logged and costs the correction nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.store.speakers import PERSON, VOICE, SpeakerNameStore

log = logging.getLogger(__name__)

PersonNamed = Callable[[str, str, str, str], None]


class SpeakerNaming:
    def __init__(self, store: SpeakerNameStore):
        self.store = store
        self.on_person_named: list[PersonNamed] = []

    def correct(self, team_id: str, conversation_id: str, speaker_id: str, user_id: str, *, by: str) -> None:
        """A person said speaker ``speaker_id`` is Slack user ``user_id``."""
        self.store.upsert(team_id, conversation_id, speaker_id, by=by, user_id=user_id, source=PERSON)
        for callback in self.on_person_named:
            try:
                callback(team_id, conversation_id, speaker_id, user_id)
            except Exception:
                log.exception("a listener of speaker corrections failed", extra={"team_id": team_id})

    def undo_voice(self, team_id: str, conversation_id: str, speaker_id: str, *, by: str) -> bool:
        """A person said the voice recognised for this speaker was wrong: the speaker goes back to its other names
        (and is not named by voice again in this conversation). False when no voice named the speaker."""
        choice = self.store.for_conversation(team_id, conversation_id).get(speaker_id)
        if choice is None or choice.source != VOICE or not choice.user_id:
            return False
        self.store.upsert(team_id, conversation_id, speaker_id, by=by, user_id=None, source=PERSON)
        return True

    def merge(self, team_id: str, conversation_id: str, speaker_id: str, into: str, *, by: str) -> None:
        """A person said ``speaker_id`` is the same person as ``into`` (diarization split one voice)."""
        self.store.upsert(team_id, conversation_id, speaker_id, by=by, merged_into=into)

    def split(self, team_id: str, conversation_id: str, speaker_id: str, *, by: str) -> None:
        """Undo a merge: the speaker stands on its own again."""
        self.store.upsert(team_id, conversation_id, speaker_id, by=by, merged_into=None)

    def recognised(self, team_id: str, conversation_id: str, speaker_id: str, user_id: str) -> bool:
        """The voices feature recognised ``user_id`` as this speaker; False (nothing saved) when a person already
        decided who the speaker is."""
        choice = self.store.for_conversation(team_id, conversation_id).get(speaker_id)
        if choice is not None and choice.source == PERSON:
            return False
        self.store.upsert(team_id, conversation_id, speaker_id, by=None, user_id=user_id, source=VOICE)
        return True
