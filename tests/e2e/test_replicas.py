"""Several app processes on one PostgreSQL database: what one process would do once still happens once.

Each replica is a real ``python -m bot serve`` (its web workers and its own jobs process); they share the
database, the fake Slack and the Symbl emulator, as replicas behind a load balancer would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.digest.schedule import DigestSchedule, previous_run
from bot.store.db import Database
from bot.store.schema import prepare
from bot.store.tables import ChannelSettings, utcnow
from tests.e2e.conftest import wait_quiescent, wait_until
from tests.e2e.harness import CHANNEL, TEAM_ID, AppProcess, app_env
from tests.fakes.slack_api import FakeSlack
from tests.fakes.symbl_emulator import SymblEmulator
from tests.pg import fresh_database


@pytest.fixture
def replicas(tmp_path, postgres_server):
    """Start ``count`` app processes on one fresh PostgreSQL database; ``prepare`` runs before they start."""
    started: list[AppProcess] = []
    slack = FakeSlack().start()
    symbl = SymblEmulator(auto_advance_seconds=0.1, concurrency_limit=50).start()
    with fresh_database(postgres_server) as url:

        def start(count: int, before_start=None, **extra_env: str) -> list[AppProcess]:
            database = Database(url)
            prepare(database)
            if before_start:
                before_start(database)
            database.dispose()
            for index in range(count):
                data_dir = tmp_path / f"replica{index}"
                data_dir.mkdir()
                env = app_env(
                    slack=slack, data_dir=data_dir, engine="symbl", symbl_url=symbl.url, DATABASE_URL=url, **extra_env
                )
                started.append(AppProcess(env=env, log_path=data_dir / "app.log"))
            for app in started:
                app.start()
            return started

        try:
            yield slack, symbl, start
        finally:
            for app in started:
                app.stop()
    symbl.stop()
    slack.stop()


def test_a_digest_due_while_no_process_was_up_is_posted_once_by_two_replicas(replicas):
    slack, _, start = replicas
    now = utcnow()
    due = (now - timedelta(minutes=5)).replace(second=0, microsecond=0)
    schedule = DigestSchedule("daily", due.hour, due.minute, None, "UTC", always=True)
    assert previous_run(schedule, now) == due

    def schedule_it(database: Database) -> None:
        with database.session() as s:
            s.add(
                ChannelSettings(
                    team_id=TEAM_ID,
                    channel_id=CHANNEL,
                    auto_process=True,
                    digest_cadence="daily",
                    digest_hour=due.hour,
                    digest_minute=due.minute,
                    digest_tz="UTC",
                    digest_always=True,
                    updated_at=now - timedelta(days=1),
                )
            )

    apps = start(2, before_start=schedule_it)
    posted = wait_until(
        lambda: [c for c in slack.calls_to("chat.postMessage") if c.ok and "digest" in str(c.args).lower()],
        30,
        "a digest",
    )
    wait_quiescent(slack, apps[0].env["DATABASE_URL"])  # both jobs processes caught up at start
    digests = [c for c in slack.calls_to("chat.postMessage") if c.ok and "digest" in str(c.args).lower()]
    assert len(digests) == len(posted) == 1


def test_a_shared_recording_delivered_to_two_replicas_makes_one_job_and_one_result(replicas):
    slack, _, start = replicas
    first, second = start(2)
    file = slack.add_file(name="standup.mp4", mimetype="video/mp4", content=b"\0" * 4096)
    event = slack.post_user_message(CHANNEL, files=[file])
    # Slack retries a delivery it thinks failed; behind a load balancer the retry reaches the other replica.
    assert first.event(event, event_id="Ev0REPLICA1")[0] == 200
    assert second.event(event, event_id="Ev0REPLICA1")[0] == 200
    assert second.event(event, event_id="Ev0REPLICA2")[0] == 200  # and file_shared-like duplicates
    wait_until(lambda: [u for u in slack.uploads if u.thread_ts == event["ts"]], 30, "the transcript")
    wait_quiescent(slack, first.env["DATABASE_URL"])
    replies = [m for m in slack.thread(CHANNEL, event["ts"]) if m.user != "U111" and not m.files]
    assert len(replies) == 2  # the status message, pointing to the notes, and the notes
    assert len([m for m in replies if "Marco" in str(m.blocks)]) == 1
    assert len([u for u in slack.uploads if u.thread_ts == event["ts"]]) == 1
    database = Database(first.env["DATABASE_URL"])
    with database.session(writes=False) as s:
        assert s.scalar(sa.text("SELECT count(*) FROM jobs")) == 1
    database.dispose()


def test_three_replicas_poll_each_job_one_at_a_time_and_finish_a_dead_replicas_jobs(replicas):
    slack, symbl, start = replicas
    symbl.auto_advance_seconds = None  # jobs stay in progress until the test completes them
    symbl.set_latency(0.5, r"^/v1/job/")  # a slow status answer: two pollers of one job would overlap
    apps = start(3, MAX_RUNNING_PER_CHANNEL="10")
    shares = []
    for index in range(6):
        file = slack.add_file(name=f"meeting-{index}.mp4", mimetype="video/mp4", content=b"\0" * 4096)
        event = slack.post_user_message(CHANNEL, user=f"U0PERSON{index}", files=[file])
        assert apps[index % 3].event(event)[0] == 200  # the load balancer spreads the deliveries
        shares.append(event["ts"])
    wait_until(lambda: len(symbl.jobs) == 6, 30, "six Symbl jobs")

    def polls_per_job() -> dict[str, int]:
        counts: dict[str, int] = {}
        for request in symbl.requests_to("GET", "/v1/job/"):
            job_id = request.path.rsplit("/", 1)[-1]
            counts[job_id] = counts.get(job_id, 0) + 1
        return counts

    # Enough polls of every job, by three replicas at once, for two overlapping ones to show
    wait_until(lambda: len(polls_per_job()) == 6 and min(polls_per_job().values()) >= 3, 30, "three polls of each job")

    apps[0].kill()  # a replica dies holding leases; the other two must take its jobs over
    polls: dict[str, list[float]] = {}
    for request in symbl.requests_to("GET", "/v1/job/"):
        polls.setdefault(request.path.rsplit("/", 1)[-1], []).append(request.received_at)
    assert len(polls) == 6
    for job_id, times in polls.items():
        gaps = [b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
        assert all(gap >= 0.45 for gap in gaps), f"job {job_id} was polled by two replicas at once: {gaps}"

    for job_id in list(symbl.jobs):
        symbl.complete(job_id)

    def finished():
        return all(
            [u for u in slack.uploads if u.thread_ts == ts]
            and any("Marco" in str(m.blocks) for m in slack.thread(CHANNEL, ts) if m.user != f"U0PERSON{i}")
            for i, ts in enumerate(shares)
        )

    wait_until(finished, 60, "every meeting's notes, the dead replica's included")
    wait_quiescent(slack, apps[1].env["DATABASE_URL"])
    for index, ts in enumerate(shares):
        replies = [m for m in slack.thread(CHANNEL, ts) if m.user != f"U0PERSON{index}" and not m.files]
        notes = [m for m in replies if "Marco" in str(m.blocks)]
        assert len(notes) == 1, f"meeting {index}: {len(notes)} notes messages"
        assert len(replies) == 2, f"meeting {index}: {len(replies)} messages besides the share (status, notes)"
        assert len([u for u in slack.uploads if u.thread_ts == ts]) == 1, f"meeting {index}: transcripts"
