"""Matching speakers to remembered voices: best pair first, each person and each speaker once, only above the bar."""

from __future__ import annotations

import numpy as np

from bot.voice_match import match_voices


def at(cosine: float) -> list[float]:
    """A unit vector whose cosine with (1, 0, 0) is ``cosine``."""
    return [cosine, float(np.sqrt(1 - cosine**2)), 0.0]


ALICE = [[1.0, 0.0, 0.0]]


def test_a_voice_above_the_threshold_is_named_and_one_below_is_not():
    assert match_voices({"Speaker 1": at(0.9)}, {"U_ALICE": ALICE}, 0.7) == {"Speaker 1": "U_ALICE"}
    assert match_voices({"Speaker 1": at(0.6)}, {"U_ALICE": ALICE}, 0.7) == {}


def test_each_person_names_one_speaker_the_closest():
    speakers = {"Speaker 1": at(0.8), "Speaker 2": at(0.95)}
    assert match_voices(speakers, {"U_ALICE": ALICE}, 0.7) == {"Speaker 2": "U_ALICE"}


def test_a_speaker_goes_to_the_closer_person_and_the_other_person_may_take_the_next():
    speakers = {"Speaker 1": [1.0, 0.0, 0.0], "Speaker 2": [0.0, 1.0, 0.0]}
    prints = {"U_ALICE": [[0.9, 0.1, 0.0]], "U_BOB": [[0.2, 0.98, 0.0]]}
    assert match_voices(speakers, prints, 0.7) == {"Speaker 1": "U_ALICE", "Speaker 2": "U_BOB"}


def test_a_persons_prints_are_averaged_and_broken_or_foreign_vectors_match_nothing():
    # Two prints either side of the speaker: each alone is at 0.6, their mean direction at 1.0
    prints = {"U_ALICE": [at(0.6), [0.6, -0.8, 0.0]]}
    assert match_voices({"Speaker 1": [1.0, 0.0, 0.0]}, prints, 0.7) == {"Speaker 1": "U_ALICE"}
    assert match_voices({"Speaker 1": [1.0, 0.0]}, {"U_ALICE": ALICE}, 0.1) == {}  # another model's length
    assert match_voices({"Speaker 1": [float("nan"), 0.0, 0.0]}, {"U_ALICE": ALICE}, 0.1) == {}
    assert match_voices({"Speaker 1": [1.0, 0.0, 0.0]}, {"U_ALICE": [[0.0, 0.0, 0.0]]}, 0.1) == {}
