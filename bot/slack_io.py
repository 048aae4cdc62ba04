"""The only place that talks to Slack's Web API and downloads Slack-hosted files, and Slack's error boundary.

Whatever goes wrong in a call (slack_sdk's ``SlackApiError``, a dropped connection, a requests error) leaves this
module as the project's own ``SlackError`` with Slack's error code and ``retryable`` (``bot.retry`` reads it), or
as a ``DownloadError`` for a download; nothing else in the app imports slack_sdk's errors or requests.

Two rules matter here beyond plumbing:
- the bot token goes only to SLACK_FILES_HOST (files.slack.com) and SLACK_API_URL's host; redirects are followed
  by hand and a hop to any other host is made without the token;
- Slack answers a download it will not authorise with HTTP 200 and an HTML login page, so the body is checked
  for being HTML and for having the size Slack announced.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import metrics
from bot.errors import DownloadError, EmptyMediaError, MediaTooLargeError, SlackError
from bot.slack_guard import is_slack_hook

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
METADATA_EVENT = "symbl_bot_message"  # the Slack message metadata type on messages we may need to find again
USER_CACHE_SECONDS = 3600.0
MAX_MEMBERS_TO_MATCH = 200
# Membership answers gate private meetings; a minute is short enough that a removed member loses access quickly.
MEMBERSHIP_CACHE_SECONDS = 60.0
_MEMBERSHIP_MAX_PAGES = 20
_THREAD_MAX_PAGES = 50  # 10,000 replies at 200 a page
_MAX_REDIRECTS = 5
_HTML_MARKERS = (b"<!doctype html", b"<html")
_UTF8_BOM = b"\xef\xbb\xbf"
# A download's overall time: at least DOWNLOAD_MIN_SECONDS, longer for a big file at no less than 50 KB/s. And after
# its first few seconds it must keep that rate on average, so a trickle (1 KB every 5 s held all four job workers
# for good) frees its worker within seconds rather than at the deadline.
MIN_DOWNLOAD_BYTES_PER_SECOND = 50_000
RATE_GRACE_SECONDS = 5.0


# Slack errors that no retry can fix: the job fails at once with a clear message instead of retrying for minutes.
PERMANENT_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "file_not_found",
    }
)


@dataclass(frozen=True)
class Member:
    """A human member of a channel and the names Slack knows them by (real name, display name, handle)."""

    id: str
    names: tuple[str, ...]


def looks_like_web_page(first_chunk: bytes) -> bool:
    """Whether a body starts like HTML, past a UTF-8 byte order mark and white space."""
    return first_chunk[:256].lstrip().removeprefix(_UTF8_BOM).lstrip()[:64].lower().startswith(_HTML_MARKERS)


def _mb(size: int) -> str:
    """A size for people: "1.4 MB" (one decimal, so a file just over a limit never reads as equal to it)."""
    megabytes = size / 2**20
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"


CONNECTION_ERROR = "connection_error"  # SlackError.code when Slack could not be reached or the answer was cut off


def slack_error(exc: SlackApiError) -> SlackError:
    """The project's error for Slack's answer: its code, and whether a later try may pass (any code but those
    no retry can fix, :data:`PERMANENT_ERRORS`)."""
    code = _error_code(exc)
    status = getattr(exc.response, "status_code", None)
    return SlackError(f"Slack answered {code}", code=code, retryable=code not in PERMANENT_ERRORS, status=status)


def connection_error(exc: BaseException) -> SlackError:
    """A call that got no answer (timeout, refused or dropped connection): worth trying again later."""
    return SlackError(f"Slack could not be reached ({type(exc).__name__})", code=CONNECTION_ERROR, retryable=True)


def retry_handlers() -> list:
    """Slack 429s are waited out per Retry-After; 5xx and dropped connections are retried a few times."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=4),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


class TimedWebClient(WebClient):
    """A WebClient that records each Web API call's duration (retries included) by method and outcome, and raises
    ``SlackError`` for every failure.

    slack_sdk has no request hooks (its retry handlers only see failures), and every method helper
    (``chat_postMessage`` …) goes through ``api_call``, so timing and mapping errors here covers all of them. Bolt
    makes its own client per request, but our listeners never use it: they call Slack through ``SlackIO`` and this
    client.
    """

    def api_call(self, api_method: str, **kwargs):
        started = time.perf_counter()
        outcome = "exception"
        try:
            response = super().api_call(api_method, **kwargs)
            outcome = "ok"
            return response
        except SlackApiError as exc:
            outcome = _error_code(exc)
            raise slack_error(exc) from exc
        except (OSError, http.client.HTTPException) as exc:  # urllib's timeouts, refused and dropped connections
            outcome = type(exc).__name__
            raise connection_error(exc) from exc
        except Exception as exc:
            outcome = type(exc).__name__
            raise
        finally:
            metrics.slack_call(api_method, outcome, time.perf_counter() - started)


def _error_code(exc: SlackApiError) -> str:
    try:
        code = str(exc.response.get("error") or "error")
    except Exception:  # a body that was not JSON
        return "error"
    # slack_sdk puts a non-JSON answer's text in "error"; a code is one short word
    return code if code.replace("_", "").isalnum() and len(code) <= 64 else "unexpected_answer"


def make_web_client(token: str, api_url: str) -> WebClient:
    """A WebClient for our API URL with the retry handlers attached, a finite timeout and its calls timed."""
    return TimedWebClient(token=token, base_url=api_url, timeout=30, retry_handlers=retry_handlers())


def _tagged(messages: list[dict[str, Any]], tag: str) -> str | None:
    """The ts of the message whose Slack message metadata carries ``tag`` (as ``SlackIO.post`` sets it)."""
    for message in messages:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == METADATA_EVENT and (metadata.get("event_payload") or {}).get("tag") == tag:
            return message.get("ts")
    return None


def _netloc(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


class SlackIO:
    """Posting, editing, reacting, uploading and downloading for one bot token."""

    def __init__(
        self,
        client: WebClient,
        *,
        files_host: str = "files.slack.com",
        http: requests.Session | None = None,
        download_timeout: float = 60.0,
        min_download_seconds: float = 60.0,
        hooks_host: str = "hooks.slack.com",
    ):
        if not isinstance(client, TimedWebClient):  # every call must come out through the error boundary
            client = TimedWebClient(
                token=client.token,
                base_url=client.base_url,
                timeout=client.timeout,
                retry_handlers=client.retry_handlers,
            )
        self.client = client
        self._token_hosts = {_netloc(client.base_url), _netloc(f"https://{files_host}")}
        if ":" in files_host:  # an explicit host:port (tests, or a proxy) is taken as given
            self._token_hosts.add(_netloc(f"http://{files_host}"))
        self._http = http or requests.Session()
        self._download_timeout = download_timeout
        self._min_download_seconds = min_download_seconds
        self._hooks_host = hooks_host
        self._user_by_email: dict[str, str | None] = {}
        self._users: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._memberships: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    # -- messages -----------------------------------------------------------------------------------------

    def post(
        self, channel: str, payload: dict[str, Any], *, thread_ts: str | None = None, tag: str | None = None
    ) -> str:
        """Post a message (``payload`` has ``text`` and maybe ``blocks``); returns its ts.

        ``tag`` is stored with the message as Slack message metadata, so :meth:`find_tagged` can find it again
        when a crash lost the ts.
        """
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"tag": tag}} if tag else None
        response = self.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, metadata=metadata, **payload
        )
        return response["ts"]

    def find_tagged(self, channel: str, tag: str, *, thread_ts: str | None = None, oldest: float = 0.0) -> str | None:
        """The ts of the bot's message posted with ``tag``: in the thread, or at the channel's top level.

        A thread is read to its end, page by page: a meeting's thread grows with every append, and some apps get
        only 15 messages a page (slack.md §5), so a message past the first page must still be found.
        """
        if thread_ts:
            cursor = None
            for _ in range(_THREAD_MAX_PAGES):
                page = self.client.conversations_replies(
                    channel=channel, ts=thread_ts, include_all_metadata=True, limit=200, cursor=cursor
                )
                if found := _tagged(page.get("messages") or [], tag):
                    return found
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
            log.warning("gave up looking for a tagged message past %d pages of a thread", _THREAD_MAX_PAGES)
            return None
        page = self.client.conversations_history(
            channel=channel, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=200
        )
        return _tagged(page.get("messages") or [], tag)

    def update(self, channel: str, ts: str, payload: dict[str, Any]) -> None:
        """Replace a message's content in place."""
        self.client.chat_update(channel=channel, ts=ts, **{"blocks": [], **payload})

    def ephemeral(self, channel: str, user: str, text: str, *, thread_ts: str | None = None) -> None:
        self.client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)

    def respond(self, response_url: str, payload: dict[str, Any]) -> None:
        """Answer a slash command privately through its response_url (no token: the URL is the credential)."""
        if not is_slack_hook(response_url, self._hooks_host):
            log.warning("not answering through a response_url outside Slack's hooks host")
            return
        try:
            self._http.post(
                response_url, json={"response_type": "ephemeral", **payload}, timeout=(10, 30), allow_redirects=False
            )
        except requests.RequestException as exc:
            raise connection_error(exc) from None  # the text would carry the response_url, a credential

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal for the person who just clicked (``trigger_id`` comes with the click and lasts 3 s)."""
        self.client.views_open(trigger_id=trigger_id, view=view)

    def react(self, channel: str, ts: str, name: str) -> None:
        """Add a reaction; an existing one is fine (this is called again when a stage is retried)."""
        try:
            self.client.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackError as exc:
            if exc.code != "already_reacted":
                raise

    def unreact(self, channel: str, ts: str, name: str) -> None:
        try:
            self.client.reactions_remove(channel=channel, timestamp=ts, name=name)
        except SlackError as exc:
            if exc.code not in {"no_reaction", "message_not_found"}:
                raise

    def permalink(self, channel: str, ts: str) -> str | None:
        try:
            return self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        except SlackError:
            return None

    def upload_text(
        self,
        channel: str,
        thread_ts: str,
        *,
        filename: str,
        title: str,
        content: str,
        before_share: Callable[[str], None] = lambda _file_id: None,
    ) -> str:
        """Upload a text file into a thread; returns the file's id.

        The three steps of files_upload_v2 (get an upload URL, send the bytes, complete), done here so that
        ``before_share(file_id)`` runs before the file appears in the channel: a caller saves the id, and after
        a crash :meth:`is_shared` tells whether the upload finished.
        """
        data = content.encode("utf-8")
        ticket = self.client.files_getUploadURLExternal(filename=filename, length=len(data))
        try:
            response = self._http.post(ticket["upload_url"], data=data, timeout=(10, 60), allow_redirects=False)
        except requests.RequestException as exc:
            raise connection_error(exc) from None
        if response.status_code != 200:
            raise DownloadError(f"Slack refused the transcript upload (HTTP {response.status_code}).")
        before_share(ticket["file_id"])
        self.client.files_completeUploadExternal(
            files=[{"id": ticket["file_id"], "title": title}], channel_id=channel, thread_ts=thread_ts
        )
        return ticket["file_id"]

    def is_shared(self, file_id: str, channel: str) -> bool:
        """Whether an uploaded file was shared in ``channel`` (an upload never completed is in no channel)."""
        try:
            info = self.client.files_info(file=file_id)["file"]
        except SlackError as exc:
            if exc.code == "file_not_found":
                return False
            raise
        shares = info.get("shares") or {}  # {"public": {channel: [...]}, "private": {...}}
        return channel in (info.get("channels") or []) or any(channel in group for group in shares.values())

    def user_for_email(self, email: str) -> str | None:
        """The Slack user id for an email, or None; cached, since meetings repeat the same people."""
        key = email.strip().lower()
        with self._lock:
            if key in self._user_by_email:
                return self._user_by_email[key]
        try:
            user_id = self.client.users_lookupByEmail(email=key)["user"]["id"]
        except SlackError:
            user_id = None
        with self._lock:
            self._user_by_email[key] = user_id
        return user_id

    def user_tz(self, user_id: str) -> str | None:
        """The user's IANA time zone from their Slack profile, or None when Slack will not say."""
        user = self._user(user_id)
        return user.get("tz") if user else None

    def channel_members(self, channel: str) -> list[Member] | None:
        """The channel's human members with their names, or None when the channel is too large to match names in.

        Names are matched against assignees, so each member's profile is needed: one ``users.info`` each, cached
        for an hour, which is why large channels are skipped (emails still resolve there).
        """
        ids: list[str] = []
        cursor = None
        while True:
            page = self.client.conversations_members(channel=channel, limit=200, cursor=cursor)
            ids += page.get("members") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if len(ids) > MAX_MEMBERS_TO_MATCH:
                return None
            if not cursor:
                break
        members = []
        for user_id in ids:
            user = self._user(user_id)
            if user and not user.get("is_bot") and not user.get("deleted"):
                profile = user.get("profile") or {}
                names = (user.get("real_name"), profile.get("real_name"), profile.get("display_name"), user.get("name"))
                members.append(Member(user_id, tuple(dict.fromkeys(n.strip() for n in names if n and n.strip()))))
        return members

    def is_member(self, channel: str, user_id: str) -> bool:
        """Whether Slack lists ``user_id`` among ``channel``'s members (cached for a minute).

        Fails closed: when Slack cannot answer in time or refuses (a private channel the bot left answers
        ``channel_not_found``), the user is treated as not a member, and that answer is not cached.
        """
        now = time.monotonic()
        with self._lock:
            cached = self._memberships.get((channel, user_id))
            if cached and cached[0] > now:
                return cached[1]
        try:
            found = self._listed(channel, user_id)
        except (SlackError, ValueError):
            log.warning("could not check channel membership", extra={"channel": channel})
            return False
        with self._lock:
            self._memberships[(channel, user_id)] = (now + MEMBERSHIP_CACHE_SECONDS, found)
        return found

    def user_names(self, user_id: str) -> tuple[str, ...]:
        """The names a user goes by in Slack (real name, display name, handle); empty when Slack will not say."""
        user = self._user(user_id) or {}
        profile = user.get("profile") or {}
        names = (user.get("real_name"), profile.get("real_name"), profile.get("display_name"), user.get("name"))
        return tuple(dict.fromkeys(n.strip() for n in names if n and n.strip()))

    def is_admin(self, user_id: str) -> bool:
        """Whether Slack says the user is a workspace admin or owner (fails closed: unknown is not an admin)."""
        user = self._user(user_id) or {}
        return bool(user.get("is_admin") or user.get("is_owner"))

    def channel_name(self, channel: str) -> str | None:
        """The channel's name (``conversations.info``), or None when Slack will not say."""
        try:
            return self.client.conversations_info(channel=channel)["channel"].get("name")
        except (SlackError, ValueError):
            return None

    def delete_file(self, file_id: str) -> None:
        """Delete a file the app uploaded; one already gone counts as deleted (a resumed forget asks again)."""
        try:
            self.client.files_delete(file=file_id)
        except SlackError as exc:
            if exc.code not in ("file_not_found", "file_deleted"):
                raise

    def channel_member_ids(self, channel: str) -> list[str]:
        """The ids of the channel's members (no profiles: one ``conversations.members`` call per 1,000)."""
        ids: list[str] = []
        cursor = None
        for _ in range(_MEMBERSHIP_MAX_PAGES):
            page = self.client.conversations_members(channel=channel, limit=1000, cursor=cursor)
            ids += page.get("members") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return ids

    def _listed(self, channel: str, user_id: str) -> bool:
        cursor = None
        for _ in range(_MEMBERSHIP_MAX_PAGES):
            page = self.client.conversations_members(channel=channel, limit=1000, cursor=cursor)
            if user_id in (page.get("members") or []):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False
        return False

    def _user(self, user_id: str) -> dict[str, Any] | None:
        now = time.monotonic()
        with self._lock:
            cached = self._users.get(user_id)
            if cached and cached[0] > now:
                return cached[1]
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackError:
            user = None
        with self._lock:
            self._users[user_id] = (now + USER_CACHE_SECONDS, user)
        return user

    # -- files --------------------------------------------------------------------------------------------

    def file_info(self, file_id: str) -> dict[str, Any]:
        """The full file object (shares in Slack Connect channels arrive as stubs without URLs)."""
        return self.client.files_info(file=file_id)["file"]

    def download(self, file: dict[str, Any], dest: Path, *, max_bytes: int) -> int:
        """Stream a Slack-hosted file to ``dest``; returns its size. Never holds the file in memory."""
        size = int(file.get("size") or 0)
        name = file.get("name") or file.get("id", "file")
        if size > max_bytes:
            raise MediaTooLargeError(f"{name} is {_mb(size)}; the limit is {_mb(max_bytes)} (MAX_FILE_MB).")
        if file.get("mode") == "external" or file.get("is_external"):
            raise DownloadError(f"{name} is stored outside Slack, so I can't download it. Upload the file itself.")
        url = file.get("url_private_download") or file.get("url_private")
        if not url:
            raise DownloadError(f"Slack gave me no download link for {name}.")
        # Slack's own size can lie (a file that claims 1 KB and streams gigabytes), so the cap is checked on what
        # arrives too; and a download that crawls would hold a job worker for ever, so it must keep a minimum rate.
        deadline = time.monotonic() + max(self._min_download_seconds, size / MIN_DOWNLOAD_BYTES_PER_SECOND)
        partial = dest.with_name(dest.name + ".part")
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            received = self._stream(url, partial, name=name, max_bytes=max_bytes, deadline=deadline)
            if received == 0:
                raise EmptyMediaError(f"{name} is empty.")
            if size and received != size:
                raise DownloadError(
                    f"The download of {name} was incomplete ({received} of {size} bytes), so I can't process it. "
                    "Share the file again."
                )
            partial.replace(dest)
        except BaseException:
            partial.unlink(missing_ok=True)  # whatever stopped it, no partial file stays behind
            raise
        return received

    def _stream(self, url: str, partial: Path, *, name: str, max_bytes: int, deadline: float) -> int:
        response = self._get_following_redirects(url)
        with response:
            content_type = response.headers.get("Content-Type", "").lower()
            if content_type.startswith("text/html"):
                raise DownloadError(
                    "Slack sent a login page instead of the file: the app may lack the files:read scope, "
                    "or the file is not shared with it."
                )
            received = 0
            try:
                started = time.monotonic()  # reset at the first byte: the rate is the transfer's, not the wait's
                with partial.open("wb") as out:
                    while chunk := response.raw.read1(_CHUNK, decode_content=True):
                        if received == 0:
                            if looks_like_web_page(chunk):
                                raise DownloadError("Slack sent a web page instead of the file; I can't process it.")
                            started = time.monotonic()
                        received += len(chunk)
                        if received > max_bytes:
                            raise MediaTooLargeError(
                                f"{name} is larger than the limit of {_mb(max_bytes)} (MAX_FILE_MB)."
                            )
                        now = time.monotonic()
                        owed = MIN_DOWNLOAD_BYTES_PER_SECOND * (now - started - RATE_GRACE_SECONDS)
                        if now > deadline or received < owed:
                            raise DownloadError(
                                f"The download of {name} was too slow, so I stopped it. Share the file again."
                            )
                        out.write(chunk)
            except (urllib3.exceptions.HTTPError, requests.RequestException) as error:
                raise DownloadError(f"The download of {name} was cut off. Share the file again.") from error
        return received

    def _get_following_redirects(self, url: str) -> requests.Response:
        for _ in range(_MAX_REDIRECTS + 1):
            headers = {}
            if _netloc(url) in self._token_hosts and urlsplit(url).scheme in {"https", "http"}:
                headers["Authorization"] = f"Bearer {self.client.token}"
            try:
                response = self._http.get(
                    url, headers=headers, stream=True, allow_redirects=False, timeout=(10, self._download_timeout)
                )
            except requests.RequestException as exc:
                raise DownloadError("Slack did not answer the file download in time.", retryable=True) from exc
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                response.close()
                continue
            if response.status_code >= 400:
                response.close()
                raise DownloadError(f"Slack refused the file download (HTTP {response.status_code}).")
            return response
        raise DownloadError("The file download redirected too many times.")
