"""The consent note: once per channel, when auto-processing is turned on or its first recording is processed, the
channel is told what the app keeps, for how long, and how anyone can have a meeting deleted.

Exactly once across crashes and replicas: the row (``bot.store.consent``) is the one arbiter of "asked", a lease
makes one process post it (the loop that claims and retries is ``bot.background``'s), and the message carries a
tag in its Slack metadata so an attempt that died between Slack's answer and saving the ts is found instead of
posted again.
"""

from __future__ import annotations

import logging

from bot import failpoints
from bot.background import Work
from bot.render.consent import render_consent_note
from bot.retry import CONSENT_NOTE
from bot.slack_io import SlackIO
from bot.store.channels import ChannelStore
from bot.store.consent import ConsentStore
from bot.store.tables import ConsentNote

log = logging.getLogger(__name__)


class ConsentWork(Work):
    """Posting the due consent notes; the loop around it is ``bot.background``'s."""

    name = "consent"
    every = 1.0
    lease_seconds = 15.0  # one post and two writes; a crashed process's note is taken over within this long
    backoff = CONSENT_NOTE  # Slack down, the bot not in the channel yet: doubling from 2 s up to hourly

    def __init__(self, store: ConsentStore, channels: ChannelStore, slack: SlackIO, default_days: int):
        self.store = store
        self.channels = channels
        self.slack = slack
        self.default_days = default_days
        self.rows = store.rows

    def act(self, note: ConsentNote) -> None:
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
