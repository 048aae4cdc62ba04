"""granian, the web server: HTTP parsing and connections in Rust, only the app itself in Python.

Chosen over gunicorn's threaded worker, which spends about half a millisecond of interpreter time per request on
sockets and parsing; under a burst of Slack requests that time queues on the interpreter lock. The app is served
through granian's ASGI interface (``bot.web_bridge``): a request's body is awaited on the worker's event loop, so
a client that trickles its body holds no thread; the WSGI app then runs in the bridge's thread pool.

The main process forks the web workers (``WEB_WORKERS``) and stops them on SIGTERM/SIGINT. granian 2.8's signal
handlers set a ``threading.Event`` in the signal handler itself; when the signal lands while the same thread holds
that Event's lock (it has just been woken, say, by a worker that exited), the handler waits for a lock its own
thread holds, and the process hangs until it is killed. pkill, killpg and Ctrl-C make that likely, because the
workers hear the signal directly and again from the main process. So, in the main process, the handler only
records the signal and hands the work to a new thread, which can wait for the lock. The workers' own handlers run
on their event loop (not inside the signal handler), so they cannot hang that way; a worker signalled while it is
still loading the app (its handlers are still the main process's) keeps the signal and has it delivered again
once it serves.
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


def _redeliver_early_signals() -> None:
    """In a worker that has just loaded its app: deliver again a stop signal that came while it was loading."""
    if _EARLY_SIGNALS:
        timer = threading.Timer(REDELIVER_AFTER_SECONDS, os.kill, (os.getpid(), _EARLY_SIGNALS[0]))
        timer.daemon = True
        timer.start()


def web_server(*, port: int, workers: int, drain_seconds: float, on_stop: Callable[[], None]):
    """The server, ready for ``serve(target_loader=…)``; ``on_stop`` runs in the main process on SIGTERM/SIGINT.

    With ``drain_seconds``, the workers keep serving that long after ``on_stop`` (readiness already answers 503,
    so a load balancer moves traffic away) before granian stops accepting, lets every worker finish its
    requests, and runs the shutdown hooks. A second signal stops at once.
    """
    from granian.constants import Interfaces
    from granian.server import Server

    class BotServer(Server):
        stopping_requested = False  # set by the first SIGTERM/SIGINT in the main process

        def signal_handler_interrupt(self, signum=signal.SIGTERM, *args, **kwargs):
            if self.pid is not None and os.getpid() != self.pid:  # a worker not yet serving, with our handler
                _EARLY_SIGNALS.append(signum)
                return
            first = not self.stopping_requested
            self.stopping_requested = True
            on_stop()
            # Never stop from inside the handler (see the module's docstring): a timer thread does it.
            threading.Timer(drain_seconds if first else 0.0, super().signal_handler_interrupt).start()

        # Workers that heard the stop signal themselves exit before this process tells them to. granian takes
        # that for a crash: it would start new workers and end with status 1. While stopping, it is neither.
        def _respawn_workers(self, workers, *args, **kwargs):
            if not self.stopping_requested:
                super()._respawn_workers(workers, *args, **kwargs)

        def serve(self, *args, target_loader, **kwargs):
            def load(target):
                app = target_loader(target)
                _redeliver_early_signals()
                return app

            return super().serve(*args, target_loader=load, **kwargs)

        def shutdown(self, exit_code=0):
            try:
                super().shutdown(exit_code)
            except SystemExit as stop:  # status 1 for "workers exited" (its watchers may report them late)
                if not (self.stopping_requested and not exit_code and stop.code == 1):
                    raise

    return BotServer(
        "bot.server:load_web_app",  # only a name: the loader passed to serve() builds the app
        address="0.0.0.0",  # noqa: S104 - the app is a server; in a container it must listen beyond loopback
        port=port,
        interface=Interfaces.ASGINL,  # ASGI without lifespan events: the app needs no start-up hook
        workers=workers,
        blocking_threads=1,  # granian's only setting for ASGI: the WSGI app runs in the bridge's own threads
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
