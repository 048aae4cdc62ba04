"""``symbl-bot api``: the Symbl-compatible Async API server under granian, the Slack app's web server.

Each web worker (API_WORKERS, default 1: every worker holds the speech models) runs the offline engine in process,
with its job sweep (``bot.api.watcher``). Several servers may share one PostgreSQL database: the engine's leases
keep a job from running twice, and a server's sweep re-queues the jobs of a server that died.
Routes besides Symbl's: ``/healthz`` and ``/readyz`` (the database answers, the schema is current) and ``/metrics``
(Prometheus text: API jobs by state, seconds of processing and of audio).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import sqlalchemy as sa

from bot.api.app import ApiApp
from bot.api.auth import TokenAuthority, parse_clients
from bot.api.service import ApiService
from bot.api.tables import ApiJob
from bot.config import Settings
from bot.errors import ConfigError
from bot.store.db import Database
from bot.store.schema import current_revision, head_revision, prepare


def health(database: Database) -> tuple[bool, dict]:
    checks: dict[str, bool] = {}
    try:
        with database.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        checks["database"] = True
    except Exception:
        checks["database"] = False
    checks["schema"] = checks["database"] and current_revision(database) == head_revision()
    return all(checks.values()), checks


def metrics_text(database: Database) -> str:
    """API jobs by state, the seconds finished jobs took from submit to done, and the audio seconds processed."""
    with database.session(writes=False) as s:
        by_state = dict(s.execute(sa.select(ApiJob.status, sa.func.count()).group_by(ApiJob.status)).all())
        finished = s.execute(sa.select(ApiJob.created_at, ApiJob.finished_at).where(ApiJob.finished_at.is_not(None)))
        seconds = sum((done - made).total_seconds() for made, done in finished if made and done)
        audio = s.scalar(sa.select(sa.func.coalesce(sa.func.sum(ApiJob.audio_seconds), 0.0)))
    lines = ["# HELP symbl_api_jobs API jobs by state.", "# TYPE symbl_api_jobs gauge"]
    lines += [f'symbl_api_jobs{{state="{state}"}} {count}' for state, count in sorted(by_state.items())]
    lines += [
        "# HELP symbl_api_job_seconds_total Seconds from submit to a terminal state, summed over finished jobs.",
        "# TYPE symbl_api_job_seconds_total counter",
        f"symbl_api_job_seconds_total {seconds:.3f}",
        "# HELP symbl_api_audio_seconds_total Seconds of recordings processed by completed jobs.",
        "# TYPE symbl_api_audio_seconds_total counter",
        f"symbl_api_audio_seconds_total {audio:.3f}",
    ]
    return "\n".join(lines) + "\n"


def build_app(settings: Settings, database: Database | None = None, engine=None) -> ApiApp:
    """The API app on ``settings``' database with its engine and sweep running (``engine`` for tests)."""
    from bot.api.watcher import JobWatcher
    from bot.engines.local.engine import LocalEngine

    clients = parse_clients(settings.api_clients)
    database = database or Database(settings.resolved_database_url)
    prepare(database)
    if engine is None:
        engine = LocalEngine(database, settings, lease_seconds=settings.api_lease_seconds)
        engine.start()
    service = ApiService(engine, database, settings)
    JobWatcher(service).start()
    authority = TokenAuthority(clients, lifetime_seconds=settings.api_token_seconds, key=settings.api_token_key)
    return ApiApp(
        service,
        authority,
        upload_dir=settings.data_dir / "api-uploads",
        health=lambda: health(database),
        metrics=lambda: metrics_text(database),
    )


def serve(settings: Settings) -> None:
    """Run the API server until SIGTERM/SIGINT."""
    from bot import logs
    from bot.web_server import WebServer, serve_web

    logs.configure()
    if not parse_clients(settings.api_clients):
        raise ConfigError('Set API_CLIENTS: the API\'s clients as "appId:appSecret" pairs separated by commas.')
    database = Database(settings.resolved_database_url)
    prepare(database)  # once, before the workers fork
    database.dispose()
    web = WebServer(port=settings.api_port, workers=settings.api_workers, load_app=lambda: build_app(settings))
    started = datetime.now(UTC).isoformat(timespec="seconds")
    print(f"symbl-bot api: serving on port {settings.api_port} since {started}", file=sys.stderr, flush=True)
    sys.exit(serve_web(web, drain_seconds=0.0, on_stop=lambda: None, on_started=lambda: None))
