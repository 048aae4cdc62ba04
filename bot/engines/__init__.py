"""Speech-and-insights engines behind one ``Engine`` protocol, and the one place that picks which to use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.engines.base import Engine, MediaSource
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.store.db import Database

__all__ = ["Engine", "MediaSource", "build_engine"]


def build_engine(settings: Settings, database: Database | None = None) -> Engine:
    """The engine named by ``settings.engine``: ``symbl`` (needs SYMBL_APP_ID/SECRET) or ``local`` (offline).

    Raises ``ConfigError`` with one line per missing setting.
    """
    if settings.engine == "symbl":
        settings.require("SYMBL_APP_ID", "SYMBL_APP_SECRET")
        from bot.engines.symbl import SymblEngine

        return SymblEngine.from_settings(settings)
    if settings.engine == "local":
        # Deferred: the offline engine pulls in faster-whisper and its model only when it is chosen.
        from bot.engines.local import LocalEngine

        return LocalEngine.from_settings(settings, database)
    raise ConfigError(f"ENGINE must be 'symbl' or 'local', not {settings.engine!r}.")
