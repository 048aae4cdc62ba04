"""bot/metrics.py: label hygiene, the observation helpers, the jobs-by-state collector and multiprocess mode.

Each test observes into a fresh registry (``fresh`` fixture); multiprocess mode is tried in subprocesses, since
prometheus_client picks its mode when a process first imports it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry
from slack_sdk import WebClient

from bot import metrics
from bot.engines.symbl_http import route_template
from bot.errors import EngineTimeoutError, SlackError
from bot.slack_io import make_web_client
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def fresh(monkeypatch) -> CollectorRegistry:
    """The helpers observe into a registry of this test's own."""
    registry = CollectorRegistry()
    monkeypatch.setattr(metrics, "_current", metrics.Metrics(registry))
    return registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


# -- labels ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/oauth2/token:generate", "/oauth2/token:generate"),
        ("/v1/process/video", "/v1/process/video"),
        ("/v1/process/audio/url", "/v1/process/audio/url"),
        ("/v1/process/audio/6543210987", "/v1/process/audio/{conversationId}"),
        ("/v1/process/video/url/6543210987", "/v1/process/video/url/{conversationId}"),
        ("/v1/job/0b1c-77?x=1", "/v1/job/{jobId}"),
        ("/v1/conversations/6543210987", "/v1/conversations/{conversationId}"),
        ("/v1/conversations/6543210987/action-items", "/v1/conversations/{conversationId}/action-items"),
        ("/v1/conversations/6543210987/trackers", "other"),
        ("/v1/job/a/b", "other"),
    ],
)
def test_symbl_paths_become_route_templates_without_ids(path, route):
    assert route_template(path) == route
    assert metrics.route_label(route) == route


def test_a_route_label_with_an_id_left_in_is_refused():
    assert metrics.route_label("/v1/job/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d") == "other"
    assert metrics.route_label("/v1/conversations/6543210987654321/messages") == "other"
    assert metrics.route_label("/v1/process/{kind}") == "/v1/process/{kind}"


def test_only_short_identifiers_become_label_values():
    assert metrics.label("chat.postMessage") == "chat.postMessage"
    assert metrics.label(429) == "429"
    assert metrics.label("not_in_channel") == "not_in_channel"
    assert metrics.label("Received a response in a non-JSON format: <html>…") == "other"
    assert metrics.label("x" * 65) == "other"
    assert metrics.label("") == "other"


def test_error_kind_is_the_slack_error_code_or_the_class_name():
    slack_error = SlackError("failed", code="ratelimited", retryable=True)
    assert metrics.error_kind(slack_error) == "slack:ratelimited"
    odd = SlackError("failed", code="Received a response in a non-JSON format: hello", retryable=True)
    assert metrics.error_kind(odd) == "SlackError"
    assert metrics.error_kind(EngineTimeoutError("GET /v1/job/1: ReadTimeout")) == "EngineTimeoutError"


# -- observations ----------------------------------------------------------------------------------------------


def test_job_latency_is_seconds_from_creation_to_the_end(fresh):
    created = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    metrics.job_finished("done", created, created + timedelta(seconds=90))
    metrics.job_finished("failed", created.replace(tzinfo=None), created + timedelta(seconds=4))  # SQLite: naive
    metrics.job_finished("done", None, created)  # no creation time: nothing to observe
    assert value(fresh, "symbl_bot_job_latency_seconds_count", outcome="done") == 1
    assert value(fresh, "symbl_bot_job_latency_seconds_sum", outcome="done") == 90
    assert value(fresh, "symbl_bot_job_latency_seconds_bucket", outcome="done", le="60.0") == 0
    assert value(fresh, "symbl_bot_job_latency_seconds_bucket", outcome="done", le="120.0") == 1
    assert value(fresh, "symbl_bot_job_latency_seconds_sum", outcome="failed") == 4


def test_job_errors_are_counted_by_stage_and_kind(fresh):
    metrics.job_error("processing", EngineTimeoutError("GET /v1/job/1: ReadTimeout"))
    metrics.job_error("processing", EngineTimeoutError("again"))
    metrics.job_error("posting", SlackError("failed", code="not_in_channel", retryable=False))
    assert value(fresh, "symbl_bot_job_errors_total", stage="processing", kind="EngineTimeoutError") == 2
    assert value(fresh, "symbl_bot_job_errors_total", stage="posting", kind="slack:not_in_channel") == 1


def test_a_symbl_request_is_timed_with_its_status_or_its_failure(fresh):
    with metrics.timed_symbl_request("get", "/v1/job/{jobId}") as record_status:
        record_status(200)
    with pytest.raises(EngineTimeoutError), metrics.timed_symbl_request("GET", "/v1/job/{jobId}"):
        raise EngineTimeoutError("GET /v1/job/def: ConnectTimeout")
    route = "/v1/job/{jobId}"
    assert value(fresh, "symbl_bot_symbl_request_duration_seconds_count", method="GET", route=route, status="200") == 1
    failed = {"method": "GET", "route": route, "status": "EngineTimeoutError"}
    assert value(fresh, "symbl_bot_symbl_request_duration_seconds_count", **failed) == 1


def test_a_broken_metric_never_breaks_the_work_it_measures(monkeypatch):
    class Broken:
        def __getattr__(self, name):
            raise OSError("disk full")

    monkeypatch.setattr(metrics, "_current", Broken())
    metrics.job_error("posting", ValueError())
    metrics.slack_call("chat.update", "ok", 0.1)
    with metrics.timed_symbl_request("GET", "/v1/job/{jobId}") as record_status:
        record_status(200)


def test_slack_web_api_calls_are_timed_by_method_and_outcome(fresh):
    slack = FakeSlack().start()
    try:
        client = make_web_client(slack.bot_token, slack.api_url)
        assert isinstance(client, WebClient)
        client.chat_postMessage(channel="C111", text="hello")
        with pytest.raises(SlackError) as refused:
            make_web_client("xoxb-wrong", slack.api_url).chat_postMessage(channel="C111", text="hello")
        assert refused.value.code == "invalid_auth"
        assert not refused.value.retryable  # no retry can fix a wrong token
    finally:
        slack.stop()
    name = "symbl_bot_slack_api_call_duration_seconds_count"
    assert value(fresh, name, method="chat.postMessage", outcome="ok") == 1
    assert value(fresh, name, method="chat.postMessage", outcome="invalid_auth") == 1


# -- jobs by state and the page ----------------------------------------------------------------------------------


def test_jobs_by_state_shows_every_stage_and_survives_a_failing_database(fresh):
    page = metrics.exposition([metrics.JobsByState(lambda: {"done": 3, "processing": 1})])[0].decode()
    assert 'symbl_bot_jobs_by_state{stage="done"} 3.0' in page
    assert 'symbl_bot_jobs_by_state{stage="processing"} 1.0' in page
    assert 'symbl_bot_jobs_by_state{stage="queued"} 0.0' in page

    def unreachable():
        raise OSError("database unreachable")

    body, content_type = metrics.exposition([metrics.JobsByState(unreachable)])
    assert content_type.startswith("text/plain")
    assert b"symbl_bot_jobs_by_state" not in body
    assert b"symbl_bot_job_latency_seconds" in body  # the rest of the page is still there


def _python(code: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_app_does_not_import_prometheus_client():
    """serve must be able to choose multiprocess mode after these imports and before any metric exists."""
    out = _python(
        """
        import sys
        import bot.engines.symbl_http, bot.pipeline, bot.server, bot.slack_io
        print("prometheus_client" in sys.modules)
        """
    )
    assert out.strip() == "False"


def test_multiprocess_mode_merges_every_process_and_starts_empty(tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_999.db").write_bytes(b"left over from the last run")
    out = _python(
        f"""
        import subprocess, sys
        from pathlib import Path
        from bot import metrics

        metrics.prepare_multiprocess_dir(Path({str(directory)!r}))
        child = "from bot import metrics; metrics.slack_call('chat.update', 'ok', 0.25)"
        for _ in range(2):
            subprocess.run([sys.executable, "-c", child], check=True)
        metrics.slack_call("chat.update", "ok", 0.5)
        print(metrics.exposition()[0].decode())
        """
    )
    assert 'symbl_bot_slack_api_call_duration_seconds_count{method="chat.update",outcome="ok"} 3.0' in out
    assert 'symbl_bot_slack_api_call_duration_seconds_sum{method="chat.update",outcome="ok"} 1.0' in out
    assert not (directory / "counter_999.db").exists()
