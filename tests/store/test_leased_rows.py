"""The rows background work goes through (``bot.store.lease.LeasedRows``, used by ``bot.background``), on SQLite
and PostgreSQL: which are due, one claimer at a time, given back for later with the attempts and the reason; two
runners on one database act on each row once, and a row whose holder died is resumed once its lease runs out."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from bot.background import BackgroundRunner, Work
from bot.retry import BACKGROUND_STEP
from bot.store.consent import ConsentStore
from bot.store.erasure import USERS, WORKSPACE, ErasureStore
from bot.store.tables import ConsentNote, ErasureRequest, utcnow


def test_due_rows_are_claimed_by_one_claimer_and_a_done_row_is_neither_due_nor_claimable(database):
    store = ConsentStore(database)
    assert store.ask("T1", "C1", "auto_on") and store.ask("T1", "C2", "auto_on")
    assert sorted(store.rows.due()) == [("T1", "C1"), ("T1", "C2")]

    assert store.rows.claim(("T1", "C1"), "first", 60) is not None
    assert store.rows.claim(("T1", "C1"), "second", 60) is None  # one claimer (racing ones: test_lease.py)
    assert store.rows.due() == [("T1", "C2")]  # a held row is not due

    note = store.rows.claim(("T1", "C2"), "me", 60)
    assert note is not None and note.lease_owner == "me"
    store.posted(note, "111.222")  # done: released with its ts in the same write
    assert store.rows.due() == []
    with database.statement(writes=True) as conn:  # even with its lease run out and due by time
        conn.execute(sa.update(ConsentNote).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert store.rows.claim(("T1", "C2"), "other", 60) is None
    assert store.rows.claim(("T1", "C1"), "other", 60) is not None  # the first claimer's lease ran out


def test_retry_later_gives_the_row_back_for_later_with_attempts_and_reason_for_its_holder_only(database):
    store = ErasureStore(database)
    assert store.request("T1", "Ev1", WORKSPACE)
    request = store.rows.claim(("T1", "Ev1"), "holder", 60)
    assert request is not None

    stale = store.rows.claim(("T1", "Ev1"), "holder", 60)  # held already: even its holder cannot claim it twice
    assert stale is None
    other = ErasureRequest(team_id="T1", event_id="Ev1", lease_owner="someone-else")
    store.rows.retry_later(other, attempts=7, delay=0, reason="x")  # not the holder: changes nothing
    assert store.rows.due() == []

    store.rows.retry_later(request, attempts=1, delay=3600, reason="EngineError" * 100)
    with database.session(writes=False) as s:
        row = s.get(ErasureRequest, ("T1", "Ev1"))
    assert (row.lease_owner, row.lease_until, row.attempts) == (None, None, 1)
    assert row.error_text == ("EngineError" * 100)[:500]
    assert row.next_attempt_at > utcnow() + timedelta(seconds=3500)
    assert store.rows.due() == []  # not before its next attempt
    assert store.rows.due(now=utcnow() + timedelta(seconds=3700)) == [("T1", "Ev1")]


class Erasing(Work):
    """Real erasure rows acted on by a stand-in (an erasure of nobody's data: it only marks the request done)."""

    name, every, lease_seconds, backoff = "erasing", 1.0, 60.0, BACKGROUND_STEP

    def __init__(self, store: ErasureStore, acted: list[str]):
        self.store, self.rows, self.acted = store, store.rows, acted

    def act(self, request: ErasureRequest) -> None:
        self.acted.append(request.event_id)
        self.store.erase_users(request)


def test_two_runners_on_one_database_act_on_each_row_once_and_a_dead_holders_row_is_resumed(database):
    store = ErasureStore(database)
    events = [f"Ev{i}" for i in range(12)]
    for event_id in events:
        assert store.request("T1", event_id, USERS, [])
    dead = store.rows.claim(("T1", "Ev0"), "killed-process", 60)  # claimed, then the process was SIGKILLed
    assert dead is not None

    acted: list[str] = []
    runners = [BackgroundRunner(Erasing(ErasureStore(database), acted)) for _ in range(2)]
    passes = [threading.Thread(target=runner.run_due) for runner in runners for _ in range(3)]
    for t in passes:
        t.start()
    for t in passes:
        t.join()
    while runners[0].run_due():  # a pass takes at most ten due rows: the racing ones may have left some
        pass
    assert sorted(acted) == sorted(events[1:])  # each once; the dead holder's row waits for its lease

    with database.statement(writes=True) as conn:  # its lease runs out
        conn.execute(sa.update(ErasureRequest).where(ErasureRequest.event_id == "Ev0").values(lease_until=utcnow()))
    assert runners[1].run_due() == 1
    assert sorted(acted) == sorted(events)
    assert runners[0].run_due() == 0  # all done: nothing is due again
