"""Long recordings are heard a chunk at a time: what a user sees must not show the seams.

A recording longer than a chunk (made small here, ten minutes in production) is decoded, transcribed and diarized
in pieces; its transcript's times run on across each cut, and a voice keeps its "Speaker N" from one chunk to the
next. The first tests need no model (the decoding and the linking of speakers), the last ones run the engine with
the small English model: on the stand-up example (synthetic voices, count given), and on a real two-speaker
LibriSpeech dialogue from the real-meetings data set when this machine has it (skipped otherwise).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.engines.base import MediaFile
from bot.engines.local import LocalEngine
from bot.engines.local.chunks import audio_chunks
from bot.engines.local.engine import NoInsights
from bot.engines.local.hearing import hear
from bot.engines.local.speaker_linking import SpeakerLinker
from bot.engines.local.transcribe import SAMPLE_RATE, Transcriber, Utterance
from bot.models import JobStatus, MediaKind
from bot.store.db import Database
from tests.engines.local.test_engine import TEST_MODEL, wait_for

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
STANDUP_MP3 = EXAMPLES / "standup.mp3"
REAL_MEETINGS = [
    Path(p)
    for p in (
        os.environ.get("REAL_MEETINGS_DIR"),
        Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "real-meetings",
    )
    if p
]


def decoded_whole(path: Path) -> np.ndarray:
    """faster-whisper's own whole-file decoder: the reference the chunked one must match sample for sample."""
    from faster_whisper.audio import decode_audio

    return decode_audio(str(path), sampling_rate=SAMPLE_RATE)


def test_a_recording_shorter_than_a_chunk_is_decoded_exactly_as_a_whole():
    chunks = list(audio_chunks(STANDUP_MP3))
    assert len(chunks) == 1 and chunks[0].whole and chunks[0].offset == 0
    assert np.array_equal(chunks[0].samples, decoded_whole(STANDUP_MP3))


def test_chunks_lose_no_sample_and_are_cut_where_it_is_quiet():
    whole = decoded_whole(STANDUP_MP3)
    chunks = list(audio_chunks(STANDUP_MP3, chunk_seconds=10))
    assert len(chunks) == 4 and not any(c.whole for c in chunks)
    assert np.array_equal(np.concatenate([c.samples for c in chunks]), whole)
    assert [c.offset for c in chunks] == pytest.approx(np.cumsum([0] + [c.seconds for c in chunks[:-1]]))
    loud = np.percentile(np.abs(whole), 99)
    for chunk in chunks[1:]:  # around every cut, a tenth of a second each way is near silence
        cut = int(chunk.offset * SAMPLE_RATE)
        assert np.abs(whole[cut - 1600 : cut + 1600]).max() < loud / 10


def _turn(speaker: str, start: float, end: float) -> Utterance:
    return Utterance(start, end, "…", speaker=speaker)


def _unit(*values: float) -> list[float]:
    v = np.array(values, dtype=np.float64)
    return list(v / np.linalg.norm(v))


def test_a_voice_keeps_its_label_in_later_chunks_and_a_new_voice_gets_the_next_number():
    linker = SpeakerLinker()
    ana, ben, cleo = _unit(1, 0, 0), _unit(0, 1, 0), _unit(0, 0, 1)
    first = linker.link([_turn("Speaker 1", 0, 50), _turn("Speaker 2", 50, 90)], {"Speaker 1": ana, "Speaker 2": ben})
    # The next chunk's diarizer numbers its voices afresh: Ben speaks first there, then someone new, then Ana
    second = linker.link(
        [_turn("Speaker 1", 0, 30), _turn("Speaker 2", 30, 60), _turn("Speaker 3", 60, 80)],
        {"Speaker 1": _unit(0.1, 1, 0), "Speaker 2": cleo, "Speaker 3": _unit(1, 0.1, 0)},
    )
    assert [t.speaker for t in first] == ["Speaker 1", "Speaker 2"]
    assert [t.speaker for t in second] == ["Speaker 2", "Speaker 3", "Speaker 1"]
    _, profiles = linker.finish(first + second)
    assert sorted(profiles) == ["Speaker 1", "Speaker 2", "Speaker 3"]
    assert all(abs(np.linalg.norm(p) - 1) < 1e-9 for p in profiles.values())


def test_a_given_speaker_count_holds_for_the_whole_meeting():
    linker = SpeakerLinker()
    first = linker.link([_turn("Speaker 1", 0, 40), _turn("Speaker 2", 40, 80)], {"Speaker 1": _unit(1, 0, 0)})
    # Later, Ana's voice sounds different enough to be taken for someone new (similarity 0.5)
    second = linker.link([_turn("Speaker 1", 100, 140)], {"Speaker 1": _unit(1, 1.7, 0)})
    assert second[0].speaker == "Speaker 3"
    turns, _ = linker.finish(first + second, speakers=2)
    # Two people were said to be there: the two closest voices are one, and labels stay numbered by first speech
    assert [t.speaker for t in turns] == ["Speaker 1", "Speaker 2", "Speaker 1"]


@pytest.fixture
def engine(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'engine.sqlite3'}")
    database = Database(settings.resolved_database_url)
    made: list[LocalEngine] = []

    def make(chunk_seconds: float) -> LocalEngine:
        transcriber = Transcriber(TEST_MODEL, cpu_threads=2)
        engine = LocalEngine(
            database, settings, transcriber, lambda _m, **_k: NoInsights(), chunk_seconds=chunk_seconds
        )
        engine.start()
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()
    database.dispose()


@pytest.mark.models  # the speech and speaker models: `make test` only
def test_a_transcript_runs_on_across_chunks_at_the_times_it_was_said():
    gold = json.loads((EXAMPLES / "standup.timing.json").read_text())["turns"]
    heard = hear(STANDUP_MP3, Transcriber(TEST_MODEL, cpu_threads=2), speakers=3, chunk_seconds=10)  # 4 chunks
    assert heard.seconds == pytest.approx(34.6, abs=0.1)
    words = [w for turn in heard.turns for w in turn.words]
    assert [w.start for w in words] == sorted(w.start for w in words)
    # Every turn of the script, in every chunk, is heard where it was said (its first word within 0.6 s)
    assert all(any(abs(w.start - turn["start"]) < 0.6 for w in words) for turn in gold)
    text = " ".join(t.text for t in heard.turns).lower()
    assert all(said in text for said in ("weekly stand-up", "by friday", "thursday afternoon"))
    assert len({t.speaker for t in heard.turns}) <= 3  # the count given holds for the whole recording


def _real_clip(name: str) -> Path:
    for folder in REAL_MEETINGS:
        if (folder / "audio" / f"{name}.wav").exists():
            return folder / "audio" / f"{name}.wav"
    pytest.skip("the real-meetings data set is not on this machine")


@pytest.mark.models
def test_two_real_voices_keep_their_labels_across_chunks(engine):
    clip = _real_clip("libri_2spk_dialogue")  # 75 s: three chunks of about 25 s
    reference = [line.split() for line in clip.with_suffix(".rttm").read_text().splitlines()]
    said = [(float(f[3]), float(f[3]) + float(f[4]), f[7]) for f in reference]
    local = engine(chunk_seconds=25)
    submission = local.submit(MediaFile(clip, MediaKind.AUDIO))
    assert wait_for(local, submission.job_id, timeout=300) is JobStatus.COMPLETED  # the box may be busy
    insights = local.fetch_insights(submission.conversation_id)
    assert insights.duration_seconds == pytest.approx(75.5, abs=0.1)
    assert any(m.offset_seconds > 50 for m in insights.messages)
    labels_of: dict[str, set[str]] = {}  # each reader, the labels of the messages mostly theirs
    for message in insights.messages:
        start, end = message.offset_seconds, message.offset_seconds + message.duration_seconds
        heard: dict[str, float] = {}
        for s, e, who in said:
            heard[who] = heard.get(who, 0.0) + max(0.0, min(end, e) - max(start, s))
        labels_of.setdefault(max(heard, key=heard.__getitem__), set()).add(message.speaker.name)
    assert len(labels_of) == 2
    assert all(len(labels) == 1 for labels in labels_of.values())
    assert len(set.union(*labels_of.values())) == 2
