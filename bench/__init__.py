"""Benchmarks: each ``bench/bench_*.py`` module exposes ``run() -> list[Row]``; ``make bench`` prints one table.

Benchmarks live here, never in the timed test suite: they take real time and real memory measurements.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# The real-meetings data set lives beside the repository (``shared/`` next to the checkout), never inside it.
DEFAULT_REAL_MEETINGS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real-meetings"


@dataclass(frozen=True)
class Row:
    """One measured figure against its target."""

    figure: str
    target: str
    measured: str
    ok: bool


def real_meetings_dir() -> Path | None:
    """The real-meetings data set (``REAL_MEETINGS_DIR``, else ``shared/`` beside the repo), or None if absent."""
    folder = Path(os.environ.get("REAL_MEETINGS_DIR") or DEFAULT_REAL_MEETINGS)
    return folder.resolve() if (folder / "score.py").is_file() else None
