"""A meeting's notes message: its action items recorded in the ledger, owners placed, Block Kit built.

The pipeline calls :meth:`MeetingNotes.record` when it posts results (as a new message: its ts is the job's
``notes_ts``); a button click on the message calls :meth:`MeetingNotes.refresh` to redraw it in place from the
stored insights and the ledger's current state. Naming a speaker in "Who's who" calls :meth:`MeetingNotes.rename`:
the ledger rows take the speaker's new name and owner, and the message is redrawn. Every rendering (and the
transcript) goes through :meth:`MeetingNotes.named`, which applies the speakers' names (``bot.speakers``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot import render
from bot.codec import insights_from_dict
from bot.digest.model import ItemKind, LedgerEntry
from bot.models import Insights, MediaKind, Person
from bot.owners import OwnerResolver, owners_mapping
from bot.render.whoswho import whoswho_blocks
from bot.slack_io import SlackIO
from bot.speakers import FoundSpeaker, SpeakerName, found_speakers, mentions, relabel, resolve_names
from bot.store.jobs import JobStore
from bot.store.ledger import LedgerStore, NewItem, person_key
from bot.store.speakers import SpeakerNameStore
from bot.store.tables import Job, utcnow


@dataclass(frozen=True)
class Named:
    """A meeting's insights with its speakers' names applied, and what "Who's who" shows."""

    insights: Insights
    found: list[FoundSpeaker]
    names: dict[str, SpeakerName]

    @property
    def speaker_owners(self) -> dict[str, str]:
        """person key -> Slack user id of the speakers named as Slack users."""
        return {key: user_id for name, user_id in mentions(self.names).items() if (key := person_key(name))}

    @property
    def speaker_keys(self) -> set[str]:
        return {key for name in self.names.values() if (key := person_key(name.name))}


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

    def __init__(
        self,
        ledger: LedgerStore,
        jobs: JobStore,
        slack: SlackIO,
        *,
        speakers: SpeakerNameStore | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.ledger = ledger
        self.jobs = jobs
        self.slack = slack
        self.speakers = speakers or SpeakerNameStore(jobs.db)
        self.owners = OwnerResolver(slack)
        self.clock = clock

    def named(self, job: Job, insights: Insights) -> Named:
        """The insights with each speaker's name from every source (``bot.speakers.resolve_names``)."""
        found = found_speakers(insights)
        choices = self.speakers.for_conversation(job.team_id, job.conversation_id) if job.conversation_id else {}
        names = resolve_names(
            found,
            choices,
            engine=job.engine,
            from_transcript_file=job.media_kind == MediaKind.TRANSCRIPT.value,
            user_name=self._user_name,
        )
        return Named(relabel(insights, names, found), found, names)

    def _user_name(self, user_id: str) -> str | None:
        names = self.slack.user_names(user_id)
        return names[0] if names else None

    def record(self, job: Job, insights: Insights) -> dict:
        """Bring the ledger up to date with this result, place owners, and return the message to post.

        Run again when a speaker is named: the ledger rows then carry the speaker's new name and owner.
        """
        named = self.named(job, insights)
        insights = named.insights
        items = [NewItem(ItemKind.ACTION, a) for a in insights.action_items]
        items += [NewItem(ItemKind.FOLLOW_UP, f) for f in insights.follow_ups]
        entries = self.ledger.sync_conversation(
            team_id=job.team_id, channel_id=job.channel_id, conversation_id=job.conversation_id, items=items
        )
        # A speaker named in "Who's who" outranks an owner picked for the name it had before.
        overrides = {**self.ledger.overrides(job.team_id, job.conversation_id), **named.speaker_owners}
        resolved = self.owners.resolve(job.channel_id, _people(insights), overrides)
        owners_by_item: dict[str, str | None] = {}
        for entry, key in _assigned(insights, entries):
            if user_id := resolved.get(key):
                owners_by_item[entry.id] = user_id
            elif key in named.speaker_keys:  # a speaker no longer named (a voice undone): no owner left over
                owners_by_item[entry.id] = None
        self.ledger.set_owners(job.team_id, owners_by_item)
        current = self.ledger.for_conversation(job.team_id, job.conversation_id)
        return self._payload(job, named, current, resolved)

    def refresh(self, team_id: str, channel_id: str, ts: str) -> bool:
        """Redraw the notes message ``ts`` from the ledger's current state; False if it is not a notes message."""
        job = self.jobs.with_notes_message(team_id, channel_id, ts)
        if job is None or not job.insights_json or not job.conversation_id:
            return False
        named = self.named(job, insights_from_dict(json.loads(job.insights_json)))
        entries = self.ledger.for_conversation(team_id, job.conversation_id)
        resolved = {**self.ledger.overrides(team_id, job.conversation_id), **named.speaker_owners}
        for entry, key in _assigned(named.insights, entries):  # owners found when the notes were first posted
            if entry.owner_user_id:
                resolved.setdefault(key, entry.owner_user_id)
        self.slack.update(channel_id, ts, self._payload(job, named, entries, resolved))
        return True

    def rename(self, job: Job) -> Named:
        """After a speaker was named: the ledger rows take the new names and the notes message is redrawn."""
        insights = insights_from_dict(json.loads(job.insights_json or "{}"))
        payload = self.record(job, insights)
        if job.notes_ts or job.status_ts:
            self.slack.update(job.channel_id, job.notes_ts or job.status_ts, payload)
        return self.named(job, insights)

    def replace_transcript(self, job: Job, insights: Insights) -> None:
        """Upload the transcript again with the speakers' current names, then delete the old file."""
        old = job.transcript_file_id
        if not (job.transcript_uploaded and insights.messages and job.thread_ts):
            return
        self.upload_transcript(job, insights)
        if old and old != job.transcript_file_id:
            self.slack.delete_file(old)

    def upload_transcript(self, job: Job, insights: Insights) -> None:
        """The transcript file, into the meeting's thread; its id is saved before it is shared (crash safety)."""

        def saved(file_id: str) -> None:
            self.jobs.update(job.id, transcript_file_id=file_id)
            job.transcript_file_id = file_id

        self.slack.upload_text(
            job.channel_id,
            job.thread_ts,
            filename=f"transcript-{insights.conversation.id}.txt",
            title=f"Transcript: {insights.conversation.name or job.name or insights.conversation.id}",
            content=render.transcript_text(insights),
            before_share=saved,
        )

    def _payload(self, job: Job, named: Named, entries: Mapping[str, LedgerEntry], resolved: Mapping[str, str]) -> dict:
        insights = named.insights
        actions = {
            item.id: entry
            for item in insights.action_items
            if (entry := entries.get(item.id[:128])) is not None and entry.kind == ItemKind.ACTION
        }
        owners = owners_mapping(_people(insights), resolved)
        # A meeting the engine could not date (no start time) is dated by when it was shared.
        return render.render_insights(
            insights,
            owners=owners,
            ledger=actions,
            now=self.clock(),
            meeting_at=job.created_at,
            whoswho=whoswho_blocks(named.found, named.names),
            askers=mentions(named.names),
        )
