"""A running stack for benchmarks: the fake Slack, the Symbl emulator and the real app process."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness import AppProcess, app_env
from tests.fakes.slack_api import FakeSlack
from tests.fakes.symbl_emulator import SymblEmulator
from tests.pg import fresh_database, server_url


@dataclass
class BenchStack:
    slack: FakeSlack
    symbl: SymblEmulator
    app: AppProcess
    data_dir: Path


@contextlib.contextmanager
def database_url(kind: str, data_dir: Path) -> Iterator[str]:
    """A fresh database of ``kind`` ("sqlite" or "postgres") for one benchmark run."""
    if kind == "sqlite":
        yield f"sqlite:///{data_dir / 'bot.sqlite3'}"
        return
    server = server_url()
    if server is None:
        raise RuntimeError("PostgreSQL is not available (scripts/pg.sh start failed)")
    with fresh_database(server) as url:
        yield url


@contextlib.contextmanager
def running_stack(database: str = "sqlite", **env: str) -> Iterator[BenchStack]:
    with (
        tempfile.TemporaryDirectory(prefix="symbl-bench-") as tmp,
        FakeSlack() as slack,
        database_url(database, Path(tmp)) as db_url,
    ):
        env.setdefault("DATABASE_URL", db_url)
        symbl = SymblEmulator(auto_advance_seconds=0.2, concurrency_limit=1000).start()
        data_dir = Path(tmp)
        app = AppProcess(
            env=app_env(slack=slack, data_dir=data_dir, engine="symbl", symbl_url=symbl.url, **env),
            log_path=data_dir / "app.log",
        )
        try:
            app.start()
            yield BenchStack(slack, symbl, app, data_dir)
        finally:
            app.stop()
            symbl.stop()


def worker_pid(arbiter_pid: int) -> int:
    """gunicorn's worker process (the one that holds the app) under its arbiter."""
    children = Path(f"/proc/{arbiter_pid}/task/{arbiter_pid}/children").read_text().split()
    return int(children[0])


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """A memory figure of a process from /proc, in MiB (VmRSS now, VmHWM the peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)
