"""HTTPS through the pinned connection: the socket goes to the checked IP, TLS still verifies the host name."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.errors import DownloadError
from bot.net import fetch_to_file, safe_session
from tests.net.conftest import AUDIO, stub_resolver

CERTS = Path(__file__).parent / "certs"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(len(AUDIO)))
        self.end_headers()
        self.wfile.write(AUDIO)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # failed handshakes are what some tests provoke


@pytest.fixture(scope="module")
def tls_port() -> Iterator[int]:
    """A local HTTPS server presenting the test certificate for ``media.invalid``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERTS / "server.pem", CERTS / "server.key")
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    httpd.server_close()


def _fetch(host: str, port: int, tmp_path: Path, *, trust_test_ca: bool = True):
    resolver = stub_resolver({host: "127.0.0.1"})
    session = safe_session(allow_private=True, resolver=resolver)
    if trust_test_ca:
        session.verify = str(CERTS / "ca.pem")
    with session:
        return fetch_to_file(
            f"https://{host}:{port}/a.mp3",
            tmp_path / "a.mp3",
            max_bytes=10**6,
            timeout=5,
            allow_private=True,
            session=session,
            resolver=resolver,
        )


def test_https_download_verifies_the_name_while_dialing_the_pinned_address(tls_port, tmp_path):
    result = _fetch("media.invalid", tls_port, tmp_path)
    assert result.path.read_bytes() == AUDIO


def test_certificate_for_another_name_is_refused(tls_port, tmp_path):
    with pytest.raises(DownloadError, match="secure connection"):
        _fetch("other.invalid", tls_port, tmp_path)
    assert not (tmp_path / "a.mp3").exists()


def test_untrusted_certificate_is_refused(tls_port, tmp_path):
    with pytest.raises(DownloadError, match="secure connection"):
        _fetch("media.invalid", tls_port, tmp_path, trust_test_ca=False)
