"""Run every benchmark (or those named on the command line) and print one table: figure, target, measured."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback

import bench
from bench import Row


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    rows: list[Row] = []
    for name in names:
        started = time.monotonic()
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            rows.extend(importlib.import_module(f"bench.{name}").run())
        except Exception as exc:  # a broken benchmark is a failed row, not a crashed table
            traceback.print_exc()
            rows.append(Row(name, "runs", f"error: {exc}", ok=False))
        print(f"  {name} took {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
    header = Row("figure", "target", "measured", ok=True)
    width = [max(len(getattr(r, col)) for r in [*rows, header]) for col in ("figure", "target", "measured")]
    print(f"{'figure':<{width[0]}}  {'target':<{width[1]}}  {'measured':<{width[2]}}  ok")
    for r in rows:
        print(f"{r.figure:<{width[0]}}  {r.target:<{width[1]}}  {r.measured:<{width[2]}}  {'yes' if r.ok else 'NO'}")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
