"""The one loop of background work kept in rows (``bot.background``): due -> claim -> act -> done or retried later."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.background import BackgroundRunner, Work
from bot.errors import SlackError
from bot.retry import Backoff


@dataclass
class Row:
    key: str
    attempts: int = 0
    team_id: str = "T1"


class FakeWork(Work):
    name = "fake"
    every = 1.0
    lease_seconds = 15.0
    backoff = Backoff(base=2.0, cap=300.0, floor=1.0)  # no jitter: floor 1

    def __init__(self, keys, *, taken=(), fails=None):
        self.keys, self.taken, self.fails = keys, set(taken), fails or {}
        self.claims: list[tuple[str, str]] = []
        self.acted: list[str] = []
        self.retried: list[tuple[str, int, float, str]] = []

    def due(self):
        return self.keys

    def claim(self, key, owner):
        self.claims.append((key, owner))
        return None if key in self.taken else Row(key, attempts=2 if key == "third-failure" else 0)

    def act(self, row):
        if row.key in self.fails:
            raise self.fails[row.key]
        self.acted.append(row.key)

    def retry_later(self, row, *, attempts, delay, reason):
        self.retried.append((row.key, attempts, delay, reason))


def test_each_due_row_is_claimed_acted_on_and_a_failure_retried_later_with_the_backoff(caplog):
    outage = SlackError("down", code="connection_error", retryable=True)
    work = FakeWork(
        ["a", "held", "b", "third-failure", "bug"],
        taken={"held"},
        fails={"third-failure": outage, "bug": KeyError("a transcript's words")},
    )
    runner = BackgroundRunner(work)
    with caplog.at_level(logging.WARNING, logger="bot.background"):
        assert runner.run_due() == 2
    assert runner.owner.startswith("fake-")
    assert {owner for _, owner in work.claims} == {runner.owner}
    assert work.acted == ["a", "b"]
    assert work.retried == [("third-failure", 3, 8.0, "SlackError"), ("bug", 1, 2.0, "KeyError")]
    outage_line, bug_line = caplog.records
    assert not outage_line.exc_info  # an outage: one line
    assert bug_line.exc_info  # anything else: with its traceback
    assert all("transcript" not in r.getMessage() for r in caplog.records)


def test_without_a_backoff_a_failed_row_stays_held_until_its_lease_runs_out():
    work = FakeWork(["day"], fails={"day": RuntimeError()})
    work.backoff = None
    assert BackgroundRunner(work).run_due() == 0
    assert work.retried == []


def test_a_pass_that_cannot_read_or_claim_is_logged_and_the_next_pass_tries_again(caplog):
    class Down(FakeWork):
        def due(self):
            raise ConnectionError("database away")

    with caplog.at_level(logging.ERROR, logger="bot.background"):
        assert BackgroundRunner(Down([])).run_due() == 0
    assert "fake: background pass failed" in caplog.text


def test_start_adds_one_interval_job_named_after_the_work_and_runs_at_start_only_when_asked():
    class Scheduler:
        def __init__(self):
            self.jobs = []

        def add_job(self, func, trigger, **options):
            self.jobs.append((func, trigger, options))

    scheduler = Scheduler()
    plain, at_start = FakeWork([]), FakeWork([])
    at_start.name, at_start.first_pass_at_start = "early", True
    BackgroundRunner(plain, scheduler).start()
    BackgroundRunner(at_start, scheduler).start()
    (_, trigger, options), (_, _, early) = scheduler.jobs
    assert trigger == "interval"
    assert options == {"seconds": 1.0, "id": "fake", "max_instances": 1, "coalesce": True}
    assert early["id"] == "early" and early["next_run_time"] is not None
    BackgroundRunner(FakeWork([])).start()  # no scheduler (tests): nothing to start
