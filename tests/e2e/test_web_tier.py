"""End-to-end: slow and large request bodies, sent with no credentials, cannot take the Slack endpoint down.

Scaled for the timed suite (20 trickling sockets for 8 s, 8 MB bodies); ``bench/bench_web_tier.py`` runs the
issue's sizes (100 sockets for 30 s, four 256 MB bodies).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.request
from pathlib import Path

from tests.e2e.harness import AppProcess

SLOW_SOCKETS = 20
SLOW_SECONDS = 8.0
BIG_BODY = 8 * 1024 * 1024


def rss_bytes(root_pid: int) -> int:
    """Resident memory of the app's whole process group (the main process, web workers, jobs process)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != root_pid:
                continue
            fields = (entry / "statm").read_text().split()
        except (OSError, ProcessLookupError):
            continue
        total += int(fields[1]) * os.sysconf("SC_PAGE_SIZE")
    return total


def trickle(app: AppProcess, seconds: float, answers: list[bytes]) -> None:
    """POST a body one byte every half second; keep whatever the app answers."""
    with socket.create_connection(("127.0.0.1", app.port), timeout=seconds + 10) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n")
        sock.sendall(b"Content-Length: 100000\r\n\r\n")
        stop = time.monotonic() + seconds
        try:
            while time.monotonic() < stop:
                sock.sendall(b"{")
                time.sleep(0.5)
            sock.settimeout(5)
            answers.append(sock.recv(200))
        except OSError:  # the app answered and closed: that is the point
            sock.settimeout(5)
            try:
                answers.append(sock.recv(200))
            except OSError:
                answers.append(b"closed")


def big_unsigned_post(app: AppProcess, size: int, *, chunked: bool = False) -> bytes:
    """Send ``size`` bytes of junk (as fast as the app takes them) and return the status line it answered."""
    with socket.create_connection(("127.0.0.1", app.port), timeout=30) as sock:
        head = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        head += b"Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n".encode()
        sock.sendall(head)
        chunk = b"BODYCONTENT-" * 87_381  # about 1 MB
        sent = 0
        try:
            while sent < size:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                sent += len(chunk)
        except OSError:
            pass  # refused and closed before the whole body went: fine
        try:
            return sock.recv(100).split(b"\r\n", 1)[0]
        except OSError:
            return b""


def test_trickling_bodies_hold_no_thread_and_get_408(stack) -> None:
    answers: list[bytes] = []
    threads = [
        threading.Thread(target=trickle, args=(stack.app, SLOW_SECONDS, answers), daemon=True)
        for _ in range(SLOW_SOCKETS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # every socket is connected and trickling
    slowest = 0.0
    while any(t.is_alive() for t in threads):
        status, body, seconds = stack.app.command(stack.slack, "help")
        assert status == 200 and "/symbl process" in body
        slowest = max(slowest, seconds)
        with urllib.request.urlopen(f"{stack.app.url}/healthz", timeout=5) as response:
            assert response.status == 200
        time.sleep(0.3)
    assert slowest < 1.0, f"a signed request took {slowest:.2f}s while bodies trickled"
    assert len(answers) == SLOW_SOCKETS
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:3]


def test_large_unsigned_bodies_get_413_without_memory_or_log_growth(stack) -> None:
    stack.app.command(stack.slack, "help")  # every worker warmed up
    log_before = stack.app.log_path.stat().st_size
    rss_before = rss_bytes(stack.app.process.pid)
    statuses = [big_unsigned_post(stack.app, BIG_BODY) for _ in range(3)]
    statuses.append(big_unsigned_post(stack.app, BIG_BODY, chunked=True))
    grown = rss_bytes(stack.app.process.pid) - rss_before
    assert all(s.startswith(b"HTTP/1.1 413") for s in statuses), statuses
    assert grown < 50 * 1024 * 1024, f"RSS grew {grown / 1e6:.0f} MB"
    log = stack.app.log_path.read_text(errors="replace")
    assert stack.app.log_path.stat().st_size - log_before < 10 * 1024
    assert "BODYCONTENT" not in log
    status, _, _ = stack.app.command(stack.slack, "help")
    assert status == 200
