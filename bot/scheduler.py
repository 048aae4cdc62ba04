"""The poll sweep: one APScheduler per process, owned by the entry point.

Every POLL_INTERVAL_SECONDS it asks the store for jobs whose next step is due (processing jobs to poll, jobs to
resume after a crash, jobs backing off) and hands them to the pipeline. Each job carries its own next-run time
and backoff, so the sweep itself stays cheap however many jobs are in progress.
"""

from __future__ import annotations

import logging
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from bot.pipeline import Pipeline
from bot.store.jobs import JobStore
from bot.store.tables import utcnow

log = logging.getLogger(__name__)


class Sweeper:
    """Owns the process's scheduler and its one interval job."""

    def __init__(self, store: JobStore, pipeline: Pipeline, interval_seconds: float, heartbeat: Path | None = None):
        self.store = store
        self.heartbeat = heartbeat  # touched by every sweep: the web process's health check reads its age
        self.pipeline = pipeline
        self.interval_seconds = interval_seconds
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.sweeps = 0

    def sweep(self) -> int:
        """Enqueue every due job; returns how many."""
        due = self.store.due_job_ids()
        for job_id in due:
            self.pipeline.enqueue(job_id)
        self.sweeps += 1
        if self.heartbeat is not None:
            self.heartbeat.parent.mkdir(parents=True, exist_ok=True)
            self.heartbeat.touch()
        return len(due)

    def start(self) -> None:
        self.scheduler.add_job(
            self.sweep_safely,
            "interval",
            seconds=self.interval_seconds,
            id="sweep",
            max_instances=1,
            coalesce=True,
            next_run_time=None,
        )
        self.scheduler.start()
        self.scheduler.modify_job("sweep", next_run_time=utcnow())  # resume unfinished jobs right away

    def sweep_safely(self) -> None:
        """A sweep whose failure is logged, not raised (the next interval tries again)."""
        try:
            self.sweep()
        except Exception:
            log.exception("poll sweep failed; it will run again at the next interval")

    @property
    def running(self) -> bool:
        return self.scheduler.running

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
