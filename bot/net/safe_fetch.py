"""Download a recording from a link a user gave us, without becoming a proxy into the private network.

Rules (each hop of a redirect chain is held to all of them):

* only ``http``/``https``, no credentials in the URL, at most 2,048 characters, a host name present;
* the host must resolve only to public addresses (``bot.net.addresses``), and the connection goes to the very
  address that was checked (``bot.net.pinning``), so DNS rebinding between check and connect does not work;
* at most 5 redirects, followed by hand so every ``Location`` is validated before it is contacted;
* a size limit, checked against ``Content-Length`` before reading and counted while streaming (decoded bytes, so a
  compressed body cannot expand past it), a timeout on connecting and on each read, and an overall time limit;
* web pages are refused (a login page is not a recording), and so is an empty body.

The body is streamed to ``<dest>.part`` and renamed to ``dest`` only when complete; a failure leaves no file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from bot.errors import DownloadError, EmptyMediaError, MediaTooLargeError
from bot.net.addresses import Resolver, check_address, check_host_name, parse_ip_literal, resolve_and_check
from bot.net.errors import UnsafeURLError
from bot.net.pinning import safe_session

MAX_URL_CHARS = 2048
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_WEB_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_WEB_PAGE_STARTS = (b"<!doctype html", b"<html", b"<head", b"<?xml")
_UTF8_BOM = b"\xef\xbb\xbf"  # an HTML page may start with one; sniffing looks past it and white space
_NO_TIME = "The link did not answer in time. Try again later, or upload the file to Slack instead."
_WEB_PAGE = (
    "That link returned a web page, not a recording. If it needs a login, download the file and upload it "
    "to Slack instead."
)

__all__ = ["FetchResult", "UnsafeURLError", "fetch_to_file", "resolve_and_check", "validate_url"]


@dataclass(frozen=True)
class FetchResult:
    """A completed download: where it is, its size in bytes, its declared type and the URL it finally came from."""

    path: Path
    size: int
    content_type: str | None
    final_url: str


def validate_url(url: str, *, allow_private: bool = False) -> str:
    """The URL, stripped, if it passes the checks that need no network; else ``UnsafeURLError`` saying why.

    Host names are resolved and checked later (``resolve_and_check``); IP literals, in any spelling the system
    resolver would accept (``http://2130706433/``, ``http://0x7f.1/``, ``http://[::ffff:127.0.0.1]/``), are
    checked here.
    """
    url = (url or "").strip()
    if not url:
        raise UnsafeURLError("That link is empty.")
    if len(url) > MAX_URL_CHARS:
        raise UnsafeURLError(f"That link is too long (over {MAX_URL_CHARS:,} characters).")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c == "\\" for c in url):
        # Backslashes are refused because URL parsers disagree on them ("http://a\\@b/"), and a link whose
        # host two libraries read differently has no business here.
        raise UnsafeURLError("That link contains spaces, backslashes or control characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme or (not parts.netloc and scheme not in ("http", "https", "ftp", "file", "javascript", "data")):
        raise UnsafeURLError("That doesn't look like a link: it should start with http:// or https://.")
    if scheme not in ("http", "https"):
        raise UnsafeURLError(f"Only http:// and https:// links can be fetched, not {scheme}: links.")
    if "@" in parts.netloc:
        raise UnsafeURLError(
            "Links with a user name or password in them are not accepted. Share a link that works without a "
            "login, or upload the file to Slack."
        )
    host = parts.hostname
    if not host:
        raise UnsafeURLError("That link has no server name.")
    try:
        parts.port  # noqa: B018 - urlsplit only validates the port when it is read
    except ValueError as error:
        raise UnsafeURLError("That link has an invalid port number.") from error
    check_host_name(host, allow_private=allow_private)
    literal = parse_ip_literal(host)
    if literal is not None:
        check_address(literal, allow_private=allow_private)
    return url


def _http_error(status: int) -> DownloadError:
    if status in (401, 403):
        return DownloadError(
            f"The link needs a login (HTTP {status}). Share a public link, or upload the file to Slack instead."
        )
    if status in (404, 410):
        return DownloadError(f"Nothing was found at that link (HTTP {status}).")
    if status >= 500:
        return DownloadError(f"The server in that link failed (HTTP {status}). Try again later.")
    return DownloadError(f"The link could not be downloaded (HTTP {status}).")


def _open(session: requests.Session, url: str, timeout: float) -> requests.Response:
    try:
        return session.get(url, stream=True, allow_redirects=False, timeout=(timeout, timeout))
    except requests.Timeout as error:
        raise DownloadError(_NO_TIME) from error
    except requests.exceptions.SSLError as error:
        raise DownloadError("The secure connection to that link failed (bad or untrusted certificate).") from error
    except requests.ConnectionError as error:
        raise DownloadError("I couldn't connect to the server in that link.") from error
    except requests.RequestException as error:
        raise DownloadError("I couldn't download that link.") from error


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.0f} MB" if n >= 1_000_000 else f"{n:,} bytes"


def _too_large(max_bytes: int) -> MediaTooLargeError:
    return MediaTooLargeError(f"The recording is larger than the {_mb(max_bytes)} limit.")


def _save(response: requests.Response, dest: Path, *, max_bytes: int, chunk_size: int, deadline: float) -> int:
    """Stream the body to ``dest`` (via ``.part``); the number of bytes written."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    partial = dest.with_name(dest.name + ".part")
    size = 0
    try:
        with partial.open("wb") as out:
            while True:
                # read1 returns as soon as some data arrives, so the deadline is checked at least once per
                # read timeout even when a server trickles bytes to keep the connection alive.
                chunk = response.raw.read1(chunk_size, decode_content=True)
                if not chunk:
                    break
                if size == 0 and chunk[:256].lstrip().removeprefix(_UTF8_BOM).lstrip()[:16].lower().startswith(
                    _WEB_PAGE_STARTS
                ):
                    raise DownloadError(_WEB_PAGE)
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(max_bytes)
                if time.monotonic() > deadline:
                    raise DownloadError(_NO_TIME)
                out.write(chunk)
        if size == 0:
            raise EmptyMediaError("The link returned an empty file.")
        partial.replace(dest)
    except urllib3.exceptions.ReadTimeoutError as error:
        partial.unlink(missing_ok=True)
        raise DownloadError(_NO_TIME) from error
    except urllib3.exceptions.HTTPError as error:  # urllib3 wraps socket and TLS errors while reading
        partial.unlink(missing_ok=True)
        raise DownloadError("The download was cut off before the end. Try again.") from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return size


def fetch_to_file(
    url: str,
    dest: Path,
    *,
    max_bytes: int,
    timeout: float = 30,
    allow_private: bool = False,
    session: requests.Session | None = None,
    chunk_size: int = 1 << 20,
    max_seconds: float = 900,
    resolver: Resolver | None = None,
) -> FetchResult:
    """Download ``url`` to ``dest`` under the module's rules; raises a ``MediaError`` subclass with a user message.

    ``timeout`` bounds connecting and each wait for data; ``max_seconds`` bounds the whole download.
    ``allow_private`` lets loopback and private addresses through (tests, intranet deployments).
    ``session`` defaults to a fresh :func:`bot.net.pinning.safe_session`; pass your own only if it is one of
    those, or the connection is not pinned to the checked address. ``resolver`` replaces
    ``socket.getaddrinfo`` (tests).
    """
    deadline = time.monotonic() + max_seconds
    current = validate_url(url, allow_private=allow_private)
    own_session = session is None
    session = session or safe_session(allow_private=allow_private, resolver=resolver)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            default_port = 443 if parts.scheme.lower() == "https" else 80
            resolve_and_check(
                parts.hostname, parts.port or default_port, allow_private=allow_private, resolver=resolver
            )
            response = _open(session, current, timeout)
            with response:
                if response.status_code in _REDIRECTS and response.headers.get("Location"):
                    current = validate_url(urljoin(current, response.headers["Location"]), allow_private=allow_private)
                    continue
                if response.status_code >= 400:
                    raise _http_error(response.status_code)
                if response.status_code != 200:
                    raise DownloadError(f"The link could not be downloaded (HTTP {response.status_code}).")
                content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower() or None
                if content_type in _WEB_PAGE_TYPES:
                    raise DownloadError(_WEB_PAGE)
                size = _save(response, dest, max_bytes=max_bytes, chunk_size=chunk_size, deadline=deadline)
                return FetchResult(path=dest, size=size, content_type=content_type, final_url=current)
        raise DownloadError(f"That link redirects too many times (more than {MAX_REDIRECTS}).")
    finally:
        if own_session:
            session.close()
