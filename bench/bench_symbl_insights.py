"""How long ``fetch_insights`` takes when every Conversation API call takes 200 ms: the eight reads overlap.

The emulator answers each ``/v1/conversations/…`` request after 200 ms. Fetching concurrently should cost
about one round trip (target < 350 ms, median of several runs); reading the same endpoints one after the
other, as the official SDK does, is shown for contrast.
"""

from __future__ import annotations

import io
import statistics
import time

from bench import Row
from bot.engines.base import MediaFile

LATENCY_SECONDS = 0.2
RUNS = 5
TARGET_MS = 350.0


def run() -> list[Row]:
    """Median concurrent fetch time against the sequential sum of the same eight requests."""
    from bot.engines.symbl import INSIGHT_ENDPOINTS, SymblEngine
    from bot.models import MediaKind
    from tests.fakes.symbl_emulator import SymblEmulator

    emulator = SymblEmulator()
    emulator.start()
    try:
        engine = SymblEngine(emulator.url, emulator.app_id, emulator.app_secret)

        submission = engine.submit(MediaFile(io.BytesIO(b"\0" * 4096), MediaKind.VIDEO))
        emulator.complete(submission.job_id)
        engine.fetch_insights(submission.conversation_id)  # token and connections warm before timing
        emulator.set_latency(LATENCY_SECONDS, path_regex=r"^/v1/conversations/")

        concurrent = []
        for _ in range(RUNS):
            started = time.perf_counter()
            insights = engine.fetch_insights(submission.conversation_id)
            concurrent.append(time.perf_counter() - started)
        base = f"/v1/conversations/{submission.conversation_id}"
        started = time.perf_counter()
        for suffix, query in INSIGHT_ENDPOINTS.values():
            engine.http.send("GET", base + suffix, params=query, ok_statuses=(404,))
        sequential = time.perf_counter() - started
    finally:
        emulator.stop()

    median_ms = statistics.median(concurrent) * 1000
    return [
        Row(
            f"symbl fetch_insights, {len(INSIGHT_ENDPOINTS)} endpoints at {LATENCY_SECONDS * 1000:.0f} ms each",
            f"< {TARGET_MS:.0f} ms (median of {RUNS})",
            f"{median_ms:.0f} ms ({len(insights.action_items)} action items)",
            ok=median_ms < TARGET_MS and bool(insights.action_items),
        ),
        Row(
            "symbl insights read sequentially (contrast)",
            "-",
            f"{sequential * 1000:.0f} ms",
            ok=True,
        ),
    ]
