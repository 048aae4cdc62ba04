"""HTTP plumbing for the fake Slack: loopback listeners, body decoding, response writing.

The listeners only parse and answer; every decision about what Slack would say is made by ``FakeSlack``,
which each handler reaches through ``self.server.fake``.
"""

from __future__ import annotations

import json
import shutil
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

STREAM_CHUNK = 1024 * 1024


class LoopbackServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 and a free port, served from a daemon thread."""

    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 drops bursts of parallel connects, which then wait out a 1 s SYN retransmit.
    request_queue_size = 128

    def __init__(self, handler: type[BaseHTTPRequestHandler], fake: Any, role: str) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.fake = fake
        self.role = role
        # A short poll interval keeps stop() (and so every test teardown) fast.
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, name=f"fake-slack-{role}", daemon=True
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of this listener."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up mid-stream (downloads cancelled on purpose by tests)."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return
        super().handle_error(request, client_address)


class FakeHandler(BaseHTTPRequestHandler):
    """Shared request helpers; subclasses route to the fake."""

    server: LoopbackServer
    server_version = "FakeSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging (bodies may carry transcripts, headers carry tokens)."""

    # Each request is counted from its request line to its answer, so a test can tell when the app has stopped
    # calling Slack (``FakeSlack.quiet_for``); an idle keep-alive connection counts for nothing.
    def parse_request(self) -> bool:
        self._counted = True
        self.server.fake.request_started()
        return super().parse_request()

    def handle_one_request(self) -> None:
        self._counted = False
        try:
            super().handle_one_request()
        finally:
            if self._counted:
                self.server.fake.request_finished()

    def read_body(self) -> bytes:
        """The request body, from Content-Length or chunked transfer encoding."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def send_bytes(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        """Answer with a complete in-memory body."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        """Answer with a JSON body, as the Web API does."""
        self.send_bytes(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    def send_stream(self, status: int, content: bytes | None, path: Path | None, headers: dict[str, str]) -> None:
        """Answer with file bytes, streamed from disk when the file lives there (no whole-file buffering)."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        if path is not None:
            with path.open("rb") as source:
                shutil.copyfileobj(source, self.wfile, STREAM_CHUNK)
        else:
            self.wfile.write(content or b"")

    @property
    def path_only(self) -> str:
        """The request path without its query string."""
        return urlsplit(self.path).path


def bearer_token(authorization: str | None) -> str | None:
    """The token from an ``Authorization: Bearer …`` header, if that is what was sent."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def decode_args(query: str, body: bytes, content_type: str | None) -> tuple[dict[str, Any], str | None]:
    """Query args merged with a form, JSON or multipart body, as Slack merges them.

    Returns (args, problem); problem names a body the fake could not read (``invalid_json`` …).
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = (content_type or "").split(";")[0].strip().lower()
    if not body:
        return args, None
    if kind == "application/json":
        try:
            decoded = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return args, "invalid_json"
        if not isinstance(decoded, dict):
            return args, "json_not_object"
        args.update(decoded)
    elif kind == "multipart/form-data":
        args.update(parse_multipart(body, content_type or ""))
    elif kind == "application/x-www-form-urlencoded":
        try:
            args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return args, "invalid_form_data"
    else:
        return args, "invalid_form_data"
    return args, None


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Fields of a multipart/form-data body: text parts as str, file parts as bytes."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is None:
            fields[name] = payload.decode("utf-8", "replace")
        else:
            fields[name] = payload
    return fields
