"""``app_uninstalled`` and ``tokens_revoked``: record what is to be erased, and wake the jobs process to do it.

The listener only writes a row keyed by the event's id (a redelivered event, or the same event reaching another
replica, records nothing new); the erasing is ``bot.erasure``'s, where a crash resumes it.
"""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.services import Services
from bot.store.erasure import USERS, WORKSPACE, ErasureStore

log = logging.getLogger(__name__)


def revoked(event: dict) -> tuple[bool, list[str]]:
    """From a ``tokens_revoked`` event: whether a bot token went (the app can do nothing more in the workspace),
    and the people whose own tokens went."""
    tokens = event.get("tokens") if isinstance(event.get("tokens"), dict) else {}
    bot = tokens.get("bot") if isinstance(tokens.get("bot"), list) else []
    oauth = tokens.get("oauth") if isinstance(tokens.get("oauth"), list) else []
    return bool(bot), [u for u in oauth if isinstance(u, str) and u][:1000]


def register(app: App, services: Services) -> None:
    erasures = ErasureStore(services.database)

    def record(body: dict, scope: str, user_ids: list[str] | None = None) -> None:
        team_id, event_id = body.get("team_id") or "", body.get("event_id") or ""
        if not team_id or not event_id:
            return
        if erasures.request(team_id, event_id, scope, user_ids):
            log.info("erasure requested (%s)", scope, extra={"team_id": team_id, "event_id": event_id})
            services.wake()

    def on_uninstalled(body: dict) -> None:
        record(body, WORKSPACE)

    def on_tokens_revoked(body: dict, event: dict) -> None:
        bot, people = revoked(event)
        if bot:
            record(body, WORKSPACE)
        elif people:
            record(body, USERS, people)

    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
