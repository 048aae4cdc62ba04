"""Who spoke when, cheaply: each utterance's voice as a Gaussian over its MFCC frames, clustered by BIC.

No neural model (the features are numpy, ``voice.py``). Every utterance long enough to judge is described by
the sufficient statistics of a full-covariance Gaussian over its MFCC frames, plus its median pitch. Utterances
are clustered bottom-up: the two clusters merged next are those whose pooled frames are best explained by one
Gaussian rather than two, as measured by the Bayesian information criterion (the classic speaker-change and
clustering test of Chen & Gopalakrishnan, 1998), with a penalty for a difference in pitch beyond what intonation
explains. Merging stops when every remaining merge would make the model worse (ΔBIC > 0), so the number of
speakers follows from the recording instead of a distance calibrated per meeting length — as clusters grow,
their Gaussians become sharper and small but consistent differences between two voices start to count.
Consecutive utterances of the same speaker are then merged, so one message is one speaker turn.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from bot.engines.local.transcribe import SAMPLE_RATE, Utterance
from bot.engines.local.voice import VoiceStats, voice_features, voice_stats

# Weight of BIC's model-size penalty (the textbook value is 1). Consecutive 10 ms frames are far from
# independent, so the likelihood gain of two Gaussians over one is overstated and the penalty must be larger.
# Chosen on the tune-split meetings and the wandering-pitch monologue (bench/bench_local_stt.py): 3.2-4.5 with
# PITCH_COST 1 all find every speaker count there; 3.6 sits in the middle.
BIC_PENALTY = 3.6
# Log-likelihood charged per frame for each octave two clusters' median pitches differ by…
PITCH_COST = 1.0
# …beyond this much, which is intonation rather than a different voice (0.1 octave ≈ 7 %).
PITCH_SLACK_OCTAVES = 0.1
# Keeps a covariance invertible when a cluster's frames happen to be nearly collinear.
RIDGE = 1e-6
MAX_MERGE_GAP_SECONDS = 2.0
# A "speaker" heard for less than this in a whole recording is more likely an odd utterance of someone else.
MIN_SPEAKER_SECONDS = 2.5
# Appended recordings: a voice profile (``voice_features``) this close to a known one is the same speaker.
DISTANCE_THRESHOLD = 1.2
# Profile distance: pitch differences (in octaves) beyond the slack count this much against cepstral distance.
PITCH_WEIGHT = 4.0


class _Clusters:
    """Gaussian statistics of the clusters being merged, and the ΔBIC cost of merging any two of them."""

    def __init__(self, stats: Sequence[VoiceStats], penalty: float):
        self.counts = np.array([s.frames for s in stats], dtype=np.float64)
        self.totals = np.vstack([s.total for s in stats])
        self.outers = np.stack([s.outer for s in stats])
        self.pitches: list[list[float]] = [[s.log_pitch] if np.isfinite(s.log_pitch) else [] for s in stats]
        self.pitch = np.array([s.log_pitch for s in stats])
        dim = self.totals.shape[1]
        # Free parameters of one full-covariance Gaussian: the mean and the covariance's upper triangle
        self.complexity = penalty * 0.5 * (dim + dim * (dim + 1) / 2)
        self.own = self._half_n_logdet(self.counts, self.totals, self.outers)

    @staticmethod
    def _half_n_logdet(counts: np.ndarray, totals: np.ndarray, outers: np.ndarray) -> np.ndarray:
        """N/2 · log|Σ| of the Gaussian (maximum likelihood) fitted to each set of frames."""
        mean = totals / counts[:, None]
        cov = outers / counts[:, None, None] - mean[:, :, None] * mean[:, None, :]
        cov += RIDGE * np.eye(totals.shape[1])
        return 0.5 * counts * np.linalg.slogdet(cov)[1]

    def merge_cost(self, i: int, others: np.ndarray) -> np.ndarray:
        """ΔBIC of replacing cluster ``i`` and each of ``others`` by one Gaussian, plus the pitch penalty.

        Negative: one voice explains both better than two do, after paying for the second voice's parameters.
        """
        counts = self.counts[i] + self.counts[others]
        joint = self._half_n_logdet(counts, self.totals[i] + self.totals[others], self.outers[i] + self.outers[others])
        cost = joint - self.own[i] - self.own[others] - self.complexity * np.log(counts)
        apart = np.nan_to_num(np.abs(self.pitch[i] - self.pitch[others]), nan=0.0)
        return cost + PITCH_COST * counts * np.maximum(apart - PITCH_SLACK_OCTAVES, 0.0)

    def merge(self, i: int, j: int) -> None:
        """Fold cluster ``j`` into cluster ``i``."""
        self.counts[i] += self.counts[j]
        self.totals[i] += self.totals[j]
        self.outers[i] += self.outers[j]
        self.pitches[i] += self.pitches[j]
        self.pitch[i] = np.median(self.pitches[i]) if self.pitches[i] else np.nan
        self.own[i] = self._half_n_logdet(self.counts[i : i + 1], self.totals[i : i + 1], self.outers[i : i + 1])[0]


def cluster(stats: Sequence[VoiceStats], penalty: float = BIC_PENALTY, speakers: int | None = None) -> list[int]:
    """Agglomerative ΔBIC clustering; returns a cluster index per item (0-based, arbitrary order).

    Merging stops when no merge lowers the BIC or, when the number of ``speakers`` is known, exactly when
    that many clusters are left.
    """
    n = len(stats)
    if n <= 1:
        return [0] * n
    clusters = _Clusters(stats, penalty)
    cost = np.full((n, n), np.inf)
    for i in range(n - 1):
        cost[i, i + 1 :] = clusters.merge_cost(i, np.arange(i + 1, n))
    cost = np.minimum(cost, cost.T)
    labels = np.arange(n)
    alive = np.ones(n, dtype=bool)
    for remaining in range(n, 1, -1):
        i, j = np.unravel_index(np.argmin(cost), cost.shape)
        if (remaining <= speakers) if speakers else cost[i, j] > 0:
            break
        clusters.merge(i, j)
        labels[labels == j] = i
        alive[j] = False
        cost[j, :], cost[:, j] = np.inf, np.inf  # j is gone: it can never be the cheapest merge again
        others = np.flatnonzero(alive & (np.arange(n) != i))
        if len(others):
            cost[i, others] = cost[others, i] = clusters.merge_cost(i, others)
    return labels.tolist()


def absorb_small_clusters(stats: Sequence[VoiceStats], labels: list[int], durations: Sequence[float]) -> list[int]:
    """Fold clusters with under ``MIN_SPEAKER_SECONDS`` of speech into the larger one they merge with best.

    A lone "okay" or a cough rarely has features typical of its speaker; calling it a new person is worse
    than attributing it to the closest voice.
    """
    totals: dict[int, float] = {}
    for label, seconds in zip(labels, durations, strict=True):
        totals[label] = totals.get(label, 0.0) + seconds
    large = [label for label, total in totals.items() if total >= MIN_SPEAKER_SECONDS]
    if not large or len(large) == len(totals):
        return labels
    groups = sorted(set(labels))
    pooled = [_pool([s for s, lab in zip(stats, labels, strict=True) if lab == label]) for label in groups]
    clusters = _Clusters(pooled, BIC_PENALTY)
    index = {label: k for k, label in enumerate(groups)}
    targets = np.array([index[label] for label in large])
    nearest = {
        label: large[int(np.argmin(clusters.merge_cost(index[label], targets)))]
        for label in groups
        if label not in large
    }
    return [nearest.get(label, label) for label in labels]


def _pool(stats: Sequence[VoiceStats]) -> VoiceStats:
    pitches = [s.log_pitch for s in stats if np.isfinite(s.log_pitch)]
    return VoiceStats(
        sum(s.frames for s in stats),
        np.sum([s.total for s in stats], axis=0),
        np.sum([s.outer for s in stats], axis=0),
        float(np.median(pitches)) if pitches else float("nan"),
    )


def diarize(
    audio: np.ndarray,
    utterances: Sequence[Utterance],
    *,
    speakers: int | None = None,
) -> list[Utterance]:
    """Label every utterance "Speaker N" (numbered by first appearance) and merge consecutive same-speaker ones.

    ``speakers``: the number of people, when the user knows it (1 turns diarization off).
    """
    if not utterances:
        return []
    features = [voice_stats(audio[int(u.start * SAMPLE_RATE) : int(u.end * SAMPLE_RATE)]) for u in utterances]
    usable = [i for i, f in enumerate(features) if f is not None]
    raw = [0] * len(utterances)
    if usable:
        labels = cluster([features[i] for i in usable], speakers=speakers)
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


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """How far apart two ``voice_features`` profiles are: cepstral distance plus pitch beyond intonation."""
    cepstral = float(np.linalg.norm(a[:-1] - b[:-1]) / np.sqrt(len(a) - 1))
    pitch = a[-1] - b[-1]
    return cepstral + (PITCH_WEIGHT * max(0.0, abs(float(pitch)) - PITCH_SLACK_OCTAVES) if np.isfinite(pitch) else 0.0)


def _speaker_number(label: str) -> int:
    digits = label.rsplit(" ", 1)[-1]
    return int(digits) if digits.isdigit() else 0
