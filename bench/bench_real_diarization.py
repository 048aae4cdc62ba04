"""The offline engine's diarization on real recordings: the real-meetings clips, scored by their own ``score.py``.

Data: ``$REAL_MEETINGS_DIR``, else ``<repo>/../shared/data/real-meetings``
(4 AMI meeting excerpts and 3 LibriSpeech round tables, 16 kHz WAV with reference RTTMs); without it, one row says
"data absent". Each whole clip is diarized with no transcript (``speaker_segments``: who speaks when, overlaps kept)
in a child process (``python -m bench.bench_real_diarization --worker OUT_DIR WAV...``), so its peak RSS is the
diarizer's alone; the RTTMs it writes are scored with ``score.py PRED_DIR --only audio --json OUT`` (DER on 10 ms
frames, 0.25 s collar, overlap scored). Figures:

- pooled DER, target <= 25 %, and the same pooled over the AMI clips and the LibriSpeech clips apart;
- clips whose speaker count (estimated, never given) is right, target >= 5 of 7;
- real-time factor (diarization time / audio duration), CPU time per audio second (what the real-time factor
  would be on an idle core; the wall-clock figure moves with the box's load) and peak RSS of the diarizing process.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import Row, real_meetings_dir

ROOT = Path(__file__).resolve().parent.parent


def worker(out_dir: Path, wavs: list[Path]) -> dict:
    """Child-process side: diarize each clip, write ``<clip>.rttm`` into ``out_dir``, report times and peak RSS."""
    from bot.engines.local.diarize import speaker_segments
    from bot.engines.local.transcribe import SAMPLE_RATE, load_audio

    seconds = duration = 0.0
    cpu_before = _cpu_seconds()
    for wav in wavs:
        audio = load_audio(wav)
        started = time.perf_counter()
        segments = speaker_segments(audio)
        seconds += time.perf_counter() - started
        duration += len(audio) / SAMPLE_RATE
        lines = [
            f"SPEAKER {wav.stem} 1 {s.start:.3f} {s.end - s.start:.3f} <NA> <NA> spk{s.speaker} <NA> <NA>\n"
            for s in segments
        ]
        (out_dir / f"{wav.stem}.rttm").write_text("".join(lines), encoding="utf-8")
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu_before,
        "duration": duration,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(data: Path) -> dict:
    """Diarize every clip in a child process and score the RTTMs with the data set's scorer."""
    wavs = sorted((data / "audio").glob("*.wav"))
    with tempfile.TemporaryDirectory(prefix="real-diarization-") as tmp:
        out = Path(tmp)
        command = [sys.executable, "-m", "bench.bench_real_diarization", "--worker", str(out), *map(str, wavs)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        timing = json.loads(done.stdout)
        scores = out / "scores.json"
        subprocess.run(
            [sys.executable, str(data / "score.py"), str(out), "--only", "audio", "--json", str(scores)],
            capture_output=True,
            text=True,
            check=True,
        )
        audio = json.loads(scores.read_text(encoding="utf-8"))["audio"]
    clips = {name: d for name, d in audio.items() if not name.startswith("_")}
    return {**timing, "clips": clips, "pooled": audio["_pooled"]["der"]}


def pooled_der(clips: dict[str, dict]) -> float:
    errors = sum(d["miss_s"] + d["fa_s"] + d["conf_s"] for d in clips.values())
    return errors / (sum(d["ref_s"] for d in clips.values()) or 1.0)


def run() -> list[Row]:
    """The benchmark rows for ``python -m bench``."""
    data = real_meetings_dir()
    if data is None:
        return [Row("real-meetings diarization", "data present", "data absent (set REAL_MEETINGS_DIR)", ok=True)]
    m = measure(data)
    clips = m["clips"]
    right = sum(d["n_hyp_spk"] == d["n_ref_spk"] for d in clips.values())
    need = -(-5 * len(clips) // 8)  # the bar: 5 of every 8 clips
    ami = {name: d for name, d in clips.items() if name.startswith("ami_")}
    libri = {name: d for name, d in clips.items() if not name.startswith("ami_")}
    per_clip = ", ".join(f"{name} {d['der']:.0%} ({d['n_hyp_spk']}/{d['n_ref_spk']})" for name, d in clips.items())
    rtf = m["seconds"] / m["duration"]
    return [
        Row(
            "real-meetings diarization DER, pooled (0.25 s collar, overlap scored)",
            "<= 25%",
            f"{m['pooled']:.1%}",
            m["pooled"] <= 0.25,
        ),
        Row("real-meetings diarization DER, AMI meeting clips", "(diagnostic)", f"{pooled_der(ami):.1%}", ok=True),
        Row(
            "real-meetings diarization DER, LibriSpeech round tables",
            "(diagnostic)",
            f"{pooled_der(libri):.1%}",
            ok=True,
        ),
        Row(
            "real-meetings diarization: clips with the right speaker count (estimated)",
            f">= {need}/{len(clips)}",
            f"{right}/{len(clips)}",
            right >= need,
        ),
        Row("real-meetings diarization per clip: DER (speakers found/true)", "(diagnostic)", per_clip, ok=True),
        Row(
            "real-meetings diarization real-time factor (this box)",
            "<= 0.2",
            f"{rtf:.3f} ({m['duration']:.0f}s of audio)",
            rtf <= 0.2,
        ),
        Row(
            "real-meetings diarization CPU seconds per audio second (wall-clock RTF depends on the box's load)",
            "(diagnostic)",
            f"{m['cpu_seconds'] / m['duration']:.3f}",
            ok=True,
        ),
        Row(
            "real-meetings diarization peak RSS (diarizing process)",
            "< 1024 MiB",
            f"{m['peak_rss_mib']:.0f} MiB",
            m["peak_rss_mib"] < 1024,
        ),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="offline diarization on the real-meetings clips")
    parser.add_argument("--worker", type=Path, metavar="OUT_DIR", help="diarize the WAVs into OUT_DIR (child side)")
    parser.add_argument("wavs", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.wavs)))
        return 0
    for row in run():
        print(f"{row.figure}: {row.measured} (target {row.target}){'' if row.ok else '  NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
