"""Prometheus metrics: the metric objects, the helpers that observe them, and the ``GET /metrics`` page.

The app runs as several processes (web server workers and the jobs process), and a scrape reaches one web
worker, so samples are kept in prometheus_client's multiprocess mode: ``serve`` gives every process one
directory (``PROMETHEUS_MULTIPROC_DIR``, under DATA_DIR, emptied at start) and a scrape merges the files of all of
them. prometheus_client decides between in-memory and file-backed values when it is first imported, so this
module imports it only on first use, never at import time: ``serve`` has set the directory by then. Without
the directory (tests running everything in one process, ``symbl-bot process``) the values stay in memory.

Labels are low-cardinality by design: stage names, exception class names, Slack method names and error codes,
route templates (the engine's client names its own calls, ids replaced by placeholders) and HTTP statuses.
Never a token, a user's text or an id.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.errors import SlackError

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "symbl_bot"
JOB_STAGES = ("queued", "fetching", "submitting", "processing", "collecting", "posting", "done", "failed")

# A meeting takes minutes to an hour of engine time, and retries can stretch a job over a day.
JOB_LATENCY_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400, 172800)
# Web API calls take tens of milliseconds; Symbl uploads of a long recording take minutes.
CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

# What may become a label value: Slack method names and error codes are short identifiers from code or from
# Slack's fixed vocabulary; anything else (a non-JSON answer's text) is bucketed as "other".
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
# A route template as an engine's client names it ("/v1/job/{jobId}"): each segment a placeholder in braces or a
# word with at most one digit ("v1", "oauth2"), so an id left in by mistake (Symbl's 16 digits, a UUID) is refused.
_ROUTE_TEMPLATE = re.compile(r"^(/(\{[A-Za-z]{1,30}\}|[A-Za-z_.:-]{0,30}[0-9]?[A-Za-z_.:-]{0,30})){1,8}$")


def label(value: object) -> str:
    """``value`` as a label value if it is a short identifier, else ``"other"``."""
    text = str(value)
    return text if _IDENTIFIER.match(text) else "other"


def route_label(route: str) -> str:
    """``route`` as a label value if it reads as a route template, else ``"other"``."""
    return route if _ROUTE_TEMPLATE.match(route) else "other"


def error_kind(exc: BaseException) -> str:
    """A bounded name for an error: Slack's error code for a ``SlackError``, else the exception's class."""
    if isinstance(exc, SlackError) and _IDENTIFIER.match(exc.code):
        return f"slack:{exc.code}"
    return type(exc).__name__


class Metrics:
    """The app's metric objects, registered in ``registry`` (a fresh one per test; the default one in the app)."""

    def __init__(self, registry: Any = None):
        from prometheus_client import REGISTRY, Counter, Histogram

        self.registry = registry = REGISTRY if registry is None else registry
        self.job_latency = Histogram(
            f"{PREFIX}_job_latency_seconds",
            "Seconds from a job's creation to its end, by outcome (done or failed).",
            ["outcome"],
            buckets=JOB_LATENCY_BUCKETS,
            registry=registry,
        )
        self.job_errors = Counter(
            f"{PREFIX}_job_errors",
            "Failed job steps by the job's stage and the error's kind; stage=processing counts poll errors and "
            "stage=posting post errors. Retried or final alike.",
            ["stage", "kind"],
            registry=registry,
        )
        self.slack_calls = Histogram(
            f"{PREFIX}_slack_api_call_duration_seconds",
            "Slack Web API calls (retries included) by method and outcome: ok, Slack's error code, or the "
            "exception's class for a failed connection.",
            ["method", "outcome"],
            buckets=CALL_BUCKETS,
            registry=registry,
        )
        self.symbl_calls = Histogram(
            f"{PREFIX}_symbl_request_duration_seconds",
            "Symbl HTTP requests (each attempt) by HTTP method, route template and status (or the failure's kind).",
            ["method", "route", "status"],
            buckets=CALL_BUCKETS,
            registry=registry,
        )


_lock = threading.Lock()
_current: Metrics | None = None


def current() -> Metrics:
    """The process's metrics, made on first use (after ``serve`` chose multiprocess mode, if it did)."""
    global _current  # noqa: PLW0603 - one set of metric objects per process
    if _current is None:
        with _lock:
            if _current is None:
                _current = Metrics()
    return _current


def _safely(observe: Callable[[], None]) -> None:
    # A metric must never fail the work it measures (a full disk under the multiprocess directory, say).
    try:
        observe()
    except Exception:
        log.warning("could not record a metric", exc_info=True)


# -- observations (one line at each call site) ---------------------------------------------------------------


def job_finished(outcome: str, created_at: datetime | None, finished_at: datetime) -> None:
    """A job ended (``done`` or ``failed``): observe the seconds since it was created."""
    if created_at is None:
        return
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    seconds = max(0.0, (finished_at - created_at).total_seconds())
    _safely(lambda: current().job_latency.labels(outcome=label(outcome)).observe(seconds))


def job_error(stage: str, exc: BaseException) -> None:
    """A job step failed with ``exc`` while the job was in ``stage`` (it may still be retried)."""
    _safely(lambda: current().job_errors.labels(stage=label(stage), kind=error_kind(exc)).inc())


def slack_call(method: str, outcome: str, seconds: float) -> None:
    """A Slack Web API call took ``seconds`` and ended with ``outcome``."""
    _safely(lambda: current().slack_calls.labels(method=label(method), outcome=label(outcome)).observe(seconds))


@contextmanager
def timed_symbl_request(method: str, route: str) -> Iterator[Callable[[object], None]]:
    """Time one Symbl HTTP request to ``route`` (a template the client gives: ``/v1/job/{jobId}``); call the
    yielded function with the response's status (or leave it unset).

    An exception leaving the block records the exception's class as the status.
    """
    started = time.perf_counter()
    status: list[object] = ["none"]
    try:
        yield lambda value: status.__setitem__(0, value)
    except BaseException as exc:
        status[0] = type(exc).__name__
        raise
    finally:
        seconds = time.perf_counter() - started
        _safely(
            lambda: (
                current()
                .symbl_calls.labels(method=label(method.upper()), route=route_label(route), status=label(status[0]))
                .observe(seconds)
            )
        )


# -- the multiprocess directory and the page ------------------------------------------------------------------


def prepare_multiprocess_dir(directory: Path) -> None:
    """Empty ``directory`` and have every process started from now on (web workers, jobs process) write there.

    Called by ``serve`` before the web workers fork and before the jobs process starts: counters of a previous run
    must not add up with this one's, and a process only picks the mode when it first imports prometheus_client.
    """
    if "prometheus_client" in sys.modules and MULTIPROC_ENV not in os.environ:
        log.warning("prometheus_client was imported before the metrics directory was set; metrics stay per process")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(directory)


def mark_process_dead(pid: int) -> None:
    """Forget a dead process's live gauges (its counters and histograms are kept: they must not go down)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        _safely(lambda: multiprocess.mark_process_dead(pid))


class JobsByState:
    """A collector read at scrape time: how many jobs the database holds in each stage (every stage, 0 too)."""

    def __init__(self, count_by_stage: Callable[[], Mapping[str, int]]):
        self._count_by_stage = count_by_stage

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        try:
            counts = self._count_by_stage()
        except Exception:
            log.exception("metrics: could not count jobs by stage")
            return
        family = GaugeMetricFamily(f"{PREFIX}_jobs_by_state", "Jobs in the database by stage.", labels=["stage"])
        for stage in (*JOB_STAGES, *sorted(set(counts) - set(JOB_STAGES))):
            family.add_metric([label(stage)], counts.get(stage, 0))
        yield family


class _Collected:
    """Collectors gathered into one (a registry's ``register`` needs nothing else from them)."""

    def __init__(self, sources: Iterable[Any]):
        self._sources = list(sources)

    def collect(self) -> Iterator[Any]:
        for source in self._sources:
            yield from source.collect()


def exposition(extra_collectors: Iterable[Any] = ()) -> tuple[bytes, str]:
    """The ``/metrics`` page (body, content type): every process's samples plus ``extra_collectors``."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_Collected([current().registry]))
    registry.register(_Collected(extra_collectors))
    return generate_latest(registry), CONTENT_TYPE_LATEST
