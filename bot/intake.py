"""Turning Slack input into job rows: the idempotency keys, thread routing and the media filter.

Media here means recordings and meeting transcripts (.vtt, .srt): both make a job.

Handlers call these and return at once; the row is written before any work, and its unique key makes a
redelivered event, a retried request or the ``message`` + ``file_shared`` pair collapse into one job.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from bot.errors import BotError, LimitError
from bot.media import is_media_name, is_transcript_file
from bot.net.safe_fetch import validate_url
from bot.services import Services
from bot.store.jobs import PendingLimitReached
from bot.store.tables import Stage, utcnow

_LINK_IN_TEXT = re.compile(r"<(https?://[^>|\s]+)(?:\|[^>]*)?>")


def _key(*parts: str) -> str:
    raw = ":".join(parts)
    return raw if len(raw) <= 200 else hashlib.sha256(raw.encode()).hexdigest()


def start_job(services: Services, *, key_parts: tuple[str, ...], **fields: Any) -> str | None:
    """Write the job row and queue it; its id, or None if this exact input already made a job.

    Raises ``LimitError`` when the person already has ``MAX_PENDING_PER_USER`` recordings waiting.
    """
    limit = services.settings.max_pending_per_user
    try:
        job_id = services.store.create_job(
            idempotency_key=_key(*key_parts),
            pending_limit=limit,
            engine=services.settings.engine,
            poll_interval=services.settings.poll_interval_seconds,
            **fields,
        )
    except PendingLimitReached:
        raise LimitError(
            f"You already have {limit} recordings waiting to be processed. "
            "Share this one again once some of them are done."
        ) from None
    if job_id is not None:
        services.enqueue(job_id)
    return job_id


def link_problem(services: Services, url: str) -> str | None:
    """Why a link someone gave us will not be used, in a sentence for them; None when it may be.

    The same checks for every way a link arrives (``/symbl process``, ``append``, a link in a message) and for
    both engines: Symbl fetches links itself, but a private or malformed one must not leave this app either.
    """
    try:
        validate_url(url, allow_private=services.settings.local_allow_private_urls)
    except BotError as exc:
        return str(exc)
    return None


def record_refused(services: Services, *, key_parts: tuple[str, ...], reason: str, **fields: Any) -> bool:
    """Write a refused input as a job that already failed (nothing runs it); False if it was recorded before.

    The row's key is the one a job for the same input would have, so the note saying why is posted once even
    when Slack delivers the event again.
    """
    job_id = services.store.create_job(
        idempotency_key=_key(*key_parts),
        engine=services.settings.engine,
        poll_interval=services.settings.poll_interval_seconds,
        stage=Stage.FAILED,
        error_text=reason,
        finished_at=utcnow(),
        **fields,
    )
    return job_id is not None


def looks_like_media(file: dict[str, Any]) -> bool | None:
    """True for audio/video files and meeting transcripts (.vtt, .srt), False for other files, None when Slack
    sent a stub we must look up."""
    name, mimetype = file.get("name"), file.get("mimetype")
    if not name and not mimetype:
        return None
    if mimetype and mimetype.split("/", 1)[0] in {"audio", "video"}:
        return True
    if is_transcript_file(name, mimetype, file.get("filetype")):
        return True
    return bool(name and is_media_name(name))


def thread_route(services: Services, team_id: str, channel_id: str, event: dict[str, Any]) -> tuple[str, str | None]:
    """Where results go, and the conversation to append to when the share is a reply in a meeting's thread."""
    thread_ts = event.get("thread_ts")
    if thread_ts and thread_ts != event.get("ts"):
        record = services.store.conversation_in_thread(team_id, channel_id, thread_ts)
        if record is not None:
            return record.thread_ts or thread_ts, record.conversation_id
        return thread_ts, None
    return event["ts"], None


def media_links(event: dict[str, Any]) -> Iterator[str]:
    """Links to recordings in a message: from rich_text link elements, else from the text's <url|label> forms."""
    seen: set[str] = set()
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "link" and isinstance(node.get("url"), str):
                found.append(node["url"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(event.get("blocks") or [])
    if not found:
        found = _LINK_IN_TEXT.findall(event.get("text") or "")
    for url in found:
        if url not in seen and is_media_name(url):
            seen.add(url)
            yield url
