"""What the fake Slack remembers: recorded requests and the workspace state they changed.

Every record carries ``seq``, one counter shared by all record kinds, so a test can assert the order of
calls that went to different listeners (e.g. the three steps of ``files_upload_v2``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ApiCall:
    """One Web API request as the fake saw it and answered it."""

    seq: int
    method: str
    args: dict[str, Any]
    token: str | None
    ok: bool
    error: str | None
    status: int
    ts: float


@dataclass
class Message:
    """A message in a channel (or an ephemeral one), with later edits applied in place."""

    channel: str
    ts: str
    text: str
    blocks: list[dict] | None
    user: str
    thread_ts: str | None = None
    bot_id: str | None = None
    files: list[dict] = field(default_factory=list)
    recipient: str | None = None  # ephemeral messages only: the one user who sees it
    edits: int = 0
    args: dict[str, Any] = field(default_factory=dict)  # the posting call's arguments (unfurl_links, …)
    metadata: dict[str, Any] | None = None  # Slack message metadata: event_type and event_payload

    @property
    def is_reply(self) -> bool:
        """True for a threaded reply (not for a thread's parent)."""
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def is_file_share(self) -> bool:
        """True for the message Slack posts when files are shared (files.completeUploadExternal with a channel)."""
        return bool(self.files)

    def as_slack(self) -> dict[str, Any]:
        """The message object in Slack's wire shape (as in chat.postMessage's ``message``)."""
        body: dict[str, Any] = {"type": "message", "text": self.text, "user": self.user, "ts": self.ts}
        if self.bot_id:
            body["bot_id"] = self.bot_id
        if self.blocks is not None:
            body["blocks"] = self.blocks
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self.files:
            body["files"] = self.files
            body["upload"] = False
        if self.edits:
            body["edited"] = {"user": self.user, "ts": self.ts}
        return body


@dataclass
class Upload:
    """A file shared through files.completeUploadExternal (the last step of files_upload_v2)."""

    seq: int
    file_id: str
    filename: str
    title: str
    content: bytes
    channel: str | None
    thread_ts: str | None
    initial_comment: str | None


@dataclass
class UploadPost:
    """One POST of file bytes to an ``upload_url`` on the files host."""

    seq: int
    file_id: str
    content_type: str | None
    length: int
    ts: float


@dataclass
class Download:
    """One GET on the files host or on the unrelated host."""

    seq: int
    path: str
    authorization: str | None
    host: str  # "files" | "other"
    status: int
    served_bytes: bool


@dataclass
class ResponsePost:
    """One POST to a ``response_url`` issued by ``FakeSlack.response_url``."""

    seq: int
    path: str
    body: Any
    content_type: str | None
    accepted: bool


@dataclass
class HostedFile:
    """A file the fake hosts: its Slack file object plus where its bytes live."""

    file_id: str
    info: dict[str, Any]
    content: bytes | None = None
    content_path: Path | None = None

    @property
    def size(self) -> int:
        """Byte length of the content."""
        if self.content_path is not None:
            return self.content_path.stat().st_size
        return len(self.content or b"")


@dataclass
class PendingUpload:
    """An upload ticket from files.getUploadURLExternal, waiting for bytes and completion."""

    file_id: str
    filename: str
    length: int
    content: bytes | None = None
    completed: bool = False
