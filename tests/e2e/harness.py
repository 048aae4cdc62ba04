"""Runs the real app (``python -m bot serve``) against the fake Slack and the Symbl emulator.

Everything crosses real HTTP: signed requests go to the app's port, the app calls the fakes' ports. The app's
whole log is kept in a file so tests can check what it said (and what it must never say).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import event_body, sign, slash_command_body

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "e2e-signing-secret-0123456789"
TEAM_ID = "T0001"
CHANNEL = "C111"
USER = "U111"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppProcess:
    """One app process; ``restart`` and ``kill`` act like an operator (or a crash) would."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> AppProcess:
        env = {**self.env, "PORT": str(self.port)}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the app did not become healthy:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no clean-up runs, as in a crash."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> AppProcess:
        self.kill()
        self.port = free_port()
        return self.start()

    # -- signed Slack requests ----------------------------------------------------------------------------

    def post_signed(self, body: str, content_type: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None):
        """POST a Slack-signed body to /slack/events; returns (status, text, seconds taken)."""
        headers = sign(secret, body, timestamp)
        headers["Content-Type"] = content_type
        request = urllib.request.Request(f"{self.url}/slack/events", data=body.encode(), headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode(), time.monotonic() - started
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), time.monotonic() - started

    def command(
        self,
        slack: FakeSlack,
        text: str,
        *,
        channel: str = CHANNEL,
        user: str = USER,
        team: str = TEAM_ID,
        response_url: str | None = None,
    ):
        body = slash_command_body(
            text, team_id=team, channel_id=channel, user_id=user, response_url=response_url or slack.response_url(team)
        )
        return self.post_signed(body, "application/x-www-form-urlencoded")

    def event(self, event: dict, *, event_id: str | None = None, team: str = TEAM_ID):
        return self.post_signed(event_body(event, team_id=team, event_id=event_id), "application/json")


def command_answer(app: AppProcess, slack: FakeSlack, text: str, **kwargs) -> tuple[dict, dict | None]:
    """``/symbl <text>``: its ack, and the later answer through its ``response_url`` when the ack says one comes
    (an ``append`` to another channel's meeting is answered once Slack has said who may see it)."""
    response_url = slack.response_url(kwargs.get("team"))
    status, body, seconds = app.command(slack, text, response_url=response_url, **kwargs)
    assert status == 200, body
    assert seconds < 3
    ack = json.loads(body)
    if "I'll answer here" not in ack.get("text", ""):
        return ack, None
    path = urlsplit(response_url).path
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if found := [r for r in slack.responses if r.path == path]:
            return ack, found[0].body
        time.sleep(0.05)
    raise AssertionError("the command's answer never came through its response_url")


def app_env(*, slack: FakeSlack, data_dir: Path, engine: str, symbl_url: str | None = None, **extra: str) -> dict:
    """A clean environment for the app: nothing of the developer's shell (proxies, tokens) leaks in."""
    files_host = slack.files_host_url.split("://", 1)[1].rstrip("/")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "SLACK_FILES_HOST": files_host,
        "SLACK_HOOKS_HOST": slack.url.split("://", 1)[1].rstrip("/"),  # the fake's response_urls live there
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'bot.sqlite3'}",
        "POLL_INTERVAL_SECONDS": "0.2",
        "WORKER_THREADS": "4",
        "ENGINE": engine,
    }
    if symbl_url:
        env |= {"SYMBL_API_URL": symbl_url, "SYMBL_APP_ID": "test-app-id", "SYMBL_APP_SECRET": "test-app-secret"}
    return env | extra


def jobs_process_pid(root: int) -> int | None:
    """The ``python -m bot jobs`` process under the app's process tree (Linux /proc)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        if cmdline[-3:-1] == [b"bot", b"jobs"] and parent == root:
            return int(proc.name)
    return None
