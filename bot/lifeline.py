"""A child process of ``serve`` ends itself when the main process is gone.

A SIGKILL of the main process (the OOM killer, ``kill -9``, a crashed container runtime) runs no clean-up: the
web workers and the jobs process would live on with parent 1, the jobs process still claiming jobs with nobody to
supervise it, and the next start would add a second set beside them. So each child watches its parent id and
stops itself once it changes. Polling ``getppid`` is used rather than Linux's parent-death signal: that signal
follows the *thread* that forked the child, and granian and the supervisor fork from threads that may end first.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

PARENT_PID_ENV = "BOT_PARENT_PID"
CHECK_EVERY_SECONDS = 1.0


def watch_parent(parent_pid: int, on_orphaned: Callable[[], None], every: float = CHECK_EVERY_SECONDS) -> None:
    """Call ``on_orphaned`` once, from a daemon thread, when this process's parent is no longer ``parent_pid``."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every)
        log.error("the main process (pid %s) is gone; stopping this process", parent_pid)
        on_orphaned()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
