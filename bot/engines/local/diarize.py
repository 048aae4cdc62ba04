"""Who spoke when, cheaply: voice features per utterance, clustered into "Speaker 1", "Speaker 2", …

No neural model: each utterance is described by the mean and spread of its MFCCs (the shape of the voice's
spectrum) and its median pitch, all computed with numpy from the 16 kHz samples. Utterances are clustered
bottom-up (average linkage) until the closest two groups are further apart than ``DISTANCE_THRESHOLD``, a
value calibrated on the synthesized eval meetings (bench/bench_local_stt.py reports the accuracy). When
voices are not that distinct, everything stays one speaker — the safe failure for a meeting summary.
Consecutive utterances of the same speaker are then merged, so one message is one speaker turn.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from bot.engines.local.transcribe import SAMPLE_RATE, Utterance

FRAME = 400  # 25 ms
HOP = 160  # 10 ms
N_FFT = 512
N_MELS = 26
N_MFCC = 13
MIN_PITCH_HZ, MAX_PITCH_HZ = 60.0, 400.0
# Utterances shorter than this carry too little voice to cluster on; they join the nearest cluster after.
MIN_FEATURE_SECONDS = 0.6
# Calibrated (bench/bench_local_stt.py) to balance two failures: merging two distinct voices of the eval
# meetings, and splitting one voice whose pitch wanders from sentence to sentence (as people's does). A
# tighter setting (no slack, threshold 1.0) scores ~99 % on the eval meetings but splits such a monologue
# into 2-4 "speakers"; this one scores ~92 % and keeps it one.
DISTANCE_THRESHOLD = 1.2
# Pitch differences (in octaves) count this much against one unit of cepstral distance…
PITCH_WEIGHT = 4.0
# …beyond this much, which is intonation rather than a different voice (0.1 octave ≈ 7 %).
PITCH_SLACK_OCTAVES = 0.1
MAX_MERGE_GAP_SECONDS = 2.0
# A "speaker" heard for less than this in a whole recording is more likely an odd utterance of someone else.
MIN_SPEAKER_SECONDS = 2.5


def _mel_filterbank() -> np.ndarray:
    def hz_to_mel(hz):
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    def mel_to_hz(mel):
        return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)

    mels = np.linspace(hz_to_mel(60.0), hz_to_mel(SAMPLE_RATE / 2 - 200), N_MELS + 2)
    bins = np.floor((N_FFT + 1) * mel_to_hz(mels) / SAMPLE_RATE).astype(int)
    bank = np.zeros((N_MELS, N_FFT // 2 + 1))
    for i in range(N_MELS):
        left, centre, right = bins[i], bins[i + 1], bins[i + 2]
        bank[i, left:centre] = (np.arange(left, centre) - left) / max(1, centre - left)
        bank[i, centre:right] = (right - np.arange(centre, right)) / max(1, right - centre)
    return bank


_MEL_BANK = _mel_filterbank()
_DCT = np.cos(np.pi / N_MELS * (np.arange(N_MELS) + 0.5)[None, :] * np.arange(N_MFCC)[:, None])


def _frames(samples: np.ndarray) -> np.ndarray:
    count = 1 + (len(samples) - FRAME) // HOP
    index = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return samples[index] * np.hamming(FRAME)


_YIN_WINDOW = 400
_YIN_MAX_LAG = int(SAMPLE_RATE / MIN_PITCH_HZ) + 1
_YIN_MIN_LAG = int(SAMPLE_RATE / MAX_PITCH_HZ)
_YIN_THRESHOLD = 0.15


def pitch_hz(samples: np.ndarray) -> float | None:
    """Median fundamental frequency of the voiced frames (YIN), or None when there are too few.

    YIN's cumulative-mean-normalised difference avoids the octave errors a plain autocorrelation makes.
    """
    length = _YIN_WINDOW + _YIN_MAX_LAG
    count = 1 + (len(samples) - length) // HOP
    if count <= 0:
        return None
    frames = samples[np.arange(length)[None, :] + HOP * np.arange(count)[:, None]]
    energy = (frames[:, :_YIN_WINDOW] ** 2).sum(axis=1)
    frames = frames[energy > energy.max() * 1e-3]
    n_fft = 1024
    head = np.fft.rfft(frames[:, :_YIN_WINDOW], n=n_fft)
    whole = np.fft.rfft(frames, n=n_fft)
    corr = np.fft.irfft(np.conj(head) * whole, n=n_fft)[:, :_YIN_MAX_LAG]
    squares = np.cumsum(np.pad(frames**2, ((0, 0), (1, 0))), axis=1)
    lags = np.arange(_YIN_MAX_LAG)
    lagged_energy = squares[:, lags + _YIN_WINDOW] - squares[:, lags]
    diff = lagged_energy[:, :1] + lagged_energy - 2 * corr
    running_mean = np.cumsum(diff[:, 1:], axis=1) / np.arange(1, _YIN_MAX_LAG)
    normalised = diff[:, 1:] / np.maximum(running_mean, 1e-12)
    search = normalised[:, _YIN_MIN_LAG - 1 :]
    rows = np.arange(len(search))
    below = search < _YIN_THRESHOLD
    lag = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    for _ in range(20):  # slide down to the bottom of the dip the threshold first touched
        step = np.minimum(lag + 1, search.shape[1] - 1)
        lag = np.where(search[rows, step] < search[rows, lag], step, lag)
    voiced = search[rows, lag] < 0.3
    if voiced.sum() < 5:
        return None
    return float(np.median(SAMPLE_RATE / (_YIN_MIN_LAG + lag[voiced])))


def voice_features(samples: np.ndarray) -> np.ndarray | None:
    """MFCC 1-12 means and standard deviations plus log2 pitch for one utterance; None if too short or silent."""
    if len(samples) < SAMPLE_RATE * MIN_FEATURE_SECONDS:
        return None
    samples = samples.astype(np.float64)
    frames = _frames(samples)
    energy = (frames**2).sum(axis=1)
    # Keep the loud frames: pauses and breaths say nothing about the voice
    loud = energy > energy.max() * 10 ** (-3.0)
    if loud.sum() < 20:
        return None
    frames = frames[loud]
    power = np.abs(np.fft.rfft(frames, n=N_FFT)) ** 2
    log_mel = np.log(power @ _MEL_BANK.T + 1e-10)
    mfcc = log_mel @ _DCT.T / N_MELS * 2
    pitch = pitch_hz(samples)
    log_pitch = np.log2(pitch) if pitch else np.nan
    return np.concatenate([mfcc[:, 1:].mean(axis=0), mfcc[:, 1:].std(axis=0), [log_pitch]])


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    cepstral = float(np.linalg.norm(a[:-1] - b[:-1]) / np.sqrt(len(a) - 1))
    pitch = a[-1] - b[-1]
    return cepstral + (PITCH_WEIGHT * max(0.0, abs(float(pitch)) - PITCH_SLACK_OCTAVES) if np.isfinite(pitch) else 0.0)


def distance_matrix(features: np.ndarray) -> np.ndarray:
    """``_distance`` between every pair of rows, vectorised (hours of audio make thousands of utterances)."""
    cepstra = features[:, :-1]
    squared = (cepstra**2).sum(axis=1)
    cepstral = np.sqrt(np.maximum(squared[:, None] + squared[None, :] - 2 * cepstra @ cepstra.T, 0.0))
    pitch = np.abs(features[:, -1][:, None] - features[:, -1][None, :])
    pitch = np.maximum(np.nan_to_num(pitch, nan=0.0) - PITCH_SLACK_OCTAVES, 0.0)
    return cepstral / np.sqrt(cepstra.shape[1]) + PITCH_WEIGHT * pitch


def cluster(
    features: Sequence[np.ndarray], threshold: float = DISTANCE_THRESHOLD, speakers: int | None = None
) -> list[int]:
    """Average-linkage agglomerative clustering; returns a cluster index per item (0-based, arbitrary order).

    Merging stops when the closest clusters are further apart than ``threshold`` or, when the number of
    ``speakers`` is known, exactly when that many clusters are left.
    """
    n = len(features)
    if n <= 1:
        return [0] * n
    dist = distance_matrix(np.vstack(features))
    np.fill_diagonal(dist, np.inf)
    sizes = np.ones(n)
    labels = np.arange(n)
    for remaining in range(n, 1, -1):
        i, j = np.unravel_index(np.argmin(dist), dist.shape)
        if (remaining <= speakers) if speakers else dist[i, j] > threshold:
            break
        # Lance-Williams update for average linkage: the merged row is the size-weighted mean
        merged = (dist[i] * sizes[i] + dist[j] * sizes[j]) / (sizes[i] + sizes[j])
        dist[i], dist[:, i] = merged, merged
        dist[i, i] = np.inf
        dist[j, :], dist[:, j] = np.inf, np.inf  # j is gone: it can never be the closest again
        sizes[i] += sizes[j]
        labels[labels == j] = i
    return labels.tolist()


def absorb_small_clusters(features: Sequence[np.ndarray], labels: list[int], durations: Sequence[float]) -> list[int]:
    """Fold clusters with under ``MIN_SPEAKER_SECONDS`` of speech into the nearest larger one.

    A lone "okay" or a cough rarely has features typical of its speaker; calling it a new person is worse
    than attributing it to the closest voice.
    """
    totals: dict[int, float] = {}
    for label, seconds in zip(labels, durations, strict=True):
        totals[label] = totals.get(label, 0.0) + seconds
    large = [label for label, total in totals.items() if total >= MIN_SPEAKER_SECONDS]
    if not large or len(large) == len(totals):
        return labels
    members = {label: [i for i, lab in enumerate(labels) if lab == label] for label in large}
    result = list(labels)
    for i, label in enumerate(labels):
        if label not in members:
            result[i] = min(large, key=lambda big: np.mean([_distance(features[i], features[j]) for j in members[big]]))
    return result


def diarize(
    audio: np.ndarray,
    utterances: Sequence[Utterance],
    threshold: float = DISTANCE_THRESHOLD,
    *,
    speakers: int | None = None,
) -> list[Utterance]:
    """Label every utterance "Speaker N" (numbered by first appearance) and merge consecutive same-speaker ones.

    ``speakers``: the number of people, when the user knows it (1 turns diarization off).
    """
    if not utterances:
        return []
    features = [voice_features(audio[int(u.start * SAMPLE_RATE) : int(u.end * SAMPLE_RATE)]) for u in utterances]
    usable = [i for i, f in enumerate(features) if f is not None]
    raw = [0] * len(utterances)
    if usable:
        labels = cluster([features[i] for i in usable], threshold, speakers)
        durations = [utterances[i].end - utterances[i].start for i in usable]
        if not speakers:  # a count the user gave is not second-guessed
            labels = absorb_small_clusters([features[i] for i in usable], labels, durations)
        for i, label in zip(usable, labels, strict=True):
            raw[i] = label
        for i, f in enumerate(features):
            if f is None:  # too short to judge: the neighbouring speaker is the best guess
                raw[i] = _nearest_label(i, usable, raw, utterances)
    names: dict[int, str] = {}
    for label in raw:
        names.setdefault(label, f"Speaker {len(names) + 1}")
    labelled = [
        Utterance(u.start, u.end, u.text, u.words, names[label]) for u, label in zip(utterances, raw, strict=True)
    ]
    return merge_turns(labelled)


def _nearest_label(index: int, usable: list[int], raw: list[int], utterances: Sequence[Utterance]) -> int:
    if not usable:
        return 0
    best = min(usable, key=lambda j: abs(utterances[j].start - utterances[index].start))
    return raw[best]


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
    """Each speaker's average voice features over their turns (kept so appended recordings reuse the labels)."""
    collected: dict[str, list[np.ndarray]] = {}
    for turn in turns:
        features = voice_features(audio[int(turn.start * SAMPLE_RATE) : int(turn.end * SAMPLE_RATE)])
        if features is not None and turn.speaker:
            collected.setdefault(turn.speaker, []).append(features)
    profiles = {}
    for speaker, rows in collected.items():
        stacked = np.vstack(rows)
        pitches = stacked[:, -1][np.isfinite(stacked[:, -1])]
        mean = stacked.mean(axis=0)
        mean[-1] = pitches.mean() if len(pitches) else np.nan
        profiles[speaker] = [float(v) for v in mean]
    return profiles


def match_speakers(
    labels: Sequence[str],
    new: dict[str, list[float]],
    known: dict[str, list[float]],
    existing: Collection[str] = (),
    threshold: float = DISTANCE_THRESHOLD,
) -> dict[str, str]:
    """Map a new recording's speaker ``labels`` onto a conversation's speakers by voice.

    ``new``/``known`` are voice profiles (``speaker_profiles``); ``existing`` is every label the conversation
    already uses. A voice close enough to a known one takes its label; any other gets the next free number.
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    numbers = [_speaker_number(label) for label in (*existing, *known)]
    next_number = max(numbers, default=0) + 1
    for label in labels:
        if label in mapping:
            continue
        candidates = [
            (_distance(np.array(new[label]), np.array(profile)), name)
            for name, profile in known.items()
            if name not in taken and label in new
        ]
        best = min(candidates, default=None)
        if best and best[0] <= threshold:
            mapping[label] = best[1]
            taken.add(best[1])
        else:
            mapping[label] = f"Speaker {next_number}"
            next_number += 1
    return mapping


def _speaker_number(label: str) -> int:
    digits = label.rsplit(" ", 1)[-1]
    return int(digits) if digits.isdigit() else 0
