"""Fixtures for end-to-end tests: the fakes over HTTP and the real app process between them."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from bot.store.tables import (
    ConsentNote,
    DigestRun,
    DigestState,
    ErasureRequest,
    ForgetRequest,
    Job,
    RetentionSweep,
    Stage,
)
from tests.e2e.harness import SIGNING_SECRET, AppProcess, app_env
from tests.fakes.slack_api import FakeSlack
from tests.fakes.symbl_data import MESSAGES
from tests.fakes.symbl_emulator import SymblEmulator
from tests.pg import fresh_database


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


QUIET_SECONDS = 0.3  # longer than the pause between an ack and its lazy listener's Slack call (~50 ms)


def wait_quiescent(
    slack: FakeSlack,
    database_url: str,
    *,
    channel: str | None = None,
    quiet: float = QUIET_SECONDS,
    timeout: float = 30,
) -> None:
    """Wait until the app has nothing left to do, before asserting that something happened only once.

    Quiescent: no job, digest, forget, erasure, consent note or retention sweep in progress in the database, and
    no request to the fake Slack for ``quiet`` seconds, counted from this call at the earliest. With ``channel``,
    only that channel's jobs and the Slack calls naming it (and response_url posts) count, so other work in the
    background does not hold the wait up. A duplicate on its way keeps its work in progress or calls Slack within
    the quiet time, so the count that follows can fail; a fixed sleep either wastes time or is too short on a
    loaded machine.
    """
    jobs = sa.select(sa.func.count()).select_from(Job).where(Job.stage.in_(Stage.ACTIVE))
    if channel is not None:
        jobs = jobs.where(Job.channel_id == channel)
    digests = sa.select(sa.func.count()).select_from(DigestRun).where(DigestRun.state == DigestState.PENDING)
    # Meeting memory's background work: forgets, erasures, consent notes and retention sweeps not yet finished.
    unfinished = [
        sa.select(sa.func.count()).select_from(ForgetRequest),
        sa.select(sa.func.count()).select_from(ErasureRequest).where(ErasureRequest.done_at.is_(None)),
        sa.select(sa.func.count()).select_from(ConsentNote).where(ConsentNote.ts.is_(None)),
        sa.select(sa.func.count()).select_from(RetentionSweep).where(RetentionSweep.finished_at.is_(None)),
    ]
    called = time.monotonic()
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:

        def busy() -> int:
            with engine.connect() as conn:
                return conn.scalar(jobs) + conn.scalar(digests) + sum(conn.scalar(query) for query in unfinished)

        def quiet_enough() -> bool:
            return min(slack.quiet_for(channel), time.monotonic() - called) >= quiet

        def quiescent() -> bool:
            return quiet_enough() and not busy() and quiet_enough()

        wait_until(quiescent, timeout, f"the app to be quiescent (no work in progress, no Slack call for {quiet} s)")
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def make_stack(request, tmp_path) -> Iterator[Callable[..., Stack]]:
    """Start the fakes and the real app; every end-to-end test runs on SQLite and on PostgreSQL."""
    started: list[Stack] = []
    databases = contextlib.ExitStack()

    def make(*, auto_advance: float | None = 0.1, port: int | None = None, **env: str) -> Stack:
        slack = FakeSlack().start()
        symbl = SymblEmulator(auto_advance_seconds=auto_advance).start()
        data_dir = tmp_path / f"app{len(started)}"
        data_dir.mkdir()
        if request.param == "postgres" and "DATABASE_URL" not in env:
            server = request.getfixturevalue("postgres_server")
            env["DATABASE_URL"] = databases.enter_context(fresh_database(server))
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
    databases.close()
    for stack in started:  # every end-to-end run's whole log, checked after the app stopped writing it
        assert_log_keeps_secrets(stack)


def assert_log_keeps_secrets(stack: Stack) -> None:
    """The app's log holds no token, secret or access token, and no sentence of any transcript."""
    log = stack.app.log_path.read_text(errors="replace")
    secrets = [stack.slack.bot_token, SIGNING_SECRET, stack.symbl.app_secret, *stack.symbl.issued_tokens()]
    leaked = [s[:6] + "…" for s in secrets if s and s in log]
    assert not leaked, f"secrets in the app's log: {leaked}"
    spoken = [m.text for m in MESSAGES if m.text in log or m.text[:40] in log]
    assert not spoken, f"transcript text in the app's log: {spoken}"


@pytest.fixture
def stack(make_stack) -> Stack:
    return make_stack()
