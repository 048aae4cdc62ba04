"""A meeting's notes message: its action items recorded in the ledger, owners placed, Block Kit built.

The pipeline calls :meth:`MeetingNotes.record` when it posts results (as a new message: its ts is the job's
``notes_ts``); a button click on the message calls :meth:`MeetingNotes.refresh` to redraw it in place from the
stored insights and the ledger's current state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime

from bot import render
from bot.codec import insights_from_dict
from bot.digest.model import ItemKind, LedgerEntry
from bot.models import Insights, Person
from bot.owners import OwnerResolver, owners_mapping
from bot.slack_io import SlackIO
from bot.store.jobs import JobStore
from bot.store.ledger import LedgerStore, NewItem, person_key
from bot.store.tables import Job, utcnow


def _people(insights: Insights) -> list[Person]:
    """Everyone the notes may mention: assignees first (they matter most), then whoever asked a question."""
    people = [i.assignee for i in (*insights.action_items, *insights.follow_ups) if i.assignee]
    return people + [q.asked_by for q in insights.questions if q.asked_by]


def _assigned(insights: Insights, entries: Mapping[str, LedgerEntry]) -> list[tuple[LedgerEntry, str]]:
    """(ledger entry, person key of its assignee) for every item that has both."""
    pairs = []
    for item in (*insights.action_items, *insights.follow_ups):
        entry = entries.get(item.id[:128])
        key = person_key(item.assignee.name, item.assignee.email) if item.assignee else None
        if entry and key:
            pairs.append((entry, key))
    return pairs


class MeetingNotes:
    """Builds and redraws meeting-notes messages."""

    def __init__(self, ledger: LedgerStore, jobs: JobStore, slack: SlackIO, *, clock: Callable[[], datetime] = utcnow):
        self.ledger = ledger
        self.jobs = jobs
        self.slack = slack
        self.owners = OwnerResolver(slack)
        self.clock = clock

    def record(self, job: Job, insights: Insights) -> dict:
        """Bring the ledger up to date with this result, place owners, and return the message to post."""
        items = [NewItem(ItemKind.ACTION, a) for a in insights.action_items]
        items += [NewItem(ItemKind.FOLLOW_UP, f) for f in insights.follow_ups]
        entries = self.ledger.sync_conversation(
            team_id=job.team_id, channel_id=job.channel_id, conversation_id=job.conversation_id, items=items
        )
        overrides = self.ledger.overrides(job.team_id, job.conversation_id)
        resolved = self.owners.resolve(job.channel_id, _people(insights), overrides)
        owners_by_item = {
            entry.id: user_id for entry, key in _assigned(insights, entries) if (user_id := resolved.get(key))
        }
        self.ledger.set_owners(job.team_id, owners_by_item)
        current = self.ledger.for_conversation(job.team_id, job.conversation_id)
        return self._payload(job, insights, current, resolved)

    def refresh(self, team_id: str, channel_id: str, ts: str) -> bool:
        """Redraw the notes message ``ts`` from the ledger's current state; False if it is not a notes message."""
        job = self.jobs.with_notes_message(team_id, channel_id, ts)
        if job is None or not job.insights_json or not job.conversation_id:
            return False
        insights = insights_from_dict(json.loads(job.insights_json))
        entries = self.ledger.for_conversation(team_id, job.conversation_id)
        resolved = dict(self.ledger.overrides(team_id, job.conversation_id))
        for entry, key in _assigned(insights, entries):  # owners found when the notes were first posted
            if entry.owner_user_id:
                resolved.setdefault(key, entry.owner_user_id)
        self.slack.update(channel_id, ts, self._payload(job, insights, entries, resolved))
        return True

    def _payload(
        self, job: Job, insights: Insights, entries: Mapping[str, LedgerEntry], resolved: Mapping[str, str]
    ) -> dict:
        actions = {
            item.id: entry
            for item in insights.action_items
            if (entry := entries.get(item.id[:128])) is not None and entry.kind == ItemKind.ACTION
        }
        owners = owners_mapping(_people(insights), resolved)
        # A meeting the engine could not date (no start time) is dated by when it was shared.
        return render.render_insights(
            insights, owners=owners, ledger=actions, now=self.clock(), meeting_at=job.created_at
        )
