"""Builds the Bolt ``App``: the one place it is constructed, mode-agnostic (HTTP or Socket Mode).

Authorisation is a small callable that asks ``auth.test`` once and caches the answer, so the app never calls
Slack while it is being built and Bolt still knows the bot's own ids (to ignore its own messages). The same
answer tells ``bot.slack_guard`` which workspace and app this installation is.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.middleware.request_verification import RequestVerification

from bot.errors import SlackError
from bot.services import Services
from bot.slack_guard import Installation
from handlers import register_handlers

log = logging.getLogger(__name__)


class Identity:
    """Who this app is in Slack, asked once (``auth.test``, then ``bots.info`` for the app id) and cached."""

    def __init__(self, services: Services):
        self.services = services
        self._lock = threading.Lock()
        self._known: dict[str, str] = {}

    def get(self) -> dict[str, str]:
        with self._lock:
            if not self._known:
                client = self.services.client
                answer = client.auth_test()
                known = {
                    "user_id": answer["user_id"],
                    "bot_id": answer.get("bot_id") or "",
                    "team_id": answer.get("team_id") or "",
                    "app_id": "",
                }
                try:  # needs users:read, which the manifest asks for; without it the app id is not checked
                    known["app_id"] = client.bots_info(bot=known["bot_id"])["bot"].get("app_id") or ""
                except SlackError as error:
                    log.warning("bots.info failed (%s): requests are not checked for this app's id", error)
                self._known = known
            return self._known

    def installation(self) -> Installation:
        known = self.get()
        return Installation(team_id=known["team_id"], app_id=known["app_id"])


def _cached_authorize(identity: Identity):
    def authorize(enterprise_id, team_id):
        known = identity.get()
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=identity.services.client.token,
            bot_user_id=known["user_id"],
            bot_id=known["bot_id"],
        )

    return authorize


def build_app(
    services: Services, identity: Identity | None = None, *, listener_executor: Executor | None = None
) -> App:
    """The Bolt app with every listener registered (``handlers.register_handlers``).

    ``listener_executor`` runs the lazy listeners, after the ack; tests give one that runs them when told, so they
    can look at what Slack saw before the ack and after it.

    Redelivered events need no filter of their own: every job row has a unique key (team, channel, message ts,
    file id or URL), so a retry of the same event, or the same file arriving as ``message`` and ``file_shared``,
    finds the job already there and starts nothing.
    """
    settings = services.settings
    app = App(
        client=services.client,
        signing_secret=settings.slack_signing_secret or None,
        authorize=_cached_authorize(identity or Identity(services)),
        request_verification_enabled=not settings.slack_app_token,  # Socket Mode has no signatures
        token_verification_enabled=False,
        # Every ack listener here only parses and writes a row (milliseconds), never calls Slack: running it inside
        # the request answers Slack at once, without Bolt's hop to its listener pool and its 10 ms ack polling.
        process_before_response=True,
        listener_executor=listener_executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="bolt"),
    )

    # Bolt logs a request that fails its signature check with the whole body at INFO: a user's message and its
    # response_url, or 256 MB of whatever was sent. bot.slack_guard refuses those first and logs only reason and
    # size; this keeps Bolt quiet should one still reach it. (Set after App() copies its level onto the logger.)
    logging.getLogger(f"slack_bolt.{RequestVerification.__name__}").setLevel(logging.WARNING)
    register_handlers(app, services)
    return app
