"""The Bolt app in this process, dispatched signed requests the way bolt-python's own scenario tests do.

``BoltRequest`` with a signature made by ``SignatureVerifier``, then ``App.dispatch``: Bolt's whole path runs
(signature check, authorize, matching, ack and lazy listeners), against the fake Slack over loopback HTTP and a
SQLite file. No app process, no PostgreSQL, no speech model: fast enough for ``make test-fast``.

Lazy listeners run only when the harness says, so every dispatch can be split in two: what Slack saw while the
request was being answered (must be nothing: ``process_before_response`` makes the answer wait for it), and what it
saw after the ack.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.app import Identity, build_app
from bot.config import Settings
from bot.services import Services, build_services
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_action_body, event_body, slash_command_body, view_submission_body

SIGNING_SECRET = "in-process-signing-secret"
TEAM_ID, CHANNEL, USER = "T0001", "C111", "U111"


class DeferredLazies(Executor):
    """Bolt's listener executor for tests: what Bolt submits (its lazy listeners) waits until ``run_all``."""

    def __init__(self) -> None:
        self.pending: list[tuple[Future, Any, tuple, dict]] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        self.pending.append((future, fn, args, kwargs))
        return future

    def run_all(self) -> int:
        ran = 0
        while self.pending:
            future, fn, args, kwargs = self.pending.pop(0)
            future.set_result(fn(*args, **kwargs))
            ran += 1
        return ran


class _Errors(logging.Handler):
    """Error records logged anywhere while a request is handled (Bolt logs a failing lazy listener and goes on)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Dispatched:
    """One request's outcome: the ack (HTTP status and body) and what Slack saw after it."""

    status: int
    body: str
    after_ack: list[Any] = field(default_factory=list)  # Web API calls and response_url posts, in order

    @property
    def ack(self) -> dict:
        """The ack's JSON body ({} for an empty ack)."""
        return json.loads(self.body) if self.body else {}

    @property
    def responses(self) -> list[dict]:
        """What was posted to the request's response_url after the ack."""
        return [r.body for r in self.after_ack if hasattr(r, "path")]

    def called(self, method: str) -> list[dict]:
        """The arguments of each call of a Web API method made after the ack."""
        return [c.args for c in self.after_ack if getattr(c, "method", None) == method]


class InProcessApp:
    """The app's services and Bolt ``App`` over a SQLite file, its Slack client pointed at the fake."""

    def __init__(self, slack: FakeSlack, data_dir: Path, **env: str) -> None:
        self.slack = slack
        settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.api_url,
                "SLACK_HOOKS_HOST": slack.url.split("://", 1)[1],
                "DATA_DIR": str(data_dir),
                "DATABASE_URL": f"sqlite:///{data_dir / 'bot.sqlite3'}",
                "ENGINE": "local",
                **env,
            }
        )
        self.services: Services = build_services(settings, run_jobs=False)
        identity = Identity(self.services)
        identity.get()  # in the app, slack_guard asks once before any request reaches Bolt
        self.lazies = DeferredLazies()
        self.app: App = build_app(self.services, identity, listener_executor=self.lazies)
        self._verifier = SignatureVerifier(SIGNING_SECRET)

    def close(self) -> None:
        self.services.close()

    def dispatch(self, body: str, content_type: str) -> Dispatched:
        """Dispatch a signed request; fail if Slack was called before the ack or anything logged an error."""
        timestamp = str(int(time.time()))
        headers = {
            "content-type": [content_type],
            "x-slack-signature": [self._verifier.generate_signature(timestamp=timestamp, body=body)],
            "x-slack-request-timestamp": [timestamp],
        }
        errors = _Errors()
        logging.getLogger().addHandler(errors)
        try:
            seen = self._seen()
            response = self.app.dispatch(BoltRequest(body=body, headers=headers))
            before_ack = self._seen()[len(seen) :]
            assert not before_ack, f"Slack was called before the ack: {[_name(r) for r in before_ack]}"
            seen = self._seen()
            self.lazies.run_all()
            after_ack = self._seen()[len(seen) :]
        finally:
            logging.getLogger().removeHandler(errors)
        assert not errors.records, [r.getMessage() for r in errors.records]
        return Dispatched(response.status, response.body, after_ack)

    def _seen(self) -> list[Any]:
        return sorted([*self.slack.calls, *self.slack.responses], key=lambda r: r.seq)

    # -- what Slack sends --------------------------------------------------------------------------------------

    def command(self, text: str, *, channel: str = CHANNEL, user: str = USER) -> Dispatched:
        body = slash_command_body(text, response_url=self.slack.response_url(), channel_id=channel, user_id=user)
        return self.dispatch(body, "application/x-www-form-urlencoded")

    def event(self, event: dict) -> Dispatched:
        return self.dispatch(event_body(event), "application/json")

    def action(self, action_id: str, **fields: Any) -> Dispatched:
        body = block_action_body(action_id, response_url=self.slack.response_url(), **fields)
        return self.dispatch(body, "application/x-www-form-urlencoded")

    def submit(self, view: dict, values: dict) -> Dispatched:
        return self.dispatch(view_submission_body(view, values), "application/x-www-form-urlencoded")


def _name(record: Any) -> str:
    return getattr(record, "method", None) or f"response_url {record.path}"
