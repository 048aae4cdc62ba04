"""Fetch the extra real speech that ``bench/bench_voice_id.py`` uses, shipped in two PyPI packages.

The source distribution of pyannote.audio 3.1.1 (MIT, (c) CNRS) carries 14 excerpts of 30 s from the AMI Meeting
Corpus (CC BY 4.0) in ``tests/data`` (``trn00``-``trn09``, ``dev00``/``dev01``, ``tst00``/``tst01``, 16 kHz float
WAV) with who-speaks-when in ``debug.*.rttm``, AMI's own speaker ids. Several people speak in two or more
excerpts, which is what voice recognition must be measured on: enrolled from one recording, recognised in another.

    .venv/bin/python scripts/fetch_voice_bench_data.py [DEST]   # DEST: bench/results/voice-data by default

The wheel of speakerbox 1.2.0 (MIT, (c) 2022 Eva Maxfield Brown) carries ``speakerbox/tests/data/diarized.zip``:
115 hand-labelled speech segments of 9 Seattle City Council members (``<meeting>/<member>/<start_ms>-<end_ms>.wav``,
16 kHz mono) from 5 public council meetings (Seattle Channel recordings, gathered by the Council Data Project;
public records). Each member speaks in 3 to 5 of the meetings: enrolled in one meeting, recognised in another.
Each meeting's segments are joined (in their order in the meeting, 0.2 s of silence between) into one WAV with an
RTTM naming who speaks when, the same shape as the AMI excerpts.

It runs pip (the ordinary client; PyPI only), checks each archive's sha256, and keeps only the speech, its labels
and the licence. The data stays out of the repository (``bench/results/`` is ignored by git).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
import wave
import zipfile
from pathlib import Path

PACKAGE = "pyannote.audio==3.1.1"
ARCHIVE = "pyannote.audio-3.1.1.tar.gz"
SHA256 = "b6562d46b5d5d616c1887cafd5aab3f7d19ecf6b3312fc6c4f72f37332fcd408"
SPEAKERBOX = "speakerbox==1.2.0"
SPEAKERBOX_WHEEL = "speakerbox-1.2.0-py3-none-any.whl"
SPEAKERBOX_SHA256 = "3582e080ed0ec423368199c60b6bf46c9a68a71cc98dd19411265735b14fe951"
SPEAKERBOX_DIARIZED = "speakerbox/tests/data/diarized.zip"
GAP_SECONDS = 0.2
DEFAULT_DEST = Path(__file__).resolve().parents[1] / "bench" / "results" / "voice-data"


def fetch(dest: Path = DEFAULT_DEST) -> list[Path]:
    """Both sources, each fetched once."""
    return [fetch_pyannote(dest), fetch_speakerbox(dest)]


def fetch_pyannote(dest: Path = DEFAULT_DEST) -> Path:
    """``dest``/pyannote-audio-3.1.1 with the excerpts, fetched once."""
    target = dest / "pyannote-audio-3.1.1"
    if (target / "debug.train.rttm").is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        # pip reads the sdist's metadata, and its setup.py needs pkg_resources (gone from today's setuptools):
        # a throwaway venv with an older setuptools, used without build isolation
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "-q"]
        subprocess.run([*pip, "install", "setuptools<70", "wheel"], check=True)
        cmd = [*pip, "download", PACKAGE, "--no-deps", "--no-binary", ":all:", "--no-build-isolation"]
        subprocess.run([*cmd, "-d", tmp], check=True, stdout=subprocess.DEVNULL)
        archive = Path(tmp) / ARCHIVE
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        if digest != SHA256:
            raise SystemExit(f"{ARCHIVE}: sha256 {digest}, expected {SHA256}")
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                name = Path(member.name)
                if member.isfile() and (name.parent.name == "data" or name.name == "LICENSE") and len(name.parts) <= 4:
                    member.name = name.name
                    tar.extract(member, target, filter="data")
    return target


def fetch_speakerbox(dest: Path = DEFAULT_DEST) -> Path:
    """``dest``/speakerbox-1.2.0 with one ``<meeting>.wav`` and ``<meeting>.rttm`` per council meeting, fetched once."""
    target = dest / "speakerbox-1.2.0"
    if (target / "LICENSE").is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "-q", "download", SPEAKERBOX, "--no-deps", "--only-binary", ":all:"]
        subprocess.run([*cmd, "-d", tmp], check=True, stdout=subprocess.DEVNULL)
        archive = Path(tmp) / SPEAKERBOX_WHEEL
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        if digest != SPEAKERBOX_SHA256:
            raise SystemExit(f"{SPEAKERBOX_WHEEL}: sha256 {digest}, expected {SPEAKERBOX_SHA256}")
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(archive) as wheel:
            (Path(tmp) / "diarized.zip").write_bytes(wheel.read(SPEAKERBOX_DIARIZED))
            licence = wheel.read("speakerbox-1.2.0.dist-info/LICENSE")
        with zipfile.ZipFile(Path(tmp) / "diarized.zip") as segments:
            meetings: dict[str, list[tuple[int, str, str]]] = {}
            for name in segments.namelist():
                parts = Path(name).parts
                if len(parts) == 3 and name.endswith(".wav"):  # <meeting>/<member>/<start_ms>-<end_ms>.wav
                    meetings.setdefault(parts[0], []).append((int(parts[2].split("-")[0]), parts[1], name))
            for meeting, found in sorted(meetings.items()):
                _join(segments, meeting, sorted(found), target)
        (target / "LICENSE").write_bytes(licence)  # written last: its presence means the fetch is complete
    return target


def _join(segments: zipfile.ZipFile, meeting: str, found: list[tuple[int, str, str]], target: Path) -> None:
    """One meeting's segments as one WAV (16 kHz mono 16 bit) and an RTTM of who speaks when in it."""
    rttm = []
    at = 0.0
    with wave.open(str(target / f"{meeting}.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        gap = b"\0\0" * int(GAP_SECONDS * 16000)
        for _start_ms, member, name in found:
            with segments.open(name) as raw, wave.open(raw) as clip:
                if (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) != (1, 2, 16000):
                    raise SystemExit(f"{name}: not 16 kHz mono 16 bit")
                frames = clip.readframes(clip.getnframes())
            seconds = len(frames) / 2 / 16000
            rttm.append(f"SPEAKER {meeting} 1 {at:.3f} {seconds:.3f} <NA> <NA> council_{member} <NA> <NA>")
            out.writeframes(frames + gap)
            at += seconds + GAP_SECONDS
    (target / f"{meeting}.rttm").write_text("\n".join(rttm) + "\n", encoding="utf-8")


if __name__ == "__main__":
    print(fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DEST))
