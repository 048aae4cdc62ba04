"""Following the API's jobs: a sweep that notices each job's transitions, and webhook delivery.

Every ``SWEEP_SECONDS`` the sweep asks the engine for the status of every unfinished API job. That records
transitions (which call the job's webhook, ``ApiService.refresh_job``) and, through the engine's ``job_status``,
re-queues a job whose server died holding it (its lease ran out), so the survivor finishes it.

Webhooks are best effort, as Symbl's are: one POST of ``{"jobId", "status"}`` per transition, to public addresses
only (``bot.net``), never retried. Only the job id is logged: a webhook URL may carry a secret.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from bot.api.service import UNFINISHED, ApiService
from bot.api.tables import ApiJob
from bot.models import JobStatus

log = logging.getLogger(__name__)

SWEEP_SECONDS = 0.5
WEBHOOK_TIMEOUT_SECONDS = 10.0


class JobWatcher:
    def __init__(self, service: ApiService, *, sweep_seconds: float = SWEEP_SECONDS):
        self.service = service
        self.sweep_seconds = sweep_seconds
        self._stop = threading.Event()
        self._senders = ThreadPoolExecutor(max_workers=4, thread_name_prefix="api-webhook")
        self._thread = threading.Thread(target=self._run, name="api-watcher", daemon=True)
        service.notify = self.notify

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._senders.shutdown(wait=False, cancel_futures=False)

    def sweep(self) -> None:
        with self.service.database.session(writes=False) as s:
            job_ids = s.scalars(sa.select(ApiJob.id).where(ApiJob.status.in_(UNFINISHED)).limit(1000)).all()
        for job_id in job_ids:
            self.service.refresh_job(job_id)

    def _run(self) -> None:
        while not self._stop.wait(self.sweep_seconds):
            try:
                self.sweep()
            except Exception:
                log.exception("api: the job sweep failed")

    def notify(self, job_id: str, url: str, statuses: list[JobStatus]) -> None:
        self._senders.submit(self._post, job_id, url, statuses)

    def _post(self, job_id: str, url: str, statuses: list[JobStatus]) -> None:
        from bot.net.pinning import safe_session

        session = safe_session(allow_private=self.service.settings.local_allow_private_urls)
        try:
            for status in statuses:
                try:
                    session.post(url, json={"jobId": job_id, "status": status.value}, timeout=WEBHOOK_TIMEOUT_SECONDS)
                except Exception as exc:
                    log.warning("api: the webhook of job %s failed (%s)", job_id, type(exc).__name__)
        finally:
            session.close()
