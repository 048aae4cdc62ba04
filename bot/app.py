"""Builds the Bolt ``App``: the one place it is constructed, mode-agnostic (HTTP or Socket Mode).

Authorisation is a small callable that asks ``auth.test`` once and caches the answer, so the app never calls
Slack while it is being built and Bolt still knows the bot's own ids (to ignore its own messages).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.services import Services
from handlers import register_handlers


def _cached_authorize(services: Services):
    lock = threading.Lock()
    identity: dict[str, str] = {}

    def authorize(enterprise_id, team_id):
        with lock:
            if not identity:
                answer = services.client.auth_test()
                identity.update(user_id=answer["user_id"], bot_id=answer.get("bot_id") or "")
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=services.client.token,
            bot_user_id=identity["user_id"],
            bot_id=identity["bot_id"],
        )

    return authorize


def build_app(services: Services) -> App:
    """The Bolt app with every listener registered.

    Redelivered events need no filter of their own: every job row has a unique key (team, channel, message ts,
    file id or URL), so a retry of the same event, or the same file arriving as ``message`` and ``file_shared``,
    finds the job already there and starts nothing.
    """
    settings = services.settings
    app = App(
        client=services.client,
        signing_secret=settings.slack_signing_secret or None,
        authorize=_cached_authorize(services),
        request_verification_enabled=not settings.slack_app_token,  # Socket Mode has no signatures
        token_verification_enabled=False,
        # Every listener here only parses and writes a row (milliseconds): running it inside the request answers
        # Slack at once, without Bolt's hop to its 5-thread listener pool and its 10 ms ack polling.
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=8, thread_name_prefix="bolt"),
    )

    register_handlers(app, services)
    return app
