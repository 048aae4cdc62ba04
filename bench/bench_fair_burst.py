"""A burst from one person runs at the engine's full capacity when nobody else is waiting (bot/store/turns.py).

The real app (``python -m bot serve``) against the fake Slack and the Symbl emulator (each job takes 0.2 s there;
the media are 4 KB). Twenty short recordings are shared in one channel twice: once by twenty people, once by one
person at once; first with no MAX_RUNNING (the Symbl engine's default), then with MAX_RUNNING=4, where the turns
hand out four places. Each figure is the time from the first share to the last transcript in its thread. The bar: the
one person's burst takes at most 1.5 times the twenty people's (before, per-person limits were hard caps and the
burst ran 3 at a time, each waiting one looking again every 15 s).
"""

from __future__ import annotations

import time

from bench import Row
from bench.stack import BenchStack, running_stack
from tests.e2e.harness import CHANNEL

RECORDINGS = 20
TIMEOUT_SECONDS = 240.0
TARGET_RATIO = 1.5


def _share_and_wait(stack: BenchStack, users: list[str], label: str) -> float:
    """Seconds from the first of these shares to the last of their transcripts."""
    started = time.monotonic()
    threads = []
    for index, user in enumerate(users):
        file = stack.slack.add_file(name=f"{label}-{index}.mp4", mimetype="video/mp4", content=b"\0" * 4096)
        event = stack.slack.post_user_message(CHANNEL, user=user, files=[file])
        status, _, _ = stack.app.event(event)
        assert status == 200, status
        threads.append(event["ts"])
    waiting = set(threads)
    while waiting:
        if time.monotonic() - started > TIMEOUT_SECONDS:
            raise TimeoutError(f"{len(waiting)} of {label}'s recordings had no transcript after {TIMEOUT_SECONDS}s")
        waiting -= {u.thread_ts for u in stack.slack.uploads}
        time.sleep(0.05)
    return time.monotonic() - started


def measure(max_running: str) -> list[Row]:
    """Both figures with ``MAX_RUNNING`` as given ("0": Symbl's own limit is the only bound)."""
    with running_stack("sqlite", MAX_RUNNING=max_running) as stack:
        _share_and_wait(stack, ["U0WARMUP"], "warm-up")  # the first job pays for connections and imports
        many = _share_and_wait(stack, [f"U0PERSON{n:02d}" for n in range(RECORDINGS)], "many")
        burst = _share_and_wait(stack, ["U0BURST"] * RECORDINGS, "burst")
    ratio = burst / many
    bound = f"MAX_RUNNING={max_running}" if max_running != "0" else "no MAX_RUNNING"
    return [
        Row(f"{RECORDINGS} recordings from {RECORDINGS} people, {bound}, sqlite", "report", f"{many:.1f} s", True),
        Row(
            f"{RECORDINGS} recordings from one person alone, {bound}",
            f"<= {TARGET_RATIO}x the {RECORDINGS} people's",
            f"{burst:.1f} s ({ratio:.2f}x)",
            ratio <= TARGET_RATIO,
        ),
    ]


def run() -> list[Row]:
    # Unbounded (Symbl's default here), then a capacity of 4 that the burst must fill on its own
    return [*measure("0"), *measure("4")]
