"""Which detected speaker is which remembered voice: cosine similarity of CAM++ speaker embeddings (pure maths).

A conversation's speakers (one L2-normalised embedding each, the diarizer's ``speaker_profiles``) are compared
with the stored voice prints of the people who may be in it: each person's prints are averaged into one unit
vector, like the engine's own speaker linking does with a speaker's chunks. The most similar pairs are taken
first, each person and each speaker at most once, and only at ``VOICE_THRESHOLD`` or above, so a second speaker
who sounds a little like Alice is never named Alice too.

``VOICE_THRESHOLD`` and ``MIN_SPEECH_SECONDS`` were chosen on real speech by ``bench/bench_voice_id.py`` (see its
docstring for how, and the figures); a speaker heard for less than ``MIN_SPEECH_SECONDS`` is never named by voice
and never remembered: an embedding of a second or two of speech matches strangers too easily.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# The bench's margin rule (the halves' higher choice, 0.68, + 0.05), fixed before looking at the rest of the
# curve; at it: 41/41 named right, 0/104 false accepts (bench/bench_voice_id.py).
VOICE_THRESHOLD = 0.73
MIN_SPEECH_SECONDS = 5.0


@dataclass(frozen=True)
class SpeakerVoice:
    """A detected speaker's voice: its embedding and how many seconds of speech it was made from."""

    vector: tuple[float, ...]
    speech_seconds: float


def unit(vector: Sequence[float]) -> np.ndarray | None:
    """``vector`` scaled to length 1; None when it is empty, zero or not finite (it can match nothing)."""
    x = np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(x)) if x.size else 0.0
    if x.ndim != 1 or norm == 0.0 or not np.all(np.isfinite(x)):
        return None
    return x / norm


def centroid(prints: Sequence[Sequence[float]]) -> np.ndarray | None:
    """One person's prints as one unit vector (their mean direction); prints of another length are left out."""
    units = [u for p in prints if (u := unit(p)) is not None]
    if not units:
        return None
    size = units[0].size
    kept = [u for u in units if u.size == size]
    return unit(np.sum(kept, axis=0))


def match_voices(
    speakers: Mapping[str, Sequence[float]],
    prints: Mapping[str, Sequence[Sequence[float]]],
    threshold: float = VOICE_THRESHOLD,
) -> dict[str, str]:
    """speaker id -> person id for the speakers whose voice is one of ``prints`` (person id -> their prints).

    Best matches first; each person and each speaker at most once; only at ``threshold`` (cosine) or above.
    """
    people = {person: c for person, p in prints.items() if (c := centroid(p)) is not None}
    pairs = []
    for speaker, vector in speakers.items():
        voice = unit(vector)
        if voice is None:
            continue
        for person, c in people.items():
            if c.size == voice.size:
                pairs.append((-float(voice @ c), speaker, person))
    named: dict[str, str] = {}
    taken: set[str] = set()
    for negative, speaker, person in sorted(pairs):  # ties in id order: the same input names the same way
        if -negative >= threshold and speaker not in named and person not in taken:
            named[speaker] = person
            taken.add(person)
    return named
