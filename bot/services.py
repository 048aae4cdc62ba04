"""Everything a running app needs, built once by the entry point.

The app runs as two kinds of process sharing one database:
- the **web** process answers Slack (Bolt, handlers) and only writes job rows, so acknowledgements stay fast;
- the **jobs** process owns the pipeline's worker pool, the poll sweep (APScheduler) and the engine.
The web process wakes the jobs process through a pipe (``bot.wakeup``) when it writes a job. In tests both can
live in one process (``run_jobs=True`` and no wake-up).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from slack_sdk import WebClient

from bot.background import BackgroundRunner
from bot.config import Settings
from bot.consent import ConsentWork
from bot.digest.runner import DigestRunner, DigestWriter
from bot.engines.base import Engine
from bot.erasure import ErasureWork
from bot.forget import ForgetWork
from bot.notes import MeetingNotes
from bot.pipeline import Pipeline
from bot.retention import RetentionWork
from bot.scheduler import Sweeper
from bot.slack_io import SlackIO, make_web_client
from bot.speaker_naming import SpeakerNaming
from bot.store.channels import ChannelStore
from bot.store.consent import ConsentStore
from bot.store.db import Database
from bot.store.digests import DigestStore
from bot.store.erasure import ErasureStore
from bot.store.forget import ForgetStore
from bot.store.jobs import JobStore
from bot.store.ledger import LedgerStore
from bot.store.retention import RetentionStore
from bot.store.schema import prepare
from bot.store.speakers import SpeakerNameStore
from bot.store.tables import utcnow
from bot.store.voices import VoiceStore
from bot.voices import remember_named_speaker
from bot.wakeup import Wakeup

log = logging.getLogger(__name__)


class EngineOnDemand:
    """The engine of a process that runs no job (a web worker renaming a speaker): built on first need, once, then
    reused by every request of the process, and closed with its services. The offline engine built this way loads
    no speech model and starts no thread (``build_engine(run_jobs=False)``)."""

    def __init__(self, build: Callable[[], Engine]):
        self._build = build
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def get(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._build()
            return self._engine

    def close(self) -> None:
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()


@dataclass
class Services:
    """The app's long-lived collaborators; ``pipeline``, ``sweeper``, ``digest_runner`` and ``engine`` only where
    jobs run."""

    settings: Settings
    database: Database
    store: JobStore
    channels: ChannelStore
    ledger: LedgerStore
    digests: DigestStore
    client: WebClient
    slack: SlackIO
    notes: MeetingNotes
    digest_writer: DigestWriter
    wakeup: Wakeup | None = None
    engine: Engine | None = None
    pipeline: Pipeline | None = None
    sweeper: Sweeper | None = None
    digest_runner: DigestRunner | None = None
    # Background work kept in rows (bot.background): forget requests, the retention sweep, consent notes, erasures
    background: tuple[BackgroundRunner, ...] = ()
    speaker_naming: SpeakerNaming | None = None  # where "Who's who" saves corrections (hook: on_person_named)
    engine_on_demand: EngineOnDemand | None = None  # where no job runs: the engine asked things (a speaker renamed)

    @property
    def heartbeat_path(self) -> Path:
        return self.settings.data_dir / "jobs.heartbeat"

    def enqueue(self, job_id: str) -> None:
        """Start a new job's work: here if jobs run in this process, else by waking the jobs process."""
        if self.pipeline is not None:
            self.pipeline.enqueue(job_id)
        else:
            self.wake()

    def wake(self) -> None:
        """Have the jobs process look at the store now (new jobs, digest requests, changed schedules)."""
        if self.digest_runner is not None:
            self.digest_runner.tick()
        elif self.wakeup is not None:
            self.wakeup.notify()

    def engine_to_ask(self) -> Engine:
        """The engine to ask something of outside a job (rename a speaker): where jobs run, theirs; elsewhere one
        built on the first such question and kept for the next."""
        if self.engine is not None:
            return self.engine
        if self.engine_on_demand is None:
            raise RuntimeError("these services have no engine to ask")
        return self.engine_on_demand.get()

    def poll_now(self, job_id: str) -> None:
        """Make a job due at once (a webhook said it finished) and get it run."""
        self.store.update(job_id, next_run_at=utcnow())
        self.enqueue(job_id)

    def start(self) -> None:
        """Start background work where jobs run: the engine's own workers (if any) and the poll sweep."""
        if self.engine is not None:
            self.engine.start()
        if self.sweeper is not None:
            self.sweeper.start()
        if self.digest_runner is not None:
            self.digest_runner.start()
        for runner in self.background:
            runner.start()

    def close(self) -> None:
        if self.sweeper is not None:
            self.sweeper.shutdown()
        if self.pipeline is not None:
            self.pipeline.shutdown(wait=False)
        if self.engine is not None:
            self.engine.close()
        if self.engine_on_demand is not None:
            self.engine_on_demand.close()
        self.database.dispose()


def derive_webhook_secret(settings: Settings) -> str:
    """The webhook path secret: WEBHOOK_SECRET, else a key derived from the signing secret (never the secret)."""
    if settings.webhook_secret:
        return settings.webhook_secret
    return hmac.new(settings.slack_signing_secret.encode(), b"symbl-webhook", hashlib.sha256).hexdigest()[:32]


def build_services(
    settings: Settings, *, run_jobs: bool = True, wakeup: Wakeup | None = None, engine: Engine | None = None
) -> Services:
    """Wire the app from settings; ``engine`` may be injected by tests."""
    settings.require("SLACK_BOT_TOKEN")
    settings = replace(settings, webhook_secret=derive_webhook_secret(settings))
    database = Database(settings.resolved_database_url)
    prepare(database)  # before anything reads a table, the offline engine included
    from bot.engines import build_engine

    if run_jobs and engine is None:
        engine = build_engine(settings, database)
    store = JobStore(database)
    ledger, digests = LedgerStore(database), DigestStore(database)
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    slack = SlackIO(
        client,
        files_host=settings.slack_files_host,
        min_download_seconds=settings.download_min_seconds,
        hooks_host=settings.slack_hooks_host,
    )
    services = Services(
        settings,
        database,
        store,
        channels=ChannelStore(database),
        ledger=ledger,
        digests=digests,
        client=client,
        slack=slack,
        notes=MeetingNotes(ledger, store, slack),
        digest_writer=DigestWriter(digests=digests, ledger=ledger, slack=slack),
        wakeup=wakeup,
        speaker_naming=SpeakerNaming(SpeakerNameStore(database)),
    )
    # A person named as a speaker has that speaker's voice kept as theirs, if they opted in (bot.voices).
    services.speaker_naming.on_person_named.append(functools.partial(remember_named_speaker, VoiceStore(database)))
    if not run_jobs:
        services.engine_on_demand = EngineOnDemand(lambda: build_engine(settings, database, run_jobs=False))
    if run_jobs:
        services.engine = engine
        services.pipeline = Pipeline(settings, store, engine, slack, services.notes)
        services.sweeper = Sweeper(store, services.pipeline, settings.poll_interval_seconds, services.heartbeat_path)
        services.digest_runner = DigestRunner(
            channels=services.channels,
            writer=services.digest_writer,
            scheduler=services.sweeper.scheduler,
            owner=services.pipeline.owner,
        )
        work = (
            ForgetWork(ForgetStore(database), slack, engine),
            RetentionWork(
                RetentionStore(database),
                ForgetStore(database),
                default_days=settings.retention_days,
                check_seconds=settings.retention_check_seconds,
            ),
            ConsentWork(ConsentStore(database), services.channels, slack, settings.retention_days),
            ErasureWork(ErasureStore(database), engine),
        )
        services.background = tuple(BackgroundRunner(w, scheduler=services.sweeper.scheduler) for w in work)
    return services
