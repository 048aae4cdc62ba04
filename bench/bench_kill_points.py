"""Randomised kill points: the app is SIGKILLed at random moments while meetings are in flight, then restarted.

Each trial starts the app, shares two recordings and runs one ``/symbl process`` command, then kills the whole
app at a random moment (a random delay, or a random named failpoint from ``bot/failpoints.py``), restarts it and
waits for every meeting to finish. A meeting is **lost** if it has no notes message or no transcript in its
thread within the wait, and **duplicated** if its thread holds more than one notes message or transcript, more
than one other bot message (the status message, which ends as a pointer to the notes), or a command made more
than one parent message. Both must be zero.
"""

from __future__ import annotations

import http.client
import random
import tempfile
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import Row
from tests.e2e.harness import CHANNEL, AppProcess, app_env
from tests.e2e.test_crash_safety import BOUNDARIES
from tests.e2e.test_slack_flows import ACTION_ITEM
from tests.fakes.slack_api import FakeSlack
from tests.fakes.symbl_emulator import SymblEmulator

TRIALS = 52
PARALLEL_TRIALS = 3
MAX_RANDOM_DELAY = 1.5  # seconds after the requests: spans announce, download, submit, polls and posting
WAIT_SECONDS = 40.0


def _threads(slack: FakeSlack, shares: list[str], before: set[str]) -> list[tuple[str, str]]:
    """(kind, thread ts) of every meeting asked for in the trial: the shares, and the command's parent messages."""
    parents = [
        m.ts
        for m in slack.messages.get(CHANNEL, [])
        if not m.is_reply and m.ts not in before and m.user != "U111" and m.ts not in shares
    ]
    return [("share", ts) for ts in shares] + [("command", ts) for ts in parents]


def _counts(slack: FakeSlack, thread_ts: str) -> tuple[int, int, int]:
    """(notes messages, transcripts, other bot messages) in a meeting's thread."""
    bot_messages = [m for m in slack.thread(CHANNEL, thread_ts) if m.user != "U111" and not m.files]
    notes = [m for m in bot_messages if ACTION_ITEM in str(m.blocks)]
    uploads = [u for u in slack.uploads if u.thread_ts == thread_ts]
    return len(notes), len(uploads), len(bot_messages) - len(notes)


def _delivered(send) -> bool:
    """Whether the app answered a request (a dying app may drop the connection instead)."""
    try:
        return send()[0] == 200
    except (ConnectionError, http.client.HTTPException, urllib.error.URLError, TimeoutError):
        return False


def _trial(rng: random.Random, workdir: Path, index: int) -> tuple[int, int, int, str]:
    """One kill and restart; returns (meetings, lost, duplicated, where it was killed)."""
    with FakeSlack() as slack:
        symbl = SymblEmulator(auto_advance_seconds=0.2).start()
        data_dir = workdir / f"trial{index}"
        data_dir.mkdir()
        env = app_env(slack=slack, data_dir=data_dir, engine="symbl", symbl_url=symbl.url)
        use_failpoint = rng.random() < 0.5
        where = rng.choice(BOUNDARIES[1:]) if use_failpoint else f"{rng.uniform(0, MAX_RANDOM_DELAY):.2f}s"
        if use_failpoint:
            env["BOT_FAILPOINT"] = where
        app = AppProcess(env=env, log_path=data_dir / "app.log")
        try:
            app.start()
            before = {m.ts for m in slack.messages.get(CHANNEL, [])}
            shares, unanswered, commands = [], [], 0
            for n, name in enumerate(("a.mp4", "b.mp3")):
                file = slack.add_file(name=name, mimetype="video/mp4", content=b"\0" * 4096)
                event = slack.post_user_message(CHANNEL, files=[file])
                shares.append(event["ts"])
                if not _delivered(lambda e=event, i=f"Ev{index}x{n}": app.event(e, event_id=i)):
                    unanswered.append((event, f"Ev{index}x{n}"))  # Slack delivers it again later
            # Slack does not retry a slash command: one the dying app never answered was never accepted.
            commands += _delivered(lambda: app.command(slack, "process https://media.example.com/c.mp4 Kill test"))
            if use_failpoint:
                deadline = time.monotonic() + 20
                while app.process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
            else:
                time.sleep(float(where[:-1]))
            app.kill()
            app.env.pop("BOT_FAILPOINT", None)
            app.restart()
            for event, event_id in unanswered:
                app.event(event, event_id=event_id)
            expected = len(shares) + commands
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline:
                meetings = _threads(slack, shares, before)
                if len(meetings) >= expected and all(_counts(slack, ts)[:2] >= (1, 1) for _, ts in meetings):
                    break
                time.sleep(0.1)
            time.sleep(1.0)  # let any duplicate surface
            meetings = _threads(slack, shares, before)
            counts = [_counts(slack, ts) for _, ts in meetings]
            lost = sum(1 for r, u, _ in counts if r == 0 or u == 0) + max(0, expected - len(meetings))
            duplicated = sum(1 for r, u, o in counts if r > 1 or u > 1 or o > 1) + max(0, len(meetings) - expected)
            return expected, lost, duplicated, where
        finally:
            app.stop()
            symbl.stop()


def run() -> list[Row]:
    # Each trial waits out the killed process's leases (``LEASE_SECONDS``), so trials run a few at a time.
    seeds = random.Random(20261129).sample(range(10**9), TRIALS)  # noqa: S311 - reproducible, not security
    with tempfile.TemporaryDirectory(prefix="symbl-kill-") as tmp, ThreadPoolExecutor(PARALLEL_TRIALS) as pool:
        outcomes = list(pool.map(lambda i: _trial(random.Random(seeds[i]), Path(tmp), i), range(TRIALS)))  # noqa: S311
    total = sum(o[0] for o in outcomes)
    lost = sum(o[1] for o in outcomes)
    duplicated = sum(o[2] for o in outcomes)
    failures = [
        f"{where}: lost {trial_lost}, duplicated {dup}" for _, trial_lost, dup, where in outcomes if trial_lost or dup
    ]
    kinds = sum(1 for o in outcomes if not o[3].endswith("s"))
    detail = f" ({'; '.join(failures[:3])})" if failures else ""
    label = f"{TRIALS} SIGKILLs ({kinds} at named boundaries, {TRIALS - kinds} at random times), {total} meetings"
    return [
        Row(f"kill points: meetings lost ({label})", "0", f"{lost}{detail}", not lost),
        Row("kill points: meetings duplicated", "0", str(duplicated), not duplicated),
    ]
