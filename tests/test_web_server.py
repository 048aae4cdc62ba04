"""The main process's hold on the web server: drain, one stop, and a kill when the stop hangs (no server started).

The real server's stops are covered end to end by tests/e2e/test_no_orphans.py and test_operability.py.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from bot import web_server
from bot.web_server import serve_web


class StandIn:
    """A web server that records what it was told; ``stuck`` ignores the stop, as a deadlocked granian would."""

    def __init__(self, *, stuck: bool = False, exits_with: int | None = None) -> None:
        self.stuck = stuck
        self.code = exits_with
        self.told: list[tuple[str, float]] = []

    def start(self) -> None:
        self.told.append(("start", time.monotonic()))

    def stop(self) -> None:
        self.told.append(("stop", time.monotonic()))
        if not self.stuck:
            self.code = 0

    def kill(self) -> None:
        self.told.append(("kill", time.monotonic()))
        self.code = -9

    def wait(self, timeout: float | None) -> int | None:
        if self.code is None and timeout:
            time.sleep(min(timeout, 0.01))
        return self.code


@pytest.fixture(autouse=True)
def keep_signal_handlers():
    saved = {signum: signal.getsignal(signum) for signum in web_server.STOP_SIGNALS}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def signal_me_after(seconds: float, signum: int = signal.SIGTERM) -> None:
    threading.Timer(seconds, os.kill, (os.getpid(), signum)).start()


def test_a_stop_that_hangs_is_killed_at_the_deadline(monkeypatch):
    monkeypatch.setattr(web_server, "STOP_DEADLINE_SECONDS", 0.3)
    web, stops = StandIn(stuck=True), []
    signal_me_after(0.1)
    code = serve_web(web, drain_seconds=0.2, on_stop=lambda: stops.append(time.monotonic()), on_started=lambda: None)
    assert code == 0
    told = dict(web.told)
    assert [what for what, _ in web.told] == ["start", "stop", "kill"]
    assert told["stop"] - stops[0] >= 0.2  # the drain: still serving, not ready
    assert told["kill"] - told["stop"] >= 0.3


def test_a_second_signal_ends_the_drain():
    web = StandIn()
    signal_me_after(0.1)
    signal_me_after(0.3, signal.SIGINT)
    started = time.monotonic()
    assert serve_web(web, drain_seconds=30, on_stop=lambda: None, on_started=lambda: None) == 0
    assert time.monotonic() - started < 5
    assert [what for what, _ in web.told] == ["start", "stop"]


def test_a_server_that_exits_by_itself_ends_the_app_with_its_status():
    web = StandIn(exits_with=3)
    assert serve_web(web, drain_seconds=0, on_stop=lambda: None, on_started=lambda: None) == 3
    assert [what for what, _ in web.told] == ["start"]
