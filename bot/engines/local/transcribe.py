"""Speech to text on this machine: faster-whisper on the CPU, audio decoded in-process by PyAV.

``load_audio`` turns any recording (audio or video) into 16 kHz mono samples without an ffmpeg binary.
``Transcriber`` runs Whisper over them and returns ``Utterance``s: stretches of speech cut at pauses and
sentence ends, so that one utterance never spans two speakers' turns (``diarize`` then labels and merges
them). The model is loaded once per process and shared by every thread; which model is ``whisper_models.py``'s
business.

Decoding is deterministic and guarded against Whisper's failure modes on real meetings (see ``DECODE``):
one temperature (0), so the same recording always gives the same transcript; no conditioning on the previous
window's text, which is what lets one loop ("yeah, yeah, yeah, …") run on across windows; and a post-filter
(``collapse_repetitions``) for a loop that still happens inside one window.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.engines.local.roster import NameRescorer, first_names
from bot.engines.local.speech import SAMPLE_RATE, Utterance, Word
from bot.engines.local.whisper_models import canonical, is_english_only, model_source
from bot.errors import UnsupportedMediaError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

# Chosen by measurement on the eval meetings (bench/bench_local_stt.py --beam N, tiny.en, 2 cores):
# greedy (1) WER 15.4 % at RTF 0.038; beam 3 10.5 % at 0.052; beam 5 10.4 % at 0.067. Beam 5 keeps the
# word errors down with plenty of speed to spare (a one-hour meeting in about four minutes).
DEFAULT_BEAM_SIZE = 5
# faster-whisper's decoding options, chosen on overlapping talk (the AMI clips) and on speech followed by a
# minute of silence and a minute of music-like noise (bench/bench_real_stt.py):
DECODE = {
    # One temperature: the fallback to sampling at 0.2, 0.4, … is what made two runs on one recording differ.
    "temperature": 0.0,
    # Each 30-s window decoded on its own: conditioning on the previous text carried a loop from window to window.
    "condition_on_previous_text": False,
    # A window Whisper thinks holds no speech (and whose text it is unsure of) yields nothing.
    "no_speech_threshold": 0.6,
    "log_prob_threshold": -1.0,
    # With one temperature this no longer re-decodes; it is kept so faster-whisper still marks a looping window.
    "compression_ratio_threshold": 2.4,
    # Text Whisper places after more than 2 s of silence inside a window is dropped (needs word timestamps):
    # that is where it invents "Thank you." over silence or music.
    "hallucination_silence_threshold": 2.0,
    "vad_filter": True,
}
# Silero VAD (shipped with faster-whisper). Far-field meeting speech is quiet, so the speech threshold is lower
# than the default 0.5. Silences over 1 s (plus the 0.4-s padding) are cut out: measured with base, WER on the
# AMI clips / libri clips / eval meetings was 28.0 / 11.3 / 10.6 % cutting at 0.5 s, 27.6 / 11.4 / 9.8 % at 1 s,
# 29.7 / 12.3 / 9.7 % at 2 s (faster-whisper's default; the default 0.5 threshold with it: 29.4 % on AMI).
# Tried on the AMI clips (pooled WER; EN2006a, the quiet far-field one, in brackets) against these settings' 27.6 %
# (77 %): Silero keeps only 22.9-30 s of EN2006a's speech at 0.3, but letting more through does not help, because
# Whisper base then mishears that quiet speech rather than missing it: VAD off 33.4 % (86 %); threshold 0.2 28.0 %
# (77 %), 0.1 30.4 % (80 %); padding 0.8 s 28.3 % (71 %); the diarizer's speech regions instead of Silero 27.6 %
# (66 %; pyannote's segmentation was trained on AMI, so that would flatter it); peak-normalised input 31.1 % (74 %);
# a 3-s AGC to -25 dBFS 34.1 % (77 %); beam 8 31.1 %, beam 1 29.0 %; a disfluent initial prompt 34.8 %.
# Why EN2006a scores 77 % (bench_real_stt's per-clip split: 1 substituted, 26 deleted, 0 inserted of 35): not a
# language guess (detected "en"), not a loop, not the 30-s cut (its last, cut turn is heard). Its 35 words are
# mostly quiet far-field backchannels ("Okay.", "See", "'Kay.", "Right.") at -50 to -65 dBFS, below what Silero
# passes, and "Such a long time since I've done these" is said under another speaker's turn. Let through (VAD
# off, or threshold 0.1), base mishears them ("fidget with" comes out, the rest does not) and transcribes sounds
# at 0-7 s that AMI left untranscribed, scored as insertions. Also tried, no gain on AMI (pooled 27.6 % unless
# said): no_speech/log_prob thresholds off 27.6; hallucination_silence_threshold off 27.6 (libri 11.4, unchanged);
# beam patience 2 27.6; float32 instead of int8 31.1; no timestamp tokens 31.7 (libri 24.1: whole sentences
# dropped); faster-whisper's BatchedInferencePipeline (each VAD stretch decoded alone) 28.3. Re-decoding the
# diarizer's speech that the first pass left without words (clip_timestamps, a 30-s window per stretch) won
# EN2006a back to 63 % ("See? Right. On your marks. Okay."), but a short stretch alone is where Whisper invents
# ("Thank you.", "I'm sorry," x60 on EN2006b): pooled 30.4-68 %. A confidence filter keeping only the good ones
# would fit one clip's three segments, and a window per stretch (an hour has hundreds) is past the RTF budget.
# What is lost is acoustic: only a stronger model would win it back (whisper_models.py: why none is bundled).
VAD_PARAMETERS = {"threshold": 0.3, "min_silence_duration_ms": 1000, "speech_pad_ms": 400}
# A detected language other than English is believed only when Whisper is this sure; far-field English speech is
# sometimes given a low-probability guess of another language, and English is what the insights need.
LANGUAGE_CONFIDENCE = 0.6
# Up to three 30-s windows of speech, found in the first five minutes, are looked at to detect the language.
LANGUAGE_DETECTION_WINDOWS = 3
LANGUAGE_SAMPLE_SECONDS = 300
# A phrase of n words repeated more than MAX_REPEATS[n] times in a row is a decoder loop, not speech: people do say
# "no no no no" (a word four times) or "thank you, thank you, thank you", but Whisper's loops run on far longer
# ("yeah, yeah, yeah, …" 21 times on an AMI meeting's overlapping talk).
MAX_REPEATS = {1: 4, 2: 3}
MAX_REPEATS_LONGER = 2
MAX_LOOP_PHRASE = 10
# A silence at least this long between two words ends an utterance; a shorter one does when the first
# word ends a sentence. Turn-taking pauses are rarely shorter than this, in-sentence pauses rarely longer.
PAUSE_SECONDS = 0.6
SENTENCE_PAUSE_SECONDS = 0.25
SENTENCE_ENDS = (".", "?", "!")
# Audio quieter than the loud frames by this much, for this long, is a pause (a possible change of speaker).
SILENCE_DB = 35.0
MIN_PAUSE_SECONDS = 0.3
PAUSE_FRAME = 320  # 20 ms


def load_audio(path: str | Path) -> np.ndarray:
    """The recording's first audio stream as float32 mono samples at 16 kHz, all of it at once.

    The chunked decoder joined back together (one decoder, one set of error messages); the engine itself reads a
    recording a chunk at a time. Raises ``UnsupportedMediaError`` (a message a user can act on) when it cannot be
    decoded or has no sound.
    """
    import numpy as np

    from bot.engines.local.chunks import audio_chunks

    return np.concatenate([chunk.samples for chunk in audio_chunks(path)])


_models: dict[tuple[str, int, int], object] = {}
_models_lock = threading.Lock()


def _shared_model(spec: str, cpu_threads: int, workers: int = 1):
    """One WhisperModel per (model, threads, workers) per process, built on first use.

    ``workers`` is how many threads may transcribe at once; CTranslate2 runs that many requests in parallel.
    """
    key = (canonical(spec), cpu_threads, workers)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            from faster_whisper import WhisperModel

            logger.info("loading whisper model %s with %d CPU threads", key[0], cpu_threads)
            source = model_source(spec)
            model = WhisperModel(
                source.path,
                device="cpu",
                compute_type="int8",
                cpu_threads=cpu_threads,
                num_workers=workers,
                files=source.files,
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
        names_as_hotwords: bool = False,
        decode: dict | None = None,
    ):
        """``decode`` overrides faster-whisper options of ``DECODE`` (benchmarks compare settings with it).

        ``names_as_hotwords`` also prompts Whisper with the roster's names. Off: measured on the eval meetings with
        a 12-name roster (bench/bench_local_stt.py --model base --roster [--no-hotwords]), the names in every
        window's prompt raised the WER from 10.2 % to 13.1 % (stand-up: 7.9 % to 25.8 %); on the real AMI clips
        with a 4-name roster (bench/bench_real_stt.py's clips) from 27.6 % to 39.6 %, Whisper then leaving out
        whole stretches (deletions 56 to 102). The roster's rescoring (``roster.py``) puts misheard names back
        without that cost (27.6 % with the same roster).
        """
        self.model_spec = model
        self.workers = workers
        self.cpu_threads = cpu_threads or default_cpu_threads(workers)
        self.beam_size = beam_size
        self.language = language
        self.names_as_hotwords = names_as_hotwords
        self.decode = {**DECODE, "vad_parameters": VAD_PARAMETERS, **(decode or {})}

    def warm_up(self) -> None:
        """Load the model now rather than on the first job."""
        _shared_model(self.model_spec, self.cpu_threads, self.workers)

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        vocabulary: Sequence[str] = (),
        language: str | None = None,
        roster: Sequence[str] = (),
    ) -> list[Utterance]:
        """Utterances of 16 kHz mono ``audio``, in time order, cut at pauses and sentence ends.

        ``language`` is the meeting's language if known (else it is detected, with English the fallback); each
        utterance carries the language it was transcribed in. ``vocabulary`` (terms) is handed to Whisper as
        hotwords; ``roster`` names the people who may be speaking (a channel's members), and first names Whisper
        misheard in a name's place are put back from it (``roster.py``).

        Raises ``UnsupportedMediaError`` when an English-only model is asked for another language.
        """
        model = _shared_model(self.model_spec, self.cpu_threads, self.workers)
        language = self._language(model, audio, language or self.language)
        names = first_names(roster)
        pauses = find_pauses(audio)
        # The name slots are read with English rules ("Name, could you…")
        rescores = bool(names) and language == "en"
        rescorer = None
        words: list[Word] = []
        # The engine hands at most one chunk (about ten minutes, ``chunks.py``): faster-whisper's spectrogram of it
        # is bounded, so the audio goes in whole.
        segments, _ = model.transcribe(
            audio,
            language=language,
            beam_size=self.beam_size,
            word_timestamps=True,
            hotwords=hotwords(vocabulary, names if self.names_as_hotwords else ()),
            **self.decode,
        )
        for segment in segments:
            heard = collapse_repetitions(
                [
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
            )
            if rescores and heard:
                rescorer = rescorer or NameRescorer(model, "en")
                heard = rescorer.restore(audio, heard, names)
            words += heard
        return [replace(u, language=language) for u in split_utterances(words, pauses)]

    def _language(self, model, audio: np.ndarray, requested: str | None) -> str:
        """The language to transcribe in: the one asked for, else the detected one if Whisper is sure, else English."""
        requested = (requested or "").split("-")[0].lower() or None
        if is_english_only(self.model_spec):
            if requested not in (None, "en"):
                raise UnsupportedMediaError(
                    f"This recording was sent with language {requested!r}, but the offline engine's speech model "
                    f"({canonical(self.model_spec)}) knows English only. Set WHISPER_MODEL=base for other languages."
                )
            return "en"
        if requested:
            return requested
        from faster_whisper.vad import VadOptions

        detected, probability, _ = model.detect_language(
            audio[: LANGUAGE_SAMPLE_SECONDS * SAMPLE_RATE],  # not the VAD over a whole hour for 90 s of speech
            vad_filter=True,
            vad_parameters=VadOptions(**(self.decode["vad_parameters"] or {})),
            language_detection_segments=LANGUAGE_DETECTION_WINDOWS,
        )
        return detected if detected == "en" or probability >= LANGUAGE_CONFIDENCE else "en"


def hotwords(vocabulary: Sequence[str], names: Sequence[str]) -> str | None:
    """The text Whisper is prompted with in every window: names (when asked for), then the custom vocabulary.

    A word in the prompt makes Whisper likelier to write it when the audio allows, so a product term it does not
    know stands a chance; duplicates and blanks are dropped.
    """
    terms: list[str] = []
    for given in (*names, *vocabulary):
        term = " ".join(given.split())
        if term and term.lower() not in {t.lower() for t in terms}:
            terms.append(term)
    return ", ".join(terms) or None


def language_note(language: str | None) -> str | None:
    """What the notes should say about a meeting not transcribed in English (insights are found in English only)."""
    if language in (None, "en"):
        return None
    return (
        f"This meeting was transcribed in its own language ({language}); action items, follow-ups and questions "
        "are only found in English speech, so they may be missing."
    )


def _loop_key(word: Word) -> str:
    return "".join(ch for ch in word.text.lower() if ch.isalnum() or ch == "'")


def collapse_repetitions(words: list[Word]) -> list[Word]:
    """``words`` with decoder loops cut to one occurrence of the looping phrase.

    A loop is a phrase of 1..``MAX_LOOP_PHRASE`` words repeated back to back more than ``MAX_REPEATS`` allows
    (case and punctuation ignored): "yeah, yeah, yeah, …" ×21 becomes "yeah,". Shorter repetitions, which people
    do say ("no no no", "I I think"), are kept.
    """
    keys = [_loop_key(w) for w in words]
    kept: list[Word] = []
    index = 0
    while index < len(words):
        loop = _loop_at(keys, index)
        if loop:
            size, count = loop
            kept += words[index : index + size]
            index += size * count
        else:
            kept.append(words[index])
            index += 1
    return kept


def _loop_at(keys: list[str], index: int) -> tuple[int, int] | None:
    """(phrase length, repetitions) of a loop starting at ``index``, if one does."""
    for size in range(1, MAX_LOOP_PHRASE + 1):
        phrase = keys[index : index + size]
        if len(phrase) < size or not all(phrase):
            return None
        count = 1
        while keys[index + count * size : index + (count + 1) * size] == phrase:
            count += 1
        if count > MAX_REPEATS.get(size, MAX_REPEATS_LONGER):
            return size, count
    return None


def find_pauses(audio: np.ndarray) -> list[tuple[float, float]]:
    """Stretches of near-silence (at least ``MIN_PAUSE_SECONDS``), as (start, end) seconds.

    Measured on the audio itself because Whisper's word timestamps often run one speaker's last word into
    the next speaker's first, hiding the pause between their turns.
    """
    import numpy as np

    frames = len(audio) // PAUSE_FRAME
    if frames == 0:
        return []
    framed = audio[: frames * PAUSE_FRAME].reshape(frames, PAUSE_FRAME)
    power = np.einsum("ij,ij->i", framed, framed) / PAUSE_FRAME  # no squared copy of the whole recording
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
