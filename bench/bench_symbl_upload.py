"""Peak memory of uploading a 1 GiB recording through the Symbl client: the body must stream, never sit in RAM.

The emulator runs in this process; the client runs in a child process so the figure is the client's alone:
its peak RSS (VmHWM, else ru_maxrss) after the upload minus the same figure just before it. The 1 GiB file is
sparse, so it costs no disk, and is deleted afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import Row

SIZE_BYTES = 1024**3
TARGET_MIB = 64.0
ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys
from bot.engines.base import MediaFile
from bot.engines.symbl import SymblEngine
from bot.models import MediaKind

def peak_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

url, app_id, app_secret, warmup, big = sys.argv[1:6]
engine = SymblEngine(url, app_id, app_secret, timeout=(10, 600))
engine.submit(MediaFile(warmup, MediaKind.VIDEO))  # imports, token and connection pool settle before the baseline
baseline = peak_kib()
submission = engine.submit(MediaFile(big, MediaKind.VIDEO))
print(json.dumps({"baseline_kib": baseline, "peak_kib": peak_kib(), "conversation_id": submission.conversation_id}))
"""


def run() -> list[Row]:
    """Upload 1 GiB through the client in a child process; report the child's peak RSS growth."""
    from tests.fakes.symbl_emulator import SymblEmulator

    emulator = SymblEmulator(concurrency_limit=100)
    emulator.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
            warmup, big = Path(tmp) / "warmup.mp4", Path(tmp) / "big.mp4"
            warmup.write_bytes(b"\0" * 4096)
            with big.open("wb") as handle:
                handle.truncate(SIZE_BYTES)  # sparse: no disk blocks, reads back as zeros
            started = time.monotonic()
            result = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    emulator.url,
                    emulator.app_id,
                    emulator.app_secret,
                    str(warmup),
                    str(big),
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                timeout=900,
                check=False,
            )
            seconds = time.monotonic() - started
        if result.returncode != 0:
            raise RuntimeError(f"upload child failed: {result.stderr.strip()[-2000:]}")
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        received = emulator.uploaded_bytes.get(figures["conversation_id"])
    finally:
        emulator.stop()
    growth_mib = (figures["peak_kib"] - figures["baseline_kib"]) / 1024
    complete = received == SIZE_BYTES
    return [
        Row(
            "symbl 1 GiB upload: client peak RSS growth",
            f"< {TARGET_MIB:.0f} MiB",
            f"{growth_mib:.1f} MiB ({SIZE_BYTES / 2**20 / seconds:.0f} MiB/s)",
            ok=growth_mib < TARGET_MIB,
        ),
        Row(
            "symbl 1 GiB upload: bytes received by the emulator",
            f"{SIZE_BYTES}",
            f"{received}",
            ok=complete,
        ),
    ]
