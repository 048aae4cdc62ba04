"""The Symbl-compatible API server (``symbl-bot api``): route latency under 50 concurrent clients, and throughput.

Starts the real server (tiny.en, SQLite) and measures:
* the p99 latency of ``POST /oauth2/token:generate`` and of ``GET /v1/job/{id}`` with 50 clients at once
  (5 processes x 10 threads, each client on its own keep-alive connection, 20 requests each): on an idle server
  (a finished job's status), and while three recordings are transcribed (an unfinished job's status);
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


def _submit(url: str, auth: dict) -> str:
    headers = {**auth, "Content-Type": "audio/mpeg"}
    return _request(url, "POST", "/v1/process/audio", EXAMPLE.read_bytes(), headers)["jobId"]


def _wait(url: str, auth: dict, jobs: list[str]) -> None:
    while any(_request(url, "GET", f"/v1/job/{j}", None, auth)["status"] != "completed" for j in jobs):
        time.sleep(0.5)


def run() -> list[Row]:
    from tests.api.server_process import api_server

    with tempfile.TemporaryDirectory() as data, api_server(Path(data)) as server:
        token_headers = {"Content-Type": "application/json"}
        token = _request(server.url, "POST", "/oauth2/token:generate", TOKEN_BODY, token_headers)["accessToken"]
        auth = {"x-api-key": token}
        # A finished job's status first, on an idle server: the routes' own cost
        jobs = [_submit(server.url, auth)]
        _wait(server.url, auth, jobs)
        idle = {
            "token": _p99(server.url, "POST", "/oauth2/token:generate", TOKEN_BODY, token_headers),
            "job status": _p99(server.url, "GET", f"/v1/job/{jobs[0]}", None, auth),
        }
        started = time.monotonic()
        jobs = [_submit(server.url, auth) for _ in range(3)]
        busy = {
            "token": _p99(server.url, "POST", "/oauth2/token:generate", TOKEN_BODY, token_headers),
            "job status": _p99(server.url, "GET", f"/v1/job/{jobs[0]}", None, auth),
        }
        _wait(server.url, auth, jobs)
        wall = time.monotonic() - started
    speed = 3 * EXAMPLE_SECONDS / wall
    rows = [
        Row(f"API {route} p99, 50 concurrent clients, idle server", "< 100 ms", f"{p99 * 1000:.0f} ms", p99 < 0.1)
        for route, p99 in idle.items()
    ]
    rows += [
        Row(
            f"API {route} p99, 50 concurrent clients, while transcribing on both cores",
            "< 500 ms",
            f"{p99 * 1000:.0f} ms",
            p99 < 0.5,
        )
        for route, p99 in busy.items()
    ]
    rows.append(
        Row(
            "API throughput (3 stand-ups at once, tiny.en, this machine)",
            ">= 1 audio h per wall h",
            f"{speed:.2f} audio h per wall h ({wall:.0f} s for {3 * EXAMPLE_SECONDS:.0f} s)",
            speed >= 1.0,
        )
    )
    return rows
