"""Shared fixtures: every database-backed test runs twice, on a SQLite file and on a real PostgreSQL server.

Tests that start the app's processes (``tests/e2e``), need PostgreSQL or load the speech models (marked
``models``) are also marked ``slow``: ``make test-fast`` leaves them out, for a loop of well under a minute.
"""

from __future__ import annotations

import pytest

from bot.store.db import Database
from bot.store.schema import prepare
from tests.pg import fresh_database, server_url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(item, "callspec", None)
        on_postgres = params is not None and "postgres" in params.params.values()
        if "e2e" in item.path.parts or on_postgres or item.get_closest_marker("models"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def postgres_server():
    url = server_url()
    if url is None:
        pytest.fail("PostgreSQL could not be started by scripts/pg.sh (is the postgresql package installed?)")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
        prepare(db)
        yield db
        db.dispose()
        return
    with fresh_database(request.getfixturevalue("postgres_server")) as url:
        db = Database(url)
        prepare(db)
        yield db
        db.dispose()
