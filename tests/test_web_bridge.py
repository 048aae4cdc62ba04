"""The ASGI bridge's lifespan: granian's start and stop of a worker, and the worker's services closed at the stop."""

from __future__ import annotations

import asyncio

from bot.web_bridge import asgi_app


def lifespan(app) -> list[str]:
    """Run a server's start and stop of ``app``; what the app answered, in order."""
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    answered: list[str] = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        answered.append(message["type"])

    asyncio.run(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    return answered


def test_a_worker_stop_closes_its_services_once_then_says_so():
    closed: list[str] = []

    def wsgi(_environ, _start_response):
        raise AssertionError("no request in a lifespan")

    answered = lifespan(asgi_app(wsgi, threads=1, on_shutdown=lambda: closed.append("closed")))

    assert closed == ["closed"]
    assert answered == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_a_failing_close_still_lets_the_worker_stop(caplog):
    def fail():
        raise RuntimeError("database gone")

    answered = lifespan(asgi_app(lambda *_: [], threads=1, on_shutdown=fail))

    assert answered == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert "could not close the web worker's services" in caplog.text
