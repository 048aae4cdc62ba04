"""The offline engine's memory on long recordings: peak RSS of hearing 10 minutes against longer meetings.

Bar (issue #16): on 4 hours of audio, peak RSS within 300 MB of its peak on 10 minutes. The engine decodes,
transcribes and diarizes a chunk of about ten minutes at a time (``bot/engines/local/hearing.py``), so its peak
should not grow with the length.

Each recording is built from real speech: the real-meetings clips (4 AMI excerpts, 3 LibriSpeech round tables;
``$REAL_MEETINGS_DIR``, else ``<repo>/../shared/data/real-meetings``) played one after another, 2 s of silence
between them, looped to the length wanted, written as a 16 kHz FLAC into a temporary folder (never kept). Each is
heard in a child process (``python -m bench.bench_offline_memory --worker FLAC``) with the engine's default speech
model, so the peak RSS (``ru_maxrss``) is the hearing's alone: model loads, decoding, Whisper, the diarizer and
the transcript kept. Also reported: CPU seconds and wall time (the box is shared: wall time moves with its load).

Lengths: ``BENCH_OFFLINE_MINUTES`` (default "10,60"; the hour also gives issue #10's bars, RTF <= 0.25 and peak
RSS < 2.5 GiB). Whisper on four hours takes an hour or more on two cores, so run that on its own:
``python -m bench.bench_offline_memory --minutes 240``. ``BENCH_OFFLINE_MODEL`` picks another
speech model than the engine's default.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench import Row, real_meetings_dir

ROOT = Path(__file__).resolve().parent.parent
SILENCE_SECONDS = 2.0
BAR_MIB = 300 * 1e6 / 2**20  # "within 300 MB"
BASELINE_MINUTES = 10
# Issue #10: an hour, diarization included, on 2 cores: real-time factor and peak RSS.
HOUR_MINUTES = 60
RTF_TARGET = 0.25
RSS_TARGET_MIB = 2.5 * 1024


def speech_blocks(data: Path) -> Iterator:
    """16-bit 16 kHz mono blocks of the real clips, each followed by silence, forever."""
    import numpy as np

    from bot.engines.local.transcribe import SAMPLE_RATE, load_audio

    clips = [(load_audio(wav) * 32767).astype(np.int16) for wav in sorted((data / "audio").glob("*.wav"))]
    silence = np.zeros(int(SILENCE_SECONDS * SAMPLE_RATE), dtype=np.int16)
    while True:
        for clip in clips:
            yield clip
            yield silence


def build_recording(data: Path, minutes: float, out: Path) -> Path:
    """A FLAC of ``minutes`` of looped real speech, encoded block by block (the builder holds no whole recording)."""
    import av

    from bot.engines.local.transcribe import SAMPLE_RATE

    wanted = int(minutes * 60 * SAMPLE_RATE)
    written = 0
    with av.open(str(out), mode="w", format="flac") as container:
        stream = container.add_stream("flac", rate=SAMPLE_RATE, layout="mono")
        for whole in speech_blocks(data):
            block = whole[: wanted - written]
            frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="s16", layout="mono")
            frame.rate = SAMPLE_RATE
            container.mux(stream.encode(frame))
            written += len(block)
            if written >= wanted:
                break
        container.mux(stream.encode(None))
    return out


def worker(flac: Path, model: str) -> dict:
    """Child-process side: hear the recording as the engine does; report its peak RSS, CPU and wall time."""
    from bot.engines.local.hearing import hear
    from bot.engines.local.transcribe import Transcriber

    # Each chunk's progress on stderr with the peak RSS so far: the trend, should a long run be stopped early
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(message)s")
    logging.getLogger("bot.engines.local.hearing").setLevel(logging.INFO)
    logging.getLogger().handlers[0].addFilter(_with_peak_rss)
    started, cpu_before = time.perf_counter(), _cpu_seconds()
    heard = hear(flac, Transcriber(model))
    return {
        "audio_seconds": heard.seconds,
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu_seconds() - cpu_before,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "turns": len(heard.turns),
        "speakers": len({t.speaker for t in heard.turns}),
    }


def _with_peak_rss(record: logging.LogRecord) -> bool:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record.msg = f"{record.msg} [peak RSS {peak:.0f} MiB, {_cpu_seconds():.0f} CPU s]"
    return True


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(data: Path, minutes: float, model: str) -> dict:
    """Build a recording of ``minutes`` and hear it in a child process."""
    with tempfile.TemporaryDirectory(prefix="offline-memory-") as tmp:
        flac = build_recording(data, minutes, Path(tmp) / f"meeting-{minutes:g}min.flac")
        command = [sys.executable, "-m", "bench.bench_offline_memory", "--worker", str(flac), "--model", model]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return {"minutes": minutes, **json.loads(done.stdout.strip().splitlines()[-1])}


def rows(results: list[dict]) -> list[Row]:
    """One row per length, and the bar: the longest one's peak within 300 MB of the 10-minute one's."""
    out = [
        Row(
            f"offline engine on {r['minutes']:g} min of real speech: peak RSS (CPU s, wall s, speakers)",
            "(diagnostic)",
            f"{r['peak_rss_mib']:.0f} MiB ({r['cpu_seconds']:.0f} CPU s, {r['wall_seconds']:.0f} s, {r['speakers']})",
            ok=True,
        )
        for r in results
    ]
    base = next((r for r in results if r["minutes"] == BASELINE_MINUTES), None)
    longest = max(results, key=lambda r: r["minutes"])
    if base and longest is not base:
        growth = longest["peak_rss_mib"] - base["peak_rss_mib"]
        out.append(
            Row(
                f"offline engine peak RSS, {longest['minutes']:g} min minus {BASELINE_MINUTES} min "
                "(bar: 4 h within 300 MB)",
                f"<= {BAR_MIB:.0f} MiB",
                f"{growth:+.0f} MiB",
                growth <= BAR_MIB,
            )
        )
    if hour := next((r for r in results if r["minutes"] == HOUR_MINUTES), None):
        rtf = hour["wall_seconds"] / hour["audio_seconds"]
        out.append(
            Row(
                "offline engine RTF, 60 min of real speech (wall, diarized)", "<= 0.25", f"{rtf:.3f}", rtf <= RTF_TARGET
            )
        )
        out.append(
            Row(
                "offline engine peak RSS, 60 min",
                "< 2560 MiB",
                f"{hour['peak_rss_mib']:.0f} MiB",
                hour["peak_rss_mib"] < RSS_TARGET_MIB,
            )
        )
    return out


def run() -> list[Row]:
    """The benchmark rows for ``python -m bench``."""
    data = real_meetings_dir()
    if data is None:
        return [Row("offline engine memory", "data present", "data absent (set REAL_MEETINGS_DIR)", ok=True)]
    lengths = [float(m) for m in os.environ.get("BENCH_OFFLINE_MINUTES", "10,60").split(",") if m.strip()]
    model = os.environ.get("BENCH_OFFLINE_MODEL", "")
    return rows([measure(data, minutes, model) for minutes in lengths])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="peak RSS of the offline engine on long recordings")
    parser.add_argument("--worker", type=Path, metavar="FLAC", help="hear FLAC and print the figures (child side)")
    parser.add_argument("--model", default=os.environ.get("BENCH_OFFLINE_MODEL", ""), help="speech model")
    parser.add_argument("--minutes", type=float, action="append", help="a length to measure (repeatable)")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.model)))
        return 0
    data = real_meetings_dir()
    if data is None:
        print("the real-meetings data set is absent (set REAL_MEETINGS_DIR)", file=sys.stderr)
        return 1
    for minutes in args.minutes or [BASELINE_MINUTES]:
        result = measure(data, minutes, args.model)
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
