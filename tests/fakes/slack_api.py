"""A faithful fake of the Slack Web API and its file host, served over real HTTP on loopback.

Point ``slack_sdk.WebClient(token=..., base_url=fake.api_url)`` at it. Three listeners run:

- ``url`` (``api_url = url + "/api/"``): Web API methods and ``response_url`` endpoints;
- ``files_host_url``: plays files.slack.com, serving ``url_private(_download)`` and accepting ``upload_url`` POSTs;
- ``other_host_url``: an unrelated host that downloads can be redirected to, to show whether a token leaks
  (it records the Authorization it got and, like Slack, answers the login page to a request without the token).

The fake is as strict as Slack: bearer token required, Block Kit validated, error codes as documented, HTML
login page for an unauthenticated download. Fault injection (``rate_limit``, ``fail``,
``redirect_downloads_to_other_host``) covers the failure modes an app must survive.

Typical use::

    with FakeSlack() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        client.chat_postMessage(channel="C111", text="hi")
        assert slack.messages["C111"][0].text == "hi"
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
import uuid
from collections import defaultdict, deque
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.slack_blocks import decode_blocks, validate_blocks
from tests.fakes.slack_files import FileHosting
from tests.fakes.slack_http import FakeHandler, LoopbackServer, bearer_token, decode_args
from tests.fakes.slack_methods import ApiError, WebMethods
from tests.fakes.slack_records import (
    ApiCall,
    Download,
    HostedFile,
    Message,
    PendingUpload,
    ResponsePost,
    Upload,
    UploadPost,
)

__all__ = ["ApiCall", "Download", "FakeSlack", "Message", "ResponsePost", "Upload", "UploadPost"]

RESPONSE_URL_MAX_POSTS = 5


class FakeSlack(WebMethods, FileHosting):
    """The fake Slack workspace: three loopback listeners plus everything they recorded."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-token",  # noqa: S107 - a fake token for a fake workspace
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A111",  # what tests.fakes.slack_requests puts in api_app_id
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self._last_ts_micros = 0
        self._faults: dict[str, deque[tuple[str, dict[str, Any]]]] = defaultdict(deque)
        self._redirect_downloads = False
        self._response_urls: dict[str, int] = {}
        self._servers: dict[str, LoopbackServer] = {}
        # state and recordings, read freely by tests
        self.calls: list[ApiCall] = []
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Message] = []
        self.reactions: dict[tuple[str, str], set[str]] = {}
        self.files: dict[str, HostedFile] = {}
        self.deleted_files: list[str] = []  # files.delete, in order
        self.pending_uploads: dict[str, PendingUpload] = {}
        self.uploads: list[Upload] = []
        self.upload_posts: list[UploadPost] = []
        self.downloads: list[Download] = []
        self.responses: list[ResponsePost] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.warnings: list[str] = []
        self.triggers: dict[str, float] = {}  # trigger_id -> when it was issued (time.monotonic())
        self.views: list[dict[str, Any]] = []  # the modals opened, as views.open answered them
        self._in_flight = 0  # requests being answered now, on any of the three listeners
        self._last_answered = time.time()
        self._last_response_post = 0.0  # time.time() of the last response_url post

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind the three listeners on 127.0.0.1 (free ports) and serve them in daemon threads."""
        self._servers = {
            "api": LoopbackServer(_ApiHandler, self, "api"),
            "files": LoopbackServer(_FilesHandler, self, "files"),
            "other": LoopbackServer(_OtherHostHandler, self, "other"),
        }
        for server in self._servers.values():
            server.start()
        return self

    def stop(self) -> None:
        """Shut every listener down."""
        for server in self._servers.values():
            server.stop()
        self._servers = {}

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL of the Web API listener."""
        return self._servers["api"].base_url

    @property
    def api_url(self) -> str:
        """What ``WebClient(base_url=...)`` / ``SLACK_API_URL`` should be."""
        return self.url + "/api/"

    @property
    def files_host_url(self) -> str:
        """Base URL of the listener acting as files.slack.com."""
        return self._servers["files"].base_url

    @property
    def other_host_url(self) -> str:
        """Base URL of an unrelated host (redirect target for token-leak tests)."""
        return self._servers["other"].base_url

    # -- inspection -----------------------------------------------------------------------------------------

    def request_started(self) -> None:
        with self._lock:
            self._in_flight += 1

    def request_finished(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._last_answered = time.time()

    def quiet_for(self, channel: str | None = None) -> float:
        """Seconds since the last request (API call, response_url post, download or upload) was answered; 0 while
        one is being answered. With ``channel``: since the last API call naming it or response_url post."""
        with self._lock:
            if self._in_flight:
                return 0.0
            if channel is None:
                return time.time() - self._last_answered
            named = [call.ts for call in self.calls if channel in json.dumps(call.args)]
            return time.time() - max([*named, self._last_response_post])

    def calls_to(self, method: str) -> list[ApiCall]:
        """Every recorded call of one Web API method, in arrival order."""
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0, *, ok: bool | None = None) -> list[ApiCall]:
        """Poll until ``count`` calls of ``method`` (optionally only ok / failed ones) arrived; return them."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [c for c in self.calls_to(method) if ok is None or c.ok == ok]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                with self._lock:
                    seen = [f"{c.method}({'ok' if c.ok else c.error})" for c in self.calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method}{'' if ok is None else f' with ok={ok}'} "
                    f"within {timeout}s, got {len(matching)}; calls so far: {seen or 'none'}"
                )
            time.sleep(0.02)

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """The replies under one parent message, in post order (the parent itself excluded)."""
        with self._lock:
            return [m for m in self.messages.get(channel, []) if m.thread_ts == thread_ts and m.ts != thread_ts]

    def message(self, channel: str, ts: str) -> Message:
        """One message by channel and ts (KeyError when there is none)."""
        with self._lock:
            found = self._find_message(channel, ts)
        if found is None:
            raise KeyError(f"no message {ts} in {channel}")
        return found

    @property
    def missing_text_fallbacks(self) -> int:
        """How many posts/updates sent blocks without a top-level ``text`` (Slack wants a fallback)."""
        return sum("without a top-level text fallback" in w for w in self.warnings)

    # -- setup ----------------------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        name: str | None = None,
        tz: str = "America/New_York",
        real_name: str | None = None,
        is_admin: bool = False,
    ) -> None:
        """A workspace member, for users.info and users.lookupByEmail (``is_admin``: a workspace admin)."""
        with self._lock:
            handle = name or user_id.lower()
            self.users[user_id] = {
                "id": user_id,
                "email": email,
                "name": handle,
                "real_name": real_name or handle,
                "tz": tz,
                "is_admin": is_admin,
            }

    def add_channel(
        self,
        channel_id: str,
        *,
        members: tuple[str, ...] = (),
        bot_is_member: bool = True,
        name: str | None = None,
        private: bool = False,
    ) -> None:
        """Register a channel. Once any is registered, unknown channels give ``channel_not_found`` and
        channels the bot is not in give ``not_in_channel`` (before that, every channel ID is accepted)."""
        with self._lock:
            self.channels[channel_id] = {
                "members": set(members),
                "bot_is_member": bot_is_member,
                "name": name,
                "private": private,
            }

    def add_channel_member(self, channel_id: str, user_id: str) -> None:
        """Add a member to a registered channel (registering it, bot included, when it is new)."""
        with self._lock:
            self.channels.setdefault(channel_id, {"members": set(), "bot_is_member": True})["members"].add(user_id)

    def post_user_message(
        self,
        channel: str,
        *,
        user: str = "U111",
        text: str = "",
        files: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        """Record a message as a human posted it; return the matching ``message`` event (§3.4 / §3.5 shape).

        Use it so that the app's replies, reactions and permalinks point at a message Slack knows about.
        """
        with self._lock:
            message = Message(
                channel=channel, ts=self._next_ts(), text=text, blocks=None, user=user, thread_ts=thread_ts
            )
            message.files = list(files or [])
            self.messages.setdefault(channel, []).append(message)
        event: dict[str, Any] = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": message.ts,
            "event_ts": message.ts,
            "channel": channel,
            "channel_type": "channel",
            "client_msg_id": str(uuid.uuid4()),
        }
        if files:
            event.update(subtype="file_share", files=list(files), upload=False, display_as_bot=False)
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event

    def new_trigger_id(self) -> str:
        """A fresh ``trigger_id`` as Slack puts in an interaction; ``views.open`` takes it once, within 3 s."""
        trigger_id = f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"
        with self._lock:
            self.triggers[trigger_id] = time.monotonic()
        return trigger_id

    def response_url(self, team_id: str | None = None) -> str:
        """A fresh ``response_url`` (as in a slash command payload) whose POSTs land in ``responses``."""
        with self._lock:
            path = f"/commands/{team_id or self.team_id}/{len(self._response_urls) + 1}"
            self._response_urls[path] = 0
        return self.url + path

    # -- faults ---------------------------------------------------------------------------------------------

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` get HTTP 429, ``Retry-After`` and ``error: ratelimited``."""
        with self._lock:
            self._faults[method].extend([("ratelimit", {"retry_after": retry_after})] * times)

    def fail(self, method: str, *, error: str = "internal_error", status: int = 200, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail: ``ok: false`` with ``error`` under HTTP ``status``."""
        with self._lock:
            self._faults[method].extend([("fail", {"error": error, "status": status})] * times)

    # -- request handling (called from listener threads) ----------------------------------------------------

    def handle_api(self, handler: FakeHandler, method: str) -> None:
        """Answer one Web API request the way Slack would."""
        split = urlsplit(handler.path)
        body = handler.read_body()
        args, problem = decode_args(split.query, body, handler.headers.get("Content-Type"))
        header_token = bearer_token(handler.headers.get("Authorization"))
        # Slack takes the token from the header or a form (POST) parameter; never from the query string, and a
        # JSON body must use the header.
        form_body = (
            (handler.headers.get("Content-Type") or "")
            .lower()
            .startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
        )
        query_token = dict(parse_qsl(split.query)).get("token")
        body_token = args.get("token") if form_body and args.get("token") != query_token else None
        token = header_token or body_token
        args.pop("token", None)
        status, response, headers = self._answer(method, args, token, problem)
        with self._lock:
            self.calls.append(
                ApiCall(
                    seq=self._next_seq(),
                    method=method,
                    args=args,
                    token=token,
                    ok=bool(response.get("ok")),
                    error=response.get("error"),
                    status=status,
                    ts=time.time(),
                )
            )
        handler.send_json(status, response, headers)

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None, problem: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        table = self.method_table()
        if method not in table:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if token is None:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if problem:
            return 200, {"ok": False, "error": problem}, {}
        with self._lock:
            fault = self._faults[method].popleft() if self._faults[method] else None
            if fault is not None:
                kind, params = fault
                if kind == "ratelimit":
                    retry_after = str(params["retry_after"])
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after}
                return params["status"], {"ok": False, "error": params["error"]}, {}
            try:
                return 200, table[method](args), {"x-oauth-scopes": "chat:write,commands,files:read,files:write"}
            except ApiError as exc:
                response: dict[str, Any] = {"ok": False, "error": exc.error}
                if exc.messages:
                    response["response_metadata"] = {"messages": exc.messages}
                return 200, response, {}

    def handle_response_url(self, handler: FakeHandler) -> None:
        """Accept a POST to a ``response_url``: JSON, at most five times, blocks validated like messages."""
        path = handler.path_only
        body = handler.read_body()
        content_type = handler.headers.get("Content-Type")
        try:
            parsed: Any = json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            parsed = body.decode("utf-8", "replace")
        with self._lock:
            used = self._response_urls.get(path)
            status, answer = 200, b"ok"
            if used is None:
                status, answer = 404, b"expired_url"
            elif used >= RESPONSE_URL_MAX_POSTS:
                status, answer = 404, b"used_url"
            elif not isinstance(parsed, dict):
                status, answer = 400, b"invalid_payload"
            else:
                blocks, problems = decode_blocks(parsed.get("blocks"))
                problems = problems or (validate_blocks(blocks) if blocks is not None else [])
                if problems:
                    status, answer = 400, b"invalid_blocks"
                elif not parsed.get("text") and not blocks and not parsed.get("delete_original"):
                    status, answer = 400, b"no_text"
            if status == 200:
                self._response_urls[path] = used + 1
            self.responses.append(ResponsePost(self._next_seq(), path, parsed, content_type, status == 200))
            self._last_response_post = time.time()
        handler.send_bytes(status, answer, "text/html")

    # -- internals ------------------------------------------------------------------------------------------

    def _next_seq(self) -> int:
        return next(self._seq)

    def _next_ts(self) -> str:
        """A unique, increasing message ts in Slack's ``seconds.micros`` form."""
        with self._lock:
            micros = max(self._last_ts_micros + 100, int(time.time() * 1_000_000))
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_file_id(self) -> str:
        return f"F{next(self._file_numbers):010d}"


class _ApiHandler(FakeHandler):
    """slack.com: ``/api/<method>`` and ``/commands/...`` response URLs."""

    def do_POST(self) -> None:
        """Web API calls (slack_sdk always POSTs) and response_url posts."""
        path = self.path_only
        if path.startswith("/api/"):
            self.server.fake.handle_api(self, path.removeprefix("/api/"))
        elif path.startswith("/commands/"):
            self.server.fake.handle_response_url(self)
        else:
            self.send_bytes(404, b"not found", "text/plain")

    def do_GET(self) -> None:
        """Web API calls with query args (Slack accepts GET for most methods)."""
        path = self.path_only
        if path.startswith("/api/"):
            self.server.fake.handle_api(self, path.removeprefix("/api/"))
        else:
            self.send_bytes(404, b"not found", "text/plain")


class _FilesHandler(FakeHandler):
    """files.slack.com: private downloads and upload URLs."""

    def do_GET(self) -> None:
        """File downloads."""
        self.server.fake.handle_download(self, "files")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        """Upload URL posts (step 2 of files_upload_v2)."""
        path = self.path_only
        if path.startswith("/upload/v1/"):
            self.server.fake.handle_upload_post(self, path.removeprefix("/upload/v1/"))
        else:
            self.send_bytes(404, b"not found", "text/plain")


class _OtherHostHandler(FakeHandler):
    """An unrelated host: records the Authorization a redirected download brought, and honours it like Slack."""

    def do_GET(self) -> None:
        """Redirected downloads."""
        self.server.fake.handle_download(self, "other")
