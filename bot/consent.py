"""The consent note: once per channel, when auto-processing is turned on or its first recording is processed, the
channel is told what the app keeps, for how long, and how anyone can have a meeting deleted.

Exactly once across crashes and replicas: the row (``bot.store.consent``) is the one arbiter of "asked", a lease
makes one process post it, and the message carries a tag in its Slack metadata so an attempt that died between
Slack's answer and saving the ts is found instead of posted again.
"""

from __future__ import annotations

import logging
import uuid

from bot import failpoints
from bot.render.consent import render_consent_note
from bot.slack_io import SlackIO
from bot.store.channels import ChannelStore
from bot.store.consent import ConsentStore
from bot.store.tables import ConsentNote

log = logging.getLogger(__name__)

LEASE_SECONDS = 15.0  # one post and two writes; a crashed process's note is taken over within this long
SWEEP_SECONDS = 1.0


class ConsentRunner:
    def __init__(self, store: ConsentStore, channels: ChannelStore, slack: SlackIO, default_days: int, scheduler=None):
        self.store = store
        self.channels = channels
        self.slack = slack
        self.default_days = default_days
        self.scheduler = scheduler
        self.owner = f"consent-{uuid.uuid4().hex[:12]}"

    def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(
                self.run_due, "interval", seconds=SWEEP_SECONDS, id="consent", max_instances=1, coalesce=True
            )

    def run_due(self) -> int:
        """Post every due note; returns how many were posted."""
        posted = 0
        try:
            due = self.store.due()
        except Exception:
            log.exception("could not read consent notes; trying again shortly")
            return 0
        for team_id, channel_id in due:
            note = self.store.claim(team_id, channel_id, self.owner, LEASE_SECONDS)
            if note is None:
                continue
            try:
                self.post(note)
                posted += 1
            except Exception as exc:  # Slack down, the bot not in the channel yet: try again later
                log.warning("consent note not posted (%s); will retry", type(exc).__name__, extra={"team_id": team_id})
                self.store.retry_later(note)
        return posted

    def post(self, note: ConsentNote) -> None:
        tag = f"consent:{note.team_id}:{note.channel_id}"
        ts = None
        if note.posting:  # an attempt got as far as posting: it may have, so look before posting again
            ts = self.slack.find_tagged(note.channel_id, tag, oldest=note.created_at.timestamp() - 60)
        if ts is None:
            self.store.posting(note)
            retention = self.channels.retention(note.team_id, note.channel_id, self.default_days)
            ts = self.slack.post(note.channel_id, render_consent_note(retention), tag=tag)
            failpoints.hit("after_consent_post")
        self.store.posted(note, ts)
        log.info("consent note posted", extra={"team_id": note.team_id, "channel_id": note.channel_id})
