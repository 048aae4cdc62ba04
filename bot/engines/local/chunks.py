"""A recording decoded a chunk at a time, so memory stays flat however long it is.

``audio_chunks`` decodes the first audio stream with PyAV exactly as faster-whisper's ``decode_audio`` does
(frames grouped, resampled to 16 kHz mono 16-bit, then scaled to float32), but hands the samples on in chunks of
about ``CHUNK_SECONDS`` instead of one array: a four-hour meeting is 0.9 GB of float32 samples, a ten-minute chunk
38 MB. Each cut falls in the quietest half-second near the chunk's nominal end (within ``slack``), so a word is
rarely cut in two. A recording no longer than one chunk plus its slack is one chunk; ``transcribe.load_audio`` is
the chunks joined, for the benches and tests that want a whole array.
"""

from __future__ import annotations

import gc
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.engines.local.transcribe import PAUSE_FRAME, SAMPLE_RATE
from bot.errors import UnsupportedMediaError

logger = logging.getLogger(__name__)

# Ten minutes: Whisper's spectrogram of a chunk (computed whole by faster-whisper; about 2.5 GB for an hour) stays
# small, and the diarizer hears each speaker of a chunk several times.
CHUNK_SECONDS = 600.0
# A cut may move this share of a chunk's length either way to find a quiet spot (a minute for ten-minute chunks),
# and at least a few seconds, so that even short chunks find a pause between sentences.
SLACK_SHARE = 0.1
MIN_SLACK_SECONDS = 3.0
# The quietest stretch this long near the nominal end is where a chunk is cut: about a pause between two words.
QUIET_WINDOW_SECONDS = 0.5
# PyAV decodes in frames of ~1000 samples; they are grouped before resampling, as faster-whisper does.
GROUP_SAMPLES = 500_000


@dataclass(frozen=True)
class AudioChunk:
    """16 kHz mono float32 ``samples`` starting ``offset`` seconds into the recording."""

    offset: float
    samples: np.ndarray
    whole: bool  # the only chunk: the recording was short enough to be handled in one piece

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def audio_chunks(path: str | Path, chunk_seconds: float = CHUNK_SECONDS) -> Iterator[AudioChunk]:
    """The recording's first audio stream in consecutive chunks of about ``chunk_seconds``, cut at quiet spots.

    Raises ``UnsupportedMediaError`` (a message a user can act on) when it cannot be decoded or has no sound.
    """
    import av

    step = int(chunk_seconds * SAMPLE_RATE)
    slack = int(min(chunk_seconds / 2, max(MIN_SLACK_SECONDS, chunk_seconds * SLACK_SHARE)) * SAMPLE_RATE)
    pending: list[np.ndarray] = []  # 16-bit samples decoded but not yet handed on
    held = 0
    offset = 0
    try:
        for block in _decoded_blocks(str(path)):
            pending.append(block)
            held += len(block)
            while held > step + slack:  # more than one chunk's worth: cut one off
                buffered = np.concatenate(pending)
                cut = quiet_cut(buffered, step - slack, step + slack)
                yield AudioChunk(offset / SAMPLE_RATE, _as_float(buffered[:cut]), whole=False)
                offset += cut
                pending, held = [buffered[cut:]], len(buffered) - cut
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        # IndexError: PyAV's way of saying the container has no audio stream
        logger.info("could not decode media: %s", type(exc).__name__)
        raise UnsupportedMediaError(
            "I couldn't decode this recording: it is damaged or not an audio/video format I can read."
        ) from exc
    if held == 0 and offset == 0:
        raise UnsupportedMediaError("This recording has no sound I can decode.")
    if held:
        yield AudioChunk(offset / SAMPLE_RATE, _as_float(np.concatenate(pending)), whole=offset == 0)


def _decoded_blocks(path: str) -> Iterator[np.ndarray]:
    """16-bit 16 kHz mono samples, a resampled group of frames at a time (as faster_whisper.audio.decode_audio)."""
    import av

    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    with av.open(path, mode="r", metadata_errors="ignore") as container:
        for group in itertools.chain(_grouped(_valid_frames(container.decode(audio=0))), [None]):
            for frame in resampler.resample(group):  # None flushes the resampler
                yield frame.to_ndarray().reshape(-1)
    # The resampler's native objects are only freed by a collection (faster-whisper issue 390)
    del resampler
    gc.collect()


def _valid_frames(frames):
    """Decoded frames, skipping the ones FFmpeg finds invalid (a damaged stretch), as faster-whisper does."""
    import av

    iterator = iter(frames)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def _grouped(frames):
    import av

    fifo = av.audio.fifo.AudioFifo()
    for frame in frames:
        frame.pts = None  # the FIFO checks timestamps for continuity; a glitch in them must not stop decoding
        fifo.write(frame)
        if fifo.samples >= GROUP_SAMPLES:
            yield fifo.read()
    if fifo.samples > 0:
        yield fifo.read()


def _as_float(samples: np.ndarray) -> np.ndarray:
    return samples.astype(np.float32) / 32768.0


def quiet_cut(samples: np.ndarray, low: int, high: int) -> int:
    """The sample index in [low, high] at the middle of the quietest ``QUIET_WINDOW_SECONDS`` (by mean power)."""
    first, last = max(0, low) // PAUSE_FRAME, min(len(samples), high) // PAUSE_FRAME
    frames = samples[first * PAUSE_FRAME : last * PAUSE_FRAME].astype(np.float64).reshape(-1, PAUSE_FRAME)
    power = np.einsum("ij,ij->i", frames, frames)
    width = max(1, int(QUIET_WINDOW_SECONDS * SAMPLE_RATE) // PAUSE_FRAME)
    if len(power) < width:
        return max(low, min(high, len(samples) - 1))
    windowed = np.convolve(power, np.ones(width), mode="valid")  # the power of each window of ``width`` frames
    quietest = int(np.argmin(windowed))  # the first of equally quiet windows: the same cut every time
    return (first + quietest + width // 2) * PAUSE_FRAME
