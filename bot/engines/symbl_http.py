"""HTTP plumbing for the Symbl client: the access token, retries with backoff, and status codes to errors.

Nothing here knows Symbl's routes or JSON shapes beyond the token call, the route templates its calls are timed
under (``route_template``) and the error body's ``message``; the rest lives in ``symbl.py`` and ``symbl_parse.py``.
What is retried is ``bot.retry``'s decision, read from the typed error each answer is mapped to here.
One ``SymblHttp`` is shared by every thread of the app: the
token is guarded by a lock and the ``requests.Session`` gets a connection pool big enough for the
concurrent insight fetches of several jobs.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import requests
from requests.adapters import HTTPAdapter

from bot import metrics, retry
from bot.errors import (
    AuthError,
    BadRequestError,
    ConfigError,
    EngineError,
    EngineTimeoutError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
)
from bot.retry import Backoff  # full jitter by default: the in-call retries of one Symbl request

logger = logging.getLogger(__name__)

TOKEN_PATH = "/oauth2/token:generate"  # noqa: S105 - a route, not a secret
DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds; the read timeout also bounds the wait after an upload
UPLOAD_CHUNK_BYTES = 1024 * 1024
POOL_SIZE = 32  # several jobs may fetch their insights at once, 8 requests each
RETRY_AFTER_CAP_SECONDS = 60.0
# Symbl never redirects; following one would replay a POST as a GET or send a token to another host.
NO_REDIRECTS = {"allow_redirects": False}

# The routes this client calls, with their ids replaced, so a metric's label never carries a conversation or job id.
_ROUTE_TEMPLATES = (
    (re.compile(r"^/oauth2/token:generate$"), "/oauth2/token:generate"),
    (re.compile(r"^/v1/process/(audio|video)$"), r"/v1/process/\1"),
    (re.compile(r"^/v1/process/(audio|video)/url$"), r"/v1/process/\1/url"),
    (re.compile(r"^/v1/process/(audio|video)/url/[^/]+$"), r"/v1/process/\1/url/{conversationId}"),
    (re.compile(r"^/v1/process/(audio|video)/[^/]+$"), r"/v1/process/\1/{conversationId}"),
    (re.compile(r"^/v1/job/[^/]+$"), "/v1/job/{jobId}"),
    (
        re.compile(
            r"^/v1/conversations/[^/]+(|/messages|/topics|/action-items|/follow-ups|/questions|/members|/summary)$"
        ),
        r"/v1/conversations/{conversationId}\1",
    ),
    (re.compile(r"^/v1/conversations/[^/]+/members/[^/]+$"), "/v1/conversations/{conversationId}/members/{memberId}"),
)


class UploadBody:
    """A request body streamed from a path or a binary stream, and whether a failed send can be repeated.

    A path is reopened for every attempt; a seekable stream is rewound to where it stood when it was handed
    over; anything else is sent once, as a chunked generator, and cannot be retried.
    """

    def __init__(self, source: str | Path | BinaryIO):
        self._path: Path | None = None
        self._stream: BinaryIO | None = None
        self._start: int | None = None
        if isinstance(source, str | Path):
            self._path = Path(source)
        else:
            self._stream = source
            self._start = _tell_if_seekable(source)
        self._attempts = 0

    @property
    def rewindable(self) -> bool:
        """Whether the same bytes can be sent again after a failed attempt."""
        return self._path is not None or self._start is not None

    @contextmanager
    def open(self) -> Iterator[Any]:
        """The ``data=`` for one attempt: a file object (requests sends Content-Length) or a generator."""
        self._attempts += 1
        if self._path is not None:
            with self._path.open("rb") as handle:
                yield handle
            return
        assert self._stream is not None  # noqa: S101 - one of the two is always set by __init__
        if self._start is not None:
            if self._attempts > 1:
                self._stream.seek(self._start)
            yield self._stream
            return
        yield _chunks(self._stream)


def _tell_if_seekable(stream: BinaryIO) -> int | None:
    seekable = getattr(stream, "seekable", None)
    try:
        if seekable is not None and not seekable():
            return None
        return stream.tell()
    except (OSError, AttributeError, ValueError):
        return None


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(UPLOAD_CHUNK_BYTES):
        yield chunk


def route_template(path: str) -> str:
    """The route template of a Symbl path (``/v1/job/abc`` -> ``/v1/job/{jobId}``); unknown paths are "other"."""
    path = path.split("?", 1)[0]
    for pattern, template in _ROUTE_TEMPLATES:
        if pattern.match(path):
            return pattern.sub(template, path)
    return "other"


class TokenCache:
    """Symbl's access token: generated on first use, shared by all threads, renewed ahead of expiry."""

    def __init__(
        self,
        http: SymblHttp,
        app_id: str,
        app_secret: str,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._http = http
        self._app_id = app_id
        self._app_secret = app_secret
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def get(self) -> str:
        """A token valid for a while yet; one thread generates it while the others wait for it."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._token, lifetime = self._generate()
                # Renew a little early so a call never leaves with a token about to lapse in flight.
                self._renew_at = self._clock() + lifetime - min(60.0, lifetime / 10)
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after the server rejected it, unless another thread already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _generate(self) -> tuple[str, float]:
        body = {"type": "application", "appId": self._app_id, "appSecret": self._app_secret}
        try:
            response = self._http.send("POST", TOKEN_PATH, json=body, authenticated=False)
        except AuthError as exc:
            raise AuthError(
                "Symbl rejected SYMBL_APP_ID / SYMBL_APP_SECRET", status=exc.status, server_message=exc.server_message
            ) from exc
        data = json_object(response)
        token, lifetime = data.get("accessToken"), data.get("expiresIn")
        if not isinstance(token, str) or not token:
            raise UnexpectedResponseError("the token response has no accessToken", status=response.status_code)
        try:
            seconds = float(lifetime)
        except (TypeError, ValueError):
            seconds = 0.0
        if seconds <= 0:
            seconds = 86400.0  # the documented default lifetime when the answer does not say
        logger.info("symbl access token generated", extra={"expires_in": seconds})
        return token, seconds


class SymblHttp:
    """Sends one logical call to Symbl: token, timeout, bounded retries, and a typed error on failure."""

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else _pooled_session()
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.tokens = TokenCache(self, app_id, app_secret, clock=clock)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        body: UploadBody | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        ok_statuses: tuple[int, ...] = (),
    ) -> requests.Response:
        """Make the call, retrying 429, 5xx and network failures; return the 2xx (or ``ok_statuses``) response.

        A 401 renews the token once and repeats the call once. Raises an ``EngineError`` subclass otherwise.
        """
        url = self.base_url + path
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            token = self.tokens.get() if authenticated else None
            try:
                with metrics.timed_symbl_request(method, route_template(path)) as record_status:
                    response = self._attempt(
                        method, url, params=params, json=json, body=body, headers=headers, token=token
                    )
                    record_status(response.status_code)
            except EngineTimeoutError as exc:
                error: EngineError = exc
            else:
                if 200 <= response.status_code < 300 or response.status_code in ok_statuses:
                    return response
                if response.status_code == 401 and token is not None and not renewed:
                    renewed = True
                    self.tokens.invalidate(token)
                    if body is None or body.rewindable:
                        logger.info("symbl token rejected; renewing it", extra={"method": method, "path": path})
                        attempt -= 1  # the renewal is not one of the backoff attempts
                        continue
                error = error_for(response, method, path)
            spent = attempt >= self.max_attempts or (body is not None and not body.rewindable)
            if spent or not retry.is_retryable(error):
                raise error
            delay = retry_delay(error, attempt, self.backoff, self._rng)
            logger.warning(
                "symbl call failed; retrying",
                extra={"method": method, "path": path, "status": error.status, "attempt": attempt, "delay": delay},
            )
            self._sleep(delay)

    def _attempt(self, method, url, *, params, json, body, headers, token) -> requests.Response:
        all_headers = {"Accept": "application/json", **(headers or {})}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        try:
            if body is None:
                return self.session.request(
                    method, url, params=params, json=json, headers=all_headers, timeout=self.timeout, **NO_REDIRECTS
                )
            with body.open() as data:
                return self.session.request(
                    method, url, params=params, data=data, headers=all_headers, timeout=self.timeout, **NO_REDIRECTS
                )
        except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            # The exception text can hold the full URL with its query (a webhook secret); keep only the kind.
            raise EngineTimeoutError(f"{method} {_path_of(url)}: {type(exc).__name__}") from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema):
            raise ConfigError(f"SYMBL_API_URL must be an http(s) URL, not {self.base_url!r}.") from None


def _pooled_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _path_of(url: str) -> str:
    return requests.utils.urlparse(url).path


def json_body(response: requests.Response) -> Any:
    """The response body parsed as JSON; a body that is not JSON is outside Symbl's contract."""
    try:
        return response.json()
    except ValueError:
        raise UnexpectedResponseError(
            f"{response.request.method} {_path_of(response.url)} answered with non-JSON content",
            status=response.status_code,
        ) from None


def json_object(response: requests.Response) -> dict[str, Any]:
    """The response body as a JSON object; anything else is outside Symbl's contract."""
    data = json_body(response)
    if not isinstance(data, dict):
        raise UnexpectedResponseError(
            f"{response.request.method} {_path_of(response.url)} answered with JSON that is not an object",
            status=response.status_code,
        )
    return data


def server_message(response: requests.Response) -> str | None:
    """Symbl's own ``message`` from an error body, when the body is JSON and has one."""
    try:
        data = response.json()
    except ValueError:
        return None
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else None


def is_concurrency_limit(message: str | None) -> bool:
    """Whether a 429 is the per-account concurrent-jobs limit rather than plain request throttling."""
    return bool(message) and "concurrent job" in message.lower()


def error_for(response: requests.Response, method: str, path: str) -> EngineError:
    """The typed error for a non-2xx Symbl answer, carrying the status and the server's message."""
    status = response.status_code
    message = server_message(response)
    text = f"{method} {path} -> HTTP {status}" + (f": {message}" if message else "")
    kwargs = {"status": status, "server_message": message}
    if status in (401, 403):
        error: EngineError = AuthError(text, **kwargs)
    elif status in (400, 413):
        error = BadRequestError(text, **kwargs)
    elif status == 404:
        error = NotFoundError(text, **kwargs)
    elif status == 429:
        error = RateLimitedError(text, concurrency_limit=is_concurrency_limit(message), **kwargs)
    elif status >= 500:
        error = ServerError(text, **kwargs)
    else:
        error = UnexpectedResponseError(text, **kwargs)
    error.response = response
    return error


def response_of(error: EngineError) -> requests.Response | None:
    """The HTTP response an error was built from, if any."""
    return getattr(error, "response", None)


def retry_delay(error: EngineError, attempt: int, backoff: Backoff, rng: random.Random) -> float:
    """Seconds to wait before the next attempt: the server's Retry-After when it gave one, else the backoff."""
    server_says = _retry_after(response_of(error))
    return server_says if server_says is not None else backoff.delay(attempt, rng)


def _retry_after(response: requests.Response | None) -> float | None:
    # Symbl never documented Retry-After, but a proxy in front of it may send one; honour it when present.
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        seconds = float(raw) if raw else None
    except ValueError:
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP_SECONDS) if seconds is not None else None
