"""The connection goes to the address that was checked, with the URL's host name kept for HTTP."""

from __future__ import annotations

import pytest

from bot.net import UnsafeURLError, fetch_to_file, safe_session
from tests.net.conftest import AUDIO, stub_resolver


def test_connection_uses_the_checked_address_and_keeps_the_host_header(server, tmp_path):
    # "media.invalid" exists only in the stub: the download can only work if the socket dials the checked IP.
    resolver = stub_resolver({"media.invalid": "127.0.0.1"})
    url = f"http://media.invalid:{server.server_port}/audio.mp3"
    result = fetch_to_file(url, tmp_path / "a.mp3", max_bytes=10**6, allow_private=True, resolver=resolver)
    assert result.path.read_bytes() == AUDIO
    assert server.seen[-1] == ("/audio.mp3", f"media.invalid:{server.server_port}")


def test_adapter_checks_at_connect_time_too(server):
    # A session used directly (no fetch_to_file) still refuses a name that resolves to a private address.
    resolver = stub_resolver({"rebound.invalid": "127.0.0.1"})
    before = len(server.seen)
    with safe_session(resolver=resolver) as session, pytest.raises(UnsafeURLError, match="loopback"):
        session.get(f"http://rebound.invalid:{server.server_port}/audio.mp3", timeout=5)
    assert len(server.seen) == before


def test_session_ignores_proxy_settings_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("http_proxy", "http://10.9.9.9:3128")
    with safe_session(allow_private=True) as session:
        response = session.get(f"{server.base}/audio.mp3", timeout=5)
    assert response.content == AUDIO
