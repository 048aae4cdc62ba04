"""Background work kept in rows, run by one loop: forget requests (``bot.forget``), erasures (``bot.erasure``),
consent notes (``bot.consent``) and the daily retention sweep (``bot.retention``).

Each kind says only what is its own, as a :class:`Work`: its table's rows (a ``bot.store.lease.LeasedRows``: which
are due, claim one, give one back) and how to act on one, with its timings and backoff. :class:`BackgroundRunner`
does the rest, the same way for every kind:

  every   ``Work.every`` seconds, an interval job on the jobs process's one APScheduler (one pass at a time)
  due     the keys of the rows to work on now
  claim   take one under the lease (``bot.store.lease``) for ``Work.lease_seconds``; None: another process has it
  act     do the work; its last write gives the row back done (or deletes it), in the same write
  failed  give the row back for later: failure n waits ``Work.backoff.delay(n)`` (``bot.retry``); a kind without
          a backoff keeps its row held until the lease runs out, and whoever claims it next tries again

Crash safety and once-only are the lease's: a process killed while acting never gives its row back, the lease
runs out, and a later pass of any process claims it and acts again, so every act is safe to repeat; two processes
never hold one row. Every failure is tried again (the bot may be invited to the channel later, an outage passes, a
bug gets fixed); ``is_retryable`` only tells how it is logged: an outage in one line, anything else with its
traceback. Logged with the kind's name, the error's type and ids, never content.
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable
from typing import Any

from bot.retry import Backoff, is_retryable
from bot.store.lease import LeasedRows
from bot.store.tables import utcnow

log = logging.getLogger(__name__)


class Work(ABC):
    """One kind of background work: what it does with its rows. The loop around it is :class:`BackgroundRunner`'s."""

    name: str  # the scheduler job's id and the lease owner's prefix: "forget", "consent", …
    every: float  # seconds between passes
    lease_seconds: float  # how long a claim holds a row: a crashed process's row is taken over within this long
    backoff: Backoff | None = None  # the wait after the n-th failure in a row; None: the lease running out
    first_pass_at_start: bool = False  # a pass as soon as the process starts, instead of one interval later

    rows: LeasedRows | None = None  # the table the work's rows are in (bot.store.lease): due, claim, retry_later

    def due(self) -> Iterable[Hashable]:
        """The keys of the rows to work on now."""
        return self.rows.due()

    def claim(self, key: Any, owner: str) -> Any | None:
        """Take the row of ``key`` for ``lease_seconds`` as ``owner``; None when another holds it or it is done."""
        return self.rows.claim(key, owner, self.lease_seconds)

    @abstractmethod
    def act(self, row: Any) -> None:
        """Do the row's work; its last write gives the row back (or deletes it). Safe to repeat after a crash."""

    def retry_later(self, row: Any, *, attempts: int, delay: float, reason: str) -> None:
        """Give the row back, to be tried again in ``delay`` seconds (``attempts`` failures so far)."""
        self.rows.retry_later(row, attempts=attempts, delay=delay, reason=reason)

    def reason(self, row: Any, error: BaseException) -> str:
        """What failed, in words with no content (saved with the row, logged): the error's type by default."""
        return type(error).__name__

    def ids(self, row: Any) -> dict[str, str]:
        """The ids a log line about ``row`` carries (``bot.logs.CONTEXT_FIELDS``)."""
        return {"team_id": row.team_id}


class BackgroundRunner:
    """Runs one :class:`Work` on the process's scheduler: due -> claim -> act -> given back, or retried later."""

    def __init__(self, work: Work, scheduler=None):
        self.work = work
        self.scheduler = scheduler
        self.owner = f"{work.name}-{uuid.uuid4().hex[:12]}"  # this process's name on the rows it holds

    def start(self) -> None:
        if self.scheduler is None:
            return
        first = {"next_run_time": utcnow()} if self.work.first_pass_at_start else {}
        self.scheduler.add_job(
            self.run_due,
            "interval",
            seconds=self.work.every,
            id=self.work.name,
            max_instances=1,
            coalesce=True,
            **first,
        )

    def run_due(self) -> int:
        """One pass: act on every due row this process can claim; returns how many acts finished."""
        done = 0
        try:
            for key in list(self.work.due()):
                row = self.work.claim(key, self.owner)
                if row is None:
                    continue
                try:
                    self.work.act(row)
                except Exception as exc:
                    self._failed(row, exc)
                else:
                    done += 1
        except Exception:  # the database away: every row stays as it was, the next pass looks again
            log.exception("%s: background pass failed; trying again at the next", self.work.name)
        return done

    def _failed(self, row: Any, error: Exception) -> None:
        work = self.work
        reason = work.reason(row, error)
        outage = is_retryable(error)
        if work.backoff is None:
            log.warning(
                "%s failed (%s); tried again once its lease runs out",
                work.name,
                reason,
                exc_info=not outage,
                extra=work.ids(row),
            )
            return
        attempts = row.attempts + 1
        delay = work.backoff.delay(attempts)
        log.warning(
            "%s failed (%s); trying again in %.0f s", work.name, reason, delay, exc_info=not outage, extra=work.ids(row)
        )
        work.retry_later(row, attempts=attempts, delay=delay, reason=reason)
