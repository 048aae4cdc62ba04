"""A load generator in its own process: fires pre-signed requests in simultaneous bursts, prints latencies.

Run as ``python -m bench.loadgen URL CONCURRENCY`` with a JSON list of ``[body, content_type, secret]`` on
stdin. Kept apart from the fakes' process so that its own threads do not skew what it measures.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit

from tests.fakes.slack_requests import sign


def fire(url: str, requests: list[list[str]], concurrency: int) -> list[float]:
    """Send ``requests`` in bursts of ``concurrency`` (all released together); the latency of each, in seconds."""
    parts = urlsplit(url)
    latencies: list[float] = []
    lock = threading.Lock()
    for start in range(0, len(requests), concurrency):
        burst = requests[start : start + concurrency]
        barrier = threading.Barrier(len(burst))

        def one(body: str, content_type: str, secret: str, barrier: threading.Barrier = barrier) -> None:
            headers = {**sign(secret, body), "Content-Type": content_type}
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            barrier.wait()
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            connection.close()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            with lock:
                latencies.append(elapsed)

        threads = [threading.Thread(target=one, args=tuple(r)) for r in burst]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(0.5)  # let the app's background work from this burst begin, as it would in real traffic
    return latencies


if __name__ == "__main__":
    result = fire(sys.argv[1], json.load(sys.stdin), int(sys.argv[2]))
    json.dump(result, sys.stdout)
