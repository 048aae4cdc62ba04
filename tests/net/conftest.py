"""A local HTTP server (127.0.0.1, port 0) with one route per behaviour the fetcher must handle."""

from __future__ import annotations

import gzip
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

AUDIO = b"ID3" + bytes(range(256)) * 40  # 10 KiB of "mp3"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen_hosts: list[str]

    def log_message(self, format, *args):
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str = "audio/mpeg", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server.seen.append((self.path, self.headers.get("Host")))
        route = self.path.split("?")[0]
        match route:
            case "/audio.mp3":
                self._send(200, AUDIO)
            case "/redirect":
                self._send(302, Location="/audio.mp3")
            case "/redirect-absolute":
                self._send(301, Location=f"http://127.0.0.1:{self.server.server_port}/redirect")
            case "/loop":
                self._send(302, Location="/loop")
            case "/to-metadata":
                self._send(302, Location="http://169.254.169.254/latest/meta-data/")
            case "/to-internal-name":
                self._send(307, Location="http://sneaky.test/secret")
            case "/big-declared":
                # Claims 1 GB but sends little: the fetcher must refuse before reading.
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(10**9))
                self.end_headers()
                self.wfile.write(b"x" * 1024)
            case "/big-streamed":
                # No Content-Length: only counting the bytes can catch it.
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(64):
                    self.wfile.write(b"v" * 4096)
                self.close_connection = True
            case "/chunked":
                self.send_response(200)
                self.send_header("Content-Type", "audio/ogg")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(AUDIO), 3000):
                    piece = AUDIO[start : start + 3000]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            case "/gzip-bomb":
                # 5 MB of zeros in a few kB: the limit must apply to what is written, not what is sent.
                self._send(200, gzip.compress(bytes(5_000_000)), Content_Encoding="gzip")
            case "/truncated":
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(AUDIO[:5000])
                self.close_connection = True
            case "/login":
                self._send(200, b"<html><body>Sign in</body></html>", content_type="text/html; charset=utf-8")
            case "/login-sniffed":
                self._send(200, b"\n  <!DOCTYPE html><html>Sign in</html>", content_type="application/octet-stream")
            case "/empty":
                self._send(200, b"")
            case "/forbidden":
                self._send(403, b"no", content_type="text/plain")
            case "/missing":
                self._send(404, b"no", content_type="text/plain")
            case "/slow":
                time.sleep(1.5)
                self._send(200, AUDIO)
            case "/trickle":
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", "100")
                self.end_headers()
                for _ in range(10):
                    self.wfile.write(b"t")
                    self.wfile.flush()
                    time.sleep(0.2)
                self.close_connection = True
            case _:
                self._send(404, b"", content_type="text/plain")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The fetcher hangs up on purpose (too large, too slow); a broken pipe on our side is expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    """The running server; ``server.seen`` lists (path, Host header) of every request, ``server.base`` its URL."""
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    httpd.seen = []
    httpd.base = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def stub_resolver(table: dict[str, str]):
    """A ``socket.getaddrinfo`` stand-in answering from ``table`` (name -> IP); unknown names fail like DNS."""

    def resolve(host, port, *args, **kwargs):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        ip = table[host]
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (ip, port))]

    return resolve
