"""Benchmarks: each ``bench/bench_*.py`` module exposes ``run() -> list[Row]``; ``make bench`` prints one table.

Benchmarks live here, never in the timed test suite: they take real time and real memory measurements.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One measured figure against its target."""

    figure: str
    target: str
    measured: str
    ok: bool
