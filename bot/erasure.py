"""Erasing a workspace when the app is uninstalled (or its bot token revoked), and a person's own data when their
user token is revoked: ``handlers/uninstall.py`` records the request, the jobs process carries it out.

A workspace erasure first has the engine forget each of its conversations (the offline engine: transcripts,
voices and recordings; Symbl: ``DELETE /v1/conversations/{id}``, best effort) and deletes the recordings still on
disk, then deletes every row of the workspace in one transaction (``bot.store.erasure``). Every step is safe to
repeat, so a crash resumes it (the loop that claims and retries is ``bot.background``'s); the request, keyed by
the event's id, makes redeliveries and replicas erase once.
Slack is not called: after an uninstall the token no longer works. Logged with counts only.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from bot.background import Work
from bot.engines.base import Engine
from bot.retry import BACKGROUND_STEP
from bot.store.erasure import WORKSPACE, ErasureStore
from bot.store.tables import ErasureRequest

log = logging.getLogger(__name__)


class ErasureWork(Work):
    """Carrying out the due erasure requests; the loop around it is ``bot.background``'s."""

    name = "erasure"
    every = 2.0
    lease_seconds = 120.0  # an engine call per conversation, then one transaction
    backoff = BACKGROUND_STEP  # every step is safe to repeat

    def __init__(self, store: ErasureStore, engine: Engine | None):
        self.store = store
        self.engine = engine
        self.rows = store.rows

    def act(self, request: ErasureRequest) -> None:
        if request.scope == WORKSPACE:
            self._outside_rows(request.team_id)
            counts = self.store.erase_workspace(request)
            what = "workspace erased (app uninstalled or bot token revoked)"
        else:
            counts = self.store.erase_users(request)
            what = f"personal data of {len(json.loads(request.user_ids_json))} people erased (user tokens revoked)"
        deleted = ", ".join(f"{table} {n}" for table, n in sorted(counts.items()) if n) or "nothing left to delete"
        log.info("%s: %s", what, deleted, extra={"team_id": request.team_id, "event_id": request.event_id})

    def _outside_rows(self, team_id: str) -> None:
        """What the rows point at: the engine's copy of each conversation, and recordings still on disk."""
        stored = self.store.stored(team_id)
        for path in stored.media_paths:
            Path(path).unlink(missing_ok=True)
        for conversation_id, engine_name in stored.conversations:
            if self.engine is None or engine_name != self.engine.name:
                continue  # made by an engine this app no longer runs: nothing here reaches it
            try:
                self.engine.delete_conversation(conversation_id)
            except Exception as exc:
                if not self.engine.stores_offsite:
                    raise  # our own store: a failure here must be retried, never skipped
                # Symbl's copy is best effort: the workspace's own rows must go whatever Symbl answers.
                log.warning("erasure: the engine could not delete a conversation (%s)", type(exc).__name__)
