"""HTTP plumbing for the Symbl emulator: the request handler (streamed body reading), errors, a webhook receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_JSON_BODY = 1024 * 1024
READ_CHUNK = 64 * 1024


class HttpError(Exception):
    """A request the emulator answers with `status` and a JSON body (by default `{"message": ...}`)."""

    def __init__(self, status: int, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body if body is not None else {"message": message}


def parse_json(raw: bytes) -> Any:
    """The JSON value of a body, or None when it is empty or not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class WebhookReceiver:
    """A loopback HTTP endpoint that records every POST it gets, for asserting on webhook deliveries."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Any]] = []  # (Content-Type, parsed JSON body)
        self._arrived = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def start(self) -> WebhookReceiver:
        """Bind 127.0.0.1 on a free port; `url` is the hook URL to pass as webhookUrl."""
        receiver = self

        class _Record(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._arrived:
                    receiver.received.append((self.headers.get("Content-Type") or "", parse_json(body)))
                    receiver._arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Record)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/symbl"
        server = self._server
        threading.Thread(target=lambda: server.serve_forever(poll_interval=0.02), daemon=True).start()
        return self

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """Block until `count` POSTs have arrived (True) or `timeout` passes (False)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.received) >= count, timeout)

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class EmulatorHandler(BaseHTTPRequestHandler):
    """Turns each HTTP request into `SymblEmulator.handle` and writes the JSON answer."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # a client that stalls mid-body must not pin a server thread forever
    # Headers and body leave in one segment; two small writes would meet the client's delayed ACK (~40 ms each).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging (request lines can carry ids; tests stay quiet)."""

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve("GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve("POST")

    def do_PUT(self) -> None:
        """Serve a PUT."""
        self._serve("PUT")

    def do_DELETE(self) -> None:
        """Serve a DELETE."""
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        status, body = self.server.emulator.handle(self, method)  # type: ignore[attr-defined]
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def read_body(self, *, keep: bool) -> tuple[int, bytes]:
        """Read the whole request body in chunks; return its size and, if `keep`, its bytes (JSON bodies only)."""
        kept = bytearray()
        size = 0
        too_large = False
        for chunk in self._body_chunks():
            size += len(chunk)
            if keep and not too_large:
                too_large = size > MAX_JSON_BODY
                kept.extend(b"" if too_large else chunk)
        if too_large:
            raise HttpError(413, "Request Entity Too Large")
        return size, bytes(kept)

    def _body_chunks(self) -> Iterator[bytes]:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            yield from self._chunked_body()
            return
        try:
            remaining = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise HttpError(400, "Invalid Content-Length.") from None
        while remaining > 0:
            chunk = self.rfile.read(min(READ_CHUNK, remaining))
            if not chunk:
                raise HttpError(400, "Request body ended before Content-Length bytes.")
            remaining -= len(chunk)
            yield chunk

    def _chunked_body(self) -> Iterator[bytes]:
        while True:
            line = self.rfile.readline(1024)
            try:
                length = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise HttpError(400, "Malformed chunked body.") from None
            if length == 0:
                while self.rfile.readline(1024) not in {b"\r\n", b"\n", b""}:
                    pass  # trailers carry nothing the emulator needs
                return
            while length > 0:
                chunk = self.rfile.read(min(READ_CHUNK, length))
                if not chunk:
                    raise HttpError(400, "Chunked body ended early.")
                length -= len(chunk)
                yield chunk
            self.rfile.readline(1024)
