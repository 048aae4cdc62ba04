"""What a request to /slack/events must be before Bolt sees it: well formed, signed, and for this installation.

Bolt answers HTTP 500 for a timestamp header that is not an integer, a body that is not UTF-8 or JSON nested
deeper than the parser's recursion limit, and it logs a rejected request's whole body at INFO (issue #16). Here
each of those gets a 4xx and one log line that says why and how big the request was, never what it said. A signed
request whose ``team_id`` or ``api_app_id`` is not this installation's is refused (403) before any listener runs:
no job, no Slack call.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
_MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970 have 10 digits until the year 2286


@dataclass(frozen=True)
class Installation:
    """The workspace and app this process serves (``app_id`` empty: not known, not checked)."""

    team_id: str
    app_id: str = ""


class Refused(Exception):
    """A request the guard answers itself: the HTTP status and the reason, which is all the log says of it."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _parse(body: str, content_type: str) -> dict:
    """The request's fields as Bolt will see them; Refused for what Bolt would crash on."""
    try:
        if content_type.startswith("application/json"):
            parsed = json.loads(body)
        else:
            parsed = dict(parse_qsl(body, keep_blank_values=True))
            if "payload" in parsed:
                parsed = json.loads(parsed["payload"])
    except RecursionError:
        raise Refused("400 Bad Request", "JSON nested too deeply") from None
    except ValueError:
        raise Refused("400 Bad Request", "body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise Refused("400 Bad Request", "body is not a JSON object")
    return parsed


def _ids(fields: dict) -> tuple[str, str]:
    """(team id, app id) a request names: events and commands carry ``team_id``, interactivity ``team.id``."""
    team = fields.get("team")
    team_id = fields.get("team_id") or (team.get("id") if isinstance(team, dict) else "")
    return str(team_id or ""), str(fields.get("api_app_id") or "")


def is_slack_hook(url: str, hooks_host: str) -> bool:
    """Whether ``url`` is on Slack's hooks host, over HTTPS (plain HTTP only for an explicit host:port, in tests)."""
    parts = urlsplit(url)
    return parts.netloc == hooks_host and (parts.scheme == "https" or (":" in hooks_host and parts.scheme == "http"))


def _response_urls(fields: dict) -> list[str]:
    """Every response_url a request carries (a view submission has a list of them)."""
    listed = fields.get("response_urls") if isinstance(fields.get("response_urls"), list) else []
    urls = [fields.get("response_url"), *(r.get("response_url") for r in listed if isinstance(r, dict))]
    return [str(u) for u in urls if u]


def slack_guard(
    app: WSGIApp, *, signing_secret: str, installation: Callable[[], Installation], hooks_host: str
) -> WSGIApp:
    """``app`` (Bolt) behind the checks above. ``installation`` is asked once a request is known to be signed;
    a request whose ``response_url`` is not on ``hooks_host`` is refused, so Bolt's ``respond`` never posts
    elsewhere."""
    verifier = SignatureVerifier(signing_secret)

    def refuse(start_response, error: Refused, size: int) -> list[bytes]:
        log.warning("slack request refused (%s): %s; body of %d bytes", error.status, error.reason, size)
        data = json.dumps({"error": error.reason}).encode()
        start_response(error.status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def guarded(environ: dict, start_response):
        raw = environ["wsgi.input"].read()
        try:
            timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
            signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
            if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _MAX_TIMESTAMP_DIGITS):
                raise Refused("401 Unauthorized", "missing or malformed X-Slack-Request-Timestamp")
            try:
                body = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Refused("400 Bad Request", "body is not UTF-8") from None
            if not verifier.is_valid(body, timestamp, signature):
                raise Refused("401 Unauthorized", "invalid or expired signature")
            fields = _parse(body, environ.get("CONTENT_TYPE", ""))
            if not all(is_slack_hook(url, hooks_host) for url in _response_urls(fields)):
                raise Refused("400 Bad Request", "response_url is not on Slack's hooks host")
            team_id, app_id = _ids(fields)
            if team_id or app_id:
                try:
                    ours = installation()
                except Exception:  # Slack did not answer auth.test: Slack retries a request that got a 5xx
                    log.warning("slack request deferred: this installation's ids are not known yet", exc_info=True)
                    raise Refused("503 Service Unavailable", "installation not known yet") from None
                if team_id and team_id != ours.team_id:
                    raise Refused("403 Forbidden", "request for another workspace")
                if app_id and ours.app_id and app_id != ours.app_id:
                    raise Refused("403 Forbidden", "request for another app")
        except Refused as error:
            return refuse(start_response, error, len(raw))
        environ["wsgi.input"] = io.BytesIO(raw)  # the body again, for Bolt
        return app(environ, start_response)

    return guarded
