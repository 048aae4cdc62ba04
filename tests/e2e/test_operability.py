"""End-to-end: what an operator sees of a running app — /metrics after a recording went through, and /readyz.

The app runs as web server workers plus a jobs process, so these checks also prove that samples observed in
the jobs process (job latency, Symbl calls, the result's chat.update) reach a scrape answered by a web worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.stack import web_pids
from tests.e2e.conftest import wait_until
from tests.e2e.harness import SIGNING_SECRET, jobs_process_pid
from tests.e2e.test_slack_flows import share_file, wait_for_results

SPOKEN = ("updated budget to finance", "premium analytics tier", "onboarding screens")


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def samples(text: str) -> dict[str, float]:
    """Every sample line of a Prometheus text page: ``name{labels}`` -> value."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            found[key] = float(value)
    return found


def count(page: dict[str, float], name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    total = 0.0
    for key, value in page.items():
        metric, _, rest = key.partition("{")
        pairs = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if metric == name and all(pairs.get(k) == v for k, v in labels.items()):
            total += value
    return total


def test_metrics_after_one_recording_and_readiness(stack):
    _, event = share_file(stack, "ops-review.mp4", "video/mp4")
    status, _, _ = stack.app.event(event)
    assert status == 200
    wait_for_results(stack, event["ts"])

    def scraped_done_job():
        status, content_type, text = get(f"{stack.app.url}/metrics")
        assert status == 200
        assert content_type.startswith("text/plain")
        page = samples(text)
        return (page, text) if count(page, "symbl_bot_job_latency_seconds_count", outcome="done") >= 1 else None

    page, text = wait_until(scraped_done_job, 10, "the job's latency in /metrics")

    # Jobs by state, read from the database at scrape time: the job is done; every stage has a series.
    assert page['symbl_bot_jobs_by_state{stage="done"}'] == 1
    assert page['symbl_bot_jobs_by_state{stage="failed"}'] == 0
    # Slack calls made by the jobs process, timed with their method and outcome.
    assert count(page, "symbl_bot_slack_api_call_duration_seconds_count", method="chat.postMessage", outcome="ok") >= 1
    assert count(page, "symbl_bot_slack_api_call_duration_seconds_count", method="chat.update", outcome="ok") >= 1
    assert count(page, "symbl_bot_slack_api_call_duration_seconds_count", method="files.info") >= 1
    # Symbl calls by route template (no ids in labels) and status.
    job_status = count(
        page, "symbl_bot_symbl_request_duration_seconds_count", method="GET", route="/v1/job/{jobId}", status="200"
    )
    assert job_status >= 1
    assert count(page, "symbl_bot_symbl_request_duration_seconds_count", method="POST", route="/v1/process/video") == 1
    assert count(page, "symbl_bot_symbl_request_duration_seconds_count", route="/oauth2/token:generate") >= 1
    assert count(page, "symbl_bot_job_errors_total") == 0  # nothing failed along the way

    # Nothing secret, personal or high-cardinality in the page.
    symbl_ids = {r.path.rsplit("/", 1)[-1] for r in stack.symbl.requests_to("GET", "/v1/job/")}
    for forbidden in (stack.slack.bot_token, SIGNING_SECRET, "test-app-secret", *SPOKEN, *symbl_ids, "U111"):
        assert forbidden not in text, forbidden
    assert "Bearer" not in text

    # Ready: the database answers, the schema is in place, the jobs process sweeps and this worker serves.
    status, _, body = get(f"{stack.app.url}/readyz")
    assert status == 200, body
    ready = json.loads(body)
    assert {k: ready[k] for k in ("worker", "database", "scheduler", "schema")} == {
        "worker": "serving",
        "database": True,
        "scheduler": True,
        "schema": True,
    }
    assert ready["disk_space_low"] is False and ready["disk_free_mb"] > 0  # reported, never a reason for 503
    status, _, _ = get(f"{stack.app.url}/healthz")
    assert status == 200


def test_readiness_fails_when_the_jobs_process_stops_sweeping(stack):
    """A replica whose jobs process has stopped sweeping takes no traffic."""
    status, _, _ = get(f"{stack.app.url}/readyz")
    assert status == 200
    jobs_heartbeat = stack.app.env["DATA_DIR"] + "/jobs.heartbeat"
    # Stop the jobs process (SIGSTOP: the supervisor must not simply restart it) and age its heartbeat.
    pid = wait_until(lambda: jobs_process_pid(stack.app.process.pid), 5, "the jobs process")
    os.kill(pid, signal.SIGSTOP)
    try:
        os.utime(jobs_heartbeat, (0, 0))
        status, _, body = get(f"{stack.app.url}/readyz")
        assert status == 503
        assert json.loads(body)["scheduler"] is False
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_until(lambda: get(f"{stack.app.url}/readyz")[0] == 200, 10, "ready again once it sweeps")


def test_a_stopping_replica_is_not_ready_while_it_drains(make_stack):
    """After SIGTERM the replica keeps answering for SHUTDOWN_DRAIN_SECONDS, with /readyz telling a balancer no;
    then it stops, its jobs process included."""
    stack = make_stack(SHUTDOWN_DRAIN_SECONDS="1.5")
    status, _, body = get(f"{stack.app.url}/readyz")
    assert (status, json.loads(body)["worker"]) == (200, "serving")
    jobs_pid = wait_until(lambda: jobs_process_pid(stack.app.process.pid), 5, "the jobs process")
    signalled = time.monotonic()
    os.kill(stack.app.process.pid, signal.SIGTERM)  # the main process only, as a container runtime sends it
    time.sleep(0.3)
    status, _, body = get(f"{stack.app.url}/readyz")  # still answering, but not ready
    assert (status, json.loads(body)["worker"]) == (503, "stopping")
    status, _, _ = stack.app.command(stack.slack, "help")  # a request the balancer sent just before still works
    assert status == 200
    assert stack.app.process.wait(15) == 0
    assert time.monotonic() - signalled >= 1.5
    assert not Path(f"/proc/{jobs_pid}").exists()


def test_the_schema_check_waits_for_the_newest_revision(tmp_path):
    from bot.server import SchemaCheck
    from bot.store.db import Database
    from bot.store.schema import prepare

    database = Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    try:
        check = SchemaCheck(database)
        assert check() is False  # empty: not migrated yet
        prepare(database)
        assert check() is True
    finally:
        database.dispose()


def test_a_process_group_stop_ends_promptly_when_workers_hear_the_signal_twice(stack):
    """pkill, killpg or Ctrl-C reach each web worker directly and again from the main process, which stops its
    workers. The repeat must not wedge a worker until the main process kills it (10 s). The race is narrow, so
    the app is stopped this way several times."""
    for _ in range(4):
        if stack.app.process.poll() is not None:
            stack.app.start()
        main = stack.app.process.pid
        workers = [p for p in web_pids(main) if p != jobs_process_pid(main)]
        assert workers, "no web workers found"
        started = time.monotonic()
        for pid in [main, *workers, main]:  # as pkill sends it, when a wrapper (timeout, a shell) forwards it too
            with contextlib.suppress(ProcessLookupError):  # a worker may already have stopped
                os.kill(pid, signal.SIGTERM)
        assert stack.app.process.wait(15) == 0
        assert time.monotonic() - started < 5, "a web worker had to be killed"
