"""What the offline engine hears, as plain values: words with their times, and utterances of one speaker.

Shared by transcription (``transcribe.py`` makes them), the roster (``roster.py`` puts misheard names back in
them), diarization and the chunked hearing. A module of its own so none of those imports another for its types.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

SAMPLE_RATE = 16_000  # every step works on 16 kHz mono samples


@dataclass(frozen=True)
class Word:
    """One recognised word with its time span (seconds from the start of the recording)."""

    text: str
    start: float
    end: float
    spaced: bool = True  # False when Whisper glued it to the previous word ("follow" + "-up")
    probability: float = 1.0  # Whisper's confidence in the word


@dataclass(frozen=True)
class Utterance:
    """A stretch of one person's speech. ``speaker`` is a label like "Speaker 1" once diarized."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    speaker: str | None = None
    language: str | None = None  # the language it was transcribed in ("en", "de", …), when known

    def shifted(self, seconds: float) -> Utterance:
        """The same utterance moved later by ``seconds`` (used when appending recordings)."""
        words = tuple(replace(w, start=w.start + seconds, end=w.end + seconds) for w in self.words)
        return replace(self, start=self.start + seconds, end=self.end + seconds, words=words)
