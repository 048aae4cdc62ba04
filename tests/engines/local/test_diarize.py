"""Speaker clustering: ΔBIC over Gaussian voice statistics, on synthetic frames and on the eval meetings' audio.

The meetings' scripted turn spans (``<name>.timing.json``) stand in for Whisper's utterances here, so these tests
need no transcription model and say only whether the diarizer tells the voices apart.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.engines.local.diarize import cluster, diarize
from bot.engines.local.transcribe import Utterance, load_audio
from bot.engines.local.voice import VoiceStats

MEETINGS = Path(__file__).resolve().parents[2] / "data" / "meetings"


def _stats(frames: np.ndarray, log_pitch: float = float("nan")) -> VoiceStats:
    return VoiceStats(len(frames), frames.sum(axis=0), frames.T @ frames, log_pitch)


def _voice(rng: np.random.Generator, centre: np.ndarray, utterances: int) -> list[VoiceStats]:
    return [_stats(centre + rng.normal(size=(300, 12))) for _ in range(utterances)]


def test_one_voice_is_one_cluster_and_two_voices_are_two():
    rng = np.random.default_rng(7)
    alice, bob = np.zeros(12), np.full(12, 0.8)
    assert len(set(cluster(_voice(rng, alice, 8)))) == 1
    labels = cluster(_voice(rng, alice, 6) + _voice(rng, bob, 6))
    assert labels[:6] == [labels[0]] * 6
    assert labels[6:] == [labels[6]] * 6
    assert labels[0] != labels[6]


def test_a_pitch_gap_beyond_intonation_separates_otherwise_alike_voices():
    rng = np.random.default_rng(3)
    frames = [rng.normal(size=(300, 12)) for _ in range(8)]
    # Sentences of one voice wander by a few percent in pitch; a voice an octave lower is someone else
    wandering = [_stats(f, np.log2(200) + rng.uniform(-0.05, 0.05)) for f in frames]
    assert len(set(cluster(wandering))) == 1
    deeper = [_stats(f, np.log2(200 if i < 4 else 100)) for i, f in enumerate(frames)]
    assert len(set(cluster(deeper))) == 2


def test_a_given_speaker_count_is_what_comes_out():
    rng = np.random.default_rng(5)
    stats = _voice(rng, np.zeros(12), 5) + _voice(rng, np.full(12, 2.0), 5)
    assert len(set(cluster(stats, speakers=1))) == 1
    assert len(set(cluster(stats, speakers=3))) == 3


@pytest.mark.parametrize("name", sorted(p.name.removesuffix(".timing.json") for p in MEETINGS.glob("*.timing.json")))
def test_every_voice_of_an_eval_meeting_becomes_its_own_speaker(name):
    timing = json.loads((MEETINGS / f"{name}.timing.json").read_text())
    audio = load_audio(MEETINGS / timing["audio"])
    turns = [Utterance(t["start"], t["end"], str(t["turn"])) for t in timing["turns"]]
    said_by = {int(index): turn.speaker for turn in diarize(audio, turns) for index in turn.text.split()}
    pairs = {(t["speaker"], said_by[t["turn"]]) for t in timing["turns"]}
    # One label per person and one person per label: nobody merged with a colleague, nobody split in two
    assert len(pairs) == len({person for person, _ in pairs}) == len({label for _, label in pairs})
