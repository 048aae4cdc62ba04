"""Everything a running app needs, built once by the entry point and handed to the handlers.

The order matters only at the edges: the database first (the engine may keep its own tables there), the
scheduler last (it starts resuming jobs the moment it runs).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, replace

from slack_sdk import WebClient

from bot.config import Settings
from bot.engines.base import Engine
from bot.pipeline import Pipeline
from bot.scheduler import Sweeper
from bot.slack_io import SlackIO, make_web_client
from bot.store import tables  # noqa: F401 - registers the tables on Base before create_all
from bot.store.db import Database
from bot.store.jobs import JobStore

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The app's long-lived collaborators."""

    settings: Settings
    database: Database
    store: JobStore
    engine: Engine
    client: WebClient
    slack: SlackIO
    pipeline: Pipeline
    sweeper: Sweeper

    def start(self) -> None:
        """Start background work: the engine's own workers (if any) and the poll sweep."""
        start_engine = getattr(self.engine, "start", None)
        if callable(start_engine):
            start_engine()
        self.sweeper.start()

    def close(self) -> None:
        self.sweeper.shutdown()
        self.pipeline.shutdown(wait=False)
        close_engine = getattr(self.engine, "close", None)
        if callable(close_engine):
            close_engine()
        self.database.dispose()


def derive_webhook_secret(settings: Settings) -> str:
    """The webhook path secret: WEBHOOK_SECRET, else a key derived from the signing secret (never the secret)."""
    if settings.webhook_secret:
        return settings.webhook_secret
    return hmac.new(settings.slack_signing_secret.encode(), b"symbl-webhook", hashlib.sha256).hexdigest()[:32]


def build_services(settings: Settings, *, engine: Engine | None = None) -> Services:
    """Wire the app from settings; ``engine`` may be injected by tests."""
    settings.require("SLACK_BOT_TOKEN")
    settings = replace(settings, webhook_secret=derive_webhook_secret(settings))
    database = Database(settings.resolved_database_url)
    if engine is None:
        from bot.engines import build_engine

        engine = build_engine(settings, database)
    database.create_all()
    store = JobStore(database)
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    slack = SlackIO(client, files_host=settings.slack_files_host)
    pipeline = Pipeline(settings, store, engine, slack)
    sweeper = Sweeper(store, pipeline, settings.poll_interval_seconds)
    return Services(settings, database, store, engine, client, slack, pipeline, sweeper)
