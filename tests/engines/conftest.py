"""Fixtures for engine tests: a Symbl API emulator on 127.0.0.1, started per test and stopped afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes.symbl_emulator import SymblEmulator


@pytest.fixture
def symbl_emulator() -> Iterator[SymblEmulator]:
    """A started `SymblEmulator()` with default settings (jobs stay `scheduled` until the test advances them)."""
    with SymblEmulator() as emulator:
        yield emulator


@pytest.fixture
def symbl_emulator_factory() -> Iterator[Callable[..., SymblEmulator]]:
    """A callable `(**kwargs) -> started SymblEmulator`; every emulator it made is stopped at teardown."""
    started: list[SymblEmulator] = []

    def make(**kwargs: Any) -> SymblEmulator:
        emulator = SymblEmulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()
