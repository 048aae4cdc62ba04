"""End-to-end: a download that fails or is abandoned leaves no file behind, and a crawling one frees its worker.

Slack's files come from the fake Slack; the hostile ones (a gzip bomb, a trickle, a connection cut short, a web
page behind a byte order mark) from this test's own server, named as the file's download URL. ``MAX_FILE_MB=1``
keeps the size limit small; the time limits are the defaults (a trickle is given up after about 5 s).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import wait_until
from tests.e2e.harness import USER

ACTION_ITEM = "Marco will send the updated budget to finance by Friday"
BOMB = gzip.compress(b"\x00" * 3_000_000)  # 3 KB on the wire, 3 MB once decoded


class _Hostile(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/bomb"):
            self._head(200, {"Content-Encoding": "gzip", "Content-Length": str(len(BOMB))})
            self.wfile.write(BOMB)
        elif self.path.startswith("/trickle"):
            self._head(200, {"Content-Length": "100000"})
            try:
                for _ in range(100):
                    self.wfile.write(b"\x01" * 1000)
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
        elif self.path.startswith("/cut"):
            self._head(200, {"Content-Length": "100000"})
            self.wfile.write(b"\x01" * 10_000)
            self.wfile.flush()
            self.close_connection = True
        elif self.path.startswith("/bom"):
            page = b"\xef\xbb\xbf \n <!DOCTYPE html><html><body>Sign in</body></html>"
            self._head(200, {"Content-Length": str(len(page))}, content_type="application/octet-stream")
            self.wfile.write(page)

    def _head(self, status: int, headers: dict, content_type: str = "video/mp4") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()


@pytest.fixture
def hostile():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def share(stack, channel: str, name: str, content: bytes, user: str = USER, **changes) -> dict:
    stack.slack.add_channel(channel, members=(user,))
    file = stack.slack.add_file(name=name, mimetype="video/mp4", content=content)
    stack.slack.files[file["id"]].info.update(changes)
    event = stack.slack.post_user_message(channel, user=user, files=[{**file, **changes}])
    assert stack.app.event(event)[0] == 200
    return event


def note(stack, channel: str, ts: str, timeout: float = 30) -> str:
    found = wait_until(
        lambda: [
            m for m in stack.slack.thread(channel, ts) if m.text.startswith("❌") and not m.edits
        ],  # not the pointer
        timeout,
        f"a note in {channel}",
    )
    return found[0].text + json.dumps(found[0].blocks, ensure_ascii=False)


def left_in_data_dir(stack) -> list[str]:
    downloads = stack.app.log_path.parent / "downloads"
    return sorted(p.name for p in downloads.rglob("*") if p.is_file()) if downloads.exists() else []


def test_failed_downloads_leave_no_file(make_stack, hostile) -> None:
    stack = make_stack(MAX_FILE_MB="1")
    cases = {
        "size lie": ({"size": 1024}, b"\x01" * 1_500_000, "larger than the limit"),
        "gzip bomb": ({"url_private_download": f"{hostile}/bomb.mp4"}, b"\x01" * 3000, "larger than the limit"),
        "trickle": ({"url_private_download": f"{hostile}/trickle.mp4", "size": 100000}, b"", "too slow"),
        "cut off": ({"url_private_download": f"{hostile}/cut.mp4", "size": 100000}, b"", "cut off"),
        "web page after a BOM": ({"url_private_download": f"{hostile}/bom.mp4", "size": 0}, b"", "web page"),
    }
    events = {}
    for n, (name, (changes, content, _)) in enumerate(cases.items()):
        if "url_private_download" in changes:
            changes["url_private"] = changes["url_private_download"]
        events[name] = share(stack, f"CDL{n}", f"{name}.mp4", content or b"\x01" * 3000, **changes)
    for n, (name, (_, _, words)) in enumerate(cases.items()):
        seen = note(stack, f"CDL{n}", events[name]["ts"], timeout=60)
        assert words in seen, f"{name}: {seen[:300]}"
    assert left_in_data_dir(stack) == []


def test_trickling_downloads_do_not_hold_every_worker(make_stack, hostile) -> None:
    stack = make_stack()  # WORKER_THREADS=4, default download limits
    url = f"{hostile}/trickle.mp4"
    for n in range(4):
        share(stack, f"CSLOW{n}", "slow.mp4", b"\x01", user=f"U0SLOW{n}", url_private_download=url, size=100000)
    time.sleep(0.5)
    started = time.monotonic()
    event = share(stack, "CNORMAL", "normal.mp4", b"\x02" * 4096, user="U0OTHER")
    wait_until(lambda: stack.symbl.requests_to("POST", "/v1/process/video"), 10, "the normal share submitted")
    assert time.monotonic() - started < 10
    wait_until(
        lambda: "white_check_mark" in stack.slack.reactions.get(("CNORMAL", event["ts"]), set()), 30, "its results"
    )
    assert not [name for name in left_in_data_dir(stack) if name.endswith(".part")]
