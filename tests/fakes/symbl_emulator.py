"""A Symbl.ai Async + Conversation API emulator served over real HTTP on 127.0.0.1 (symbl-api.md §1–§4, §7).

It is strict where the real service is documented to be strict, so that a client passing against it is likely to pass
against the real API, and it accepts every documented quirk of the official SDK (x-api-key auth, an empty audio
Content-Type, the garbled customVocabulary). Choices where the docs are silent:

* Unknown job, conversation or route: 404 with a JSON `message`. PUT append to an unknown or deleted conversation: 404.
* Concurrency: every job that is not `completed`/`failed` counts against `concurrency_limit` (429 above it).
* Jobs of one conversation run in FIFO order: a job does not leave `scheduled` while an earlier one is unfinished,
  and the test hooks `advance`/`complete` finish earlier jobs of the same conversation first.
* A webhook is POSTed on every status *change* (`in_progress`, then `completed`/`failed`), not for the initial
  `scheduled`. Deliveries go only to loopback hosts (tests never send traffic elsewhere) but every due delivery is
  recorded in `webhook_deliveries`.
* Conversation data is empty (wrapper keys present) until a job of the conversation completes; each completed media
  job contributes one copy of the template transcript (appends grow the transcript, insights cover the whole).
* `GET .../summary` is 404 while any job of the conversation is unfinished or none has completed; afterwards it
  returns the summary if `enableSummary=true` was given at submit/append or `refresh=true` is passed, and
  `{"summary": []}` otherwise.
* Entities need `detectEntities=true`, trackers need `enableAllTrackers=true` or inline `trackers`, and message
  phrases need `detectPhrases=true` at submit, as documented.
* Upload bodies are read in chunks, counted and discarded (never held whole in memory); `Transfer-Encoding: chunked`
  is supported. Bodies of rejected requests are drained too, so the client always sees the real status code.
"""

from __future__ import annotations

import contextlib
import json
import math
import queue
import random
import re
import secrets
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import Message
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.symbl_data import ConversationData, RenderContext
from tests.fakes.symbl_emulator_http import EmulatorHandler, HttpError, WebhookReceiver, parse_json
from tests.fakes.symbl_emulator_options import BadRequest, is_http_url, options_from_query, validate_options

__all__ = [
    "ConversationData",
    "ConversationRecord",
    "JobRecord",
    "RecordedRequest",
    "SymblEmulator",
    "WebhookReceiver",
]

TERMINAL = frozenset({"completed", "failed"})
NOT_FOUND_CONVERSATION = "The conversationId is either invalid or does not exist."
TOKEN_INVALID = "Token validation failed for provided token."
AUDIO_TYPES = frozenset({"audio/wav", "audio/wave", "audio/mpeg", "audio/mp3"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

FILE_ROUTE = re.compile(r"^/v1/process/(audio|video)(?:/(\d+))?$")
URL_ROUTE = re.compile(r"^/v1/process/(audio|video)/url(?:/(\d+))?$")
TEXT_ROUTE = re.compile(r"^/v1/process/text(?:/(\d+))?$")
JOB_ROUTE = re.compile(r"^/v1/job/([^/]+)$")
CONVERSATION_ROUTE = re.compile(r"^/v1/conversations/(\d+)(?:/([a-z-]+))?$")
MEMBER_ROUTE = re.compile(r"^/v1/conversations/(\d+)/members/([^/]+)$")


@dataclass
class RecordedRequest:
    """One request as the emulator received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body_size: int
    json: Any = None
    received_at: float = field(default_factory=time.monotonic)  # when it arrived (before any injected latency)


@dataclass
class JobRecord:
    """A submitted or appended media job."""

    id: str
    conversation_id: str
    status: str
    webhook_url: str | None
    media: str  # audio | video | text
    next_step_at: float = math.inf
    history: list[str] = field(default_factory=list)


@dataclass
class ConversationRecord:
    """A conversation: its name, submit options, appended media and jobs (in submission order)."""

    id: str
    name: str
    options: dict[str, Any]
    job_ids: list[str] = field(default_factory=list)
    append_options: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    member_updates: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def appended_media_count(self) -> int:
        """How many PUT appends were accepted for this conversation."""
        return len(self.append_options)

    def flag(self, name: str) -> bool:
        """True when an option was set to true at submit or on any append."""
        return any(opts.get(name) is True for opts in [self.options, *self.append_options])


@dataclass
class Fault:
    """An injected failure for the next `times` requests matching `method` and `path_regex`."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int
    delay: float
    body: dict[str, Any] | None


class SymblEmulator:
    """The emulator: an HTTP server plus the test-control API (job control, inspection, faults)."""

    def __init__(
        self,
        *,
        app_id: str = "test-app-id",
        app_secret: str = "test-app-secret",  # noqa: S107 - a fake credential
        token_ttl: float = 86400,
        concurrency_limit: int = 5,
        auto_advance_seconds: float | None = None,
        data: ConversationData | None = None,
        seed: int = 1234,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_ttl = token_ttl
        self.concurrency_limit = concurrency_limit
        self.auto_advance_seconds = auto_advance_seconds
        self.data = data if data is not None else ConversationData()
        self.url = ""
        self.requests: list[RecordedRequest] = []
        self.jobs: dict[str, JobRecord] = {}
        self.conversations: dict[str, ConversationRecord] = {}
        self.uploaded_bytes: dict[str, int] = {}
        self.webhook_deliveries: list[tuple[str, dict[str, Any]]] = []
        self.tokens_issued = 0
        self.internal_errors: list[str] = []  # unexpected exceptions while handling a request (should stay empty)
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._every_token: list[str] = []  # including expired ones, for log checks
        self._current_token: str | None = None
        self._faults: list[Fault] = []
        self._latency: list[tuple[re.Pattern[str], float]] = []
        self._rng = random.Random(seed)  # noqa: S311 - ids must be reproducible, not secret
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._webhooks: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._webhook_done = threading.Condition()
        self._webhooks_sent = 0
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> SymblEmulator:
        """Bind 127.0.0.1 on a free port and serve from daemon threads."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), EmulatorHandler)
        server.daemon_threads = True
        server.emulator = self  # type: ignore[attr-defined]
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        # A short poll interval keeps stop() (and so every test teardown) fast.
        self._spawn(lambda: server.serve_forever(poll_interval=0.02), "symbl-emulator-http")
        self._spawn(self._deliver_webhooks, "symbl-emulator-webhooks")
        if self.auto_advance_seconds is not None:
            self._spawn(self._auto_advance, "symbl-emulator-clock")
        return self

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving and end the background threads."""
        if self._server is None:
            return
        self._stopping.set()
        self._webhooks.put(None)
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> SymblEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- job control ----------------------------------------------------------------------------------------------

    def advance(self, job_id: str) -> str:
        """Move a job one step along scheduled -> in_progress -> completed (earlier jobs of its conversation first)."""
        with self._lock:
            job = self.jobs[job_id]
            if job.status in TERMINAL:
                raise ValueError(f"job {job_id} is already {job.status}")
            self._finish_predecessors(job)
            self._set_status(job, "completed" if job.status == "in_progress" else "in_progress")
            return job.status

    def complete(self, job_id: str) -> None:
        """Take a job straight to completed, sending every intermediate webhook."""
        with self._lock:
            job = self.jobs[job_id]
            self._finish_predecessors(job)
            while job.status not in TERMINAL:
                self._set_status(job, "completed" if job.status == "in_progress" else "in_progress")

    def fail(self, job_id: str) -> None:
        """Mark a job failed (from any non-terminal status)."""
        with self._lock:
            job = self.jobs[job_id]
            if job.status in TERMINAL:
                raise ValueError(f"job {job_id} is already {job.status}")
            self._set_status(job, "failed")

    def complete_all(self) -> None:
        """Complete every unfinished job, in submission order."""
        with self._lock:
            for job_id in list(self.jobs):
                if self.jobs[job_id].status not in TERMINAL:
                    self.complete(job_id)

    def job_status_of(self, job_id: str) -> str:
        """The status string the job API currently serves for `job_id`."""
        with self._lock:
            return self.jobs[job_id].status

    def force_status(self, job_id: str, raw: str) -> None:
        """Serve `raw` (even an undocumented status such as "queued") for this job; no webhook is sent."""
        with self._lock:
            self.jobs[job_id].status = raw
            self.jobs[job_id].history.append(raw)

    def _finish_predecessors(self, job: JobRecord) -> None:
        conversation = self.conversations[job.conversation_id]
        for earlier in conversation.job_ids[: conversation.job_ids.index(job.id)]:
            if self.jobs[earlier].status not in TERMINAL:
                self.complete(earlier)

    def _blocked(self, job: JobRecord) -> bool:
        conversation = self.conversations[job.conversation_id]
        earlier = conversation.job_ids[: conversation.job_ids.index(job.id)]
        return any(self.jobs[other].status not in TERMINAL for other in earlier)

    def _set_status(self, job: JobRecord, status: str) -> None:
        job.status = status
        job.history.append(status)
        if self.auto_advance_seconds is not None:
            job.next_step_at = time.monotonic() + self.auto_advance_seconds
        if job.webhook_url:
            payload = {"jobId": job.id, "status": status}
            self.webhook_deliveries.append((job.webhook_url, payload))
            self._webhooks.put((job.webhook_url, payload))

    def _auto_advance(self) -> None:
        assert self.auto_advance_seconds is not None
        tick = min(max(self.auto_advance_seconds / 5, 0.005), 0.05)
        while not self._stopping.wait(tick):
            now = time.monotonic()
            with self._lock:
                for job in list(self.jobs.values()):
                    if job.status not in {"scheduled", "in_progress"}:
                        continue
                    if self._blocked(job):
                        job.next_step_at = now + self.auto_advance_seconds
                    elif now >= job.next_step_at:
                        self._set_status(job, "completed" if job.status == "in_progress" else "in_progress")

    # -- webhooks -------------------------------------------------------------------------------------------------

    def _deliver_webhooks(self) -> None:
        while (item := self._webhooks.get()) is not None:
            url, payload = item
            if urlsplit(url).hostname in LOOPBACK_HOSTS:
                request = urllib.request.Request(
                    url,
                    data=json.dumps(payload).encode(),
                    headers={"Content-Type": "application/json"},
                    method="POST",
                )
                with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=2) as response:
                    response.read()
            with self._webhook_done:
                self._webhooks_sent += 1
                self._webhook_done.notify_all()

    def wait_for_webhooks(self, count: int, timeout: float = 5.0) -> bool:
        """Block until `count` webhook deliveries have been attempted (True) or `timeout` passes (False)."""
        with self._webhook_done:
            return self._webhook_done.wait_for(lambda: self._webhooks_sent >= count, timeout)

    # -- inspection and faults ------------------------------------------------------------------------------------

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path starts with `path_prefix`."""
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and r.path.startswith(path_prefix)]

    def inject_fault(
        self,
        method: str,
        path_regex: str,
        *,
        status: int = 500,
        times: int = 1,
        delay: float = 0.0,
        body: dict[str, Any] | None = None,
    ) -> None:
        """The next `times` requests with `method` whose path (no query) matches `path_regex` (re.search) get `status`.

        The reply comes after `delay` seconds, with `body` or `{"message": "Injected fault."}`; status=0 with a delay
        gives a slow but otherwise normal response.
        """
        with self._lock:
            self._faults.append(Fault(method.upper(), re.compile(path_regex), status, times, delay, body))

    def set_latency(self, seconds: float, path_regex: str = r".*") -> None:
        """Every matching request sleeps `seconds` before it is handled."""
        with self._lock:
            self._latency.append((re.compile(path_regex), seconds))

    def issued_tokens(self) -> list[str]:
        """Every access token handed out so far (tests check that none reaches a log)."""
        with self._lock:
            return list(self._every_token)

    def expire_tokens(self) -> None:
        """Invalidate every issued token: API calls get 401 until a new token is generated."""
        with self._lock:
            self._tokens.clear()
            self._current_token = None

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.method == method and fault.path.search(path):
                    fault.times -= 1
                    return fault
        return None

    def _latency_for(self, path: str) -> float:
        with self._lock:
            return sum(seconds for pattern, seconds in self._latency if pattern.search(path))

    # -- request handling (called from handler threads) ------------------------------------------------------------

    def handle(self, handler: EmulatorHandler, method: str) -> tuple[int, Any]:
        """Route one request; returns (status, JSON-serialisable body)."""
        split = urlsplit(handler.path)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        streamed = method in {"POST", "PUT"} and FILE_ROUTE.match(path) is not None
        try:
            body_size, raw = handler.read_body(keep=not streamed)
        except HttpError as error:
            handler.close_connection = True
            return error.status, error.body
        parsed = parse_json(raw)
        record = RecordedRequest(method, path, query, handler.headers, body_size, parsed)
        with self._lock:
            self.requests.append(record)
        if latency := self._latency_for(path):
            time.sleep(latency)
        if fault := self._take_fault(method, path):
            time.sleep(fault.delay)
            if fault.status:
                return fault.status, fault.body if fault.body is not None else {"message": "Injected fault."}
        try:
            return self._route(method, path, query, record)
        except BadRequest as error:
            return 400, {"message": str(error)}
        except HttpError as error:
            return error.status, error.body
        except Exception as error:  # an emulator bug must surface as a 500 and in `internal_errors`, not a hang
            with self._lock:
                self.internal_errors.append(f"{method} {path}: {error!r}")
            return 500, {"message": "Internal server error."}

    def _route(self, method: str, path: str, query: dict[str, list[str]], record: RecordedRequest) -> Any:
        if path == "/oauth2/token:generate" and method == "POST":
            return self._generate_token(record)
        self._authenticate(record)
        if method in {"POST", "PUT"}:
            for pattern, handler in (
                (URL_ROUTE, self._submit_url),
                (FILE_ROUTE, self._submit_file),
                (TEXT_ROUTE, self._submit_text),
            ):
                if match := pattern.match(path):
                    return handler(method, match, query, record)
        if method == "GET" and (match := JOB_ROUTE.match(path)):
            return self._job(match.group(1))
        if method == "PUT" and (match := MEMBER_ROUTE.match(path)):
            return self._update_member(match.group(1), match.group(2), record)
        if match := CONVERSATION_ROUTE.match(path):
            if method == "GET":
                return self._conversation_route(match.group(1), match.group(2) or "", query)
            if method == "DELETE" and match.group(2) is None:
                return self._delete(match.group(1))
        if method == "GET" and path == "/v1/conversations":
            return self._list_conversations()
        raise HttpError(404, f"Cannot {method} {path}")

    # -- auth -----------------------------------------------------------------------------------------------------

    def _generate_token(self, record: RecordedRequest) -> tuple[int, Any]:
        if _media_type(record.headers.get("Content-Type")) != "application/json":
            raise BadRequest("Content-Type must be application/json.")
        body = record.json
        if not isinstance(body, dict) or body.get("type") != "application":
            raise BadRequest("Body must be a JSON object with type 'application', 'appId' and 'appSecret'.")
        if body.get("appId") != self.app_id or body.get("appSecret") != self.app_secret:
            raise HttpError(401, "Invalid appId or appSecret.")
        with self._lock:
            now = time.monotonic()
            token = self._current_token
            if token is None or self._tokens.get(token, 0) <= now:
                token = secrets.token_urlsafe(32)
                self._tokens[token] = now + self.token_ttl
                self._current_token = token
                self.tokens_issued += 1
                self._every_token.append(token)
            remaining = max(1, math.ceil(self._tokens[token] - now))
        return 200, {"accessToken": token, "expiresIn": remaining}

    def _authenticate(self, record: RecordedRequest) -> None:
        authorization = record.headers.get("Authorization") or ""
        candidates = [record.headers.get("x-api-key") or ""]
        if authorization[:7].lower() == "bearer ":
            candidates.append(authorization[7:].strip())
        now = time.monotonic()
        with self._lock:
            if any(self._tokens.get(token, 0) > now for token in candidates if token):
                return
        raise HttpError(401, TOKEN_INVALID)

    # -- submit and append ----------------------------------------------------------------------------------------

    def _submit_file(self, method: str, match: re.Match[str], query: dict[str, list[str]], record: RecordedRequest):
        media, conversation_id = match.group(1), match.group(2)
        if (method == "POST") == (conversation_id is not None):
            raise HttpError(404, f"Cannot {method} {record.path}")
        content_type = record.headers.get("Content-Type")
        if media == "video" and (content_type or "").strip().lower() != "video/mp4":
            raise BadRequest("Content-Type must be video/mp4 for video files.")
        if media == "audio" and content_type and content_type.strip().lower() not in AUDIO_TYPES:
            raise BadRequest(f"Unsupported audio Content-Type '{content_type}'.")
        if record.body_size == 0:
            raise BadRequest("Request body is empty: send the media file as the request body.")
        options = options_from_query(query)
        return self._create_job(conversation_id, media, options, record.body_size)

    def _submit_url(self, method: str, match: re.Match[str], query: dict[str, list[str]], record: RecordedRequest):
        media, conversation_id = match.group(1), match.group(2)
        if (method == "POST") == (conversation_id is not None):
            raise HttpError(404, f"Cannot {method} {record.path}")
        body = self._json_body(record)
        if "url" not in body:
            raise BadRequest("'url' is required.")
        if not is_http_url(body["url"]):
            raise BadRequest("'url' must be a publicly downloadable http(s) URL.")
        options = validate_options({k: v for k, v in body.items() if k != "url"})
        options.update(options_from_query(query))  # diarization flags travel in the query (tutorials, SDK)
        return self._create_job(conversation_id, media, options, 0)

    def _submit_text(self, method: str, match: re.Match[str], query: dict[str, list[str]], record: RecordedRequest):
        conversation_id = match.group(1)
        if (method == "POST") == (conversation_id is not None):
            raise HttpError(404, f"Cannot {method} {record.path}")
        body = self._json_body(record)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest("'messages' must be a non-empty array.")
        for message in messages:
            payload = message.get("payload") if isinstance(message, dict) else None
            if not isinstance(payload, dict) or not isinstance(payload.get("content"), str):
                raise BadRequest("Each message needs payload.content.")
        options = validate_options({k: v for k, v in body.items() if k != "messages"})
        options.update(options_from_query(query))
        return self._create_job(conversation_id, "text", options, 0)

    def _json_body(self, record: RecordedRequest) -> dict[str, Any]:
        if _media_type(record.headers.get("Content-Type")) != "application/json":
            raise BadRequest("Content-Type must be application/json.")
        if not isinstance(record.json, dict):
            raise BadRequest("Request body must be a JSON object.")
        return record.json

    def _create_job(self, conversation_id: str | None, media: str, options: dict[str, Any], size: int):
        with self._lock:
            if conversation_id is not None:
                conversation = self.conversations.get(conversation_id)
                if conversation is None or conversation.deleted:
                    raise HttpError(404, NOT_FOUND_CONVERSATION)
            active = sum(1 for job in self.jobs.values() if job.status not in TERMINAL)
            if active >= self.concurrency_limit:
                raise HttpError(429, "", _too_many_jobs(self.concurrency_limit))
            if conversation_id is None:
                conversation_id = str(self._rng.randrange(10**15, 10**16))
                name = options.get("name") or conversation_id
                conversation = self.conversations[conversation_id] = ConversationRecord(conversation_id, name, options)
            else:
                conversation.append_options.append(options)
            job = JobRecord(
                id=str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
                conversation_id=conversation_id,
                status="scheduled",
                webhook_url=options.get("webhookUrl"),
                media=media,
                history=["scheduled"],
            )
            if self.auto_advance_seconds is not None:
                job.next_step_at = time.monotonic() + self.auto_advance_seconds
            self.jobs[job.id] = job
            conversation.job_ids.append(job.id)
            self.uploaded_bytes[conversation_id] = self.uploaded_bytes.get(conversation_id, 0) + size
        return 201, {"conversationId": conversation_id, "jobId": job.id}

    # -- job and conversation reads --------------------------------------------------------------------------------

    def _job(self, job_id: str) -> tuple[int, Any]:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                raise HttpError(404, f"Job with id {job_id} does not exist.")
            return 200, {"id": job.id, "status": job.status}

    def _live_conversation(self, conversation_id: str) -> ConversationRecord:
        conversation = self.conversations.get(conversation_id)
        if conversation is None or conversation.deleted:
            raise HttpError(404, NOT_FOUND_CONVERSATION)
        return conversation

    def context_of(self, conversation_id: str) -> RenderContext:
        """The render context (completed segments, flags) of a conversation right now."""
        with self._lock:
            conversation = self.conversations[conversation_id]
            completed = sum(1 for job_id in conversation.job_ids if self.jobs[job_id].status == "completed")
            return RenderContext(
                conversation_id=conversation.id,
                name=conversation.name,
                segments=completed,
                diarized=conversation.options.get("enableSpeakerDiarization") is True,
                detect_phrases=conversation.flag("detectPhrases"),
                detect_entities=conversation.flag("detectEntities"),
                trackers_enabled=conversation.flag("enableAllTrackers")
                or any(opts.get("trackers") for opts in [conversation.options, *conversation.append_options]),
                channel_speakers=_channel_speakers(conversation.options),
                member_updates={k: dict(v) for k, v in conversation.member_updates.items()},
            )

    def _conversation_route(self, conversation_id: str, suffix: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        with self._lock:
            conversation = self._live_conversation(conversation_id)
            ctx = self.context_of(conversation_id)
            unfinished = any(self.jobs[j].status not in TERMINAL for j in conversation.job_ids)
            summary_enabled = conversation.flag("enableSummary")
        data = self.data
        if suffix in data.overrides:
            return 200, data.overrides[suffix]

        def flag(name: str) -> bool:
            return query.get(name, [""])[-1] == "true"

        builders = {
            "": lambda: data.conversation(ctx),
            "messages": lambda: {"messages": data.messages(ctx, verbose=flag("verbose"), sentiment=flag("sentiment"))},
            "topics": lambda: {"topics": data.topics(ctx, sentiment=flag("sentiment"), parent_refs=flag("parentRefs"))},
            "action-items": lambda: {"actionItems": data.action_items(ctx)},
            "follow-ups": lambda: {"followUps": data.follow_ups(ctx)},
            "questions": lambda: {"questions": data.questions(ctx)},
            "members": lambda: {"members": data.members(ctx)},
            "insights": lambda: {"insights": data.insights(ctx)},
            "entities": lambda: {"entities": data.entities(ctx)},
            "analytics": lambda: data.analytics(ctx),
            "trackers": lambda: data.trackers(ctx),
            "trackers-detected": lambda: data.trackers(ctx),
        }
        if suffix == "summary":
            if unfinished or ctx.segments == 0:
                raise HttpError(404, "Summary is not available until the job is completed.")
            return 200, {"summary": data.summary(ctx) if summary_enabled or flag("refresh") else []}
        if suffix not in builders:
            raise HttpError(404, f"Cannot GET /v1/conversations/{conversation_id}/{suffix}")
        return 200, builders[suffix]()

    def _delete(self, conversation_id: str) -> tuple[int, Any]:
        with self._lock:
            self._live_conversation(conversation_id).deleted = True
        return 200, {"message": "successfully deleted the conversation"}

    def _list_conversations(self) -> tuple[int, Any]:
        with self._lock:
            ids = [c.id for c in self.conversations.values() if not c.deleted]
            contexts = [self.context_of(conversation_id) for conversation_id in ids]
        return 200, {"conversations": [self.data.conversation(ctx) for ctx in contexts]}

    def _update_member(self, conversation_id: str, member_id: str, record: RecordedRequest) -> tuple[int, Any]:
        body = self._json_body(record)
        if not isinstance(body.get("id"), str) or not isinstance(body.get("name"), str):
            raise BadRequest("'id' and 'name' are required.")
        if body["id"] != member_id:
            raise BadRequest("'id' in the body must match the member id in the path.")
        with self._lock:
            self._live_conversation(conversation_id)
            known = {m["id"] for m in self.data.members(self.context_of(conversation_id))}
            if member_id not in known:
                raise HttpError(404, f"Member with id: {member_id} does not exist.")
            update = {"name": body["name"], **({"email": body["email"]} if isinstance(body.get("email"), str) else {})}
            self.conversations[conversation_id].member_updates[member_id] = update
        return 200, {
            "message": f"Member with id: {member_id} for conversationId: {conversation_id} updated successfully! "
            "The update should be reflected in all messages and insights along with this conversation"
        }


def _channel_speakers(options: dict[str, Any]) -> dict[int, dict[str, str]]:
    """Speaker names per channel, used only with enableSeparateRecognitionPerChannel=true (§2.2)."""
    if options.get("enableSeparateRecognitionPerChannel") is not True:
        return {}
    speakers = {}
    for entry in options.get("channelMetadata", []):
        speaker = entry.get("speaker") if isinstance(entry.get("speaker"), dict) else {}
        named = {key: speaker[key] for key in ("name", "email") if isinstance(speaker.get(key), str)}
        if named and entry["channel"] >= 1:
            speakers[entry["channel"] - 1] = named
    return speakers


def _too_many_jobs(limit: int) -> dict[str, Any]:
    return {
        "statusCode": 429,
        "message": f"This API has a limit of maximum of `{limit}` number of concurrent jobs per account. If you are "
        "looking to scale, and need more concurrent jobs than this limit, please contact us at support@symbl.ai",
    }


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()
