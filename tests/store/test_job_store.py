"""The job store's promises, on SQLite and PostgreSQL: one job per key, one worker per job, teams apart."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.store.jobs import STATUS_LIST_LIMIT, JobStore, PendingLimitReached
from bot.store.tables import Stage, utcnow


def new_job(store: JobStore, key: str = "T1:C1:1.0:F1", team: str = "T1", **fields):
    defaults = {"team_id": team, "channel_id": "C1", "origin": "file", "engine": "symbl", "file_id": "F1"}
    job_id = store.create_job(idempotency_key=key, **{**defaults, **fields})
    return store.get(job_id) if job_id else None


def test_the_same_input_makes_one_job_even_when_racing(database):
    store = JobStore(database)
    with ThreadPoolExecutor(8) as pool:
        created = list(pool.map(lambda _: new_job(store), range(16)))
    assert sum(job is not None for job in created) == 1


def test_a_job_is_claimed_by_one_worker_at_a_time(database):
    store = JobStore(database)
    job = new_job(store)
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda i: store.claim(job.id, f"worker-{i}", 60), range(16)))
    assert sum(c is not None for c in claims) == 1
    owner = next(c for c in claims if c is not None).lease_owner
    store.release(job.id, owner, stage=Stage.FETCHING)
    assert store.claim(job.id, "worker-late", 60) is not None


def test_an_expired_lease_lets_another_worker_resume_the_job(database):
    store = JobStore(database)
    job = new_job(store)
    assert store.claim(job.id, "crashed-worker", 60) is not None
    assert store.claim(job.id, "other", 60) is None
    store.update(job.id, lease_until=utcnow() - timedelta(seconds=1))
    assert job.id in store.due_job_ids()
    assert store.claim(job.id, "survivor", 60).lease_owner == "survivor"


def test_due_jobs_skip_finished_leased_and_future_ones(database):
    store = JobStore(database)
    due = new_job(store, key="due")
    new_job(store, key="later", next_run_at=utcnow() + timedelta(minutes=5))
    new_job(store, key="finished", stage=Stage.DONE)
    leased = new_job(store, key="leased")
    store.claim(leased.id, "busy", 60)
    assert store.due_job_ids() == [due.id]


def test_conversations_are_visible_only_to_the_team_that_made_them(database):
    store = JobStore(database)
    store.record_conversation(
        team_id="T1", conversation_id="c-1", channel_id="C1", thread_ts="1.0", name="Sync", engine="symbl"
    )
    store.record_conversation(  # a second record (an append) keeps the original thread
        team_id="T1", conversation_id="c-1", channel_id="C9", thread_ts="9.0", name="Other", engine="symbl"
    )
    assert store.conversation("T1", "c-1").thread_ts == "1.0"
    assert store.conversation("T2", "c-1") is None
    assert store.conversation_in_thread("T1", "C1", "1.0").conversation_id == "c-1"
    assert store.conversation_in_thread("T2", "C1", "1.0") is None


def test_timestamps_come_back_timezone_aware(database):
    store = JobStore(database)
    job = new_job(store)
    assert store.get(job.id).created_at.tzinfo is not None


def test_pending_counts_are_per_person_and_per_team(database):
    store = JobStore(database)
    new_job(store, key="k1", user_id="U1", stage=Stage.PROCESSING)
    new_job(store, key="k2", user_id="U1", stage=Stage.FETCHING)
    new_job(store, key="k3", user_id="U2", stage=Stage.POSTING)
    new_job(store, key="k4", user_id="U1", stage=Stage.QUEUED)  # waiting: pending, not running
    new_job(store, key="k5", user_id="U1", stage=Stage.DONE)  # finished: neither
    new_job(store, key="k6", user_id="U1", stage=Stage.PROCESSING, channel_id="C2")
    new_job(store, key="k7", user_id="U1", stage=Stage.PROCESSING, team="T2")
    # U1 has 4 unfinished jobs in T1 (k1, k2, k4, k6) and 1 in T2 (k7): a limit of 5 lets one more in, per team.
    assert new_job(store, key="k8", user_id="U1", pending_limit=5) is not None
    with pytest.raises(PendingLimitReached):
        new_job(store, key="k9", user_id="U1", pending_limit=5)
    assert new_job(store, key="k8", user_id="U1", pending_limit=5) is None  # a redelivery is not a refusal
    assert new_job(store, key="k10", user_id="U1", team="T2", pending_limit=5) is not None
    with pytest.raises(PendingLimitReached):  # a link (other columns) in another channel counts the same
        new_job(store, key="k11", user_id="U1", channel_id="C2", pending_limit=5, url="https://x/a.mp3")


def test_the_status_list_is_the_newest_unfinished_jobs_of_the_channel_with_their_total(database):
    store = JobStore(database)
    t0 = utcnow()
    for i in range(STATUS_LIST_LIMIT + 5):
        job = new_job(store, key=f"k{i}", file_id=f"F{i}", name=f"call {i}")
        store.update(job.id, created_at=t0 + timedelta(seconds=i))
    store.update(new_job(store, key="done", name="finished").id, stage=Stage.DONE)
    new_job(store, key="elsewhere", channel_id="C2", name="other channel")
    rows, total = store.active_in_channel("T1", "C1")
    assert total == STATUS_LIST_LIMIT + 5
    assert [r.name for r in rows] == [f"call {i}" for i in reversed(range(5, STATUS_LIST_LIMIT + 5))]
    assert store.active_in_channel("T1", "C3") == ([], 0)
