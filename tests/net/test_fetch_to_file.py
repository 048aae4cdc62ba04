"""Real downloads from a local server (allowed through ``allow_private=True``) and the refusals around them."""

from __future__ import annotations

import io

import pytest
import requests

from bot.errors import DownloadError, EmptyMediaError, MediaTooLargeError
from bot.net import UnsafeURLError, fetch_to_file
from tests.net.conftest import AUDIO, stub_resolver

LIMIT = 1_000_000


def _fetch(url: str, tmp_path, **kwargs):
    kwargs.setdefault("max_bytes", LIMIT)
    kwargs.setdefault("allow_private", True)
    return fetch_to_file(url, tmp_path / "recording.bin", timeout=kwargs.pop("timeout", 5), **kwargs)


def test_good_download_is_streamed_to_disk(server, tmp_path):
    result = _fetch(f"{server.base}/audio.mp3", tmp_path, chunk_size=1000)
    assert result.path == tmp_path / "recording.bin"
    assert result.path.read_bytes() == AUDIO
    assert result.size == len(AUDIO)
    assert result.content_type == "audio/mpeg"
    assert result.final_url == f"{server.base}/audio.mp3"
    assert list(tmp_path.iterdir()) == [result.path]


def test_chunked_body_is_saved_whole(server, tmp_path):
    result = _fetch(f"{server.base}/chunked", tmp_path, chunk_size=4096)
    assert result.path.read_bytes() == AUDIO
    assert result.content_type == "audio/ogg"


def test_compressed_body_counts_against_the_limit_once_decoded(server, tmp_path):
    with pytest.raises(MediaTooLargeError):
        _fetch(f"{server.base}/gzip-bomb", tmp_path, max_bytes=1_000_000)
    assert list(tmp_path.iterdir()) == []


def test_redirects_are_followed_and_reported(server, tmp_path):
    result = _fetch(f"{server.base}/redirect-absolute", tmp_path)
    assert result.final_url == f"{server.base}/audio.mp3"
    assert result.path.read_bytes() == AUDIO


def test_redirect_loop_gives_up(server, tmp_path):
    before = len(server.seen)
    with pytest.raises(DownloadError, match="redirects too many times"):
        _fetch(f"{server.base}/loop", tmp_path)
    assert len(server.seen) - before == 6  # the first request and 5 redirects, no more


def test_redirect_to_metadata_is_refused_even_when_private_addresses_are_allowed(server, tmp_path):
    with pytest.raises(UnsafeURLError, match="cloud metadata"):
        _fetch(f"{server.base}/to-metadata", tmp_path)
    assert not (tmp_path / "recording.bin").exists()


def test_redirect_to_a_name_that_resolves_privately_is_refused(server, tmp_path):
    resolver = stub_resolver({"sneaky.test": "169.254.169.254"})
    with pytest.raises(UnsafeURLError, match="cloud metadata"):
        _fetch(f"{server.base}/to-internal-name", tmp_path, resolver=resolver)


def test_too_large_by_content_length_is_refused_before_reading(server, tmp_path):
    with pytest.raises(MediaTooLargeError, match="larger than the 1 MB limit"):
        _fetch(f"{server.base}/big-declared", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_too_large_while_streaming_is_aborted_and_leaves_no_file(server, tmp_path):
    with pytest.raises(MediaTooLargeError, match="larger than the 100,000 bytes limit"):
        _fetch(f"{server.base}/big-streamed", tmp_path, max_bytes=100_000, chunk_size=8192)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", ["/login", "/login-sniffed"])
def test_web_pages_are_refused(server, tmp_path, path):
    with pytest.raises(DownloadError, match="returned a web page, not a recording"):
        _fetch(f"{server.base}{path}", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_empty_body_is_refused(server, tmp_path):
    with pytest.raises(EmptyMediaError, match="empty file"):
        _fetch(f"{server.base}/empty", tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("path", "message"), [("/forbidden", "needs a login"), ("/missing", "Nothing was found")])
def test_http_errors_read_plainly(server, tmp_path, path, message):
    with pytest.raises(DownloadError, match=message):
        _fetch(f"{server.base}{path}", tmp_path)


def test_download_cut_off_before_the_end_leaves_no_file(server, tmp_path):
    with pytest.raises(DownloadError, match="cut off before the end"):
        _fetch(f"{server.base}/truncated", tmp_path, chunk_size=1024)
    assert list(tmp_path.iterdir()) == []


def test_slow_server_times_out(server, tmp_path):
    with pytest.raises(DownloadError, match="did not answer in time"):
        _fetch(f"{server.base}/slow", tmp_path, timeout=0.3)


def test_trickling_server_hits_the_overall_limit(server, tmp_path):
    with pytest.raises(DownloadError, match="did not answer in time"):
        _fetch(f"{server.base}/trickle", tmp_path, max_seconds=0.5)
    assert list(tmp_path.iterdir()) == []


def test_loopback_server_is_refused_by_default(server, tmp_path):
    before = len(server.seen)
    with pytest.raises(UnsafeURLError, match="loopback"):
        fetch_to_file(f"{server.base}/audio.mp3", tmp_path / "x", max_bytes=LIMIT)
    assert len(server.seen) == before


class _FakeRedirectSession:
    """Answers the first request with a redirect, without any network; records what was asked."""

    def __init__(self, location: str):
        self.location = location
        self.urls: list[str] = []

    def get(self, url, **kwargs):
        self.urls.append(url)
        response = requests.Response()
        response.status_code = 302
        response.headers["Location"] = self.location
        response.url = url
        response.raw = io.BytesIO(b"")
        return response


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("http://127.0.0.1:8080/admin", "loopback"),
        ("http://sneaky.test/secret", "private network"),
        ("http://[::ffff:7f00:1]/", "loopback"),
        ("ftp://files.example/a.mp4", "not ftp: links"),
    ],
)
def test_each_redirect_hop_is_checked_before_it_is_contacted(tmp_path, location, message):
    resolver = stub_resolver({"public.test": "93.184.216.34", "sneaky.test": "10.20.30.40"})
    session = _FakeRedirectSession(location)
    with pytest.raises(UnsafeURLError, match=message):
        fetch_to_file(
            "https://public.test/meeting.mp4", tmp_path / "x", max_bytes=LIMIT, session=session, resolver=resolver
        )
    assert session.urls == ["https://public.test/meeting.mp4"]
