"""Two API servers on one PostgreSQL database, one killed with SIGKILL mid-job: the survivor finishes everything.

Recordings are submitted by URL, so whichever server runs a job downloads it itself. The servers' leases last 10 s
here (API_LEASE_SECONDS), so the dead server's job is taken over quickly. Every conversation ends with one copy of
its transcript (a job run twice would append it twice), and the survivor serves all results, with tokens the dead
server issued (they are signed with a key both servers derive from the same clients).
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.api.clips import write_wav
from tests.api.server_process import api_server, file_server
from tests.pg import fresh_database

pytestmark = pytest.mark.models


def _token(url: str) -> str:
    body = {"type": "application", "appId": "sdk-client", "appSecret": "sdk-secret"}
    return requests.post(f"{url}/oauth2/token:generate", json=body, timeout=10).json()["accessToken"]


def test_the_survivor_finishes_a_killed_servers_jobs_exactly_once(tmp_path: Path, postgres_server: str) -> None:
    media = tmp_path / "media"
    media.mkdir()
    write_wav(media / "clip.wav", 11.0, 11.0)
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()
    with fresh_database(postgres_server) as database_url, file_server(media) as media_url:
        shared = {"DATABASE_URL": database_url, "API_LEASE_SECONDS": "10"}
        with api_server(first_dir, **shared) as doomed:
            token = _token(doomed.url)
            headers = {"Authorization": f"Bearer {token}"}
            submitted = [
                requests.post(
                    f"{doomed.url}/v1/process/audio/url",
                    json={"url": f"{media_url}/clip.wav", "name": f"Meeting {n}"},
                    headers=headers,
                    timeout=30,
                ).json()
                for n in range(3)
            ]

            def statuses(url: str) -> list[str]:
                return [
                    requests.get(f"{url}/v1/job/{s['jobId']}", headers=headers, timeout=10).json()["status"]
                    for s in submitted
                ]

            deadline = time.monotonic() + 120
            while "in_progress" not in statuses(doomed.url):  # the only server yet: the job is the doomed one's
                assert time.monotonic() < deadline, "no job started"
                time.sleep(0.2)
            with api_server(second_dir, **shared) as survivor:
                doomed.kill()
                deadline = time.monotonic() + 300
                while statuses(survivor.url) != ["completed"] * 3:
                    assert time.monotonic() < deadline, statuses(survivor.url)
                    time.sleep(0.5)
                for submission in submitted:
                    cid = submission["conversationId"]
                    messages = requests.get(
                        f"{survivor.url}/v1/conversations/{cid}/messages", headers=headers, timeout=10
                    ).json()["messages"]
                    text = " ".join(m["text"] for m in messages).lower()
                    assert text.count("report by friday") == 1, text  # one transcript, never two
                    assert "deadline" in text

        with psycopg.connect(database_url) as db:
            attempts = sorted(row[0] for row in db.execute("SELECT attempts FROM local_jobs"))
        assert attempts[-1] == 2  # the killed server's job was run again by the survivor, and only that one
        assert attempts[:-1] == [1, 1]
