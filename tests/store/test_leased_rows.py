"""The rows background work goes through (``bot.store.lease.LeasedRows``, used by ``bot.background``), on SQLite
and PostgreSQL: which are due, one claimer at a time, given back for later with the attempts and the reason."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.store.consent import ConsentStore
from bot.store.erasure import WORKSPACE, ErasureStore
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
