"""However the app is stopped, none of its processes lives on.

A jobs process that outlives the main process keeps polling the database and running the engine with nobody to
supervise it; a later start then has two claimants for every job. So every way an operator (or the kernel) can
stop the app is tried, and every process the app started must be gone 10 s later.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from bench.stack import descendant_pids
from tests.e2e.conftest import wait_until
from tests.e2e.harness import jobs_process_pid

GRACE_SECONDS = 10


def app_processes(main: int) -> set[int]:
    """The main process, the web server's main process and workers, the jobs process (all running before the stop)."""
    return {main, *descendant_pids(main)}


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie has exited: it only waits for its parent to read its status)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop_main(main: int, signum: int) -> None:
    os.kill(main, signum)


def stop_group(main: int, signum: int) -> None:
    os.killpg(main, signum)  # the app runs in its own session: its group id is the main process's pid


@pytest.mark.parametrize(
    ("how", "signum"),
    [
        (stop_main, signal.SIGTERM),
        (stop_group, signal.SIGTERM),
        (stop_main, signal.SIGINT),
        (stop_main, signal.SIGKILL),
    ],
    ids=["sigterm-main", "sigterm-group", "sigint-main", "sigkill-main"],
)
def test_no_process_of_the_app_survives_a_stop(stack, how, signum):
    main = stack.app.process.pid
    wait_until(lambda: jobs_process_pid(main), what="the jobs process")
    before = app_processes(main)
    assert len(before) >= 4, "expected the main process, the web server with a worker, and the jobs process"

    how(main, signum)
    with contextlib.suppress(Exception):
        stack.app.process.wait(GRACE_SECONDS)  # reaps the main process (the test is its parent)
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and any(alive(p) for p in before):
        time.sleep(0.1)

    survivors = sorted(p for p in before if alive(p))
    for pid in survivors:  # don't leave them running for the rest of the suite
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not survivors, f"still running {GRACE_SECONDS} s after the stop: {survivors}"
