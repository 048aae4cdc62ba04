"""Remembered voices on SQLite and PostgreSQL: opt-in only, deleted at once, never across workspaces.

The voices are unit vectors built so that each person's speakers are near their own direction (cosine 0.9+) and
far from everyone else's; the tests read the tables themselves to prove what is (not) stored.
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from bot.store.forget import ForgetStore
from bot.store.tables import SpeakerEmbedding, VoiceConsent, VoicePrint
from bot.store.voices import MAX_PRINTS, VoiceStore
from bot.voice_match import MIN_SPEECH_SECONDS, SpeakerVoice
from bot.voices import (
    delete_user_voice,
    delete_workspace_voices,
    recognise_speakers,
    record_conversation_voices,
    remember_named_speaker,
)

DIMENSION = 192
rng = np.random.default_rng(7)
PEOPLE = {name: rng.standard_normal(DIMENSION) for name in ("alice", "bob", "carol")}


def voice_of(person: str, seconds: float = 30.0) -> SpeakerVoice:
    """A new recording of ``person``: their direction plus a little noise, L2-normalised."""
    base = PEOPLE[person] / np.linalg.norm(PEOPLE[person])
    noisy = base + 0.15 * rng.standard_normal(DIMENSION) / np.sqrt(DIMENSION)
    return SpeakerVoice(tuple(float(v) for v in noisy / np.linalg.norm(noisy)), seconds)


class FakeEngine:
    """Stands in for the offline engine's ``speaker_voices``."""

    def __init__(self, voices: dict[str, dict[str, SpeakerVoice]]):
        self.voices = voices

    def speaker_voices(self, conversation_id: str) -> dict[str, SpeakerVoice]:
        return self.voices[conversation_id]


def meeting(store: VoiceStore, team: str, conversation: str, speakers: dict[str, str]) -> None:
    """A processed conversation whose "Speaker N" are the given people."""
    engine = FakeEngine({conversation: {label: voice_of(person) for label, person in speakers.items()}})
    assert record_conversation_voices(store, team, conversation, engine) == len(speakers)


def rows(database, table, **where) -> int:
    with database.session(writes=False) as s:
        query = sa.select(sa.func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return s.scalar(query)


def test_engine_voices_are_stored_per_team_and_conversation(database):
    store = VoiceStore(database)
    meeting(store, "T1", "conv1", {"Speaker 1": "alice", "Speaker 2": "bob"})
    stored = store.speaker_voices("T1", "conv1")
    assert set(stored) == {"Speaker 1", "Speaker 2"}
    assert stored["Speaker 1"].speech_seconds == 30.0
    assert np.dot(stored["Speaker 1"].vector, voice_of("alice").vector) > 0.9  # float32 round trip keeps the voice
    assert store.speaker_voices("T2", "conv1") == {}
    no_voices = FakeEngine({"conv1": {}})  # as Symbl's engine: no embeddings, and nothing stored is touched
    assert record_conversation_voices(store, "T1", "conv1", no_voices) == 0
    assert set(store.speaker_voices("T1", "conv1")) == {"Speaker 1", "Speaker 2"}


def test_a_person_who_never_opted_in_is_never_remembered_nor_named(database):
    store = VoiceStore(database)
    meeting(store, "T1", "conv1", {"Speaker 1": "alice"})
    assert not remember_named_speaker(store, "T1", "conv1", "Speaker 1", "U_ALICE")
    assert rows(database, VoicePrint) == 0
    # Even a print written behind the app's back (no consent row) is never used to name her
    with database.session() as s:
        s.add(
            VoicePrint(
                team_id="T1",
                user_id="U_ALICE",
                conversation_id="conv1",
                speaker_id="Speaker 1",
                vector=np.asarray(voice_of("alice").vector, dtype="<f4").tobytes(),
            )
        )
    meeting(store, "T1", "conv2", {"Speaker 1": "alice"})
    assert recognise_speakers(store, "T1", "conv2", ["U_ALICE"]) == {}


def test_an_opted_in_person_is_recognised_in_a_later_meeting_and_others_are_not(database):
    store = VoiceStore(database)
    store.agree("T1", "U_ALICE")
    store.agree("T1", "U_BOB")
    meeting(store, "T1", "conv1", {"Speaker 1": "alice", "Speaker 2": "bob", "Speaker 3": "carol"})
    assert remember_named_speaker(store, "T1", "conv1", "Speaker 1", "U_ALICE")
    assert remember_named_speaker(store, "T1", "conv1", "Speaker 2", "U_BOB")
    assert not remember_named_speaker(store, "T1", "conv1", "Speaker 3", "U_CAROL")  # Carol never opted in
    meeting(store, "T1", "conv2", {"Speaker 1": "carol", "Speaker 2": "bob", "Speaker 3": "alice"})
    members = ["U_ALICE", "U_BOB", "U_CAROL"]
    assert recognise_speakers(store, "T1", "conv2", members) == {"Speaker 3": "U_ALICE", "Speaker 2": "U_BOB"}
    # Only the channel's members are compared: Bob is not in this channel
    assert recognise_speakers(store, "T1", "conv2", ["U_ALICE", "U_CAROL"]) == {"Speaker 3": "U_ALICE"}


def test_voices_never_cross_workspaces(database):
    store = VoiceStore(database)
    store.agree("T1", "U_ALICE")
    meeting(store, "T1", "conv1", {"Speaker 1": "alice"})
    remember_named_speaker(store, "T1", "conv1", "Speaker 1", "U_ALICE")
    store.agree("T2", "U_ALICE")  # the same user id opted in in another workspace, with no print there
    meeting(store, "T2", "conv9", {"Speaker 1": "alice"})
    assert recognise_speakers(store, "T2", "conv9", ["U_ALICE"]) == {}
    assert not remember_named_speaker(store, "T2", "conv1", "Speaker 1", "U_ALICE")  # T1's meeting is not T2's


def test_a_speaker_heard_too_briefly_is_neither_remembered_nor_named(database):
    store = VoiceStore(database)
    store.agree("T1", "U_ALICE")
    engine = FakeEngine({"short": {"Speaker 1": voice_of("alice", seconds=MIN_SPEECH_SECONDS - 1)}})
    record_conversation_voices(store, "T1", "short", engine)
    assert not remember_named_speaker(store, "T1", "short", "Speaker 1", "U_ALICE")
    meeting(store, "T1", "conv1", {"Speaker 1": "alice"})
    remember_named_speaker(store, "T1", "conv1", "Speaker 1", "U_ALICE")
    assert recognise_speakers(store, "T1", "short", ["U_ALICE"]) == {}


def test_voice_off_leaves_no_row_of_that_voice(database):
    store = VoiceStore(database)
    for user in ("U_ALICE", "U_BOB"):
        store.agree("T1", user)
    meeting(store, "T1", "conv1", {"Speaker 1": "alice", "Speaker 2": "bob"})
    remember_named_speaker(store, "T1", "conv1", "Speaker 1", "U_ALICE")
    remember_named_speaker(store, "T1", "conv1", "Speaker 2", "U_BOB")
    delete_user_voice(store, "T1", "U_ALICE")
    assert rows(database, VoicePrint, user_id="U_ALICE") == 0
    assert rows(database, VoiceConsent, user_id="U_ALICE") == 0
    assert rows(database, VoicePrint, user_id="U_BOB") == 1  # nobody else's
    assert store.summary("T1", "U_ALICE").consented_at is None
    meeting(store, "T1", "conv2", {"Speaker 1": "alice"})
    assert recognise_speakers(store, "T1", "conv2", ["U_ALICE", "U_BOB"]) == {}


def test_delete_workspace_voices_removes_that_workspace_only(database):
    store = VoiceStore(database)
    for team in ("T1", "T2"):
        store.agree(team, "U_ALICE")
        meeting(store, team, "conv1", {"Speaker 1": "alice"})
        remember_named_speaker(store, team, "conv1", "Speaker 1", "U_ALICE")
    delete_workspace_voices(store, "T1")
    for table in (VoicePrint, VoiceConsent, SpeakerEmbedding):
        assert rows(database, table, team_id="T1") == 0
        assert rows(database, table, team_id="T2") == 1


def test_at_most_max_prints_are_kept_newest_first_and_a_correction_moves_a_print(database):
    store = VoiceStore(database)
    store.agree("T1", "U_ALICE")
    store.agree("T1", "U_BOB")
    for n in range(MAX_PRINTS + 2):
        meeting(store, "T1", f"conv{n}", {"Speaker 1": "alice"})
        remember_named_speaker(store, "T1", f"conv{n}", "Speaker 1", "U_ALICE")
    with database.session(writes=False) as s:
        kept = set(s.scalars(sa.select(VoicePrint.conversation_id).where(VoicePrint.user_id == "U_ALICE")))
    assert kept == {f"conv{n}" for n in range(2, MAX_PRINTS + 2)}
    assert store.summary("T1", "U_ALICE").prints == MAX_PRINTS
    # Naming the same speaker twice keeps one print; naming it as someone else moves it
    remember_named_speaker(store, "T1", "conv6", "Speaker 1", "U_ALICE")
    assert rows(database, VoicePrint, user_id="U_ALICE") == MAX_PRINTS
    remember_named_speaker(store, "T1", "conv6", "Speaker 1", "U_BOB")
    assert rows(database, VoicePrint, conversation_id="conv6") == 1
    assert rows(database, VoicePrint, user_id="U_ALICE") == MAX_PRINTS - 1


def test_forgetting_a_meeting_deletes_its_speaker_embeddings_and_prints_taken_from_it(database):
    store = VoiceStore(database)
    store.agree("T1", "U_ALICE")
    for conversation in ("conv1", "conv2"):
        meeting(store, "T1", conversation, {"Speaker 1": "alice"})
        remember_named_speaker(store, "T1", conversation, "Speaker 1", "U_ALICE")
    ForgetStore(database).delete_rows("T1", "conv1")
    assert rows(database, SpeakerEmbedding, conversation_id="conv1") == 0
    assert rows(database, VoicePrint, conversation_id="conv1") == 0
    assert rows(database, VoicePrint, conversation_id="conv2") == 1
    assert store.has_consent("T1", "U_ALICE")  # her choice is hers, not the meeting's


def test_a_correction_in_whos_who_remembers_the_voice_and_a_later_meeting_names_the_speaker_by_voice(database):
    from bot.speaker_naming import SpeakerNaming
    from bot.store.speakers import VOICE, SpeakerNameStore
    from bot.voices import name_speakers_by_voice

    store, names = VoiceStore(database), SpeakerNameStore(database)
    naming = SpeakerNaming(names)
    naming.on_person_named.append(lambda *named: remember_named_speaker(store, *named))
    store.agree("T1", "UALICE")
    meeting(store, "T1", "conv-1", {"Speaker 1": "alice", "Speaker 2": "bob"})
    naming.correct("T1", "conv-1", "Speaker 1", "UALICE", by="UBOB")
    naming.correct("T1", "conv-1", "Speaker 2", "UBOB", by="UBOB")  # bob never opted in: nothing kept of him
    assert rows(database, VoicePrint, team_id="T1") == 1

    meeting(store, "T1", "conv-2", {"Speaker 1": "bob", "Speaker 2": "alice"})
    assert name_speakers_by_voice(store, naming, "T1", "conv-2", ["UALICE", "UBOB"]) == 1
    saved = names.for_conversation("T1", "conv-2")
    assert {speaker: (row.user_id, row.source) for speaker, row in saved.items()} == {"Speaker 2": ("UALICE", VOICE)}
