"""The HTTP side of the API server: an ASGI app routing Symbl's paths to ``ApiService``.

Uploads are streamed to a temporary file as they arrive (at most MAX_FILE_MB; 413 from the declared length before a
byte is read, or as soon as a body goes past it), then handed to the engine in a worker thread. Requests are
authenticated (401) and their Content-Type checked (400) before their body is read. Small JSON bodies are read
whole, up to ``JSON_BODY_LIMIT``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from bot.api import wire
from bot.api.auth import TokenAuthority, bearer_token
from bot.api.options import OptionError, from_query, from_url_request
from bot.api.service import NOT_FOUND, Answer, ApiService
from bot.models import MediaKind
from bot.web_bridge import BodyTooLarge, ClientGone, read_body, receive_body

log = logging.getLogger(__name__)

JSON_BODY_LIMIT = 1_000_000
UPLOAD_CHUNK_BYTES = 1024 * 1024
AUDIO_TYPES = frozenset({"", "audio/wav", "audio/wave", "audio/x-wav", "audio/mpeg", "audio/mp3"})
VIDEO_TYPE = "video/mp4"
_KINDS = {"audio": MediaKind.AUDIO, "video": MediaKind.VIDEO}
_CONVERSATION_READS = {
    "messages",
    "topics",
    "action-items",
    "follow-ups",
    "questions",
    "members",
    "summary",
    "analytics",
    "entities",
    "insights",
    "trackers",
    "trackers-detected",
}


class ApiApp:
    """``app(scope, receive, send)``: the whole API, health and metrics routes included."""

    def __init__(
        self,
        service: ApiService,
        authority: TokenAuthority,
        *,
        threads: int = 8,
        upload_dir: Path,
        health: Callable[[], tuple[bool, dict]] | None = None,
        metrics: Callable[[], str] | None = None,
    ):
        self.service = service
        self.authority = authority
        self.upload_dir = upload_dir
        self.health = health
        self.metrics = metrics
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="api")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        try:
            status, body = await self._route(scope["method"], scope["path"], headers, query, receive)
        except Exception:
            log.exception("api: %s %s failed", scope["method"], scope["path"])
            status, body = 500, {"message": "Internal server error."}
        await _send(send, status, body)

    async def _call(self, function, *args, **kwargs) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: function(*args, **kwargs))

    async def _route(self, method: str, path: str, headers: dict, query: dict, receive) -> Answer:
        parts = [p for p in path.split("/") if p]
        if method == "GET" and path in ("/healthz", "/readyz"):
            ok, checks = await self._call(self.health) if self.health else (True, {})
            return (200 if ok else 503), checks
        if method == "GET" and path == "/metrics" and self.metrics:
            return 200, await self._call(self.metrics)
        if path == "/oauth2/token:generate":
            if method != "POST":
                return 405, {"message": "Method not allowed."}
            return self._token(await _json_body(receive, headers))
        if not parts or parts[0] != "v1":
            return 404, {"message": "Not found."}
        client = self.authority.client_of(bearer_token(headers) or "")
        if client is None:
            return 401, wire.TOKEN_INVALID
        if len(parts) >= 3 and parts[1] == "process" and parts[2] in _KINDS:
            return await self._process(client, method, parts[2:], headers=headers, query=query, receive=receive)
        if parts[1:2] == ["job"] and len(parts) == 3 and method == "GET":
            return await self._call(self.service.job, client, parts[2])
        if parts[1:2] == ["conversations"]:
            return await self._conversation(client, method, parts[2:], headers=headers, query=query, receive=receive)
        return 404, {"message": "Not found."}

    def _token(self, body: Any) -> Answer:
        if isinstance(body, tuple):  # an error answer from reading the body
            return body
        if not isinstance(body, dict) or body.get("type") != "application":
            return 400, {"message": "Body must be {type: 'application', appId, appSecret}."}
        issued = self.authority.issue(str(body.get("appId", "")), str(body.get("appSecret", "")))
        if issued is None:
            return 401, {"message": "Invalid appId or appSecret."}
        return 200, {"accessToken": issued.access_token, "expiresIn": issued.expires_in}

    async def _process(self, client: str, method: str, parts: list[str], *, headers, query, receive) -> Answer:
        kind, rest = _KINDS[parts[0]], parts[1:]
        is_url = rest[:1] == ["url"]
        target = rest[1:] if is_url else rest
        if len(target) > 1 or (method == "POST") != (not target) or method not in ("POST", "PUT"):
            return 404 if method in ("POST", "PUT") else 405, {"message": "Not found."}
        conversation_id = target[0] if target else None
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if is_url:
            if content_type != "application/json":
                return 400, {"message": "Content-Type must be application/json."}
            body = await _json_body(receive, headers)
            if isinstance(body, tuple):
                return body
            try:
                url, request = from_url_request(body, query)
            except OptionError as exc:
                return 400, {"message": str(exc)}
            return await self._call(
                self.service.submit, client, kind, request, conversation_id=conversation_id, url=url
            )
        allowed = AUDIO_TYPES if kind is MediaKind.AUDIO else {VIDEO_TYPE}
        if content_type not in allowed and not (kind is MediaKind.AUDIO and content_type.startswith("audio/")):
            return 400, {"message": f"Content-Type {content_type or '(none)'} is not accepted here; see the docs."}
        try:
            request = from_query(query)
        except OptionError as exc:
            return 400, {"message": str(exc)}
        limit = self.service.settings.max_file_bytes
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            return 413, _too_large(self.service.settings.max_file_mb)
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.upload_dir, suffix=".upload") as upload:
            try:
                size = await receive_body(receive, limit, upload.write)
            except BodyTooLarge:
                return 413, _too_large(self.service.settings.max_file_mb)
            except ClientGone:
                return 400, {"message": "The upload was interrupted."}
            if size == 0:
                return 400, {"message": "The request body is empty: send the file's bytes as the body."}
            upload.flush()
            return await self._call(
                self.service.submit, client, kind, request, conversation_id=conversation_id, path=Path(upload.name)
            )

    async def _conversation(self, client: str, method: str, parts: list[str], *, headers, query, receive) -> Answer:
        if not parts:
            return await self._call(self.service.conversations, client) if method == "GET" else (405, {})
        conversation_id, rest = parts[0], parts[1:]
        if method == "DELETE" and not rest:
            return await self._call(self.service.delete, client, conversation_id)
        if method == "PUT" and len(rest) == 2 and rest[0] == "members":
            body = await _json_body(receive, headers)
            if isinstance(body, tuple):
                return body
            return await self._call(self.service.rename_member, client, conversation_id, rest[1], body)
        if method != "GET" or len(rest) > 1 or (rest and rest[0] not in _CONVERSATION_READS):
            return 404, {"message": "Not found."}
        return await self._call(self._read, client, conversation_id, rest[0] if rest else "", query)

    def _read(self, client: str, conversation_id: str, what: str, query: dict) -> Answer:  # noqa: PLR0912 - a case per route
        found = self.service.view_of(client, conversation_id)
        if found is None:
            return NOT_FOUND
        insights, view = found

        def flag(name: str) -> bool:
            return query.get(name, ["false"])[-1] == "true"

        match what:
            case "":
                return 200, wire.conversation(insights, view)
            case "messages":
                return 200, wire.messages(insights, view, verbose=flag("verbose"), with_sentiment=flag("sentiment"))
            case "topics":
                return 200, wire.topics(
                    insights, view, with_sentiment=flag("sentiment"), parent_refs=flag("parentRefs")
                )
            case "action-items":
                return 200, wire.action_items(insights, view)
            case "follow-ups":
                return 200, wire.follow_ups(insights, view)
            case "questions":
                return 200, wire.questions(insights, view)
            case "members":
                return 200, wire.members(insights, view)
            case "insights":
                return 200, wire.all_insights(insights, view)
            case "analytics":
                return 200, wire.analytics(insights, view)
            case "entities":
                return 200, {"entities": []}
            case "trackers" | "trackers-detected":
                return 200, []
            case _:  # summary: 404 until the conversation's jobs are done, as Symbl answers
                if self.service.has_unfinished_jobs(conversation_id):
                    return 404, {"message": "The summary is not ready: the conversation is still being processed."}
                return 200, wire.summary(insights)


def _too_large(max_mb: int) -> dict:
    return {"message": f"Request Entity Too Large: the limit is {max_mb} MB per file."}


async def _json_body(receive, headers: dict) -> Any:
    """The request's JSON body, or an error answer (a tuple) when it is too large or not JSON."""
    declared = headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > JSON_BODY_LIMIT:
        return 413, {"message": "Request Entity Too Large."}
    try:
        body = await read_body(receive, JSON_BODY_LIMIT)
    except BodyTooLarge:
        return 413, {"message": "Request Entity Too Large."}
    except ClientGone:
        return 400, {"message": "The request was interrupted."}
    try:
        return json.loads(body or b"null")
    except ValueError:
        return 400, {"message": wire.BAD_REQUEST}


async def _send(send, status: int, body: Any) -> None:
    if isinstance(body, str):
        data, content_type = body.encode(), b"text/plain; version=0.0.4; charset=utf-8"
    else:
        data, content_type = json.dumps(body).encode(), b"application/json"
    headers = [(b"content-type", content_type), (b"content-length", str(len(data)).encode())]
    if status in (400, 413):
        headers.append((b"connection", b"close"))  # the rest of a refused upload is never read
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
