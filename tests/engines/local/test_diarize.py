"""Diarization: words laid over the speaker segments, voice profiles matched across recordings, the models' output.

The first tests replace ``speaker_segments`` (the neural part) by given segments, so they say exactly how words,
overlaps and counts are handled. The rest run the bundled ONNX models: on a synthesized eval meeting (same output
every time; profiles), and on a real two-speaker LibriSpeech dialogue from the real-meetings data set when this
machine has it (skipped otherwise). The models tell real voices apart; espeak-ng's synthetic voices, all one
synthesizer, they often do not (bench/bench_local_stt.py reports it), so no test asks that of them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from bot.engines.local import diarize as diarize_module
from bot.engines.local.diarize import SpeakerSegment, diarize, match_speakers, speaker_profiles, speaker_segments
from bot.engines.local.transcribe import SAMPLE_RATE, Utterance, Word, load_audio

pytestmark = pytest.mark.models  # loads the speech models: left out of `make test-fast`

MEETINGS = Path(__file__).resolve().parents[2] / "data" / "meetings"
REAL_MEETINGS = [
    Path(p)
    for p in (
        os.environ.get("REAL_MEETINGS_DIR"),
        Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "real-meetings",
    )
    if p
]


def _utterance(*words: tuple[str, float, float]) -> Utterance:
    ws = tuple(Word(text, start, end) for text, start, end in words)
    return Utterance(ws[0].start, ws[-1].end, " ".join(w.text for w in ws), ws)


@pytest.fixture
def segments(monkeypatch):
    """Make ``diarize`` see the given speaker segments; records the speaker counts it asked for."""
    asked: list[int | None] = []

    def use(*given: tuple[float, float, int]):
        def fake(audio, speakers=None):
            asked.append(speakers)
            return [SpeakerSegment(*g) for g in given]

        monkeypatch.setattr(diarize_module, "speaker_segments", fake)
        return asked

    return use


def test_an_utterance_is_split_where_its_words_change_speaker(segments):
    segments((0.0, 1.6, 7), (1.6, 4.0, 3))
    # Whisper ran the answer into the question: "Can you send it? Sure, tomorrow."
    said = _utterance(("Can", 0.0, 0.3), ("you", 0.3, 0.5), ("send", 0.5, 0.8), ("it?", 0.8, 1.2),
                      ("Sure,", 1.8, 2.2), ("tomorrow.", 2.2, 2.9))  # fmt: skip
    turns = diarize(np.zeros(4 * SAMPLE_RATE, dtype=np.float32), [said])
    assert [(t.speaker, t.text) for t in turns] == [("Speaker 1", "Can you send it?"), ("Speaker 2", "Sure, tomorrow.")]
    assert turns[1].start == 1.8


def test_a_word_in_overlapping_speech_goes_to_the_speaker_heard_most_over_it(segments):
    # Speaker 7 talks on both sides of speaker 3's "yeah" (1.0-1.5 s), overlapping it a little
    segments((0.0, 1.1, 7), (0.9, 1.6, 3), (1.45, 3.0, 7))
    utterances = [_utterance(("So", 0.1, 0.4), ("the", 0.4, 0.6)), _utterance(("yeah", 1.0, 1.5))]
    turns = diarize(np.zeros(3 * SAMPLE_RATE, dtype=np.float32), utterances)
    assert [(t.speaker, t.text) for t in turns] == [("Speaker 1", "So the"), ("Speaker 2", "yeah")]


def test_speakers_are_numbered_by_first_speech_and_a_word_between_segments_takes_the_nearest(segments):
    segments((0.0, 1.0, 5), (3.0, 4.0, 2), (6.0, 7.0, 5))
    utterances = [
        _utterance(("Hello", 0.2, 0.8)),
        _utterance(("Hi", 3.1, 3.5)),
        _utterance(("um", 4.3, 4.5)),  # in no segment: nearest is speaker 2's, which ended at 4.0
        _utterance(("Right", 6.2, 6.8)),
    ]
    turns = diarize(np.zeros(8 * SAMPLE_RATE, dtype=np.float32), utterances)
    assert [(t.speaker, t.text) for t in turns] == [
        ("Speaker 1", "Hello"),
        ("Speaker 2", "Hi um"),
        ("Speaker 1", "Right"),
    ]


def test_a_given_speaker_count_reaches_the_model_and_one_speaker_skips_it(segments):
    asked = segments((0.0, 1.0, 0), (1.0, 2.0, 1))
    utterances = [_utterance(("One", 0.1, 0.5)), _utterance(("Two", 1.2, 1.6))]
    audio = np.zeros(2 * SAMPLE_RATE, dtype=np.float32)
    assert len({t.speaker for t in diarize(audio, utterances, speakers=2)}) == 2
    assert asked == [2]
    assert [t.speaker for t in diarize(audio, utterances, speakers=1)] == ["Speaker 1"]
    assert asked == [2]  # diarization switched off: the model was not asked


def _unit(*values: float) -> list[float]:
    v = np.array(values, dtype=np.float64)
    return list(v / np.linalg.norm(v))


def test_known_voices_keep_their_labels_and_new_ones_get_the_next_number():
    known = {"Speaker 1": _unit(1, 0, 0), "Speaker 2": _unit(0, 1, 0)}
    # The appended recording's first voice is known Speaker 2, its second is nobody heard before
    new = {"Speaker 1": _unit(0.1, 1, 0), "Speaker 2": _unit(0, 0, 1)}
    mapping = match_speakers(["Speaker 1", "Speaker 2"], new, known, {"Speaker 1", "Speaker 2", "Speaker 3"})
    assert mapping == {"Speaker 1": "Speaker 2", "Speaker 2": "Speaker 4"}


def test_each_known_voice_is_taken_by_the_most_similar_new_one_only():
    known = {"Speaker 1": _unit(1, 0)}
    new = {"Speaker 1": _unit(1, 0.4), "Speaker 2": _unit(1, 0.05)}
    assert match_speakers(["Speaker 1", "Speaker 2"], new, known) == {
        "Speaker 1": "Speaker 2",
        "Speaker 2": "Speaker 1",
    }


def test_profiles_stored_by_the_old_diarizer_match_nobody():
    known = {"Speaker 1": [0.1] * 27}  # MFCC statistics and pitch, as stored before the neural models
    assert match_speakers(["Speaker 1"], {"Speaker 1": _unit(*range(1, 193))}, known) == {"Speaker 1": "Speaker 2"}


@pytest.fixture(scope="module")
def meeting():
    timing = json.loads((MEETINGS / "launch_sync.timing.json").read_text())
    return timing, load_audio(MEETINGS / timing["audio"])


def test_the_models_give_the_same_segments_every_time(meeting):
    _, audio = meeting
    stretch = audio[: 20 * SAMPLE_RATE]
    first = speaker_segments(stretch)
    assert first
    assert speaker_segments(stretch) == first


def test_profiles_are_unit_vectors_and_a_voice_matches_itself_in_another_stretch(meeting):
    timing, audio = meeting
    gold = timing["turns"]
    half = len(gold) // 2
    first = speaker_profiles(audio, [Utterance(t["start"], t["end"], "", (), t["speaker"]) for t in gold[:half]])
    second = speaker_profiles(audio, [Utterance(t["start"], t["end"], "", (), t["speaker"]) for t in gold[half:]])
    assert all(abs(np.linalg.norm(p) - 1) < 1e-6 for p in first.values())
    shared = sorted(set(first) & set(second))
    assert shared
    assert all(match_speakers([name], {name: second[name]}, first)[name] == name for name in shared)


def _real_clip(name: str) -> Path:
    for folder in REAL_MEETINGS:
        if (folder / "audio" / f"{name}.wav").exists():
            return folder / "audio"
    pytest.skip("the real-meetings data set is not on this machine")


def test_two_real_voices_in_a_dialogue_are_two_speakers_following_the_reference():
    folder = _real_clip("libri_2spk_dialogue")
    audio = load_audio(folder / "libri_2spk_dialogue.wav")[: 30 * SAMPLE_RATE]  # the first 30 s: a few turns each
    reference = [line.split() for line in (folder / "libri_2spk_dialogue.rttm").read_text().splitlines()]
    turns = [Utterance(float(f[3]), float(f[3]) + float(f[4]), f[7]) for f in reference if float(f[3]) < 28]
    labelled = [(t.text, t.speaker) for t in diarize(audio, turns)]
    assert len({label for _, label in labelled}) == 2
    # Every reference turn (its speaker's name as text) lands with the label of its own speaker only
    owners: dict[str, set[str]] = {}
    for text, label in labelled:
        for person in text.split():
            owners.setdefault(label, set()).add(person)
    assert all(len(people) == 1 for people in owners.values())
