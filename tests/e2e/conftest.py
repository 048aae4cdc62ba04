"""Fixtures for end-to-end tests: the fakes over HTTP and the real app process between them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.harness import AppProcess, app_env
from tests.fakes.slack_api import FakeSlack
from tests.fakes.symbl_emulator import SymblEmulator


@dataclass
class Stack:
    slack: FakeSlack
    symbl: SymblEmulator
    app: AppProcess


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> object:
    """Poll ``predicate`` until it returns something truthy; fail the test with ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def make_stack(tmp_path) -> Iterator[Callable[..., Stack]]:
    started: list[Stack] = []

    def make(*, auto_advance: float | None = 0.1, port: int | None = None, **env: str) -> Stack:
        slack = FakeSlack().start()
        symbl = SymblEmulator(auto_advance_seconds=auto_advance).start()
        data_dir = tmp_path / f"app{len(started)}"
        data_dir.mkdir()
        app = AppProcess(
            env=app_env(slack=slack, data_dir=data_dir, engine="symbl", symbl_url=symbl.url, **env),
            log_path=data_dir / "app.log",
            **({"port": port} if port else {}),
        )
        stack = Stack(slack, symbl, app)
        started.append(stack)
        app.start()
        return stack

    yield make
    for stack in started:
        stack.app.stop()
        stack.slack.stop()
        stack.symbl.stop()


@pytest.fixture
def stack(make_stack) -> Stack:
    return make_stack()
