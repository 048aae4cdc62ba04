"""Fetch the extra real speech that ``bench/bench_voice_id.py`` uses: AMI excerpts shipped in a PyPI package.

The source distribution of pyannote.audio 3.1.1 (MIT, (c) CNRS) carries 14 excerpts of 30 s from the AMI Meeting
Corpus (CC BY 4.0) in ``tests/data`` (``trn00``-``trn09``, ``dev00``/``dev01``, ``tst00``/``tst01``, 16 kHz float
WAV) with who-speaks-when in ``debug.*.rttm``, AMI's own speaker ids. Several people speak in two or more
excerpts, which is what voice recognition must be measured on: enrolled from one recording, recognised in another.

    .venv/bin/python scripts/fetch_voice_bench_data.py [DEST]   # DEST: bench/results/voice-data by default

It runs pip (the ordinary client; PyPI only), checks the archive's sha256, and keeps only ``tests/data`` and the
licence. The data stays out of the repository (``bench/results/`` is ignored by git).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "pyannote.audio==3.1.1"
ARCHIVE = "pyannote.audio-3.1.1.tar.gz"
SHA256 = "b6562d46b5d5d616c1887cafd5aab3f7d19ecf6b3312fc6c4f72f37332fcd408"
DEFAULT_DEST = Path(__file__).resolve().parents[1] / "bench" / "results" / "voice-data"


def fetch(dest: Path = DEFAULT_DEST) -> Path:
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


if __name__ == "__main__":
    print(fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DEST))
