"""One set of speaker labels for a recording diarized a chunk at a time.

The diarizer numbers the voices of each chunk on its own ("Speaker 1" of chunk 3 is whoever spoke first there).
``SpeakerLinker`` keeps a running voice profile per meeting-wide speaker (the speech-weighted mean of the
chunks' CAM++ profiles, L2-normalised) and maps each chunk's speakers onto them with ``diarize.match_speakers``:
most similar pairs first, each known voice at most once per chunk (the diarizer already judged two voices of one
chunk to be different people), and only at ``MATCH_SIMILARITY``, the threshold measured for the same comparison
between appended recordings. (The diarizer's clustering distance, 0.62, compares single segments' embeddings; a
profile averages up to 90 s of speech, so two different people's profiles are more alike than that: 0.45 in the
median, measured on the real-meetings clips, which a 0.38 similarity threshold would merge.) A voice heard for the
first time gets the next free number, so "Speaker 2" of the first hour is the same person in the third.

A speaker count given by the user holds for the whole meeting: ``finish`` merges the two most similar speakers
until no more than that many remain, then numbers them again by first speech.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.engines.local.diarize import PROFILE_MAX_SECONDS, match_speakers, merge_turns
from bot.engines.local.speech import Utterance


@dataclass
class _Voice:
    """A meeting-wide speaker: the weighted sum of its chunks' unit profiles, and the first of them."""

    total: np.ndarray | None
    first: list[float] | None
    weight: float
    contributions: int
    speech: float  # seconds heard, for choosing which of two unprofiled speakers absorbs the other

    def profile(self) -> list[float] | None:
        if self.total is None:
            return None
        if self.contributions == 1:
            return self.first  # exactly what the diarizer gave: a one-chunk recording keeps today's profiles
        norm = float(np.linalg.norm(self.total))
        return [float(v) for v in self.total / norm] if norm > 0 else self.first


class SpeakerLinker:
    """Relabels each chunk's turns with meeting-wide speakers (see the module's docstring)."""

    def __init__(self) -> None:
        self._voices: dict[str, _Voice] = {}

    def link(self, turns: Sequence[Utterance], profiles: dict[str, list[float]]) -> list[Utterance]:
        """``turns`` of one chunk (local labels, chunk's ``profiles``) with the meeting's labels instead."""
        labels = list(dict.fromkeys(t.speaker for t in turns if t.speaker))
        known = {name: p for name, v in self._voices.items() if (p := v.profile()) is not None}
        mapping = match_speakers(labels, profiles, known, self._voices)
        speech = _speech_seconds(turns)
        for label in labels:
            name = mapping[label]
            voice = self._voices.setdefault(name, _Voice(None, None, 0.0, 0, 0.0))
            voice.speech += speech.get(label, 0.0)
            if label in profiles:
                # A chunk's profile is built from at most PROFILE_MAX_SECONDS of the speaker's speech
                weight = min(speech.get(label, 0.0), PROFILE_MAX_SECONDS) or 1.0
                unit = np.asarray(profiles[label], dtype=np.float64)
                voice.total = unit * weight if voice.total is None else voice.total + unit * weight
                voice.first = voice.first or list(profiles[label])
                voice.weight += weight
                voice.contributions += 1
        return [replace(t, speaker=mapping[t.speaker]) if t.speaker else t for t in turns]

    def finish(
        self, turns: Sequence[Utterance], speakers: int | None = None
    ) -> tuple[list[Utterance], dict[str, list[float]]]:
        """All the linked ``turns``, at most ``speakers`` voices, numbered by first speech; and their profiles."""
        renames: dict[str, str] = {}
        while speakers and len(self._voices) > speakers:
            kept, absorbed = self._closest_pair()
            self._merge(kept, absorbed)
            renames = {old: (kept if new == absorbed else new) for old, new in renames.items()} | {absorbed: kept}
        turns = [replace(t, speaker=renames.get(t.speaker, t.speaker)) for t in turns]
        order: dict[str, str] = {}
        for turn in turns:
            if turn.speaker:
                order.setdefault(turn.speaker, f"Speaker {len(order) + 1}")
        turns = merge_turns([replace(t, speaker=order.get(t.speaker, t.speaker)) for t in turns])
        profiles = {
            order[name]: profile
            for name, voice in self._voices.items()
            if name in order and (profile := voice.profile()) is not None
        }
        return turns, profiles

    def _closest_pair(self) -> tuple[str, str]:
        """(kept, absorbed): the two most similar voices; a voice without a profile is only merged when it must be.

        Of the two, the one heard longer keeps its label; equal pairs are taken in label order, the same every time.
        """
        candidates = []
        names = list(self._voices)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                pa, pb = self._voices[a].profile(), self._voices[b].profile()
                similarity = float(np.dot(pa, pb)) if pa is not None and pb is not None else -2.0
                kept, absorbed = (a, b) if self._voices[a].speech >= self._voices[b].speech else (b, a)
                candidates.append((-similarity, -self._voices[kept].speech, i, kept, absorbed))
        _, _, _, kept, absorbed = min(candidates)
        return kept, absorbed

    def _merge(self, kept: str, absorbed: str) -> None:
        into, gone = self._voices[kept], self._voices.pop(absorbed)
        if gone.total is not None:
            into.total = gone.total if into.total is None else into.total + gone.total
            into.first = into.first or gone.first
            into.weight += gone.weight
            into.contributions += gone.contributions
        into.speech += gone.speech


def _speech_seconds(turns: Sequence[Utterance]) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for turn in turns:
        if turn.speaker:
            seconds[turn.speaker] = seconds.get(turn.speaker, 0.0) + (turn.end - turn.start)
    return seconds
