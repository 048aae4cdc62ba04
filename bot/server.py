"""``python -m bot serve``: the app behind granian (HTTP mode) or on a Socket Mode connection.

granian's worker processes (WEB_WORKERS) answer Slack: each awaits a request's whole body (at most 1 MB, within
a few seconds; ``bot.web_bridge``) and then runs the WSGI app below in one of its WEB_THREADS threads.
Routes:
    POST /slack/events            events, slash commands and interactivity (Bolt verifies signatures)
    POST /symbl/webhook/<secret>  Symbl job-status callbacks: finish jobs at once (polling stays the safety net)
    GET  /healthz                 liveness: 200 once the database answers and the jobs process's sweep is recent
    GET  /readyz                  readiness: /healthz's checks, the schema in place, and this worker serving
                                  (503 while it starts or shuts down), for a load balancer
    GET  /metrics                 Prometheus text: every process's samples (``bot.metrics``) and jobs by stage

The web process only writes job rows and wakes the jobs process (``bot.jobs_process``), which it supervises.
"""

from __future__ import annotations

import hmac
import json
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot import metrics
from bot.config import Settings
from bot.jobs_process import WAKE_FD_ENV
from bot.lifeline import PARENT_PID_ENV
from bot.services import Services, build_services
from bot.store.db import Database
from bot.store.schema import current_revision, head_revision, prepare
from bot.store.tables import Job
from bot.wakeup import Wakeup
from bot.web_bridge import asgi_app
from bot.web_server import WebServer, serve_web

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
_MAX_WEBHOOK_BYTES = 64 * 1024

# Each request needs about a millisecond of CPU, so a few threads per worker keep both cores busy; more threads
# only queue on the interpreter lock, and a burst of Slack requests then finishes later for all of them.
WEB_THREADS = 8
# A handler that waits on the database hands the interpreter lock over and must get it back to answer. Python's
# default 5 ms switch interval makes it wait behind whichever thread holds the lock; requests are short, so a
# finer interval costs little and keeps a burst's slowest answer close to its typical one.
WEB_SWITCH_INTERVAL = 0.0005
# prometheus_client's multiprocess files are memory-mapped and grow as labels appear. On a full disk, touching a
# grown page kills the process with SIGBUS (measured: both web workers died when DATA_DIR filled up), so they
# live in shared memory, apart from the downloads that can fill DATA_DIR. One directory per serve, removed at exit.
METRICS_PARENT = Path("/dev/shm")  # noqa: S108 - mkdtemp makes a private (0700), unpredictable directory in it
HEARTBEAT_FILE = "jobs.heartbeat"  # Services.heartbeat_path: the jobs process touches it at every sweep


def _respond(start_response, status: str, body: dict | str) -> list[bytes]:
    data = (json.dumps(body) if isinstance(body, dict) else body).encode()
    content_type = "application/json" if isinstance(body, dict) else "text/plain; charset=utf-8"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def health(services: Services) -> tuple[bool, dict]:
    """Whether this replica can do its job: the database answers and the jobs process's sweep is recent."""
    checks: dict[str, bool] = {}
    try:
        with services.database.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        checks["database"] = True
    except Exception:
        log.exception("health check: database unreachable")
        checks["database"] = False
    if services.sweeper is not None:
        checks["scheduler"] = services.sweeper.running
    else:
        try:
            age = time.time() - services.heartbeat_path.stat().st_mtime
        except FileNotFoundError:
            age = float("inf")
        checks["scheduler"] = age < 3 * services.settings.poll_interval_seconds + 10
    # Low disk is reported, not failed: a restart frees no space, so a 503 here would only get a healthy replica
    # killed in a loop. Shares still fail one by one with the disk note until space is freed.
    free = _free_bytes(services.settings.data_dir)
    body: dict[str, Any] = dict(checks)
    body["disk_free_mb"] = None if free is None else free // 1_000_000
    body["disk_space_low"] = free is not None and free < services.settings.max_file_bytes
    return all(checks.values()), body


def _free_bytes(directory) -> int | None:
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return None


class Lifecycle:
    """Whether this replica takes traffic: "serving" until it is told to stop, then "stopping" while it drains.

    One flag in shared memory, made before the web workers fork: the main process raises it on SIGTERM and keeps
    serving for ``SHUTDOWN_DRAIN_SECONDS``, so /readyz answers 503 and a load balancer sends the next requests to
    another replica before this one closes its socket.
    """

    def __init__(self) -> None:
        self._stopping = multiprocessing.RawValue("b", 0)

    def stop(self) -> None:
        self._stopping.value = 1

    @property
    def state(self) -> str:
        return "stopping" if self._stopping.value else "serving"


class SchemaCheck:
    """Whether the database is at the schema revision this code was written for (one query until it is).

    Once it is, the answer is remembered: a newer replica migrating the database during a rolling deploy must
    not take every older, already serving replica out of the load balancer at once.
    """

    def __init__(self, database: Database):
        self.database = database
        self._ready = False

    def __call__(self) -> bool:
        if not self._ready:
            head = head_revision()
            try:
                self._ready = head is not None and current_revision(self.database) == head
            except sa.exc.DBAPIError:
                log.warning("readiness: could not read the schema revision", exc_info=True)
        return self._ready


def readiness(
    services: Services, lifecycle: Lifecycle | None, schema_ready: Callable[[], bool]
) -> tuple[bool, dict[str, Any]]:
    """Whether this replica should get traffic now: health plus the schema, and this worker neither starting
    nor stopping (``lifecycle`` None: not behind the web server, always serving)."""
    ok, checks = health(services)
    state = lifecycle.state if lifecycle is not None else "serving"
    checks = {"worker": state, **checks, "schema": bool(checks["database"]) and schema_ready()}
    return ok and state == "serving" and checks["schema"], checks


def count_jobs_by_stage(database: Database) -> dict[str, int]:
    """How many job rows are in each stage (one GROUP BY, at scrape time)."""
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(Job.stage, sa.func.count()).group_by(Job.stage))
        return {str(stage): int(count) for stage, count in rows.all()}


def handle_webhook(services: Services, environ: dict) -> tuple[str, dict]:
    """A Symbl status callback: ``{"jobId", "status"}``. Idempotent; unknown jobs are acknowledged and ignored."""
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), _MAX_WEBHOOK_BYTES)
        payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
        engine_job_id, status = str(payload["jobId"]), str(payload["status"])
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: JSON nested too deeply
        log.warning("symbl webhook refused: not JSON with jobId and status (%s bytes)", environ.get("CONTENT_LENGTH"))
        return "400 Bad Request", {"error": "expected JSON with jobId and status"}
    job = services.store.by_engine_job_id(engine_job_id)
    if job is not None and status in {"completed", "failed"}:
        services.poll_now(job.id)
    return "200 OK", {"ok": True}


def make_wsgi_app(services: Services, slack_handler: WSGIApp | None, lifecycle: Lifecycle | None = None) -> WSGIApp:
    """Route requests to Bolt, the webhook, the health and readiness checks and the metrics page."""
    webhook_prefix = "/symbl/webhook/"
    schema_ready = SchemaCheck(services.database)
    jobs_by_state = metrics.JobsByState(lambda: count_jobs_by_stage(services.database))

    def app(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events" and slack_handler is not None:
            return slack_handler(environ, start_response)
        if path == "/healthz" and method == "GET":
            ok, checks = health(services)
            return _respond(start_response, "200 OK" if ok else "503 Service Unavailable", checks)
        if path == "/readyz" and method == "GET":
            ok, checks = readiness(services, lifecycle, schema_ready)
            return _respond(start_response, "200 OK" if ok else "503 Service Unavailable", checks)
        if path == "/metrics" and method == "GET":
            body, content_type = metrics.exposition([jobs_by_state])
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        if path.startswith(webhook_prefix) and method == "POST":
            if not hmac.compare_digest(path[len(webhook_prefix) :], services.settings.webhook_secret):
                return _respond(start_response, "404 Not Found", "Not Found")
            status, body = handle_webhook(services, environ)
            return _respond(start_response, status, body)
        return _respond(start_response, "404 Not Found", "Not Found")

    return app


def build_wsgi(
    settings: Settings, wakeup: Wakeup | None, lifecycle: Lifecycle | None = None
) -> tuple[WSGIApp, Services]:
    """The web side: services without jobs, the Bolt app and the router (Socket Mode connects here too)."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from bot.app import Identity, build_app
    from bot.slack_guard import slack_guard

    services = build_services(settings, run_jobs=False, wakeup=wakeup)
    identity = Identity(services)
    bolt = build_app(services, identity)
    slack_handler = None
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        SocketModeHandler(bolt, settings.slack_app_token).connect()
    else:
        slack_handler = slack_guard(
            SlackRequestHandler(bolt),
            signing_secret=settings.slack_signing_secret,
            installation=identity.installation,
            hooks_host=settings.slack_hooks_host,
        )
    return make_wsgi_app(services, slack_handler, lifecycle), services


class JobsSupervisor:
    """Keeps one ``python -m bot jobs`` child running beside the web server, restarting it if it dies."""

    def __init__(self, wakeup: Wakeup):
        self.wakeup = wakeup
        self.process: subprocess.Popen | None = None
        self.stopping = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._supervise, name="jobs-supervisor", daemon=True).start()

    def _supervise(self) -> None:
        delay = 1.0
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                code = self._run_once()
            except Exception:  # a failed fork or a full disk must not end the supervision (a dead child, never reaped)
                log.exception("could not run the jobs process")
                code = None
            if self.stopping.is_set():
                return
            delay = 1.0 if time.monotonic() - started > 60 else min(delay * 2, 30.0)
            log.error("jobs process exited with %s; restarting in %.0fs", code, delay)
            self.stopping.wait(delay)

    def _run_once(self) -> int:
        """Start the jobs process and wait for it; the wait reaps it (no zombie), whatever happens after."""
        env = {**os.environ, WAKE_FD_ENV: str(self.wakeup.read_fd), PARENT_PID_ENV: str(os.getpid())}
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "jobs"], env=env, pass_fds=(self.wakeup.read_fd,))
        code = self.process.wait()
        try:
            metrics.mark_process_dead(self.process.pid)
        except OSError:
            log.exception("could not clear the dead jobs process's metrics")
        return code

    def stop(self) -> None:
        self.stopping.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _metrics_dir(settings: Settings) -> Path:
    """A fresh directory for this serve's metric files: in shared memory when there is one, else the temp dir."""
    parent = METRICS_PARENT if METRICS_PARENT.is_dir() and os.access(METRICS_PARENT, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="symbl-bot-metrics-", dir=parent))


def serve(settings: Settings) -> None:
    """Run the app: granian (WEB_WORKERS processes of WEB_THREADS threads) plus the supervised jobs process."""
    from bot import logs

    logs.configure()
    settings.require("SLACK_BOT_TOKEN", *(() if settings.slack_app_token else ("SLACK_SIGNING_SECRET",)))
    database = Database(settings.resolved_database_url)
    prepare(database)  # once, before the web workers and the jobs process start
    database.dispose()
    # Before any worker forks or the jobs process starts: they all write their samples into this one directory.
    metrics_dir = _metrics_dir(settings)
    metrics.prepare_multiprocess_dir(metrics_dir)
    # A previous run's heartbeat would make this one look ready before its jobs process has swept once.
    (settings.data_dir / HEARTBEAT_FILE).unlink(missing_ok=True)
    wakeup = Wakeup()
    supervisor = JobsSupervisor(wakeup)
    lifecycle = Lifecycle()  # shared with the web workers, which fork from this process

    def load_web_app() -> Any:  # runs in each web worker, after the fork
        sys.setswitchinterval(WEB_SWITCH_INTERVAL)
        app, services = build_wsgi(settings, wakeup, lifecycle)
        return asgi_app(app, threads=WEB_THREADS, on_shutdown=services.close)

    web = WebServer(port=settings.port, workers=settings.web_workers, load_app=load_web_app)
    mode = "Socket Mode" if settings.slack_app_token else f"HTTP on port {settings.port}"
    print(f"symbl-bot: serving ({mode}, engine={settings.engine})", file=sys.stderr, flush=True)
    try:
        # The jobs process starts once the web server has forked (so granian forks no supervisor thread) and
        # stops once the web workers have: no new job rows can appear after it.
        code = serve_web(
            web, drain_seconds=settings.shutdown_drain_seconds, on_stop=lifecycle.stop, on_started=supervisor.start
        )
    finally:
        supervisor.stop()
        shutil.rmtree(metrics_dir, ignore_errors=True)
    sys.exit(code)
