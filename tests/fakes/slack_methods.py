"""The Web API methods the fake Slack answers, with the argument checks and error codes Slack uses.

``WebMethods`` is a mixin for ``FakeSlack``: each method takes the merged request arguments and returns the
``ok: true`` body, or raises ``ApiError`` for Slack's ``ok: false`` answer. Callers hold the fake's lock.
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
import re
import secrets
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.fakes.slack_blocks import decode_blocks, validate_blocks
from tests.fakes.slack_records import HostedFile, Message, PendingUpload, Upload

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_MESSAGE_TEXT = 40_000
REPLIES_DEFAULT_LIMIT = 1000  # conversations.replies without a limit; Slack caps a page at 1000 too
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
REACTION_NAME = re.compile(r"[a-z0-9_+'\-]+(::skin-tone-[2-6])?")


class ApiError(Exception):
    """An ``ok: false`` answer: Slack's error code plus optional ``response_metadata.messages``."""

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)


WORKSPACE_URL = "https://example.slack.com"  # the workspace's web address, as permalinks carry it
_EVENT_TYPE = re.compile(r"^[a-zA-Z0-9_]{1,255}$")


def _flag(value: Any) -> bool:
    return str(value).lower() in {"1", "true"}


def _metadata(raw: Any) -> dict[str, Any] | None:
    """A message's ``metadata`` argument as Slack validates it: ``event_type`` and an ``event_payload`` object."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ApiError("invalid_metadata_format") from None
    if not isinstance(raw, dict):
        raise ApiError("invalid_metadata_format")
    if not isinstance(raw.get("event_type"), str) or not _EVENT_TYPE.match(raw["event_type"]):
        raise ApiError("invalid_metadata_schema", "[ERROR] event_type must be a short identifier")
    if not isinstance(raw.get("event_payload"), dict):
        raise ApiError("invalid_metadata_schema", "[ERROR] event_payload must be an object")
    return {"event_type": raw["event_type"], "event_payload": raw["event_payload"]}


TRIGGER_SECONDS = 3.0  # a trigger_id expires three seconds after the interaction (docs/slack.md §3.1)
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_VIEW_BLOCKS = 100


def _json_object(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (TypeError, json.JSONDecodeError):
        raise ApiError("invalid_arguments", "[ERROR] view is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError("invalid_arguments", "[ERROR] view must be an object")
    return value


def validate_view(view: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a modal: its type, title and button labels, metadata size and blocks."""
    problems = []
    if view.get("type") != "modal":
        problems.append("[ERROR] view.type must be modal")
    for name, required in (("title", True), ("submit", False), ("close", False)):
        label = view.get(name)
        if label is None and not required:
            continue
        if not isinstance(label, dict) or label.get("type") != "plain_text" or not label.get("text"):
            problems.append(f"[ERROR] view.{name} must be a non-empty plain_text object")
        elif len(label["text"]) > MAX_VIEW_TITLE:
            problems.append(f"[ERROR] view.{name} must be at most {MAX_VIEW_TITLE} characters")
    if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
        problems.append(f"[ERROR] private_metadata must be at most {MAX_PRIVATE_METADATA} characters")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        return [*problems, "[ERROR] view.blocks must be a non-empty array"]
    problems += validate_blocks(blocks, max_blocks=MAX_VIEW_BLOCKS)
    if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks) and "submit" not in view:
        problems.append("[ERROR] a view with input blocks needs a submit button")
    return problems


def _required(args: dict[str, Any], name: str, error: str = "invalid_arguments") -> str:
    value = args.get(name)
    if value is None or value == "":
        raise ApiError(error, f"[ERROR] missing required field: {name}")
    return str(value)


class WebMethods:
    """Slack Web API methods over the state kept by ``FakeSlack`` (see that class for the attributes)."""

    def method_table(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        """Method name -> implementation, for every method the fake knows."""
        return {
            "auth.test": self._auth_test,
            "bots.info": self._bots_info,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "files.info": self._files_info,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "files.delete": self._files_delete,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
        }

    # -- auth -------------------------------------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": self.url + "/",
            "team": "Fake Workspace",
            "user": "symbl",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _bots_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """Slack's answer for the app's own bot; any other id is ``bot_not_found``, as Slack says."""
        if args.get("bot") != self.bot_id:
            raise ApiError("bot_not_found")
        return {
            "ok": True,
            "bot": {
                "id": self.bot_id,
                "deleted": False,
                "name": "symbl",
                "updated": 1700000000,
                "app_id": self.app_id,
                "user_id": self.bot_user_id,
                "icons": {},
            },
        }

    # -- chat ------------------------------------------------------------------------------------------------

    def _message_content(self, args: dict[str, Any], *, method: str) -> tuple[str | None, list[Any] | None]:
        """Validated (text, blocks) of a posting call; raises the error Slack would give."""
        text = args.get("text")
        if text is not None and not isinstance(text, str):
            text = str(text)
        blocks, problems = decode_blocks(args.get("blocks"))
        if problems:
            raise ApiError("invalid_blocks", *problems)
        if text is not None and len(text) > MAX_MESSAGE_TEXT:
            raise ApiError("msg_too_long")
        if blocks is not None:
            problems = validate_blocks(blocks)
            if problems:
                raise ApiError("invalid_blocks", *problems)
        if not text and not blocks and not args.get("attachments"):
            raise ApiError("no_text")
        if blocks and not text:
            self.warnings.append(f"{method}: blocks sent without a top-level text fallback")
        return text, blocks

    def _check_thread(self, channel: str, thread_ts: str | None, method: str) -> None:
        if not thread_ts:
            return
        parent = self._find_message(channel, thread_ts)
        if parent is None:
            # Slack accepts this and files the reply under a parent nobody can see: a silent loss.
            self.warnings.append(f"{method}: thread_ts {thread_ts} is not a message in {channel}")
        elif parent.is_reply:
            self.warnings.append(f"{method}: thread_ts {thread_ts} is a reply, not a thread parent")

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel", "channel_not_found")
        self._check_channel(channel, posting=True)
        text, blocks = self._message_content(args, method="chat.postMessage")
        thread_ts = args.get("thread_ts") or None
        self._check_thread(channel, thread_ts, "chat.postMessage")
        metadata = _metadata(args.get("metadata"))
        message = Message(
            channel=channel,
            ts=self._next_ts(),
            text=text or "",
            blocks=blocks,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            thread_ts=thread_ts,
            args={k: v for k, v in args.items() if k not in {"text", "blocks", "token", "metadata"}},
            metadata=metadata,
        )
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": message.ts, "message": self._wire(message)}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel", "channel_not_found")
        ts = _required(args, "ts", "message_not_found")
        self._check_channel(channel, posting=True)
        message = self._find_message(channel, ts)
        if message is None:
            raise ApiError("message_not_found")
        if message.user != self.bot_user_id:
            raise ApiError("cant_update_message")
        merged = {"text": message.text, "blocks": message.blocks}
        merged.update({k: args[k] for k in ("text", "blocks", "attachments") if k in args})
        text, blocks = self._message_content(merged, method="chat.update")
        message.text = text or ""
        message.blocks = blocks
        message.edits += 1
        return {"ok": True, "channel": channel, "ts": ts, "text": message.text, "message": self._wire(message)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel", "channel_not_found")
        user = _required(args, "user", "user_not_in_channel")
        self._check_channel(channel, posting=True)
        known = self.channels.get(channel)
        if known is not None and user not in known["members"]:
            raise ApiError("user_not_in_channel")
        text, blocks = self._message_content(args, method="chat.postEphemeral")
        message = Message(
            channel=channel,
            ts=self._next_ts(),
            text=text or "",
            blocks=blocks,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            thread_ts=args.get("thread_ts") or None,
            recipient=user,
        )
        self.ephemerals.append(message)
        return {"ok": True, "message_ts": message.ts}

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel", "channel_not_found")
        ts = _required(args, "message_ts", "message_not_found")
        self._check_channel(channel, posting=False)
        message = self._find_message(channel, ts)
        if message is None:
            raise ApiError("message_not_found")
        # Slack answers with an https link on the workspace's own domain, never on the API host.
        link = f"{WORKSPACE_URL}/archives/{channel}/p{ts.replace('.', '')}"
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    # -- reactions -------------------------------------------------------------------------------------------

    def _reaction_target(self, args: dict[str, Any]) -> tuple[tuple[str, str], str]:
        channel, ts = args.get("channel"), args.get("timestamp")
        if not channel or not ts:
            raise ApiError("no_item_specified")
        name = args.get("name") or ""
        if not REACTION_NAME.fullmatch(name):
            raise ApiError("invalid_name")
        self._check_channel(channel, posting=False)
        if self._find_message(channel, ts) is None:
            raise ApiError("message_not_found")
        return (channel, ts), name

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        key, name = self._reaction_target(args)
        present = self.reactions.setdefault(key, set())
        if name in present:
            raise ApiError("already_reacted")
        present.add(name)
        return {"ok": True}

    def _reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        key, name = self._reaction_target(args)
        present = self.reactions.get(key, set())
        if name not in present:
            raise ApiError("no_reaction")
        present.discard(name)
        return {"ok": True}

    # -- files -----------------------------------------------------------------------------------------------

    def _files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = _required(args, "file", "file_not_found")
        hosted = self.files.get(file_id)
        if hosted is None:
            raise ApiError("file_not_found")
        return {"ok": True, "file": hosted.info, "comments": [], "response_metadata": {"next_cursor": ""}}

    def _files_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        """files.delete: a bot may delete the files it uploaded; anything else is ``cant_delete_file``. The file
        and its share messages go; asking again gives ``file_not_found`` (Slack forgets deleted files' ids)."""
        file_id = _required(args, "file", "file_not_found")
        hosted = self.files.get(file_id)
        if hosted is None:
            raise ApiError("file_not_found")
        if hosted.info.get("user") not in (None, self.bot_user_id):
            raise ApiError("cant_delete_file")
        del self.files[file_id]
        self.deleted_files.append(file_id)
        for channel, messages in self.messages.items():
            self.messages[channel] = [m for m in messages if file_id not in [f.get("id") for f in (m.files or [])]]
        return {"ok": True}

    def _files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = _required(args, "filename")
        raw_length = _required(args, "length")
        try:
            length = int(raw_length)
        except ValueError:
            raise ApiError("invalid_arguments", "[ERROR] length must be an integer") from None
        if length <= 0:
            raise ApiError("invalid_arguments", "[ERROR] length must be greater than 0")
        file_id = self._next_file_id()
        ticket = secrets.token_urlsafe(12)
        self.pending_uploads[ticket] = PendingUpload(file_id=file_id, filename=filename, length=length)
        return {"ok": True, "upload_url": f"{self.files_host_url}/upload/v1/{ticket}", "file_id": file_id}

    def _files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        entries = args.get("files")
        if isinstance(entries, str):
            try:
                entries = json.loads(entries)
            except json.JSONDecodeError:
                raise ApiError("invalid_arguments", "[ERROR] files must be a JSON array") from None
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            raise ApiError("invalid_arguments", "[ERROR] missing required field: files")
        channel = args.get("channel_id") or None
        if args.get("channels"):
            channel = channel or str(args["channels"]).split(",")[0]
        if channel:
            self._check_channel(channel, posting=True)
        thread_ts = args.get("thread_ts") or None
        if thread_ts and channel:
            self._check_thread(channel, thread_ts, "files.completeUploadExternal")
        tickets = {pending.file_id: (ticket, pending) for ticket, pending in self.pending_uploads.items()}
        chosen = []
        for entry in entries:
            found = tickets.get(str(entry.get("id")))
            if found is None or found[1].completed:
                raise ApiError("file_not_found", f"[ERROR] no upload in progress for file {entry.get('id')!r}")
            if found[1].content is None:
                raise ApiError("file_not_found", f"[ERROR] no bytes were uploaded for file {entry.get('id')!r}")
            chosen.append((entry, found[1]))
        share_ts = self._next_ts() if channel else None
        infos = []
        for entry, pending in chosen:
            pending.completed = True
            title = entry.get("title") or pending.filename
            info = self._file_object(
                file_id=pending.file_id,
                name=pending.filename,
                title=title,
                size=len(pending.content or b""),
                mimetype=mimetypes.guess_type(pending.filename)[0] or "text/plain",
                filetype=None,
                user=self.bot_user_id,
            )
            if channel and share_ts:
                share = {"ts": share_ts, "channel_name": channel.lower(), "team_id": self.team_id}
                if thread_ts:
                    share["thread_ts"] = thread_ts
                info["channels"] = [channel]
                info["shares"] = {"public": {channel: [share]}}
            self.files[pending.file_id] = HostedFile(pending.file_id, info, content=pending.content)
            self.uploads.append(
                Upload(
                    seq=self._next_seq(),
                    file_id=pending.file_id,
                    filename=pending.filename,
                    title=title,
                    content=pending.content or b"",
                    channel=channel,
                    thread_ts=thread_ts,
                    initial_comment=args.get("initial_comment") or None,
                )
            )
            infos.append(info)
        if channel and share_ts:
            share_message = Message(
                channel=channel,
                ts=share_ts,
                text=args.get("initial_comment") or "",
                blocks=None,
                user=self.bot_user_id,
                bot_id=self.bot_id,
                thread_ts=thread_ts,
                files=infos,
            )
            self.messages.setdefault(channel, []).append(share_message)
        return {"ok": True, "files": infos}

    # -- users and conversations ------------------------------------------------------------------------------

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(_required(args, "user", "user_not_found"))
        if user is None:
            raise ApiError("user_not_found")
        return {"ok": True, "user": self._user_object(user)}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        email = _required(args, "email", "users_not_found").lower()
        for user in self.users.values():
            if (user.get("email") or "").lower() == email:
                return {"ok": True, "user": self._user_object(user)}
        raise ApiError("users_not_found")

    def _user_object(self, user: dict[str, Any]) -> dict[str, Any]:
        try:
            now = datetime.now(ZoneInfo(user["tz"]))
            offset, label = int(now.utcoffset().total_seconds()), now.tzname()
        except (ZoneInfoNotFoundError, ValueError):
            offset, label = 0, "UTC"
        profile = {"real_name": user["real_name"], "display_name": user["name"]}
        if user.get("email"):
            profile["email"] = user["email"]
        return {
            "id": user["id"],
            "team_id": self.team_id,
            "name": user["name"],
            "deleted": False,
            "real_name": user["real_name"],
            "tz": user["tz"],
            "tz_label": label,
            "tz_offset": offset,
            "is_bot": False,
            "is_admin": bool(user.get("is_admin")),
            "is_owner": False,
            "profile": profile,
        }

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel", "channel_not_found")
        known = self.channels.get(channel)
        if known is None:
            raise ApiError("channel_not_found")
        members = sorted(known["members"] | ({self.bot_user_id} if known["bot_is_member"] else set()))
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel", "channel_not_found")
        known = self.channels.get(channel)
        if known is None:
            raise ApiError("channel_not_found")
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": known.get("name") or channel.lower(),
                "is_channel": True,
                "is_private": known.get("private", False),
                "is_member": known["bot_is_member"],
            },
        }

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel", "channel_not_found")
        self._check_channel(channel, posting=True)
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or 9e12)
        inclusive = str(args.get("inclusive", "")).lower() in {"1", "true"}
        limit = int(args.get("limit") or 100)
        picked = [
            m
            for m in self.messages.get(channel, [])
            if not m.is_reply and (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)
        ]
        picked.sort(key=lambda m: float(m.ts), reverse=True)
        with_metadata = _flag(args.get("include_all_metadata"))
        return {
            "ok": True,
            "messages": [self._wire(m, metadata=with_metadata) for m in picked[:limit]],
            "has_more": len(picked) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _required(args, "channel", "channel_not_found")
        ts = _required(args, "ts", "thread_not_found")
        self._check_channel(channel, posting=True)
        parent = self._find_message(channel, ts)
        if parent is None:
            raise ApiError("thread_not_found")
        root = parent.thread_ts or parent.ts
        thread = [m for m in self.messages.get(channel, []) if root in (m.ts, m.thread_ts)]
        with_metadata = _flag(args.get("include_all_metadata"))
        # Pages of ``limit`` messages, the parent first; ``next_cursor`` is opaque to callers (Slack's encodes the
        # next message's ts, as this one does) and empty on the last page.
        limit = min(int(args.get("limit") or REPLIES_DEFAULT_LIMIT), REPLIES_DEFAULT_LIMIT)
        start = 0
        if cursor := args.get("cursor"):
            try:
                next_ts = base64.b64decode(cursor, validate=True).decode().removeprefix("next_ts:")
            except (binascii.Error, UnicodeDecodeError):
                raise ApiError("invalid_cursor") from None
            start = next((i for i, m in enumerate(thread) if m.ts == next_ts), -1)
            if start < 0:
                raise ApiError("invalid_cursor")
        page, rest = thread[start : start + limit], thread[start + limit :]
        next_cursor = base64.b64encode(f"next_ts:{rest[0].ts}".encode()).decode() if rest else ""
        return {
            "ok": True,
            "messages": [self._wire(m, metadata=with_metadata) for m in page],
            "has_more": bool(rest),
            "response_metadata": {"next_cursor": next_cursor},
        }

    # -- shared helpers ---------------------------------------------------------------------------------------

    # -- views ----------------------------------------------------------------------------------------------

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """Open a modal: the ``trigger_id`` of an interaction, used once and within 3 s, and a valid ``view``."""
        trigger_id = _required(args, "trigger_id")
        raw = args.get("view")
        if raw is None or raw == "":
            raise ApiError("invalid_arguments", "[ERROR] missing required field: view")
        issued = self.triggers.get(trigger_id)
        if issued is None:
            raise ApiError("invalid_trigger_id")
        if issued < 0:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - issued > TRIGGER_SECONDS:
            raise ApiError("expired_trigger_id")
        view = raw if isinstance(raw, dict) else _json_object(raw)
        problems = validate_view(view)
        if problems:
            raise ApiError("invalid_arguments", *problems)
        self.triggers[trigger_id] = -1.0  # exchanged
        opened = {
            **view,
            "id": f"V{secrets.token_hex(5).upper()}",
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "state": {"values": {}},
            "hash": secrets.token_hex(8),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
        }
        self.views.append(opened)
        return {"ok": True, "view": opened}

    def _check_channel(self, channel: str, *, posting: bool) -> None:
        """Slack's channel checks: a conversation ID, known (when channels were registered), bot a member."""
        if not CHANNEL_ID.fullmatch(channel):
            raise ApiError("channel_not_found")
        if not self.channels:
            return
        known = self.channels.get(channel)
        if known is None:
            raise ApiError("channel_not_found")
        if posting and not known["bot_is_member"]:
            raise ApiError("not_in_channel")

    def _find_message(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel, []) if m.ts == ts), None)

    def _wire(self, message: Message, *, metadata: bool = False) -> dict[str, Any]:
        body = message.as_slack()
        if metadata and message.metadata:  # Slack returns metadata only to readers who ask for it
            body["metadata"] = message.metadata
        body["team"] = self.team_id
        replies = [m for m in self.messages.get(message.channel, []) if m.thread_ts == message.ts and m.is_reply]
        if replies and not message.is_reply:
            body["thread_ts"] = message.ts
            body["reply_count"] = len(replies)
        return body
