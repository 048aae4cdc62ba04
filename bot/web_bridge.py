"""The web server's door: whole, small request bodies in, then the WSGI app in a thread of its own pool.

granian's WSGI interface calls the app as soon as the headers are in, and ``wsgi.input.read`` then blocks that
request thread until the client has sent the body: 24 sockets sending one byte a second held all 16 threads, and
signed Slack requests went unanswered (issue #16). So the app is served through granian's ASGI interface instead,
where waiting for a body costs one coroutine on the worker's event loop, not a thread:

* a body must arrive whole within ``deadline_seconds`` (408 otherwise) and be at most ``max_body_bytes``
  (413, answered from the declared length before a byte is read, or as soon as a chunked body goes past it);
* only then does the WSGI app run, in a pool of ``threads``, with the body in memory as ``wsgi.input``.

ASGI's lifespan events give the worker's shutdown: ``on_shutdown`` (the worker's services closed) runs once granian
has stopped taking requests, after the last one was answered.

Nothing of a refused body is kept or logged, only its size.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
MAX_BODY_BYTES = 1_000_000  # Slack's requests are a few kilobytes; its largest (a view submission) far below this
BODY_DEADLINE_SECONDS = 5.0  # Slack sends a whole body at once; it waits 3 s for the answer


class BodyTooLarge(Exception):
    """The request's body grew past the limit (it is not read further)."""


class ClientGone(Exception):
    """The client disconnected before its body was whole."""


async def receive_body(receive, limit: int, write: Callable[[bytes], object]) -> int:
    """Hand an ASGI request's body to ``write`` as it arrives; its size in bytes.

    Raises ``BodyTooLarge`` as soon as more than ``limit`` bytes came, and ``ClientGone`` on a disconnect.
    """
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body") or b""
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        write(chunk)
        if not message.get("more_body"):
            return size


async def read_body(receive, limit: int) -> bytes:
    """The whole body in memory (at most ``limit`` bytes); raises as :func:`receive_body` does."""
    parts: list[bytes] = []
    await receive_body(receive, limit, parts.append)
    return b"".join(parts)


def _environ(scope: dict, body: bytes) -> dict:
    """The PEP 3333 environ of a request whose body is already in memory."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        "PATH_INFO": scope["path"].encode().decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").upper().replace("-", "_"), raw_value.decode("latin-1")
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif name != "CONTENT_LENGTH":
            key = f"HTTP_{name}"
            environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def _call_wsgi(app: WSGIApp, environ: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run the WSGI app to the end (its answers are small) and return status, headers and body."""
    started: list = []

    def start_response(status, headers, exc_info=None):
        started[:] = [status, headers]

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    status, headers = started
    return int(status.split(" ", 1)[0]), list(headers), body


def asgi_app(
    app: WSGIApp,
    *,
    threads: int,
    max_body_bytes: int = MAX_BODY_BYTES,
    deadline_seconds: float = BODY_DEADLINE_SECONDS,
    on_shutdown: Callable[[], object] | None = None,
):
    """An ASGI app (HTTP and lifespan) that runs ``app`` once the request's body is in, and ``on_shutdown`` when
    the server stops."""
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="web")

    async def lifespan(receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    if on_shutdown is not None:
                        await asyncio.get_running_loop().run_in_executor(pool, on_shutdown)
                except Exception:  # the process ends all the same; what was not closed goes with it
                    log.exception("could not close the web worker's services")
                pool.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def send_plain(send, status: int, text: str) -> None:
        data = text.encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(data)).encode())]
        if status >= 400:
            headers.append((b"connection", b"close"))  # the rest of a refused body is never read
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def serve(scope, receive, send):
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        declared = next((v for k, v in scope.get("headers", []) if k.lower() == b"content-length"), b"")
        if declared.strip().isdigit() and int(declared) > max_body_bytes:
            log.warning("request refused: body of %s bytes declared, the limit is %d", int(declared), max_body_bytes)
            await send_plain(send, 413, "Request body too large")
            return
        try:
            body = await asyncio.wait_for(read_body(receive, max_body_bytes), deadline_seconds)
        except BodyTooLarge:
            log.warning("request refused: body over the limit of %d bytes", max_body_bytes)
            await send_plain(send, 413, "Request body too large")
            return
        except TimeoutError:
            log.warning("request refused: body not received within %.0f s", deadline_seconds)
            await send_plain(send, 408, "Request body not received in time")
            return
        except ClientGone:
            return
        loop = asyncio.get_running_loop()
        status, headers, data = await loop.run_in_executor(pool, _call_wsgi, app, _environ(scope, body))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": data})

    return serve
