"""Forgetting a meeting for good, in steps that each may run again, so a crash anywhere resumes.

``/symbl forget`` writes a ``forget_requests`` row (``bot.store.forget``); the jobs process takes due requests
(a lease, so one replica at a time: the loop is ``bot.background``'s) and walks each through:

  engine    the engine forgets the conversation (Symbl: ``DELETE /v1/conversations/{id}``, a 404 is fine; the
            offline engine: its transcript, voice profiles, jobs and media copies), and recordings still on disk go
  files     the transcript files the app uploaded (``files.delete``; already gone is fine)
  messages  each notes message becomes "Notes deleted at @person's request on <date>" (or "… by this channel's
            retention policy …" when the retention sweep asked, ``bot.retention``)
  rows      every row of the meeting and the request itself, in one transaction
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from bot import failpoints
from bot.background import Work
from bot.engines.base import Engine
from bot.errors import SlackError
from bot.render.forgotten import render_forgotten
from bot.retry import BACKGROUND_STEP
from bot.slack_io import SlackIO
from bot.store.forget import ForgetStore
from bot.store.tables import ForgetRequest

log = logging.getLogger(__name__)

_GONE_MESSAGE = ("message_not_found", "channel_not_found", "is_archived", "cant_update_message")


class ForgetWork(Work):
    """Walking the due forget requests through their steps; the loop around it is ``bot.background``'s."""

    name = "forget"
    every = 1.0
    lease_seconds = 15.0  # like the pipeline's: a crashed process's request is resumed within this long
    # (each step renews it, and no step waits longer than one Slack or engine call with its retries)
    backoff = BACKGROUND_STEP  # every step is safe to repeat: tried again later from the same step

    def __init__(self, store: ForgetStore, slack: SlackIO, engine: Engine | None):
        self.store = store
        self.slack = slack
        self.engine = engine
        self.rows = store.rows

    def reason(self, request: ForgetRequest, error: BaseException) -> str:
        return f"{request.step}: {type(error).__name__}"

    def act(self, request: ForgetRequest) -> None:
        if request.step == "engine":
            self._engine(request)
            failpoints.hit("forget_after_engine")  # deleted at the engine, not yet here: a restart must go on
            self.store.advance(request, "files", self.lease_seconds)
        if request.step == "files":
            for file_id in json.loads(request.file_ids_json):
                self.slack.delete_file(file_id)
            self.store.advance(request, "messages", self.lease_seconds)
        if request.step == "messages":
            by_retention = request.reason == "retention"
            payload = render_forgotten(request.requested_by, request.requested_at, by_retention=by_retention)
            for ts in json.loads(request.message_ts_json):
                self._rewrite(request.channel_id, ts, payload)
            self.store.advance(request, "rows", self.lease_seconds)
        if request.step == "rows":
            self.store.delete_rows(request.team_id, request.conversation_id)
            log.info("meeting forgotten", extra={"team": request.team_id})

    def _engine(self, request: ForgetRequest) -> None:
        for path in json.loads(request.media_paths_json):
            Path(path).unlink(missing_ok=True)
        if self.engine is None or request.engine != self.engine.name:
            # Made by an engine this app no longer runs (its name was recorded with the conversation): nothing
            # here can reach it, and its ids mean nothing to ours; the rest is still forgotten.
            log.warning("forget: the conversation's engine (%s) is not this app's; skipped there", request.engine)
            return
        self.engine.delete_conversation(request.conversation_id)

    def _rewrite(self, channel: str, ts: str, payload: dict) -> None:
        try:
            self.slack.update(channel, ts, payload)
        except SlackError as exc:
            if exc.code not in _GONE_MESSAGE:
                raise
