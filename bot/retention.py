"""The daily retention sweep: meetings older than their channel's retention (``/symbl retention``) or the
workspace's (``RETENTION_DAYS``) are forgotten through the forget machinery (``bot.forget``), once a day.

Every jobs process looks every ``RETENTION_CHECK_SECONDS`` (and at start) whether today's (UTC) sweep is still to
do; the first to claim the day's row sweeps (``bot.store.retention``), so several replicas sweep once (the loop
that looks and claims is ``bot.background``'s). A meeting still being processed (an append running) waits for the
next day's sweep, as ``/symbl forget`` would refuse it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.background import Work
from bot.store.forget import Begun, ForgetStore
from bot.store.retention import RetentionStore
from bot.store.tables import utcnow

log = logging.getLogger(__name__)

RETENTION_POLICY = "retention"  # the forget request's reason: its notes message names the policy, not a person


@dataclass(frozen=True)
class Day:
    """A day's sweep, held by ``owner``: meetings expired at ``now`` are forgotten."""

    day: str  # the UTC date, the ``retention_sweeps`` row's key
    now: datetime
    owner: str


class RetentionWork(Work):
    """Today's sweep, if no process did it yet; the loop around it is ``bot.background``'s. A sweep that fails
    keeps the day held until its lease runs out, then any process sweeps it again (no backoff of its own)."""

    name = "retention"
    lease_seconds = 600.0  # a sweep only writes requests (the forgetting runs after it): minutes at most
    first_pass_at_start = True  # a day whose sweep nobody did yet is swept at start

    def __init__(
        self,
        store: RetentionStore,
        forget: ForgetStore,
        *,
        default_days: int,
        check_seconds: float,
        clock: Callable[[], datetime] = utcnow,
        wake: Callable[[], None] = lambda: None,
    ):
        self.store = store
        self.forget = forget
        self.default_days = default_days
        self.every = check_seconds
        self.clock = clock
        self.wake = wake

    def due(self) -> list[datetime]:
        return [self.clock()]  # today's sweep is due until a process claims it, and never again once it is done

    def claim(self, now: datetime, owner: str) -> Day | None:
        day = now.date().isoformat()
        return Day(day, now, owner) if self.store.claim_day(day, owner, self.lease_seconds, now) else None

    def act(self, day: Day) -> None:
        started = 0
        for meeting in self.store.expired(self.default_days, day.now):
            if self.forget.is_processing(meeting.team_id, meeting.conversation_id):
                continue
            begun = self.forget.begin(meeting.team_id, meeting.conversation_id, "", reason=RETENTION_POLICY)
            started += begun is Begun.STARTED
        self.store.finish_day(day.day, day.owner, started)
        log.info("retention sweep of %s done: %d meetings to forget", day.day, started)
        if started:
            self.wake()

    def ids(self, day: Day) -> dict[str, str]:
        return {}  # a day's sweep is every workspace's
