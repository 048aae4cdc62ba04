"""Links refused before any connection, each with a message a user can act on."""

from __future__ import annotations

import socket

import pytest

from bot.errors import DownloadError, user_text
from bot.net import UnsafeURLError, resolve_and_check, validate_url
from tests.net.conftest import stub_resolver

BAD_URLS = [
    ("example.com/meeting.mp4", "should start with http:// or https://"),
    ("ftp://example.com/meeting.mp4", "not ftp: links"),
    ("javascript:alert(1)", "not javascript: links"),
    ("file:///etc/passwd", "not file: links"),
    ("https://user:secret@example.com/a.mp4", "user name or password"),
    ("https://example.com/" + "a" * 10_000, "too long"),
    ("https:///a.mp4", "no server name"),
    ("http://example.com\\@127.0.0.1/", "backslashes"),
    ("http://example.com/a b.mp4", "spaces"),
    ("http://example.com:99999/", "invalid port"),
    ("http://127.0.0.1/a.mp4", "loopback"),
    ("http://127.1/a.mp4", "loopback"),
    ("http://localhost:8080/a.mp4", "internal host name"),
    ("http://media.localhost/a.mp4", "internal host name"),
    ("http://[::1]/a.mp4", "loopback"),
    ("http://10.1.2.3/a.mp4", "private network"),
    ("http://172.16.0.9/a.mp4", "private network"),
    ("http://192.168.1.20/a.mp4", "private network"),
    ("http://100.64.0.1/a.mp4", "private network"),
    ("http://[fd12:3456::1]/a.mp4", "private network"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://169.254.1.1/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata"),
    ("http://0.0.0.0:8000/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/a.mp4", "loopback"),
    ("http://[::ffff:169.254.169.254]/", "cloud metadata"),
    ("http://[2002:7f00:1::]/", "loopback"),  # 6to4 wrapping 127.0.0.1
    ("http://[64:ff9b::a00:1]/", "private network"),  # NAT64 wrapping 10.0.0.1
    ("http://2130706433/a.mp4", "loopback"),  # decimal 127.0.0.1
    ("http://0x7f.1/a.mp4", "loopback"),  # hex, short form
    ("http://017700000001/a.mp4", "loopback"),  # octal
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_bad_urls_are_refused_with_a_clear_message(url, message):
    with pytest.raises(UnsafeURLError) as caught:
        validate_url(url)
    text = user_text(caught.value)
    assert message in text
    assert "secret" not in text


def test_refusals_are_download_errors_so_the_app_shows_them_as_is():
    assert issubclass(UnsafeURLError, DownloadError)


@pytest.mark.parametrize(
    "url",
    ["https://example.com/meeting.mp4", "http://93.184.216.34:8080/a.mp4?x=1&y=2", "HTTPS://Example.COM/a%20b.mp4"],
)
def test_good_urls_pass(url):
    assert validate_url(f"  {url} ") == url


def test_allow_private_lets_loopback_through_but_never_metadata():
    assert validate_url("http://127.0.0.1:8000/a.mp4", allow_private=True)
    assert validate_url("http://localhost:8000/a.mp4", allow_private=True)
    with pytest.raises(UnsafeURLError, match="cloud metadata"):
        validate_url("http://169.254.169.254/", allow_private=True)
    with pytest.raises(UnsafeURLError, match="cloud metadata"):
        validate_url("http://metadata.google.internal/", allow_private=True)


def test_resolution_is_checked_and_any_bad_address_refuses_the_host():
    public = stub_resolver({"media.example": "93.184.216.34"})
    assert [str(ip) for ip in resolve_and_check("media.example", 443, resolver=public)] == ["93.184.216.34"]

    def mixed(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    with pytest.raises(UnsafeURLError, match="private network"):
        resolve_and_check("rebind.example", 443, resolver=mixed)
    with pytest.raises(UnsafeURLError, match="loopback"):
        resolve_and_check("evil.example", 80, resolver=stub_resolver({"evil.example": "::ffff:127.0.0.1"}))
    assert resolve_and_check(
        "evil.example", 80, allow_private=True, resolver=stub_resolver({"evil.example": "10.0.0.1"})
    )


def test_unknown_host_says_so():
    with pytest.raises(DownloadError, match="couldn't find the server"):
        resolve_and_check("nowhere.example", 80, resolver=stub_resolver({}))
