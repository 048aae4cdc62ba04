"""Posting channel digests: cron jobs derived from the stored schedules, each period posted exactly once.

The jobs process owns one APScheduler (``bot.scheduler``); this adds a cron job per channel with a digest and a
short interval job that keeps those cron jobs in line with the settings table and posts pending runs.

Exactly once, with any number of processes: when a schedule fires, every process computes the same scheduled
instant and writes a run row keyed by it (``digest_runs``, unique per channel and instant); one row results.
Whoever takes the row's lease posts it and records the message's ts. A process that was down when a schedule
fired catches up when it starts, if the run is less than ``CATCH_UP_SECONDS`` old and nobody posted it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from bot import render, retry
from bot.digest.content import build_content
from bot.digest.model import DigestContent, ItemKind
from bot.digest.schedule import DAILY, DigestSchedule, cron_trigger, previous_run
from bot.slack_io import SlackIO
from bot.store.channels import ChannelStore, ScheduledChannel
from bot.store.digests import DigestStore
from bot.store.ledger import LedgerStore
from bot.store.tables import DigestRun, DigestState, utcnow

log = logging.getLogger(__name__)

JOB_PREFIX = "digest:"
TICK_SECONDS = 30.0  # how soon a schedule change, a "now" request or a retry is acted on without a wake-up
CATCH_UP_SECONDS = 3600.0  # a run missed while no process was up is still posted this long after its time
LEASE_SECONDS = 120.0
MAX_ATTEMPTS = 6
INTERACTIVE_ITEMS = 12  # open items shown with buttons; the rest are listed as lines
MAX_REMEMBERED_ITEMS = 300  # item ids kept with a posted digest, to redraw it after a click


def request_now(
    *,
    channels: ChannelStore,
    digests: DigestStore,
    team_id: str,
    channel_id: str,
    user_id: str | None,
    request_id: str,
    user_tz: Callable[[], str | None],
    now: datetime,
) -> timedelta:
    """Ask for a digest of this channel right away; returns the period it covers (the schedule's, else a week)."""
    schedule = channels.config(team_id, channel_id).digest
    span = timedelta(days=1) if schedule and schedule.cadence == DAILY else timedelta(days=7)
    digests.request(
        team_id=team_id,
        channel_id=channel_id,
        run_key=f"now:{request_id}",
        period_start=now - span,
        period_end=now,
        tz=schedule.tz if schedule else user_tz(),  # ask Slack for the user's zone only when the channel has none
        always=True,  # someone asked: an empty period still gets an answer
        now=now,
        requested_by=user_id,
    )
    return span


class DigestWriter:
    """What a digest says and how it looks: builds the content from the records, and redraws posted digests."""

    def __init__(
        self, *, digests: DigestStore, ledger: LedgerStore, slack: SlackIO, clock: Callable[[], datetime] = utcnow
    ):
        self.digests = digests
        self.ledger = ledger
        self.slack = slack
        self.clock = clock

    def content(self, team_id: str, channel_id: str, start: datetime, end: datetime) -> DigestContent:
        """The digest of (``start``, ``end``] as the channel's records stand now, with links to each thread."""
        meetings, open_items, follow_ups = self._records(team_id, channel_id, start, end)
        needed = {m.conversation_id for m in meetings} | {i.conversation_id for i in (*open_items, *follow_ups)}
        if self._fetch_permalinks(team_id, sorted(needed)):  # read again, now with the links
            meetings, open_items, follow_ups = self._records(team_id, channel_id, start, end)
        content = build_content(
            channel_id=channel_id,
            period_start=start,
            period_end=end,
            meetings=meetings,
            open_items=open_items,
            follow_ups=follow_ups,
        )
        return dataclasses.replace(
            content,
            previous_digest_at=self.digests.previous_posted_end(team_id, channel_id, before=end),
            owner_names=self._names(channel_id, (*open_items, *follow_ups)),
        )

    def _names(self, channel_id: str, items) -> dict[str, str]:
        """Slack user id -> name, for the owners a digest names without pinging them (their Slack name)."""
        owners = {item.owner_user_id for item in items if item.owner_user_id}
        if not owners:
            return {}
        try:
            members = self.slack.channel_members(channel_id) or []
        except Exception:  # names are a nicety: without them an owner is named as the meeting named them
            log.warning("could not read the channel's members for the digest's names", exc_info=True)
            return {}
        return {m.id: m.names[0] for m in members if m.id in owners and m.names}

    def _records(self, team_id: str, channel_id: str, start: datetime, end: datetime):
        """The meetings since ``start``, and the channel's open action items and follow-ups at ``end``."""
        return (
            self.digests.meetings_since(team_id, channel_id, start),
            self.ledger.open_items(team_id, channel_id, now=end, kind=ItemKind.ACTION),
            self.ledger.open_items(team_id, channel_id, now=end, kind=ItemKind.FOLLOW_UP),
        )

    def _fetch_permalinks(self, team_id: str, conversation_ids: list[str]) -> bool:
        """Ask Slack once for each thread's permalink and keep it; True when any was added."""
        added = False
        for conversation_id, channel_id, thread_ts in self.digests.conversations_without_permalink(
            team_id, conversation_ids
        ):
            if link := self.slack.permalink(channel_id, thread_ts):
                self.digests.set_permalink(team_id, conversation_id, link)
                added = True
        return added

    # -- redrawing after a click ------------------------------------------------------------------------------

    def refresh(self, team_id: str, channel_id: str, ts: str) -> bool:
        """Redraw a posted digest in place with its items' current state; False if ``ts`` is not a digest."""
        run = self.digests.posted_at(team_id, channel_id, ts)
        if run is None:
            return False
        content = self.content(team_id, channel_id, run.period_start, run.period_end)
        shown = self.ledger.by_ids(team_id, json.loads(run.item_ids_json or "[]"))
        content = dataclasses.replace(content, open_items=tuple(shown))
        payload = render.render_digest(content, now=self.clock(), tz=run.tz, interactive_limit=INTERACTIVE_ITEMS)
        self.slack.update(channel_id, ts, payload)
        return True


class DigestRunner:
    """Keeps the cron jobs in line with the stored schedules and posts the runs they ask for."""

    def __init__(
        self,
        *,
        channels: ChannelStore,
        writer: DigestWriter,
        scheduler: BaseScheduler,
        owner: str,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.channels = channels
        self.writer = writer
        self.digests = writer.digests
        self.slack = writer.slack
        self.scheduler = scheduler
        self.owner = owner
        self.clock = clock
        self._registered: dict[str, DigestSchedule] = {}

    def start(self) -> None:
        """Register the cron jobs (the scheduler may already be running) and the keep-in-line interval job."""
        self.tick()
        self.scheduler.add_job(
            self.tick, "interval", seconds=TICK_SECONDS, id="digest-tick", max_instances=1, coalesce=True
        )

    def tick(self) -> None:
        """Re-derive the cron jobs from the settings and post whatever is due; failures wait for the next tick."""
        try:
            self.sync()
            self.post_due()
        except Exception:
            log.exception("digest tick failed; it will run again")

    # -- schedules --------------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Make the scheduler's digest jobs match the stored schedules, and catch up on runs missed while down."""
        wanted = {f"{JOB_PREFIX}{c.team_id}:{c.channel_id}": c for c in self.channels.digest_schedules()}
        for job_id in set(self._registered) - set(wanted):
            self._registered.pop(job_id)
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job_id)
        for job_id, channel in wanted.items():
            schedule = channel.schedule
            if self._registered.get(job_id) != schedule:
                self.scheduler.add_job(
                    self.fire,
                    trigger=cron_trigger(schedule),
                    args=(channel.team_id, channel.channel_id, schedule),
                    id=job_id,
                    replace_existing=True,
                    misfire_grace_time=int(CATCH_UP_SECONDS),
                    coalesce=True,
                )
                self._registered[job_id] = schedule
            self.catch_up(channel)

    def catch_up(self, channel: ScheduledChannel) -> None:
        """Ask for the latest scheduled run if it is recent and was never asked for (no process was up then).

        Only runs after the schedule was set count: choosing "daily 09:00" at 09:30 does not post at once.
        """
        now = self.clock()
        last = previous_run(channel.schedule, now)
        if last > channel.set_at and (now - last).total_seconds() <= CATCH_UP_SECONDS:
            self._request_scheduled(channel.team_id, channel.channel_id, channel.schedule, last)

    def fire(self, team_id: str, channel_id: str, schedule: DigestSchedule) -> None:
        """The cron job: ask for the run of the instant the schedule just reached, then post it."""
        run_at = previous_run(schedule, self.clock() + timedelta(seconds=1))
        self._request_scheduled(team_id, channel_id, schedule, run_at)
        self.post_due()

    def _request_scheduled(self, team_id: str, channel_id: str, schedule: DigestSchedule, run_at: datetime) -> None:
        self.digests.request(
            team_id=team_id,
            channel_id=channel_id,
            run_key=f"scheduled:{run_at.isoformat()}",
            period_start=previous_run(schedule, run_at),
            period_end=run_at,
            tz=schedule.tz,
            always=schedule.always,
            now=self.clock(),
        )

    # -- posting ----------------------------------------------------------------------------------------------

    def post_due(self) -> int:
        """Post every pending run this process can take the lease of; returns how many were handled."""
        handled = 0
        for run_id in self.digests.due_ids(self.clock()):
            run = self.digests.claim(run_id, self.owner, LEASE_SECONDS, self.clock())
            if run is not None:
                self._post(run)
                handled += 1
        return handled

    def _post(self, run: DigestRun) -> None:
        log_extra = {"team_id": run.team_id, "channel_id": run.channel_id, "digest_run": run.id}
        try:
            content = self.writer.content(run.team_id, run.channel_id, run.period_start, run.period_end)
            if content.is_empty and not run.always:
                self.digests.finish(run.id, self.owner, state=DigestState.SKIPPED)
                log.info("digest skipped: no meetings in the period", extra=log_extra)
                return
            payload = render.render_digest(content, now=run.period_end, tz=run.tz, interactive_limit=INTERACTIVE_ITEMS)
            ts = self.slack.post(run.channel_id, payload)
            self.digests.finish(
                run.id,
                self.owner,
                state=DigestState.POSTED,
                posted_ts=ts,
                item_ids=[item.id for item in content.open_items[:MAX_REMEMBERED_ITEMS]],
            )
            log.info("digest posted", extra=log_extra)
        except Exception as exc:
            if retry.is_retryable(exc) and run.attempts + 1 < MAX_ATTEMPTS:
                delay = retry.DIGEST_POST.delay(run.attempts + 1)
                log.warning("digest failed, retrying in %.0fs", delay, exc_info=True, extra=log_extra)
                self.digests.retry_later(
                    run.id, self.owner, at=self.clock() + timedelta(seconds=delay), attempts=run.attempts + 1
                )
            else:
                log.exception("digest failed for good", extra=log_extra)
                self.digests.finish(run.id, self.owner, state=DigestState.FAILED, error_text=type(exc).__name__)
