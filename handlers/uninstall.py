"""``app_uninstalled`` and ``tokens_revoked``: record what is to be erased, and wake the jobs process to do it.

The listener only writes a row keyed by the event's id (a redelivered event, or the same event reaching another
replica, records nothing new); the erasing is ``bot.erasure``'s, where a crash resumes it.
"""

from __future__ import annotations

import logging

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


def _record(services: Services, body: dict, scope: str, user_ids: list[str] | None = None) -> None:
    team_id, event_id = body.get("team_id") or "", body.get("event_id") or ""
    if not team_id or not event_id:
        return
    if ErasureStore(services.database).request(team_id, event_id, scope, user_ids):
        log.info("erasure requested (%s)", scope, extra={"team_id": team_id, "event_id": event_id})
        services.wake()


def on_uninstalled(services: Services, body: dict) -> None:
    _record(services, body, WORKSPACE)


def on_tokens_revoked(services: Services, body: dict, event: dict) -> None:
    bot, people = revoked(event)
    if bot:
        _record(services, body, WORKSPACE)
    elif people:
        _record(services, body, USERS, people)
