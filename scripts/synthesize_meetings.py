"""Synthesize the evaluation meetings (and the example stand-up) with espeak-ng and ffmpeg.

Dev-time only: CI has neither tool, so the outputs are committed. For every ``tests/data/meetings/*.json``
script (or the files named on the command line) this writes, beside it, ``<name>.mp3`` (mono, 16 kHz,
32 kbps) and ``<name>.timing.json`` with each turn's speaker, start and end in seconds (the gold standard
for speaker turns and diarization). One espeak-ng voice per speaker, a fixed pause between turns, and
bit-exact encoder flags so a rerun produces the same bytes.

    python scripts/synthesize_meetings.py                      # every eval meeting
    python scripts/synthesize_meetings.py examples/standup.json --out examples/standup.mp3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MEETINGS_DIR = ROOT / "tests" / "data" / "meetings"
ESPEAK_RATE = 22050
PAUSE_SECONDS = 0.5
WORDS_PER_MINUTE = 150  # a little slower than espeak's default 175: tiny.en makes fewer mistakes
# A fixed cast, so a name sounds the same in every meeting. A voice is an espeak-ng voice+variant, optionally
# "@pitch" (espeak's -p, 0-99, default 50): variants of one sex share a pitch, and pitch is what the
# offline diarizer separates voices by best, so the cast spreads them from ~80 Hz to ~250 Hz.
CAST = {
    "Alice": "en-us+f2",  # ~200 Hz
    "Bob": "en-us+m3",  # ~108 Hz
    "Carol": "en-us+f4@80",  # ~254 Hz
    "Dave": "en-gb+m7@20",  # ~81 Hz
    "Tom": "en-gb+m1@75",  # ~135 Hz
    "Priya": "en-us+f1@30",  # ~152 Hz
}
# For anyone else, in order of first appearance.
DEFAULT_VOICES = ("en-us+m3", "en-us+f2", "en-gb+m7@20", "en-us+f4@80", "en-gb+m1@75", "en-us+f1@30")


def speak(text: str, voice: str, workdir: Path) -> np.ndarray:
    """One utterance as int16 samples at espeak-ng's 22.05 kHz."""
    wav_path = workdir / "turn.wav"
    name, _, pitch = voice.partition("@")
    subprocess.run(
        ["espeak-ng", "-v", name, "-p", pitch or "50", "-s", str(WORDS_PER_MINUTE), "-w", str(wav_path), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(wav_path), "rb") as wav:
        if wav.getframerate() != ESPEAK_RATE or wav.getnchannels() != 1:
            raise RuntimeError(f"unexpected espeak-ng output format for voice {voice}")
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)


def voices_for(script: dict) -> dict[str, str]:
    """Each speaker's voice: the script's own, else the cast's, else the next unused default."""
    declared = {name: (spec or {}).get("voice") or CAST.get(name) for name, spec in script.get("speakers", {}).items()}
    order = list(declared)
    order += [t["speaker"] for t in script["turns"] if t["speaker"] not in order]
    used = {v for v in declared.values() if v}
    spare = [v for v in DEFAULT_VOICES if v not in used]
    voices = {}
    for name in order:
        if declared.get(name):
            voices[name] = declared[name]
        else:
            voices[name] = spare.pop(0) if spare else DEFAULT_VOICES[len(voices) % len(DEFAULT_VOICES)]
    return voices


def synthesize(script_path: Path, out_path: Path) -> dict:
    """Write the meeting's mp3 and timing JSON; return the timing."""
    script = json.loads(script_path.read_text())
    voices = voices_for(script)
    pause = np.zeros(int(PAUSE_SECONDS * ESPEAK_RATE), dtype=np.int16)
    pieces: list[np.ndarray] = [pause]
    cursor = len(pause)
    turns = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for index, turn in enumerate(script["turns"]):
            # A turn may override its speaker's voice, e.g. the same voice at another pitch (intonation)
            samples = speak(turn["text"], turn.get("voice") or voices[turn["speaker"]], workdir)
            turns.append(
                {
                    "turn": index,
                    "speaker": turn["speaker"],
                    "start": round(cursor / ESPEAK_RATE, 3),
                    "end": round((cursor + len(samples)) / ESPEAK_RATE, 3),
                }
            )
            pieces += [samples, pause]
            cursor += len(samples) + len(pause)
        raw = workdir / "meeting.wav"
        with wave.open(str(raw), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(ESPEAK_RATE)
            wav.writeframes(np.concatenate(pieces).tobytes())
        encode(raw, out_path)
    timing = {"audio": out_path.name, "duration": round(cursor / ESPEAK_RATE, 3), "voices": voices, "turns": turns}
    out_path.with_suffix(".timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    return timing


def encode(wav_path: Path, out_path: Path) -> None:
    """Mono 16 kHz 32 kbps MP3 with no metadata, bit-exact so reruns are byte-identical."""
    subprocess.run(
        [
            "ffmpeg", "-y", "-loglevel", "error", "-i", str(wav_path),
            "-ac", "1", "-ar", "16000", "-c:a", "libmp3lame", "-b:a", "32k",
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact", "-id3v2_version", "0",
            str(out_path),
        ],
        check=True,
    )  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*", type=Path, help="meeting JSON scripts (default: every eval meeting)")
    parser.add_argument("--out", type=Path, help="output mp3 (only with a single script)")
    args = parser.parse_args(argv)
    scripts = args.scripts or sorted(p for p in MEETINGS_DIR.glob("*.json") if not p.name.endswith(".timing.json"))
    if args.out and len(scripts) != 1:
        parser.error("--out needs exactly one script")
    for script in scripts:
        out = args.out or script.with_suffix(".mp3")
        timing = synthesize(script, out)
        print(f"{out}: {timing['duration']:.1f}s, {len(timing['turns'])} turns, {out.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
