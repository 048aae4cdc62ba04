"""``python -m bot serve``: the app behind gunicorn (HTTP mode) or on a Socket Mode connection.

One worker process holds the app, its worker pool and its one scheduler; gunicorn's threads serve requests.
Routes:
    POST /slack/events            events, slash commands and interactivity (Bolt verifies signatures)
    POST /symbl/webhook/<secret>  Symbl job-status callbacks: finish jobs at once (polling stays the safety net)
    GET  /healthz                 200 once the database answers and the scheduler runs; 503 otherwise
"""

from __future__ import annotations

import hmac
import json
import logging
import sys
from collections.abc import Callable, Iterable

from bot.config import Settings
from bot.services import Services, build_services

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
_MAX_WEBHOOK_BYTES = 64 * 1024


def _respond(start_response, status: str, body: dict | str) -> list[bytes]:
    data = (json.dumps(body) if isinstance(body, dict) else body).encode()
    content_type = "application/json" if isinstance(body, dict) else "text/plain; charset=utf-8"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def health(services: Services) -> tuple[bool, dict]:
    """Whether this process can do its job: the database answers and the poll sweep is scheduled."""
    checks = {"scheduler": services.sweeper.running}
    try:
        with services.database.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        checks["database"] = True
    except Exception:
        log.exception("health check: database unreachable")
        checks["database"] = False
    return all(checks.values()), checks


def handle_webhook(services: Services, environ: dict) -> tuple[str, dict]:
    """A Symbl status callback: ``{"jobId", "status"}``. Idempotent; unknown jobs are acknowledged and ignored."""
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), _MAX_WEBHOOK_BYTES)
        payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
        engine_job_id, status = str(payload["jobId"]), str(payload["status"])
    except (ValueError, KeyError, TypeError):
        return "400 Bad Request", {"error": "expected JSON with jobId and status"}
    job = services.store.by_engine_job_id(engine_job_id)
    if job is not None and status in {"completed", "failed"}:
        services.pipeline.poll_now(job.id)
    return "200 OK", {"ok": True}


def make_wsgi_app(services: Services, slack_handler: WSGIApp | None) -> WSGIApp:
    """Route requests to Bolt, the webhook and the health check."""
    webhook_prefix = "/symbl/webhook/"

    def app(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events" and slack_handler is not None:
            return slack_handler(environ, start_response)
        if path == "/healthz" and method == "GET":
            ok, checks = health(services)
            return _respond(start_response, "200 OK" if ok else "503 Service Unavailable", checks)
        if path.startswith(webhook_prefix) and method == "POST":
            if not hmac.compare_digest(path[len(webhook_prefix) :], services.settings.webhook_secret):
                return _respond(start_response, "404 Not Found", "Not Found")
            status, body = handle_webhook(services, environ)
            return _respond(start_response, status, body)
        return _respond(start_response, "404 Not Found", "Not Found")

    return app


def build_wsgi(settings: Settings) -> tuple[WSGIApp, Services]:
    """Services, the Bolt app and the router; starts the background work (worker pool, scheduler)."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from bot.app import build_app

    services = build_services(settings)
    bolt = build_app(services)
    slack_handler = None
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        SocketModeHandler(bolt, settings.slack_app_token).connect()
    else:
        settings.require("SLACK_SIGNING_SECRET")
        slack_handler = SlackRequestHandler(bolt)
    services.start()
    return make_wsgi_app(services, slack_handler), services


def serve(settings: Settings) -> None:
    """Run the app under gunicorn: one worker process (one scheduler), many request threads."""
    from gunicorn.app.base import BaseApplication

    from bot import logs

    logs.configure()
    settings.require("SLACK_BOT_TOKEN", *(() if settings.slack_app_token else ("SLACK_SIGNING_SECRET",)))
    state: dict[str, Services] = {}

    class BotApplication(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"0.0.0.0:{settings.port}")
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 16)
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("accesslog", None)
            self.cfg.set("worker_exit", lambda _server, _worker: state["services"].close() if state else None)

        def load(self):  # runs in the worker process, after the fork: threads started here survive
            wsgi, services = build_wsgi(settings)
            state["services"] = services
            return wsgi

    mode = "Socket Mode" if settings.slack_app_token else f"HTTP on port {settings.port}"
    print(f"symbl-bot: serving ({mode}, engine={settings.engine})", file=sys.stderr, flush=True)
    BotApplication().run()
