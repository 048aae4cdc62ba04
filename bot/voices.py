"""Remembered voices, only for people who opt in: the seams the rest of the app calls.

- ``record_conversation_voices``: when an engine's results are collected, keep each detected speaker's embedding
  (the offline engine has them; Symbl has none) under (team, conversation, speaker).
- ``remember_named_speaker``: a person was named as a speaker (a correction in "Who's who"): their print is that
  speaker's embedding, kept ONLY if they ran ``/symbl voice on`` in this workspace.
- ``recognise_speakers``: a processed conversation's speakers compared with the prints of the channel's members who
  opted in; speaker id -> user id above ``VOICE_THRESHOLD``, each person at most once.
- ``name_speakers_by_voice``: what ``recognise_speakers`` found, saved through "Who's who" as names of source
  "voice" (so a person's own decision about a speaker always wins, and one click undoes a recognition).
- ``delete_user_voice`` / ``delete_workspace_voices``: ``/symbl voice off``, a revoked token, an uninstall.

Nobody is named by voice without their own consent: prints are only written with it, only read joined with it,
and deleting the consent deletes the prints in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from bot.speaker_naming import SpeakerNaming
from bot.store.voices import VoiceStore
from bot.voice_match import MIN_SPEECH_SECONDS, VOICE_THRESHOLD, SpeakerVoice, match_voices


def record_conversation_voices(store: VoiceStore, team_id: str, conversation_id: str, engine) -> int:
    """Store the conversation's speakers' embeddings, when the engine has any; how many were stored."""
    voices: Mapping[str, SpeakerVoice] = engine.speaker_voices(conversation_id)
    if not voices:
        return 0
    store.save_speaker_voices(team_id, conversation_id, voices)
    return len(voices)


def remember_named_speaker(store: VoiceStore, team: str, conversation_id: str, speaker_id: str, user_id: str) -> bool:
    """Keep the speaker's voice as ``user_id``'s print if they opted in and it was heard long enough; True if kept.

    Call it when a person names a speaker (a correction), not when a voice was recognised: a recognised voice
    is already one of theirs, and a wrong recognition must not reinforce itself.
    """
    voice = store.speaker_voices(team, conversation_id).get(speaker_id)
    if voice is None or voice.speech_seconds < MIN_SPEECH_SECONDS:
        return False
    return store.remember(team, conversation_id, speaker_id, user_id)


def recognise_speakers(
    store: VoiceStore,
    team: str,
    conversation_id: str,
    member_ids: Collection[str],
    *,
    threshold: float = VOICE_THRESHOLD,
) -> dict[str, str]:
    """speaker id -> user id for the conversation's speakers whose voice is a consenting channel member's.

    ``member_ids``: the channel's members (Slack's conversations.members); only those who opted in in ``team``
    are compared, so voices never cross workspaces and nobody else is ever named. Speakers heard for less than
    ``MIN_SPEECH_SECONDS`` are left alone.
    """
    speakers = {
        speaker: voice.vector
        for speaker, voice in store.speaker_voices(team, conversation_id).items()
        if voice.speech_seconds >= MIN_SPEECH_SECONDS
    }
    if not speakers:
        return {}
    return match_voices(speakers, store.prints_of(team, member_ids), threshold)


def name_speakers_by_voice(
    store: VoiceStore, naming: SpeakerNaming, team: str, conversation_id: str, member_ids: Collection[str]
) -> int:
    """Name the conversation's speakers whose voice is a consenting member's; how many were named.

    ``naming.recognised`` refuses a speaker a person already decided about, so a recognition never overrides one.
    """
    matches = recognise_speakers(store, team, conversation_id, member_ids)
    return sum(naming.recognised(team, conversation_id, speaker, user) for speaker, user in matches.items())


def delete_user_voice(store: VoiceStore, team: str, user: str) -> None:
    """Forget one person's voice in a workspace: consent and every print (nothing of it is left)."""
    store.delete_user(team, user)


def delete_workspace_voices(store: VoiceStore, team: str) -> None:
    """Forget every voice of a workspace (the app uninstalled): consents, prints, conversations' embeddings."""
    store.delete_workspace(team)
