"""How long the offline engine's running job will still take: its audio's length at the speed measured here.

The speed is measured, never assumed: the processing seconds per audio second of the most recent recordings this
engine finished, read from its own tables (first recordings of one-recording conversations, whose audio length
is known exactly; transcript files, which take no transcription, are left out). Until one has finished there is
no estimate, and the status line shows only the elapsed time.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa

from bot.engines.local.tables import LocalConversation, LocalJob
from bot.models import JobStatus, MediaKind
from bot.store.db import Database

RECENT_JOBS = 20  # the median over these: one odd job (a cold start, a busy machine) moves it little
SPEED_CACHE_SECONDS = 60.0


class Pace:
    """The running jobs' audio lengths and start times, and the measured speed to estimate their ends with."""

    def __init__(self, database: Database, *, clock: Callable[[], float] = time.monotonic):
        self.database = database
        self.clock = clock
        self._running: dict[str, tuple[float, float]] = {}  # job id -> (started, audio seconds)
        self._speed: tuple[float, float | None] = (-1e18, None)  # (measured at, seconds per audio second)
        self._lock = threading.Lock()

    def started(self, job_id: str, audio_seconds: float | None) -> None:
        if audio_seconds and audio_seconds > 0:
            with self._lock:
                self._running[job_id] = (self.clock(), audio_seconds)

    def finished(self, job_id: str) -> None:
        with self._lock:
            self._running.pop(job_id, None)
            self._speed = (-1e18, None)  # measured again at the next question, with this job in it

    def seconds_left(self, job_id: str) -> float | None:
        """The estimate for a job running in this process, never below 0; None without a measured speed."""
        with self._lock:
            running = self._running.get(job_id)
        if running is None:
            return None
        speed = self.seconds_per_audio_second()
        if speed is None:
            return None
        started, audio_seconds = running
        return max(0.0, audio_seconds * speed - (self.clock() - started))

    def seconds_per_audio_second(self) -> float | None:
        """The median speed of the recent finished recordings (cached for a minute), or None before any."""
        now = self.clock()
        with self._lock:
            measured_at, speed = self._speed
        if now - measured_at < SPEED_CACHE_SECONDS:
            return speed
        speed = self._measure()
        with self._lock:
            self._speed = (now, speed)
        return speed

    def _measure(self) -> float | None:
        alone = sa.select(LocalJob.conversation_id).group_by(LocalJob.conversation_id).having(sa.func.count() == 1)
        query = (
            sa.select(LocalJob.started_at, LocalJob.finished_at, LocalConversation.media_seconds)
            .join(LocalConversation, LocalConversation.id == LocalJob.conversation_id)
            .where(
                LocalJob.status == JobStatus.COMPLETED.value,
                LocalJob.kind != MediaKind.TRANSCRIPT.value,
                LocalJob.started_at.is_not(None),
                LocalJob.finished_at.is_not(None),
                LocalConversation.media_seconds > 0,
                LocalJob.conversation_id.in_(alone),
            )
            .order_by(LocalJob.finished_at.desc())
            .limit(RECENT_JOBS)
        )
        with self.database.session() as s:
            rows = s.execute(query).all()
        speeds = [
            (finished - started).total_seconds() / seconds for started, finished, seconds in rows if finished > started
        ]
        return statistics.median(speeds) if speeds else None
