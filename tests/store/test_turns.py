"""Whose recording goes next (bot/store/turns.py), on SQLite and PostgreSQL: a burst alone uses the engine's whole
capacity; when others wait, people take turns."""

from __future__ import annotations

import itertools
from datetime import timedelta

from bot.store.jobs import JobStore
from bot.store.tables import Stage, utcnow
from bot.store.turns import Limits, Turns

_keys = itertools.count()


def share(store: JobStore, user: str, channel: str = "C1", count: int = 1) -> list[str]:
    """``count`` recordings shared by ``user``, announced and waiting in the queue, oldest first."""
    ids = []
    for _ in range(count):
        n = next(_keys)
        job_id = store.create_job(
            idempotency_key=f"k{n}",
            team_id="T1",
            channel_id=channel,
            user_id=user,
            origin="file",
            engine="symbl",
            status_ts=f"{n}.0",
            created_at=utcnow() - timedelta(minutes=30) + timedelta(seconds=n),
        )
        ids.append(job_id)
    return ids


def admit_all_whose_turn_it_is(store: JobStore, turns: Turns, limits: Limits) -> list[str]:
    """Let every waiting recording whose turn it is leave the queue, looking at them oldest first."""
    started = []
    for job_id in sorted(turns.wake_waiting(), key=lambda i: store.get(i).created_at):
        if turns.turn(store.get(job_id), limits).go:
            store.update(job_id, stage=Stage.FETCHING)
            started.append(job_id)
    return started


def test_a_burst_with_nobody_else_waiting_uses_the_whole_capacity_not_the_persons_share(database):
    store, turns = JobStore(database), Turns(database)
    burst = share(store, "U1", count=20)
    started = admit_all_whose_turn_it_is(store, turns, Limits(capacity=8, per_user=3, per_channel=5))
    assert started == burst[:8]
    # Without a bound of ours (Symbl: its own concurrency limit answers), the whole burst starts at once
    assert len(admit_all_whose_turn_it_is(store, turns, Limits(capacity=None, per_user=3, per_channel=5))) == 12


def test_two_people_waiting_take_turns_whoever_shared_first(database):
    store, turns = JobStore(database), Turns(database)
    limits = Limits(capacity=1, per_user=3, per_channel=5)
    first = share(store, "U1", count=3)
    second = share(store, "U2", count=3)
    owner = {**dict.fromkeys(first, "U1"), **dict.fromkeys(second, "U2")}
    order = []
    for finished in range(6):
        started = admit_all_whose_turn_it_is(store, turns, limits)
        assert len(started) == 1, "one place, one recording"
        order.append(owner[started[0]])
        store.update(started[0], stage=Stage.DONE, finished_at=utcnow() + timedelta(seconds=finished))
    assert order == ["U1", "U2", "U1", "U2", "U1", "U2"]


def test_a_newcomer_gets_the_next_free_place_ahead_of_a_running_burst(database):
    store, turns = JobStore(database), Turns(database)
    limits = Limits(capacity=4, per_user=3, per_channel=10)
    burst = share(store, "U1", count=10)
    assert admit_all_whose_turn_it_is(store, turns, limits) == burst[:4]
    newcomer = share(store, "U2", channel="C2")
    assert admit_all_whose_turn_it_is(store, turns, limits) == []  # no free place yet
    store.update(burst[0], stage=Stage.DONE, finished_at=utcnow())
    assert admit_all_whose_turn_it_is(store, turns, limits) == newcomer


def test_a_person_at_their_share_waits_only_while_someone_else_is_waiting(database):
    store, turns = JobStore(database), Turns(database)
    limits = Limits(capacity=3, per_user=2, per_channel=5)
    share(store, "U1", count=2)
    assert len(admit_all_whose_turn_it_is(store, turns, limits)) == 2
    (third,) = share(store, "U1")
    (theirs,) = share(store, "U3", channel="C3")  # announced, not yet looked at: it waits too
    turn = turns.turn(store.get(third), limits)
    assert not turn.go and (turn.ahead, turn.whose) == (2, "of yours")
    assert turns.turn(store.get(theirs), limits).go
    store.update(theirs, stage=Stage.DONE, finished_at=utcnow())  # nobody else is waiting now
    assert turns.turn(store.get(third), limits).go


def test_when_everyone_waiting_is_past_their_share_the_free_places_still_go_round(database):
    store, turns = JobStore(database), Turns(database)
    limits = Limits(capacity=8, per_user=2, per_channel=10)
    first, second = share(store, "U1", count=5), share(store, "U2", count=5)
    owner = {**dict.fromkeys(first, "U1"), **dict.fromkeys(second, "U2")}
    started = admit_all_whose_turn_it_is(store, turns, limits)
    assert len(started) == 8, "no place stands empty while recordings wait"
    assert sorted(owner[i] for i in started) == ["U1"] * 4 + ["U2"] * 4
