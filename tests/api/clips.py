"""Short real-speech clips for the API tests, cut from ``examples/standup.mp3`` with PyAV (faster-whisper's decoder).

The stand-up is spoken by three synthetic voices; a few seconds of it keep the speech-model tests short. The video
clip is the same audio under a still frame, H.264 + AAC in MP4, as Symbl's video routes take.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RATE = 16000


def _samples(start: float, seconds: float) -> np.ndarray:
    with av.open(str(EXAMPLES / "standup.mp3")) as source:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        chunks = [
            frame.to_ndarray().reshape(-1)
            for packet in source.demux(audio=0)
            for decoded in packet.decode()
            for frame in resampler.resample(decoded)
        ]
    audio = np.concatenate(chunks)
    return audio[int(start * RATE) : int((start + seconds) * RATE)]


def write_wav(path: Path, start: float, seconds: float) -> Path:
    import wave

    samples = _samples(start, seconds)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.astype("<i2").tobytes())
    return path


def write_mp4(path: Path, start: float, seconds: float) -> Path:
    samples = _samples(start, seconds)
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=1)
        video.width, video.height, video.pix_fmt = 160, 96, "yuv420p"
        audio = out.add_stream("aac", rate=RATE)
        audio.layout = "mono"
        still = np.full((96, 160, 3), 90, dtype=np.uint8)
        for second in range(int(seconds) + 1):
            frame = av.VideoFrame.from_ndarray(still, format="rgb24")
            frame.pts, frame.time_base = second, Fraction(1, 1)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        step = 1024
        for offset in range(0, len(samples), step):
            block = samples[offset : offset + step].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
            frame.sample_rate, frame.pts = RATE, offset
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    return path
