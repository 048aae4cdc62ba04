"""``python -m bot jobs``: the process that runs jobs — the pipeline's pool, the poll sweep and the engine.

``serve`` starts one beside the web server (and restarts it if it dies); it can also run on its own, any number
of them against one database, since jobs are claimed with leases. It runs at a lower CPU priority so that
transcription never slows the web process's answers to Slack.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

from bot.config import Settings
from bot.lifeline import PARENT_PID_ENV, watch_parent
from bot.services import build_services
from bot.wakeup import Wakeup

log = logging.getLogger(__name__)

WAKE_FD_ENV = "BOT_WAKE_FD"
NICENESS = 10
# Wake-ups that arrive within this long of the first are answered by one sweep (each sweep is two or three
# queries; a burst of shares would otherwise ask them once per job, while Slack is still being answered).
WAKE_GATHER_SECONDS = 0.05


def lower_priority() -> None:
    """Let the web process (Slack's answers) win the CPU, without starving this process on a busy machine.

    nice 10 gives it about a tenth of a contended core. SCHED_IDLE was measured too (``make bench``): its gain in
    the burst latency was within the run-to-run noise, and it lets any other busy process starve meetings.
    """
    try:
        os.nice(NICENESS)
    except OSError:
        log.warning("could not lower the jobs process's priority")


def run(settings: Settings, wakeup: Wakeup | None = None) -> None:
    """Run jobs until SIGTERM/SIGINT; a wake-up (a byte on the pipe) triggers an immediate sweep."""
    if wakeup is None and (fd := os.environ.get(WAKE_FD_ENV)):
        wakeup = Wakeup(read_fd=int(fd))
    lower_priority()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    if parent := os.environ.get(PARENT_PID_ENV):  # started by ``serve``: stop with it, however it ends
        watch_parent(int(parent), stopping.set)
    services = build_services(settings, run_jobs=True)
    services.start()
    log.info("jobs process running", extra={"engine": settings.engine})
    try:
        while not stopping.is_set():
            if wakeup is not None:
                if wakeup.wait(1.0):
                    # A burst of Slack requests wakes us once per new job: gather the burst, then look once.
                    stopping.wait(WAKE_GATHER_SECONDS)
                    wakeup.wait(0)
                    services.sweeper.sweep_safely()
                    services.digest_runner.tick()
            else:
                stopping.wait(1.0)
    finally:
        services.close()
