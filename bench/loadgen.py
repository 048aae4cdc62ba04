"""A load generator in its own processes: fires pre-signed requests in simultaneous bursts, prints latencies.

Run as ``python -m bench.loadgen URL CONCURRENCY`` with a JSON list of ``[body, content_type, secret]`` on
stdin. Each burst's requests are spread over several processes (as Slack's senders are many machines) that
all release them at the same instant, so the generator's own interpreter lock does not queue them.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlsplit

from tests.fakes.slack_requests import sign

PROCESSES = 5


def _burst_part(url: str, requests: list[list[str]], release_at: float) -> list[float]:
    """Send ``requests`` from threads of this process, all starting at ``release_at`` (time.time())."""
    parts = urlsplit(url)
    latencies: list[float] = []
    lock = threading.Lock()
    prepared = []
    for body, content_type, secret in requests:
        headers = {**sign(secret, body), "Content-Type": content_type}
        prepared.append((body.encode(), headers, http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)))

    def one(body: bytes, headers: dict, connection: http.client.HTTPConnection) -> None:
        time.sleep(max(0.0, release_at - time.time()))
        started = time.perf_counter()
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        with lock:
            latencies.append(elapsed)

    threads = [threading.Thread(target=one, args=p) for p in prepared]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def fire(url: str, requests: list[list[str]], concurrency: int) -> list[float]:
    """Send ``requests`` in bursts of ``concurrency``; the latency of each, in seconds."""
    latencies: list[float] = []
    with ProcessPoolExecutor(PROCESSES) as pool:
        for start in range(0, len(requests), concurrency):
            burst = requests[start : start + concurrency]
            release_at = time.time() + 0.5
            shares = [burst[i::PROCESSES] for i in range(PROCESSES)]
            for part in pool.map(_burst_part, [url] * PROCESSES, shares, [release_at] * PROCESSES):
                latencies.extend(part)
            time.sleep(0.5)  # let the app's background work from this burst begin, as it would in real traffic
    return latencies


if __name__ == "__main__":
    result = fire(sys.argv[1], json.load(sys.stdin), int(sys.argv[2]))
    json.dump(result, sys.stdout)
