"""The web tier under the issue #16 attack sizes: 100 sockets trickling POST bodies for 30 s, four 256 MB bodies.

Run: ``.venv/bin/python -m bench web_tier``. The timed suite runs the same checks scaled down
(``tests/e2e/test_web_tier.py``).
"""

from __future__ import annotations

import threading
import time
import urllib.request

from bench import Row
from bench.stack import running_stack
from tests.e2e.test_web_tier import big_unsigned_post, rss_bytes, trickle

SLOW_SOCKETS = 100
SLOW_SECONDS = 30.0
BIG_BODY = 256 * 1024 * 1024


def keep_trickling(app, seconds: float, answers: list[bytes]) -> None:
    """One attacker socket for ``seconds``: cut off at the body deadline, it connects again and goes on."""
    stop = time.monotonic() + seconds
    while (left := stop - time.monotonic()) > 1:
        trickle(app, left, answers)


def run() -> list[Row]:
    with running_stack("sqlite") as stack:
        app, slack = stack.app, stack.slack
        answers: list[bytes] = []
        threads = [
            threading.Thread(target=keep_trickling, args=(app, SLOW_SECONDS, answers), daemon=True)
            for _ in range(SLOW_SOCKETS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        slowest, health_ok, asked = 0.0, True, 0
        while any(t.is_alive() for t in threads):
            status, _, seconds = app.command(slack, "help")
            asked += 1
            slowest = max(slowest, seconds if status == 200 else float("inf"))
            with urllib.request.urlopen(f"{app.url}/healthz", timeout=5) as response:
                health_ok &= response.status == 200
            time.sleep(0.2)
        timed_out = sum(a.startswith(b"HTTP/1.1 408") for a in answers)

        log_before, rss_before = app.log_path.stat().st_size, rss_bytes(app.process.pid)
        statuses = [big_unsigned_post(app, BIG_BODY) for _ in range(4)]
        rss_growth = rss_bytes(app.process.pid) - rss_before
        log_growth = app.log_path.stat().st_size - log_before
        refused = sum(s.startswith(b"HTTP/1.1 413") for s in statuses)
        leaked = "BODYCONTENT" in app.log_path.read_text(errors="replace")
    return [
        Row(f"slowest of {asked} signed requests during 100 trickles", "< 1 s", f"{slowest:.3f} s", slowest < 1),
        Row("/healthz during 100 trickles", "always 200", "200" if health_ok else "not 200", health_ok),
        Row("trickles answered 408 (each reconnects)", f">= {SLOW_SOCKETS}", str(timed_out), timed_out >= SLOW_SOCKETS),
        Row("256 MB unsigned bodies answered 413", "4", str(refused), refused == 4),
        Row("RSS growth, four 256 MB bodies", "< 50 MB", f"{rss_growth / 1e6:.1f} MB", rss_growth < 50e6),
        Row("log growth, four 256 MB bodies", "< 10 KB, no body", f"{log_growth} B", log_growth < 10240 and not leaked),
    ]
