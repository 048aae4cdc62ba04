"""The Symbl-compatible API server (``symbl-bot api``): route latency under 50 concurrent clients, and throughput.

Starts the real server (tiny.en, SQLite) and measures:
* the p99 latency of ``POST /oauth2/token:generate`` and of ``GET /v1/job/{id}`` with 50 clients at once
  (5 processes x 10 threads, each client on its own keep-alive connection, 20 requests each);
* throughput: three copies of the example stand-up (34.6 s of speech each) submitted together, in audio hours
  processed per wall-clock hour on this machine.
"""

from __future__ import annotations

import http.client
import json
import statistics
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from bench import Row

CLIENTS, PROCESSES, REQUESTS_EACH = 50, 5, 20
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "standup.mp3"
EXAMPLE_SECONDS = 34.6
TOKEN_BODY = json.dumps({"type": "application", "appId": "sdk-client", "appSecret": "sdk-secret"})


def _clients(url: str, request: tuple[str, str, str | None, dict], threads: int) -> list[float]:
    method, path, body, headers = request
    parts = urlsplit(url)
    latencies: list[float] = []
    lock = threading.Lock()
    start_together = threading.Barrier(threads)

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        start_together.wait()
        mine = []
        for _ in range(REQUESTS_EACH):
            began = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            mine.append(time.perf_counter() - began)
        connection.close()
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies


def _p99(url: str, method: str, path: str, body: str | None, headers: dict) -> float:
    with ProcessPoolExecutor(PROCESSES) as pool:
        parts = [
            pool.submit(_clients, url, (method, path, body, headers), CLIENTS // PROCESSES) for _ in range(PROCESSES)
        ]
        latencies = sorted(x for part in parts for x in part.result())
    return statistics.quantiles(latencies, n=100)[98]


def _request(url: str, method: str, path: str, body: bytes | str | None, headers: dict) -> dict:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    return answer


def run() -> list[Row]:
    from tests.api.server_process import api_server

    with tempfile.TemporaryDirectory() as data, api_server(Path(data)) as server:
        token_headers = {"Content-Type": "application/json"}
        token = _request(server.url, "POST", "/oauth2/token:generate", TOKEN_BODY, token_headers)["accessToken"]
        auth = {"x-api-key": token}
        started = time.monotonic()
        jobs = [
            _request(
                server.url,
                "POST",
                "/v1/process/audio",
                EXAMPLE.read_bytes(),
                {**auth, "Content-Type": "audio/mpeg"},
            )["jobId"]
            for _ in range(3)
        ]
        token_p99 = _p99(server.url, "POST", "/oauth2/token:generate", TOKEN_BODY, token_headers)
        status_p99 = _p99(server.url, "GET", f"/v1/job/{jobs[0]}", None, auth)
        while any(_request(server.url, "GET", f"/v1/job/{j}", None, auth)["status"] != "completed" for j in jobs):
            time.sleep(0.5)
        wall = time.monotonic() - started
    speed = 3 * EXAMPLE_SECONDS / wall
    return [
        Row("API token route p99, 50 concurrent clients", "< 250 ms", f"{token_p99 * 1000:.0f} ms", token_p99 < 0.25),
        Row("API job-status p99, 50 concurrent clients", "< 250 ms", f"{status_p99 * 1000:.0f} ms", status_p99 < 0.25),
        Row(
            "API throughput (3 stand-ups at once, tiny.en, this machine; latency runs alongside)",
            ">= 1 audio h per wall h",
            f"{speed:.2f} audio h per wall h ({wall:.0f} s for {3 * EXAMPLE_SECONDS:.0f} s)",
            speed >= 1.0,
        ),
    ]
