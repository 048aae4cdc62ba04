"""Scheduled digests against a real database and the fake Slack over HTTP, with fixed, time-zone-aware clocks.

Two runners on one database stand for two app processes (each has its own connection pool, as a process would);
``tests/e2e`` shows the same with real processes.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from bot.codec import insights_to_dict
from bot.digest.model import ItemKind
from bot.digest.runner import DigestRunner, DigestWriter
from bot.digest.schedule import DigestSchedule, next_run
from bot.models import ActionItem, Conversation, Insights, Message, Person
from bot.slack_io import SlackIO, make_web_client
from bot.store.channels import ChannelStore
from bot.store.db import Database
from bot.store.digests import DigestStore
from bot.store.jobs import JobStore
from bot.store.ledger import LedgerStore, NewItem
from bot.store.schema import prepare
from bot.store.tables import ChannelSettings, DigestRun, DigestState, LedgerItem, Stage
from tests.fakes.slack_api import FakeSlack

CHANNEL = "C111"
DAILY_9 = DigestSchedule("daily", 9, 0, None, "Europe/Paris")
DAY1_RUN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Paris (UTC+1)


class Clock:
    """A settable clock shared by the runners of one test."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        fake.add_channel(CHANNEL, members=("U111",))
        yield fake


def make_runner(database: Database, slack: FakeSlack, clock: Clock, owner: str) -> DigestRunner:
    digests, ledger = DigestStore(database), LedgerStore(database)
    io = SlackIO(make_web_client(slack.bot_token, slack.api_url))
    writer = DigestWriter(digests=digests, ledger=ledger, slack=io, clock=clock)
    scheduler = BackgroundScheduler(timezone="UTC")
    return DigestRunner(channels=ChannelStore(database), writer=writer, scheduler=scheduler, owner=owner, clock=clock)


def second_process(database: Database) -> Database:
    """The same database through its own engine and pool, as another app process would reach it."""
    other = Database(database.url)
    prepare(other)
    return other


def add_meeting(database: Database, slack: FakeSlack, name: str, finished: datetime, item: str) -> None:
    """A processed meeting in the channel: its thread, its done job with insights, its ledger rows."""
    conversation_id = uuid.uuid4().hex[:16]
    thread = slack.post_user_message(CHANNEL, text=f"recording {name}")["ts"]
    insights = Insights(
        conversation=Conversation(id=conversation_id, name=name),
        messages=(Message(id="m1", text=item, offset_seconds=0.0, duration_seconds=600.0),),
        action_items=(ActionItem(id="a1", text=item, assignee=Person(name="Bob"), definitive=True),),
    )
    jobs = JobStore(database)
    jobs.record_conversation(
        team_id="T1", conversation_id=conversation_id, channel_id=CHANNEL, thread_ts=thread, name=name, engine="local"
    )
    job_id = jobs.create_job(
        idempotency_key=f"T1:{CHANNEL}:{conversation_id}",
        team_id="T1",
        channel_id=CHANNEL,
        origin="file",
        engine="local",
        conversation_id=conversation_id,
    )
    jobs.update(job_id, stage=Stage.DONE, finished_at=finished, insights_json=json.dumps(insights_to_dict(insights)))
    LedgerStore(database).sync_conversation(
        team_id="T1",
        channel_id=CHANNEL,
        conversation_id=conversation_id,
        items=[NewItem(kind=ItemKind.ACTION, item=insights.action_items[0])],
    )


def set_before(database: Database, when: datetime) -> None:
    """Date the channel's settings back, as if the schedule had been chosen at ``when``."""
    with database.session() as s:
        s.execute(sa.update(ChannelSettings).values(updated_at=when))


def posted_digests(slack: FakeSlack) -> list:
    return [m for m in slack.messages.get(CHANNEL, []) if m.user != "U111"]


def test_a_scheduled_period_is_posted_once_however_often_and_wherever_it_fires(database, slack):
    ChannelStore(database).set_digest("T1", CHANNEL, DAILY_9)
    add_meeting(database, slack, "Weekly sync", DAY1_RUN - timedelta(hours=3), "Send the budget")
    clock = Clock(DAY1_RUN + timedelta(seconds=2))
    here, there = make_runner(database, slack, clock, "p1"), make_runner(second_process(database), slack, clock, "p2")

    threads = [threading.Thread(target=r.fire, args=("T1", CHANNEL, DAILY_9)) for r in (here, there) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    here.fire("T1", CHANNEL, DAILY_9)  # a late, duplicate fire of the same schedule

    assert len(posted_digests(slack)) == 1
    digest = posted_digests(slack)[0]
    assert "Weekly sync" in json.dumps(digest.blocks) and "Send the budget" in json.dumps(digest.blocks)
    (run,) = DigestStore(database).posted_in("T1", CHANNEL)
    assert run.period_end == DAY1_RUN and run.period_start == DAY1_RUN - timedelta(days=1)
    assert run.posted_ts == digest.ts


def test_a_restart_between_two_runs_posts_the_next_period_once_and_never_the_last_again(database, slack):
    ChannelStore(database).set_digest("T1", CHANNEL, DAILY_9)
    # The schedule was set the day before, so its runs are real ones, not a change of mind.
    set_before(database, DAY1_RUN - timedelta(days=1))
    add_meeting(database, slack, "Monday sync", DAY1_RUN - timedelta(hours=2), "Send the budget")
    clock = Clock(DAY1_RUN + timedelta(seconds=1))
    before = make_runner(database, slack, clock, "before-restart")
    before.fire("T1", CHANNEL, DAILY_9)
    assert len(posted_digests(slack)) == 1

    clock.now = DAY1_RUN + timedelta(hours=6)  # the app restarts in the afternoon
    after = make_runner(second_process(database), slack, clock, "after-restart")
    after.tick()  # start-up: the cron jobs are derived again from the settings
    assert len(posted_digests(slack)) == 1

    add_meeting(database, slack, "Tuesday sync", DAY1_RUN + timedelta(hours=20), "Book the venue")
    day2_run = next_run(DAILY_9, clock.now)
    assert day2_run == DAY1_RUN + timedelta(days=1)
    clock.now = day2_run + timedelta(seconds=1)
    after.fire("T1", CHANNEL, DAILY_9)
    after.tick()
    digests = posted_digests(slack)
    assert len(digests) == 2
    first, second = DigestStore(database).posted_in("T1", CHANNEL)
    assert second.period_start == first.period_end  # periods follow each other, nothing counted twice
    meetings = [m.name for m in after.writer.content("T1", CHANNEL, second.period_start, second.period_end).meetings]
    assert meetings == ["Tuesday sync"]
    assert "Meetings (1)" in json.dumps(digests[1].blocks)
    assert "Send the budget" in json.dumps(digests[1].blocks)  # Monday's item is still open, so still listed


def test_a_run_missed_while_no_process_was_up_is_posted_on_start_once(database, slack):
    channels = ChannelStore(database)
    channels.set_digest("T1", CHANNEL, DAILY_9)
    set_before(database, DAY1_RUN - timedelta(days=1))
    add_meeting(database, slack, "Planning", DAY1_RUN - timedelta(hours=2), "Send the budget")
    clock = Clock(DAY1_RUN + timedelta(minutes=20))  # every process was down at 09:00
    make_runner(database, slack, clock, "first").tick()
    make_runner(second_process(database), slack, clock, "second").tick()
    assert len(posted_digests(slack)) == 1


def test_choosing_a_time_already_past_today_does_not_post_at_once(database, slack):
    clock = Clock(DAY1_RUN + timedelta(minutes=30))
    ChannelStore(database).set_digest("T1", CHANNEL, DAILY_9)
    set_before(database, clock.now)  # chosen at 09:30, for 09:00
    add_meeting(database, slack, "Planning", DAY1_RUN - timedelta(hours=2), "Send the budget")
    make_runner(database, slack, clock, "p1").tick()
    assert posted_digests(slack) == []


def test_a_quiet_period_posts_nothing_unless_the_channel_asked_for_always(database, slack):
    channels = ChannelStore(database)
    add_meeting(database, slack, "Old meeting", DAY1_RUN - timedelta(days=3), "Send the budget")
    clock = Clock(DAY1_RUN + timedelta(seconds=1))
    channels.set_digest("T1", CHANNEL, DAILY_9)
    make_runner(database, slack, clock, "p1").fire("T1", CHANNEL, DAILY_9)
    assert posted_digests(slack) == []
    assert DigestStore(database).posted_in("T1", CHANNEL) == []

    always = DigestSchedule("daily", 9, 0, None, "Europe/Paris", always=True)
    channels.set_digest("T1", CHANNEL, always)
    clock.now = DAY1_RUN + timedelta(days=1, seconds=1)
    make_runner(database, slack, clock, "p1").fire("T1", CHANNEL, always)
    (digest,) = posted_digests(slack)
    assert "Send the budget" in json.dumps(digest.blocks)  # still-open items are worth a reminder


def test_a_failed_post_is_retried_later_and_posted_once(database, slack):
    ChannelStore(database).set_digest("T1", CHANNEL, DAILY_9)
    add_meeting(database, slack, "Planning", DAY1_RUN - timedelta(hours=2), "Send the budget")
    slack.fail("chat.postMessage", error="internal_error")
    clock = Clock(DAY1_RUN + timedelta(seconds=1))
    runner = make_runner(database, slack, clock, "p1")
    runner.fire("T1", CHANNEL, DAILY_9)
    assert posted_digests(slack) == []
    assert DigestStore(database).due_ids(clock.now) == []  # it waits before trying again
    (run_id,) = DigestStore(database).due_ids(clock.now + timedelta(hours=1))
    clock.now += timedelta(hours=1)
    runner.post_due()
    runner.post_due()
    assert len(posted_digests(slack)) == 1
    assert DigestStore(database).posted_in("T1", CHANNEL)[0].id == run_id


def test_the_scheduler_holds_one_cron_job_per_scheduled_channel_following_the_settings(database, slack):
    channels = ChannelStore(database)
    clock = Clock(DAY1_RUN - timedelta(hours=2))
    runner = make_runner(database, slack, clock, "p1")
    runner.scheduler.start(paused=True)
    try:
        channels.set_digest("T1", CHANNEL, DAILY_9)
        runner.sync()
        (job,) = [j for j in runner.scheduler.get_jobs() if j.id.startswith("digest:")]
        assert job.trigger.get_next_fire_time(None, clock.now) == DAY1_RUN
        weekly = DigestSchedule("weekly", 17, 30, 4, "America/New_York")
        channels.set_digest("T1", CHANNEL, weekly)
        runner.sync()
        (job,) = [j for j in runner.scheduler.get_jobs() if j.id.startswith("digest:")]
        assert job.trigger.get_next_fire_time(None, clock.now) == next_run(weekly, clock.now)
        channels.set_digest("T1", CHANNEL, None)
        runner.sync()
        assert not [j for j in runner.scheduler.get_jobs() if j.id.startswith("digest:")]
    finally:
        runner.scheduler.shutdown(wait=False)


def test_states_are_recorded(database, slack):
    ChannelStore(database).set_digest("T1", CHANNEL, DAILY_9)
    clock = Clock(DAY1_RUN + timedelta(seconds=1))
    make_runner(database, slack, clock, "p1").fire("T1", CHANNEL, DAILY_9)
    with database.session(writes=False) as s:
        states = list(s.scalars(sa.select(DigestRun.state)))
    assert states == [DigestState.SKIPPED]


def test_an_owner_is_pinged_only_by_the_digest_after_which_their_item_became_due(database, slack):
    slack.add_user("U0BOB", name="bob", real_name="Bob Stone")
    slack.add_channel(CHANNEL, members=("U111", "U0BOB"))
    always = DigestSchedule("daily", 9, 0, None, "Europe/Paris", always=True)  # posted even on quiet days
    ChannelStore(database).set_digest("T1", CHANNEL, always)
    set_before(database, DAY1_RUN - timedelta(days=1))
    add_meeting(database, slack, "Planning", DAY1_RUN - timedelta(hours=2), "Send the budget")
    with database.session() as s:  # Bob has it, due on day 2 (Paris)
        s.execute(sa.update(LedgerItem).values(owner_user_id="U0BOB", due_at=DAY1_RUN + timedelta(days=1, hours=8)))
    clock = Clock(DAY1_RUN + timedelta(seconds=1))
    runner = make_runner(database, slack, clock, "p1")
    runner.fire("T1", CHANNEL, always)
    clock.now = DAY1_RUN + timedelta(days=1, seconds=1)
    runner.fire("T1", CHANNEL, always)
    clock.now = DAY1_RUN + timedelta(days=2, seconds=1)
    runner.fire("T1", CHANNEL, always)

    day1, day2, day3 = (json.dumps(d.blocks) for d in posted_digests(slack))
    assert "<@U0BOB>" not in day1 and "*Bob Stone*" in day1  # due tomorrow: named, not pinged
    assert "<@U0BOB>" in day2 and "Bob Stone" not in day2  # due today: pinged
    assert "<@U0BOB>" in day3  # overdue since the last digest: pinged once more
    clock.now = DAY1_RUN + timedelta(days=3, seconds=1)
    runner.fire("T1", CHANNEL, always)
    assert "*Bob Stone*" in json.dumps(posted_digests(slack)[-1].blocks)  # still overdue, nothing new: named
