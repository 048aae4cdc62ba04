"""Builds the Bolt ``App``: the one place it is constructed, mode-agnostic (HTTP or Socket Mode).

Authorisation is a small callable that asks ``auth.test`` once and caches the answer, so the app never calls
Slack while it is being built and Bolt still knows the bot's own ids (to ignore its own messages).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse
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
    """The Bolt app with every listener registered and duplicate events dropped before any listener runs."""
    settings = services.settings
    app = App(
        client=services.client,
        signing_secret=settings.slack_signing_secret or None,
        authorize=_cached_authorize(services),
        request_verification_enabled=not settings.slack_app_token,  # Socket Mode has no signatures
        token_verification_enabled=False,
        # Bolt's default pool has 5 threads: a burst of commands would queue behind each other and miss Slack's
        # 3 s. Listeners here only write a row, so many threads are cheap.
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="bolt"),
    )

    @app.middleware
    def drop_redelivered_events(body, next, logger):
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not services.store.first_sighting(event_id):
            logger.info("duplicate Slack event ignored", extra={"event_id": event_id})
            return BoltResponse(status=200, body="")
        return next()

    register_handlers(app, services)
    return app
