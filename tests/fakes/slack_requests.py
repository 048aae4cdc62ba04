"""Inbound Slack requests for end-to-end tests: signed headers and the exact bodies Slack sends.

Bodies follow docs/slack.md §3: slash commands are form-encoded (§3.1), Events API callbacks are a JSON wrapper
(§3.2), interactivity is ``payload=<urlencoded JSON>``. Sign the exact string you send.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

_event_numbers = itertools.count(1)


def sign(secret: str, body: str, timestamp: int | None = None, *, content_type: str | None = None) -> dict[str, str]:
    """Headers Slack would send with ``body``: v0 HMAC-SHA256 signature, timestamp and Content-Type.

    The Content-Type is JSON for a body starting with ``{`` and form-encoded otherwise, unless given.
    """
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    if content_type is None:
        content_type = "application/json" if body.lstrip().startswith("{") else "application/x-www-form-urlencoded"
    return {
        "X-Slack-Signature": f"v0={digest}",
        "X-Slack-Request-Timestamp": str(stamp),
        "Content-Type": content_type,
    }


def slash_command_body(
    text: str,
    *,
    response_url: str,
    team_id: str = "T0001",
    channel_id: str = "C111",
    user_id: str = "U111",
    command: str = "/symbl",
    channel_name: str = "general",
    user_name: str = "steve",
    api_app_id: str = "A111",
) -> str:
    """A slash command's form body, with the fields and order of a real one (no Grid fields)."""
    fields = {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": team_id,
        "team_domain": "example",
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}",
    }
    return urlencode(fields, quote_via=quote)


def new_event_id() -> str:
    """A fresh, unique Events API ``event_id``."""
    return f"Ev{next(_event_numbers):04d}{secrets.token_hex(4).upper()}"


def event_body(
    event: dict[str, Any],
    *,
    team_id: str = "T0001",
    event_id: str | None = None,
    api_app_id: str = "A111",
    bot_user_id: str = "UBOT",
    event_time: int | None = None,
) -> str:
    """The Events API ``event_callback`` JSON wrapper around ``event``; reuse ``event_id`` to simulate a retry."""
    wrapper = {
        "token": "XXYYZZ",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()) if event_time is None else event_time,
        "event_context": f"4-{secrets.token_hex(8)}",
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event": event,
    }
    return json.dumps(wrapper)


def block_action_body(
    action_id: str,
    *,
    response_url: str,
    value: str = "",
    block_id: str = "actions",
    team_id: str = "T0001",
    channel_id: str = "C111",
    user_id: str = "U111",
    message_ts: str = "1700000000.000100",
    thread_ts: str | None = None,
    api_app_id: str = "A111",
    selected_user: str | None = None,
    selected_option: dict[str, Any] | None = None,
    element_type: str | None = None,
    trigger_id: str | None = None,
) -> str:
    """A ``block_actions`` interaction as ``payload=<urlencoded JSON>``: a button click, or with ``selected_user``
    a ``users_select`` pick, or with ``selected_option`` (the chosen option object) a ``static_select`` choice
    (``element_type="overflow"`` for an overflow menu's). ``trigger_id``: one from ``FakeSlack.new_trigger_id``
    when the app is to open a modal."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    message: dict[str, Any] = {"type": "message", "ts": message_ts, "text": "", "user": "UBOT"}
    if thread_ts:
        container["thread_ts"] = thread_ts
        message["thread_ts"] = thread_ts
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "steve", "name": "steve", "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "XXYYZZ",
        "container": container,
        "trigger_id": trigger_id or f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}",
        "team": {"id": team_id, "domain": "example"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [_action(action_id, block_id, value, selected_user, selected_option, element_type=element_type)],
    }
    return "payload=" + quote(json.dumps(payload))


def view_submission_body(
    view: dict[str, Any],
    values: dict[str, dict[str, Any]],
    *,
    team_id: str = "T0001",
    user_id: str = "U111",
    api_app_id: str = "A111",
) -> str:
    """A ``view_submission`` as ``payload=<urlencoded JSON>``: the modal ``views.open`` answered (the fake's
    ``views``), with ``values`` as its ``state.values`` (block id -> action id -> the element's value object)."""
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "example"},
        "user": {"id": user_id, "username": "steve", "name": "steve", "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "XXYYZZ",
        "trigger_id": f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}",
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return "payload=" + quote(json.dumps(payload))


def _action(
    action_id: str,
    block_id: str,
    value: str,
    selected_user: str | None,
    selected_option: dict[str, Any] | None,
    *,
    element_type: str | None = None,
) -> dict[str, Any]:
    """The ``actions[0]`` object, shaped as Slack sends it for each kind of element."""
    common = {"action_id": action_id, "block_id": block_id, "action_ts": f"{time.time():.6f}"}
    if selected_user is not None:
        return {**common, "type": "users_select", "selected_user": selected_user}
    if selected_option is not None:
        return {**common, "type": element_type or "static_select", "selected_option": selected_option}
    label = {"type": "plain_text", "text": action_id, "emoji": True}
    return {**common, "type": "button", "value": value, "text": label}
