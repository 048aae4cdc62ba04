"""The one lease (jobs, digest runs and the offline engine's queue use it), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.store.db import UTCDateTime
from bot.store.lease import Lease
from bot.store.tables import utcnow

_metadata = sa.MetaData()
_rows = sa.Table(
    "lease_test_rows",
    _metadata,
    sa.Column("id", sa.String(8), primary_key=True),
    sa.Column("note", sa.String(16)),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("attempts", sa.Integer, default=0),
    sa.Column("next_attempt_at", UTCDateTime),
)
LEASE = Lease(_rows)
ROW = _rows.c.id == "r1"


@pytest.fixture
def db(database):
    _metadata.create_all(database.engine)
    with database.session() as s:
        s.execute(sa.insert(_rows).values(id="r1"))
    yield database
    _metadata.drop_all(database.engine)


def holder(db) -> tuple[str | None, str | None]:
    with db.statement() as conn:
        row = conn.execute(sa.select(_rows.c.lease_owner, _rows.c.note).where(ROW)).one()
    return row.lease_owner, row.note


def test_a_held_row_cannot_be_claimed_until_its_lease_runs_out(db):
    assert LEASE.claim_row(db, ROW, owner="first", seconds=60)
    assert not LEASE.claim_row(db, ROW, owner="second", seconds=60)
    with db.statement(writes=True) as conn:  # the holder died an hour ago and never renewed
        conn.execute(sa.update(_rows).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert LEASE.claim_row(db, ROW, owner="second", seconds=60)
    assert holder(db) == ("second", None)


def test_only_the_holder_renews_and_a_renewed_lease_keeps_others_out(db):
    assert LEASE.claim_row(db, ROW, owner="holder", seconds=0.5)
    assert LEASE.renew_rows(db, ROW, owner="someone-else", seconds=3600) == 0
    assert LEASE.renew_rows(db, ROW, owner="holder", seconds=3600) == 1
    threading.Event().wait(0.6)  # past the first expiry: only the renewal still holds the row
    assert not LEASE.claim_row(db, ROW, owner="someone-else", seconds=60)


def test_release_frees_the_row_and_saves_the_holders_changes_only(db):
    assert LEASE.claim_row(db, ROW, owner="holder", seconds=60)
    assert not LEASE.release_row(db, ROW, owner="someone-else", note="theirs")
    assert holder(db) == ("holder", None)
    assert LEASE.release_row(db, ROW, owner="holder", note="done")
    assert holder(db) == (None, "done")
    assert LEASE.claim_row(db, ROW, owner="next", seconds=60)


def test_of_many_racing_claimers_exactly_one_wins(db):
    start, wins = threading.Barrier(12), []

    def claim(name: str) -> None:
        start.wait()
        if LEASE.claim_row(db, ROW, owner=name, seconds=60):
            wins.append(name)

    threads = [threading.Thread(target=claim, args=(f"worker-{i}",)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert holder(db)[0] == wins[0]


def test_retry_later_frees_the_row_and_says_when_to_try_again_for_the_holder_only(db):
    assert LEASE.claim_row(db, ROW, owner="holder", seconds=60)
    with db.session() as s:
        assert s.execute(LEASE.retry_later(ROW, owner="someone-else", attempts=9, delay=5)).rowcount == 0
        assert s.execute(LEASE.retry_later(ROW, owner="holder", attempts=1, delay=30, note="failed")).rowcount == 1
    with db.statement() as conn:
        row = conn.execute(sa.select(_rows).where(ROW)).one()
    assert (row.lease_owner, row.attempts, row.note) == (None, 1, "failed")
    assert timedelta(seconds=25) < row.next_attempt_at - utcnow() <= timedelta(seconds=30)
