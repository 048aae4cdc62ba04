"""Forgetting a meeting for good, in steps that each may run again, so a crash anywhere resumes.

``/symbl forget`` writes a ``forget_requests`` row (``bot.store.forget``); the jobs process takes due requests
(a lease, so one replica at a time) and walks each through:

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
import uuid
from pathlib import Path

from bot import failpoints
from bot.engines.base import Engine
from bot.errors import SlackError
from bot.render.forgotten import render_forgotten
from bot.slack_io import SlackIO
from bot.store.forget import ForgetStore
from bot.store.tables import ForgetRequest

log = logging.getLogger(__name__)

LEASE_SECONDS = 15.0  # like the pipeline's: a crashed process's request is resumed within this long
# (each step renews it, and no step waits longer than one Slack or engine call with its retries)
SWEEP_SECONDS = 1.0
_GONE_MESSAGE = ("message_not_found", "channel_not_found", "is_archived", "cant_update_message")


class ForgetRunner:
    def __init__(self, store: ForgetStore, slack: SlackIO, engine: Engine | None, scheduler=None):
        self.store = store
        self.slack = slack
        self.engine = engine
        self.scheduler = scheduler
        self.owner = f"forget-{uuid.uuid4().hex[:12]}"

    def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(
                self.run_due, "interval", seconds=SWEEP_SECONDS, id="forget", max_instances=1, coalesce=True
            )

    def run_due(self) -> int:
        """Carry every due request as far as it goes; returns how many finished."""
        finished = 0
        try:
            due = self.store.due()
        except Exception:
            log.exception("could not read forget requests; trying again shortly")
            return 0
        for team_id, conversation_id in due:
            request = self.store.claim(team_id, conversation_id, self.owner, LEASE_SECONDS)
            if request is None:
                continue
            try:
                self.run(request)
                finished += 1
            except Exception as exc:  # every step is safe to repeat: try again later from the same step
                log.warning("forget step %s failed (%s); will retry", request.step, type(exc).__name__, exc_info=True)
                self.store.retry_later(request, f"{request.step}: {type(exc).__name__}")
        return finished

    def run(self, request: ForgetRequest) -> None:
        if request.step == "engine":
            self._engine(request)
            failpoints.hit("forget_after_engine")  # deleted at the engine, not yet here: a restart must go on
            self.store.advance(request, "files", LEASE_SECONDS)
        if request.step == "files":
            for file_id in json.loads(request.file_ids_json):
                self.slack.delete_file(file_id)
            self.store.advance(request, "messages", LEASE_SECONDS)
        if request.step == "messages":
            by_retention = request.reason == "retention"
            payload = render_forgotten(request.requested_by, request.requested_at, by_retention=by_retention)
            for ts in json.loads(request.message_ts_json):
                self._rewrite(request.channel_id, ts, payload)
            self.store.advance(request, "rows", LEASE_SECONDS)
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
