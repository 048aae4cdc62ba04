"""granian, the web server: HTTP parsing and connections in Rust, only the WSGI app itself in Python.

Chosen over gunicorn's threaded worker, which spends about half a millisecond of interpreter time per request on
sockets and parsing; under a burst of Slack requests that time queues on the interpreter lock.

The main process forks the web workers (``WEB_WORKERS``) and stops them on SIGTERM/SIGINT. Two races in how a
granian 2.8 worker handles those signals are closed here, in the main process before the workers fork:

* A worker hears a process-group kill (pkill, killpg, Ctrl-C in a terminal) itself and again from the main
  process. granian's handler runs the shutdown on every signal, and a repeat that lands while the first is
  under way wedged the worker until the main process killed it 10 s later (about one stop in three). Only the
  first signal counts now.
* A worker signalled while it is still loading the app runs the handler it inherited from the main process, so
  the signal was lost and the worker served on until it was killed. Such a signal is now kept and delivered again
  once the worker serves.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

from bot.logs import JsonFormatter

# Signals a worker received before its own handlers were in place (one list per process: each worker forks an
# empty copy of the main process's).
_EARLY_SIGNALS: list[int] = []
REDELIVER_AFTER_SECONDS = 0.5  # long enough for the worker to have started serving


def _patch_worker_signals() -> None:
    """Workers act on their first SIGTERM/SIGINT only, including one that came while they were loading."""
    from granian import _signals

    original = _signals.set_sync_signals
    if getattr(original, "patched_by_bot", False):
        return

    def set_sync_signals():
        event = original()
        heard: list[int] = []  # a plain list: a lock taken inside a signal handler can deadlock the same way

        def on_signal(signum, _frame):
            if not heard:
                heard.append(signum)
                event.set()

        _signals.set_main_signals(on_signal)
        if _EARLY_SIGNALS:
            timer = threading.Timer(REDELIVER_AFTER_SECONDS, os.kill, (os.getpid(), _EARLY_SIGNALS[0]))
            timer.daemon = True
            timer.start()
        return event

    set_sync_signals.patched_by_bot = True
    _signals.set_sync_signals = set_sync_signals


def web_server(*, port: int, workers: int, threads: int, drain_seconds: float, on_stop: Callable[[], None]):
    """The server, ready for ``serve(target_loader=…)``; ``on_stop`` runs in the main process on SIGTERM/SIGINT.

    With ``drain_seconds``, the workers keep serving that long after ``on_stop`` (readiness already answers 503,
    so a load balancer moves traffic away) before granian stops accepting, lets every worker finish its
    requests, and runs the shutdown hooks. A second signal stops at once.
    """
    from granian.constants import Interfaces
    from granian.server import Server

    _patch_worker_signals()

    class BotServer(Server):
        def signal_handler_interrupt(self, signum=signal.SIGTERM, *args, **kwargs):
            if self.pid is not None and os.getpid() != self.pid:  # a worker not yet serving, with our handler
                _EARLY_SIGNALS.append(signum)
                return
            stop = super().signal_handler_interrupt
            first = not self.stopping_requested
            self.stopping_requested = True
            on_stop()
            if first and drain_seconds > 0:
                threading.Timer(drain_seconds, stop).start()
            else:
                stop()

    server = BotServer(
        "bot.server:load_web_app",  # only a name: the loader passed to serve() builds the app
        address="0.0.0.0",  # noqa: S104 - the app is a server; in a container it must listen beyond loopback
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        respawn_failed_workers=True,
        workers_kill_timeout=10,
        log_dictconfig={
            "formatters": {"json": {"()": JsonFormatter}},
            "handlers": {
                "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
            },
            "loggers": {"_granian": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
        },
    )
    server.stopping_requested = False
    return server
