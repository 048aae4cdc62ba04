"""What was said in a recording, and by whom, heard a chunk at a time.

``hear`` decodes the recording in chunks of about ten minutes (``chunks.py``), transcribes and diarizes each
chunk, moves its timestamps to the chunk's place in the recording, and links each chunk's speakers to the
meeting's (``speaker_linking.py``). Only one chunk's audio is in memory at a time, so a four-hour meeting needs
about the memory of a ten-minute one; what is kept across chunks (words, turns, one voice profile per speaker) is
small. Between chunks the diarizer's models are released and freed heap pages handed back, so every chunk starts
from the memory the first one did. A recording of one chunk takes exactly the path it took when it was decoded whole.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.engines.local.chunks import CHUNK_SECONDS, audio_chunks
from bot.engines.local.transcribe import Transcriber, Utterance

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Heard:
    """A recording's turns ("Speaker N", seconds from its start), one voice profile per speaker, its length."""

    turns: list[Utterance]
    profiles: dict[str, list[float]]
    seconds: float
    language: str | None  # the language it was transcribed in, when anything was


def hear(
    path: str | Path,
    transcriber: Transcriber,
    *,
    vocabulary: Sequence[str] = (),
    roster: Sequence[str] = (),
    language: str | None = None,
    speakers: int | None = None,
    chunk_seconds: float = CHUNK_SECONDS,
) -> Heard:
    """Transcribe and diarize the recording at ``path`` chunk by chunk (see the module's docstring).

    ``speakers``: the number of people when the user gave it (1: diarization off). A chunk's diarizer estimates
    its own count (not everyone speaks in every ten minutes) unless the chunk is the whole recording; the given
    count then caps the meeting's speakers. Raises ``UnsupportedMediaError`` for a recording that cannot be decoded.
    """
    from bot.engines.local.diarize import diarize, release_models, speaker_profiles
    from bot.engines.local.speaker_linking import SpeakerLinker

    linker = SpeakerLinker()
    turns: list[Utterance] = []
    seconds = 0.0
    heard_in: str | None = None
    for chunk in audio_chunks(path, chunk_seconds):
        utterances = transcriber.transcribe(
            chunk.samples, vocabulary=vocabulary, language=language or heard_in, roster=roster
        )
        # The first language heard (given or detected) is the meeting's: later chunks are not asked again
        heard_in = heard_in or next((u.language for u in utterances if u.language), None)
        local = diarize(chunk.samples, utterances, speakers=speakers if chunk.whole or speakers == 1 else None)
        profiles = speaker_profiles(chunk.samples, local)
        turns += [t.shifted(chunk.offset) for t in linker.link(local, profiles)]
        seconds = chunk.offset + chunk.seconds
        logger.info("heard %.0f s of the recording (%d turns so far)", seconds, len(turns))
        if not chunk.whole:  # a long recording: each chunk starts from the memory the first one started from
            release_models()
            _give_back_freed_memory()
        del chunk, utterances, local  # the next chunk is decoded without this one's audio still held
    turns, profiles = linker.finish(turns, speakers)
    return Heard(turns=turns, profiles=profiles, seconds=seconds, language=heard_in)


def _give_back_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc's malloc_trim), so the next chunk's peak starts low.

    Without it, the memory Whisper's spectrogram and the diarizer freed stays in the process's heap, in pieces
    that the next chunk's allocations do not always fit. Elsewhere than glibc, nothing to do.
    """
    import ctypes

    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the process's own symbols: libc's, if glibc
    except OSError:
        return
    if trim is not None:
        trim(0)
