"""granian, the web server: HTTP parsing and connections in Rust, only the app itself in Python.

Chosen over gunicorn's threaded worker, which spends about half a millisecond of interpreter time per request on
sockets and parsing; under a burst of Slack requests that time queues on the interpreter lock. The app is served
through granian's ASGI interface (``bot.web_bridge``): a request's body is awaited on the worker's event loop, so
a client that trickles its body holds no thread; the WSGI app then runs in the bridge's thread pool.

Only granian's public API is used (``granian.Granian``: its settings and ``serve(target_loader=…)``), and its stop
is contained from outside. granian's own main process runs in a child of the app's main process (``WebServer``).
The app's main process handles SIGTERM/SIGINT itself (``serve_web``): its handler only records the signal, so it
cannot hang; after the drain it sends granian's main process one SIGTERM, and if granian has not stopped within
``STOP_DEADLINE_SECONDS`` (its own stop: workers finish their requests or are killed after
``WORKERS_KILL_SECONDS``) granian and its workers are killed. That deadline matters: granian 2.8's main process
sets a ``threading.Event`` inside its signal handler, which hangs for good if the signal lands while its main
thread holds that Event's lock (just woken by a worker that exited, say, when a signal to the whole process group
reached the workers too).

No orphans (``bot.lifeline``): granian's main process watches the app's main process, and each worker watches
granian's main process; an orphan stops as if told to and kills itself if it has not stopped by the deadline.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.lifeline import watch_parent
from bot.logs import JsonFormatter

log = logging.getLogger(__name__)

ASGIApp = Callable[..., Any]

WORKERS_KILL_SECONDS = 5  # granian's own stop: a worker still busy this long after its SIGTERM is killed
STOP_DEADLINE_SECONDS = 8  # from granian's SIGTERM until it and its workers are killed, whatever state they are in
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
POLL_SECONDS = 0.05


def _default_stop_signals() -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


def _stop_self_within(seconds: float) -> None:
    """SIGTERM to this process (granian's handler stops it gracefully), then SIGKILL if it is still here."""
    killer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGKILL))
    killer.daemon = True  # gone with the process when the graceful stop succeeds first
    killer.start()
    os.kill(os.getpid(), signal.SIGTERM)


class WebServer:
    """granian's main process and its workers, in a child process that the caller can stop or kill."""

    def __init__(self, *, port: int, workers: int, load_app: Callable[[], ASGIApp]):
        self.port = port
        self.workers = workers
        self.load_app = load_app  # runs in each worker after the fork
        self.process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> None:
        # fork, not spawn: the workers must inherit what the main process made for them (the wake-up pipe, the
        # shared readiness flag, the metrics directory's environment).
        self.process = multiprocessing.get_context("fork").Process(target=self._run, name="web-server")
        self.process.start()

    def _run(self) -> None:
        """granian's main process (in the child)."""
        _default_stop_signals()  # until granian installs its handlers, a stop signal simply ends this process
        # The same in each worker granian forks, until granian installs the worker's own handlers once its app is
        # loaded: a worker told to stop while it loads (granian respawned it just before stopping) has no request
        # to finish, and would otherwise ignore the signal and hold the stop up for WORKERS_KILL_SECONDS.
        os.register_at_fork(after_in_child=_default_stop_signals)
        watch_parent(os.getppid(), lambda: _stop_self_within(STOP_DEADLINE_SECONDS))
        web_main = os.getpid()

        def load(_target: str) -> ASGIApp:  # in a worker, after the fork
            app = self.load_app()
            watch_parent(web_main, lambda: _stop_self_within(WORKERS_KILL_SECONDS))
            return app

        _granian(port=self.port, workers=self.workers).serve(target_loader=load)

    def stop(self) -> None:
        """Ask granian to stop: it closes its socket, lets the workers finish their requests, and exits."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        """Kill granian's main process and its workers (the workers would also follow it, through their lifeline)."""
        for pid in [*_children(self.pid), self.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    @property
    def pid(self) -> int:
        return self._started().pid

    def wait(self, timeout: float | None) -> int | None:
        """granian's exit status once it has exited (reaped), else None after ``timeout``."""
        process = self._started()
        process.join(timeout)
        return process.exitcode

    def _started(self):
        if self.process is None or self.process.pid is None:
            raise RuntimeError("the web server was not started")
        return self.process


def serve_web(
    web: WebServer, *, drain_seconds: float, on_stop: Callable[[], None], on_started: Callable[[], None]
) -> int:
    """Run ``web`` until SIGTERM/SIGINT (or until it exits by itself); the exit status for this process.

    ``on_started`` runs once the server has started. On the first signal ``on_stop`` runs and the workers keep
    serving ``drain_seconds`` (readiness already answers 503, so a load balancer moves traffic away); a second
    signal ends the drain at once. Then granian stops, within ``STOP_DEADLINE_SECONDS`` or killed.
    """
    received: list[int] = []

    def record(signum, _frame) -> None:  # nothing else: a handler that takes a lock can deadlock its own thread
        received.append(signum)

    # Left in place after the return: a signal while the caller stops the jobs process is recorded, not fatal.
    for signum in STOP_SIGNALS:
        signal.signal(signum, record)
    web.start()
    on_started()
    stop_at = kill_at = None
    while (code := web.wait(POLL_SECONDS)) is None:
        now = time.monotonic()
        if received and stop_at is None:
            log.info("stopping: signal %s; draining for %.1f s", received[0], drain_seconds)
            on_stop()
            stop_at = now + drain_seconds
        if len(received) > 1 and stop_at is not None:
            stop_at = min(stop_at, now)
        if stop_at is not None and kill_at is None and now >= stop_at:
            web.stop()
            kill_at = now + STOP_DEADLINE_SECONDS
        if kill_at is not None and now >= kill_at:
            log.error("the web server did not stop within %s s; killing it", STOP_DEADLINE_SECONDS)
            web.kill()
            web.wait(None)
            break
    if received:
        return 0  # stopped as asked, however granian reported its workers' exit
    log.error("the web server exited by itself with status %s", code)
    return code or 1


def _children(pid: int) -> list[int]:
    """A process's children, where Linux tells (``/proc/<pid>/task/*/children``); else none."""
    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(child) for child in (task / "children").read_text().split()]
    return children


def _granian(*, port: int, workers: int):
    from granian import Granian
    from granian.constants import Interfaces

    return Granian(
        "bot.server:load_web_app",  # only a name: the loader passed to serve() builds the app
        address="0.0.0.0",  # noqa: S104 - the app is a server; in a container it must listen beyond loopback
        port=port,
        interface=Interfaces.ASGI,  # with lifespan events: a worker's shutdown closes its services (web_bridge)
        workers=workers,
        blocking_threads=1,  # granian's only setting for ASGI: the WSGI app runs in the bridge's own threads
        respawn_failed_workers=True,
        workers_kill_timeout=WORKERS_KILL_SECONDS,
        log_dictconfig={
            "formatters": {"json": {"()": JsonFormatter}},
            "handlers": {
                "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
            },
            "loggers": {"_granian": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
        },
    )
