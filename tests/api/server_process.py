"""Start ``python -m bot api`` as a real server process for a test, and a loopback file server for its URLs."""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENTS = "sdk-client:sdk-secret,other-client:other-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen

    def kill(self) -> None:
        """SIGKILL the server's whole process group: a crash, with no clean-up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@contextmanager
def api_server(data_dir: Path, log_name: str = "server.log", **env: str) -> Iterator[RunningServer]:
    """The API server on a free port, with the bundled tiny.en model; stopped with SIGTERM after."""
    port = free_port()
    environ = {
        **os.environ,
        "API_CLIENTS": CLIENTS,
        "API_PORT": str(port),
        "DATA_DIR": str(data_dir),
        "WHISPER_MODEL": "tiny.en",
        "HF_HUB_OFFLINE": "1",
        "LOCAL_ALLOW_PRIVATE_URLS": "true",  # the test's media and webhook servers are on loopback
        **env,
    }
    log = (data_dir / log_name).open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "api"], cwd=REPO_ROOT, env=environ, stdout=log, stderr=log, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, (data_dir / log_name).read_text()[-3000:]
            time.sleep(0.2)
        yield RunningServer(url, process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        log.close()


@contextmanager
def file_server(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on loopback; yields its base URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
