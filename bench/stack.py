"""A running stack for benchmarks: the fake Slack, the Symbl emulator and the real app process."""

from __future__ import annotations

import contextlib
import tempfile
import time
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


def child_pids(parent_pid: int) -> list[int]:
    """Direct children of a process (from every one of its threads: the supervisor thread spawns the jobs process)."""
    pids: list[int] = []
    for task in Path(f"/proc/{parent_pid}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def jobs_pid(arbiter_pid: int, timeout: float = 30.0) -> int:
    """The app's jobs process (``python -m bot jobs``), the one that downloads and uploads recordings."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in child_pids(arbiter_pid):
            if b"jobs" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                return pid
        time.sleep(0.1)
    raise LookupError("no jobs process under the app")


def descendant_pids(parent_pid: int) -> list[int]:
    """Every process below ``parent_pid``: children, their children, and so on."""
    pids: list[int] = []
    for child in child_pids(parent_pid):
        pids.append(child)
        with contextlib.suppress(OSError):  # it exited meanwhile
            pids += descendant_pids(child)
    return pids


def web_pids(arbiter_pid: int) -> list[int]:
    """The web server's workers: the children of granian's main process, the app's child that is not the jobs one."""
    web_main = [
        p for p in child_pids(arbiter_pid) if b"jobs" not in Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
    ]
    return [worker for pid in web_main for worker in child_pids(pid)]


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """A memory figure of a process from /proc, in MiB (VmRSS now, VmHWM the peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)
