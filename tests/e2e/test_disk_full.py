"""End-to-end: a full disk fails the share that hit it, and nothing else.

``DATA_DIR`` is a 64 MB tmpfs (this needs root, as the tests' sandbox has; elsewhere the test skips). A 30 MB
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
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount_point)], check=False, capture_output=True
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
        # Filled to the last byte from outside, before any share: a share now cannot even be recorded, but it is
        # answered (an HTTP error, so Slack delivers it again later) and no process dies. Metric files kept on
        # this disk killed both web workers with SIGBUS here (memory-mapped pages that could not be backed).
        _fill(filler)
        for name in ("lost-1.mp4", "lost-2.mp4"):
            file = slack.add_file(name=name, mimetype="video/mp4", content=b"\x00" * 4096)
            status, _, _ = app.event(slack.post_user_message(CHANNEL, files=[file]))
            assert status in (200, 500)
        status, body = _health(app)
        assert status == 200 and body["disk_space_low"] is True
        assert _children(app.process.pid) >= workers, "a web worker or the jobs process died (its pid is gone)"

        # Another program leaves about 8 MB free; the 30 MB recording cannot fit.
        filler.unlink()
        filler.write_bytes(b"\x00" * 56_000_000)
        big = _share(slack, app, "all-hands.mp4", b"\x00" * 30_000_000)
        wait_until(lambda: DISK_NOTE in _thread_text(slack, big["ts"]), 30, "the disk note")
        wait_until(lambda: "x" in slack.reactions.get((CHANNEL, big["ts"]), set()), 10, "❌ on the share")
        assert not list((small_disk / "downloads").glob("*")), "a partial download was left behind"
        assert _children(app.process.pid) >= workers, "a web worker or the jobs process died (its pid is gone)"

        filler.unlink()  # space freed
        small = _share(slack, app, "standup.mp4", b"\x00" * 4096)
        wait_until(lambda: ACTION_ITEM in _thread_text(slack, small["ts"]), 30, "results after space was freed")
        assert app.process.poll() is None
        assert _children(app.process.pid) >= workers, "a web worker or the jobs process died (its pid is gone)"
        assert _health(app)[1]["disk_space_low"] is False
        assert not _zombies(app.process.pid)
        # Not asserted here: a SIGKILLed jobs process being replaced. In one fresh-clone run of three the supervisor
        # logged no exit and started no new process within 20 s (unexplained; see the stop-9 closing note).
    finally:
        app.stop()
        slack.stop()
        symbl.stop()
    assert_log_keeps_secrets(Stack(slack, symbl, app))


def _fill(path: Path) -> None:
    try:
        with path.open("wb") as out:
            while True:
                out.write(b"\x00" * 65536)
    except OSError:
        pass


def _child_states(pid: int) -> dict[int, str]:
    """The app's child processes (web workers and the jobs process) with their state letter ("Z": a zombie)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found[int(entry.name)] = fields[0]
    return found


def _children(pid: int) -> set[int]:
    return {child for child, state in _child_states(pid).items() if state != "Z"}


def _zombies(pid: int) -> set[int]:
    return {child for child, state in _child_states(pid).items() if state == "Z"}
