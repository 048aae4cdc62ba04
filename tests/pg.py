"""Fresh PostgreSQL databases for tests and benchmarks, on the server ``scripts/pg.sh`` starts.

Each caller gets its own database (dropped afterwards), so runs never see each other's jobs.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pg.sh"


def server_url() -> str | None:
    """The server's URL (starting it if needed); None when PostgreSQL is not installed here."""
    if url := os.environ.get("TEST_POSTGRES_URL"):
        return url
    try:
        done = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=120, check=True)
    except (subprocess.CalledProcessError, FileNotFoundError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server``; yields its URL and drops it afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    base, _, _ = server.rpartition("/")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
