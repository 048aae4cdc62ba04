"""A pipe from the web process to the jobs process: one byte means "look for due jobs now".

The web process only writes job rows; waking the jobs process this way starts new work at once instead of
at the next poll sweep. Losing a wake-up is harmless: the periodic sweep finds the job anyway.
"""

from __future__ import annotations

import contextlib
import os
import select


class Wakeup:
    """Both ends of the pipe; each process uses one of them."""

    def __init__(self, read_fd: int | None = None, write_fd: int | None = None):
        if read_fd is None and write_fd is None:
            read_fd, write_fd = os.pipe()
        self.read_fd, self.write_fd = read_fd, write_fd
        if write_fd is not None:
            os.set_blocking(write_fd, False)

    def notify(self) -> None:
        """Ask the jobs process to sweep; never blocks (a full pipe already holds a pending wake-up)."""
        if self.write_fd is None:
            return
        with contextlib.suppress(BlockingIOError, BrokenPipeError):
            os.write(self.write_fd, b"\1")

    def wait(self, timeout: float) -> bool:
        """Block until woken (True) or ``timeout`` seconds pass (False); drains pending wake-ups."""
        if self.read_fd is None:
            return False
        ready, _, _ = select.select([self.read_fd], [], [], timeout)
        if ready:
            os.read(self.read_fd, 4096)
        return bool(ready)
