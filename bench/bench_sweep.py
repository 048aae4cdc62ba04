"""The poll sweep's cost with 1,000 jobs in progress on one jobs process: CPU per minute and Symbl requests per minute.

The jobs process (``python -m bot jobs``, the real one) runs against the Symbl emulator, whose 1,000 jobs never
finish during the measurement. The job rows start as jobs that have been processing for a few minutes: their
per-job backoff has reached its cap (``MAX_POLL_INTERVAL``) and their next polls are spread over the coming
minute, which is the steady state the sweep lives in. The figure is the whole jobs process's CPU (sweeps, claims,
Symbl calls, lease renewals), read from /proc over one minute; the emulator runs in this process and is not counted.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from bench import Row
from bench.stack import database_url
from bot.pipeline import MAX_POLL_INTERVAL
from bot.store.db import Database
from bot.store.jobs import JobStore
from bot.store.schema import prepare
from bot.store.tables import Stage, utcnow
from tests.e2e.harness import PROJECT_ROOT, app_env
from tests.fakes.slack_api import FakeSlack
from tests.fakes.symbl_emulator import SymblEmulator

JOBS = 1000
WARM_UP_SECONDS = 15.0
WINDOW_SECONDS = 60.0
CPU_TARGET_SECONDS = 0.05 * WINDOW_SECONDS  # 5% of one core


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _emulator_jobs(symbl: SymblEmulator, count: int) -> list[tuple[str, str]]:
    """(conversation id, job id) of ``count`` URL jobs submitted to the emulator over HTTP."""
    token_request = urllib.request.Request(
        f"{symbl.url}/oauth2/token:generate",
        data=json.dumps({"type": "application", "appId": symbl.app_id, "appSecret": symbl.app_secret}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(token_request, timeout=10) as response:
        token = json.load(response)["accessToken"]
    created = []
    for n in range(count):
        request = urllib.request.Request(
            f"{symbl.url}/v1/process/audio/url",
            data=json.dumps({"url": f"https://media.example.com/sweep-{n}.mp3"}).encode(),
            headers={"Content-Type": "application/json", "x-api-key": token},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
        created.append((answer["conversationId"], answer["jobId"]))
    return created


def _seed(url: str, jobs: list[tuple[str, str]]) -> None:
    database = Database(url)
    prepare(database)
    store = JobStore(database)
    now = utcnow()
    rng = random.Random(7)  # noqa: S311 - spreads poll times, not security
    for conversation_id, job_id in jobs:
        new = store.create_job(
            idempotency_key=f"sweep:{job_id}",
            team_id="T1",
            channel_id="C111",
            origin="link",
            engine="symbl",
            url="https://media.example.com/sweep.mp3",
        )
        store.update(
            new,
            stage=Stage.PROCESSING,
            conversation_id=conversation_id,
            engine_job_id=job_id,
            status_ts="1.000001",
            thread_ts="1.000001",
            poll_interval=MAX_POLL_INTERVAL,
            next_run_at=now + timedelta(seconds=rng.uniform(0, MAX_POLL_INTERVAL)),
            deadline_at=now + timedelta(hours=4),
        )
    database.dispose()


def measure(kind: str) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="symbl-sweep-") as tmp, FakeSlack() as slack:
        symbl = SymblEmulator(auto_advance_seconds=None, concurrency_limit=JOBS * 2).start()
        try:
            with database_url(kind, Path(tmp)) as url:
                _seed(url, _emulator_jobs(symbl, JOBS))
                env = app_env(slack=slack, data_dir=Path(tmp), engine="symbl", symbl_url=symbl.url)
                env |= {"DATABASE_URL": url, "POLL_INTERVAL_SECONDS": "5"}
                log = (Path(tmp) / "jobs.log").open("wb")
                process = subprocess.Popen(
                    [sys.executable, "-m", "bot", "jobs"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log
                )
                try:
                    time.sleep(WARM_UP_SECONDS)
                    polls_before, cpu_before = len(symbl.requests_to("GET", "/v1/job/")), _cpu_seconds(process.pid)
                    time.sleep(WINDOW_SECONDS)
                    polls = len(symbl.requests_to("GET", "/v1/job/")) - polls_before
                    cpu = _cpu_seconds(process.pid) - cpu_before
                finally:
                    process.terminate()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(15)
                    log.close()
        finally:
            symbl.stop()
    label = f"poll sweep, {JOBS} jobs in progress, one jobs process, {kind}"
    target = f"< {CPU_TARGET_SECONDS:.1f} s (5% of a core)"
    return [
        Row(f"{label}: CPU per minute", target, f"{cpu:.2f} s", cpu < CPU_TARGET_SECONDS),
        Row(f"{label}: Symbl requests per minute", "report", f"{polls} (job status)", True),
    ]


def run() -> list[Row]:
    return [*measure("sqlite"), *measure("postgres")]
