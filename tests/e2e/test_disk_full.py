"""End-to-end: a full disk fails the share that hit it, and nothing else.

``DATA_DIR`` is a 20 MB tmpfs (this needs root, as the tests' sandbox has; elsewhere the test skips). A 30 MB
recording fills it mid-download: that job fails with the disk note and leaves no partial file, the web workers
and the jobs process keep running, ``/healthz`` keeps answering and says how much space is left, and the next
share after space is freed is processed without a restart.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import Stack, assert_log_keeps_secrets, wait_until
from tests.e2e.harness import CHANNEL, USER, AppProcess, app_env
from tests.fakes.slack_api import FakeSlack
from tests.fakes.symbl_emulator import SymblEmulator

ACTION_ITEM = "Marco will send the updated budget to finance by Friday"
DISK_NOTE = "out of disk space"


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "data"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(mount_point)], check=False, capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _health(app: AppProcess) -> tuple[int, dict]:
    with urllib.request.urlopen(f"{app.url}/healthz", timeout=5) as response:
        return response.status, json.loads(response.read())


def _share(slack: FakeSlack, app: AppProcess, name: str, content: bytes) -> dict:
    file = slack.add_file(name=name, mimetype="video/mp4", content=content)
    event = slack.post_user_message(CHANNEL, files=[file])
    status, _, seconds = app.event(event)
    assert status == 200 and seconds < 3
    return event


def _thread_text(slack: FakeSlack, ts: str) -> str:
    return "".join(m.text + json.dumps(m.blocks) for m in slack.thread(CHANNEL, ts) if m.user != USER)


def test_disk_full_during_a_download_fails_that_job_and_the_next_share_works(small_disk):
    slack, symbl = FakeSlack().start(), SymblEmulator(auto_advance_seconds=0.1).start()
    slack.add_channel(CHANNEL, members=(USER,))
    app = AppProcess(
        env=app_env(slack=slack, data_dir=small_disk, engine="symbl", symbl_url=symbl.url, MAX_FILE_MB="50"),
        log_path=small_disk.parent / "app.log",  # outside the small disk: the log must not fill it
    )
    filler = small_disk / "someone-elses-file"
    try:
        app.start()
        workers = _children(app.process.pid)
        # Another program leaves 8 MB free; the 30 MB recording cannot fit.
        filler.write_bytes(b"\x00" * 11_000_000)
        big = _share(slack, app, "all-hands.mp4", b"\x00" * 30_000_000)
        wait_until(lambda: DISK_NOTE in _thread_text(slack, big["ts"]), 30, "the disk note")
        wait_until(lambda: "x" in slack.reactions.get((CHANNEL, big["ts"]), set()), 10, "❌ on the share")
        assert not list((small_disk / "downloads").glob("*")), "a partial download was left behind"
        status, body = _health(app)
        assert status == 200 and "disk_free_mb" in body

        filler.unlink()  # space freed
        small = _share(slack, app, "standup.mp4", b"\x00" * 4096)
        wait_until(lambda: ACTION_ITEM in _thread_text(slack, small["ts"]), 30, "results after space was freed")
        assert app.process.poll() is None
        assert _children(app.process.pid) >= workers, "a web worker or the jobs process died (its pid is gone)"
    finally:
        app.stop()
        slack.stop()
        symbl.stop()
    assert_log_keeps_secrets(Stack(slack, symbl, app))


def _children(pid: int) -> set[int]:
    """The app's live child processes (web workers and the jobs process)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found
