"""p99 response time of the app to 50 concurrent signed slash commands and events (Slack allows 3,000 ms).

A quarter of the requests are `/symbl process` commands and a quarter are file shares, so each burst also
starts real background jobs that run while the next bursts are measured. The app runs with its default poll
interval (5 s), as installed; the tests' 0.2 s would squeeze a hundred meetings' whole lives into the seconds
measured.

The fake Slack and the Symbl emulator stand in for remote services, yet here they share the app's two cores.
While requests are measured, this process (which hosts them) runs at a lower CPU priority, so the figure is
the app's, not the fakes'; the app and the load generator keep normal priority.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench import Row
from bench.stack import running_stack
from tests.e2e.harness import CHANNEL, SIGNING_SECRET
from tests.fakes.slack_requests import event_body, slash_command_body

CONCURRENT = 50
ROUNDS = 10  # 500 measured requests: the p99 is the 5th slowest, not one unlucky request
TARGET_MS = 100.0
FORM, JSON = "application/x-www-form-urlencoded", "application/json"


def normal_priority() -> None:
    """In the load generator's process: back to the priority the app has."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, 0)


_AUTOGROUP = Path("/proc/self/autogroup")


@contextlib.contextmanager
def fakes_in_background():
    """Lower the CPU priority of this process (the fakes' threads) for the measurement, then restore it.

    Linux with autogroups shares the CPU fairly between sessions before nice values count, so the process's own
    nice value only orders it against its own session. The session's autogroup is lowered too; the app and the
    load generator run in sessions of their own (``start_new_session``) and keep their normal share.
    """
    before = os.getpriority(os.PRIO_PROCESS, 0)
    group_before = _autogroup_nice()
    os.setpriority(os.PRIO_PROCESS, 0, 10)
    _set_autogroup_nice(10)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # raising priority back needs root; otherwise it stays lowered
            os.setpriority(os.PRIO_PROCESS, 0, before)
        if group_before is not None:
            _set_autogroup_nice(group_before)


def _autogroup_nice() -> int | None:
    try:
        return int(_AUTOGROUP.read_text().split()[-1])  # "/autogroup-12 nice 0"
    except (OSError, ValueError, IndexError):
        return None  # no autogroup scheduling on this kernel: nice values alone order processes


def _set_autogroup_nice(value: int) -> None:
    with contextlib.suppress(OSError):
        _AUTOGROUP.write_text(str(value))


def run() -> list[Row]:
    return [measure("sqlite"), measure("postgres")]


def measure(database: str) -> Row:
    with running_stack(database, POLL_INTERVAL_SECONDS="5") as stack:
        slack, app = stack.slack, stack.app
        # Warm-up: a long-running server has its database connections open; one unmeasured burst of the same mix
        # opens them here (the first burst after a start pays a handshake per connection).
        requests = []
        for i in range(CONCURRENT * (ROUNDS + 1)):
            user = f"U{i:07d}"  # a burst comes from many people (each person's own limits are not what is measured)
            reply_to = slack.response_url()
            match i % 4:
                case 0:
                    text = f"process https://media.example.com/bench-{i}.mp3 Bench {i}"
                    requests.append([slash_command_body(text, response_url=reply_to, user_id=user), FORM])
                case 1:
                    requests.append([slash_command_body("status", response_url=reply_to, user_id=user), FORM])
                case 2:
                    file = slack.add_file(name=f"bench-{i}.mp4", mimetype="video/mp4", content=b"\0" * 1024)
                    requests.append([event_body(slack.post_user_message(CHANNEL, user=user, files=[file])), JSON])
                case _:
                    message = slack.post_user_message(CHANNEL, user=user, text=f"chat message {i} without links")
                    requests.append([event_body(message), JSON])
        payload = json.dumps([[body, kind, SIGNING_SECRET] for body, kind in requests])
        with fakes_in_background():
            done = subprocess.run(
                [sys.executable, "-m", "bench.loadgen", app.url, str(CONCURRENT)],
                input=payload,
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
                preexec_fn=normal_priority,
                start_new_session=True,
            )
    ms = sorted(x * 1000 for x in json.loads(done.stdout)[CONCURRENT:])
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return Row(
        f"slack ack p99, {CONCURRENT} concurrent x {ROUNDS} bursts, {database}",
        f"< {TARGET_MS:.0f} ms",
        f"{p99:.1f} ms (p50 {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms, n={len(ms)})",
        p99 < TARGET_MS,
    )
