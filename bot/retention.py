"""The daily retention sweep: meetings older than their channel's retention (``/symbl retention``) or the
workspace's (``RETENTION_DAYS``) are forgotten through the forget machinery (``bot.forget``), once a day.

Every jobs process looks every ``RETENTION_CHECK_SECONDS`` whether today's (UTC) sweep is still to do; the first
to claim the day's row sweeps (``bot.store.retention``), so several replicas sweep once. A meeting still being
processed (an append running) waits for the next day's sweep, as ``/symbl forget`` would refuse it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from bot.store.forget import Begun, ForgetStore
from bot.store.retention import RetentionStore
from bot.store.tables import utcnow

log = logging.getLogger(__name__)

LEASE_SECONDS = 600.0  # a sweep only writes requests (the forgetting runs after it): minutes at most
RETENTION_POLICY = "retention"  # the forget request's reason: its notes message names the policy, not a person


class RetentionRunner:
    def __init__(
        self,
        store: RetentionStore,
        forget: ForgetStore,
        *,
        default_days: int,
        check_seconds: float,
        scheduler=None,
        clock: Callable[[], datetime] = utcnow,
        wake: Callable[[], None] = lambda: None,
    ):
        self.store = store
        self.forget = forget
        self.default_days = default_days
        self.check_seconds = check_seconds
        self.scheduler = scheduler
        self.clock = clock
        self.wake = wake
        self.owner = f"retention-{uuid.uuid4().hex[:12]}"

    def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(
                self.sweep_safely,
                "interval",
                seconds=self.check_seconds,
                id="retention",
                max_instances=1,
                coalesce=True,
                next_run_time=self.clock(),  # a day whose sweep nobody did yet is swept at start
            )

    def sweep_safely(self) -> None:
        try:
            self.sweep()
        except Exception:
            log.exception("retention sweep failed; it is tried again at the next check")

    def sweep(self) -> int | None:
        """Today's sweep if no process did it yet; how many meetings it began to forget (None: not ours)."""
        now = self.clock()
        day = now.date().isoformat()
        if not self.store.claim_day(day, self.owner, LEASE_SECONDS, now):
            return None
        started = 0
        for meeting in self.store.expired(self.default_days, now):
            if self.forget.is_processing(meeting.team_id, meeting.conversation_id):
                continue
            begun = self.forget.begin(meeting.team_id, meeting.conversation_id, "", reason=RETENTION_POLICY)
            started += begun is Begun.STARTED
        self.store.finish_day(day, self.owner, started)
        log.info("retention sweep of %s done: %d meetings to forget", day, started)
        if started:
            self.wake()
        return started
