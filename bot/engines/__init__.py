"""Speech-and-insights engines behind one ``Engine`` protocol, and the one place that picks which to use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.engines.base import Engine, MediaSource
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.store.db import Database

__all__ = ["Engine", "MediaSource", "build_engine", "running_capacity"]

# The offline engine's recordings kept in hand per transcription worker: one being heard and three ready in its
# own queue, so a short recording's worker never idles while the app's next status poll is still to come.
LOCAL_RECORDINGS_PER_WORKER = 4


def build_engine(settings: Settings, database: Database | None = None, *, run_jobs: bool = True) -> Engine:
    """The engine named by ``settings.engine``: ``symbl`` (needs SYMBL_APP_ID/SECRET) or ``local`` (offline).

    ``run_jobs=False`` is for a process that only asks the engine something (a web worker renaming a speaker):
    the offline engine then resumes no unfinished job there. Raises ``ConfigError`` with one line per missing
    setting.
    """
    if settings.engine == "symbl":
        settings.require("SYMBL_APP_ID", "SYMBL_APP_SECRET")
        from bot.engines.symbl import SymblEngine

        return SymblEngine.from_settings(settings)
    if settings.engine == "local":
        # Deferred: the offline engine pulls in faster-whisper and its model only when it is chosen.
        from bot.engines.local import LocalEngine

        return LocalEngine.from_settings(settings, database, start=run_jobs)
    raise ConfigError(f"ENGINE must be 'symbl' or 'local', not {settings.engine!r}.")


def running_capacity(settings: Settings) -> int | None:
    """How many recordings may be past the app's queue at once: MAX_RUNNING, else what the engine can take.

    None for Symbl: its account's concurrency limit is unknown until it answers 429, which the pipeline waits out.
    """
    if settings.max_running:
        return settings.max_running
    if settings.engine == "local":
        from bot.engines.local.engine import local_worker_count

        return LOCAL_RECORDINGS_PER_WORKER * local_worker_count(settings)
    return None
