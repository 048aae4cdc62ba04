"""What a voice sounds like, measured with numpy from 16 kHz samples: MFCC frames, pitch, and summaries of both.

No neural model. Two descriptions of a stretch of speech come out of here:

* ``VoiceStats``: the count, sum and sum of outer products of its MFCC frames (the sufficient statistics of a
  Gaussian over the shape of the voice's spectrum) plus its median pitch. Stats add up, so a cluster of
  utterances is described exactly by the sum of theirs; ``diarize`` compares such Gaussians.
* ``voice_features``: a fixed-length vector (MFCC means and spreads, log2 pitch), kept per speaker so that an
  appended recording can be matched to the voices already heard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engines.local.transcribe import SAMPLE_RATE

FRAME = 400  # 25 ms
HOP = 160  # 10 ms
N_FFT = 512
N_MELS = 26
N_MFCC = 13
MIN_PITCH_HZ, MAX_PITCH_HZ = 60.0, 400.0
# Utterances shorter than this carry too little voice to judge; the diarizer labels them from their neighbours.
MIN_FEATURE_SECONDS = 0.6
# Frames this much quieter than the loudest are pauses and breaths: they say nothing about the voice.
LOUD_FRAME_DB = 30.0
MIN_LOUD_FRAMES = 20


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


def mfcc_frames(samples: np.ndarray) -> np.ndarray | None:
    """MFCC 1-12 of the loud 25 ms frames (c0, the loudness, is left out); None if too short or silent."""
    if len(samples) < SAMPLE_RATE * MIN_FEATURE_SECONDS:
        return None
    frames = _frames(samples.astype(np.float64))
    energy = (frames**2).sum(axis=1)
    loud = energy > energy.max() * 10 ** (-LOUD_FRAME_DB / 10)
    if loud.sum() < MIN_LOUD_FRAMES:
        return None
    power = np.abs(np.fft.rfft(frames[loud], n=N_FFT)) ** 2
    log_mel = np.log(power @ _MEL_BANK.T + 1e-10)
    return (log_mel @ _DCT.T / N_MELS * 2)[:, 1:]


_YIN_WINDOW = 400
_YIN_MAX_LAG = int(SAMPLE_RATE / MIN_PITCH_HZ) + 1
_YIN_MIN_LAG = int(SAMPLE_RATE / MAX_PITCH_HZ)
_YIN_THRESHOLD = 0.15


def pitch_hz(samples: np.ndarray) -> float | None:
    """Median fundamental frequency of the voiced frames (YIN), or None when there are too few.

    YIN's cumulative-mean-normalised difference avoids the octave errors a plain autocorrelation makes.
    """
    samples = samples.astype(np.float64)
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


@dataclass(frozen=True)
class VoiceStats:
    """Sufficient statistics of one stretch of speech's MFCC frames, and its median pitch (log2 Hz, or NaN)."""

    frames: int
    total: np.ndarray  # sum of the frames, shape (12,)
    outer: np.ndarray  # sum of each frame's outer product with itself, shape (12, 12)
    log_pitch: float


def voice_stats(samples: np.ndarray) -> VoiceStats | None:
    """``VoiceStats`` of a stretch of 16 kHz samples; None when it is too short or quiet to describe a voice."""
    mfcc = mfcc_frames(samples)
    if mfcc is None:
        return None
    pitch = pitch_hz(samples)
    return VoiceStats(len(mfcc), mfcc.sum(axis=0), mfcc.T @ mfcc, float(np.log2(pitch)) if pitch else float("nan"))


def voice_features(samples: np.ndarray) -> np.ndarray | None:
    """MFCC 1-12 means and standard deviations plus log2 pitch for one utterance; None if too short or silent."""
    mfcc = mfcc_frames(samples)
    if mfcc is None:
        return None
    pitch = pitch_hz(samples)
    log_pitch = np.log2(pitch) if pitch else np.nan
    return np.concatenate([mfcc.mean(axis=0), mfcc.std(axis=0), [log_pitch]])
