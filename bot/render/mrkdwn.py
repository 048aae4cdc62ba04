"""Safe text for Slack: mrkdwn escaping, length clipping that never splits an escape, and date tokens.

Escaping decision: ``&``, ``<`` and ``>`` are escaped, but an ``&amp;``, ``&lt;`` or ``&gt;`` that is already
there is left alone. Text that came out of Slack (a slash command's name argument, a message) is already escaped
once, and escaping it again would show a literal ``&amp;`` to users. Leaving those three entities alone cannot
re-open an injection: they still render as text, never as a mention or a link. The cost is that a transcript that
literally says "&amp;" shows "&"; that is the better trade.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ELLIPSIS = "…"
MAX_LINK_URL_CHARS = 1000  # Slack permalinks are ~80 characters; a longer "link" is not worth a section's room

# A URL becomes a link only if it cannot break out of Slack's <url|label> syntax.
_SAFE_URL = re.compile(r"^https://[^\s<>|]+$")

# A recording's or transcript's file extension is not part of a meeting's name ("Launch readiness sync.mp4"). Only
# these, so "Roadmap v2.1" keeps its ".1".
_FILE_EXTENSION = re.compile(
    r"\.(mp4|m4v|mov|mkv|webm|avi|wmv|mpe?g|3gp|mp3|m4a|aac|wav|ogg|oga|opus|flac|wma|amr|vtt|srt)$", re.IGNORECASE
)
_UNESCAPED = re.compile(r"&(?!(?:amp|lt|gt);)|<|>")
_REPLACEMENTS = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# A cut can leave half an entity ("&am") or half a Slack token ("<!date^1…") at the end of a string.
_DANGLING_TAIL = re.compile(r"(&[a-z]{0,3}|<[^>]*)$")


def meeting_name(name: str | None) -> str:
    """A meeting's name as people read it (plain text): spaces folded, a file's extension dropped; "" for none."""
    folded = " ".join((name or "").split())
    return _FILE_EXTENSION.sub("", folded).strip() or folded


def escape_mrkdwn(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so user or transcript text can never ping, link or format as a Slack token.

    Idempotent: ``escape_mrkdwn(escape_mrkdwn(x)) == escape_mrkdwn(x)``.
    """
    return _UNESCAPED.sub(lambda m: _REPLACEMENTS[m.group(0)[0]], text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when it was cut. For plain, unescaped text."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def clip_mrkdwn(text: str, limit: int) -> str:
    """Like :func:`clip`, for mrkdwn that may hold entities and ``<…>`` tokens: a cut never leaves half of one."""
    if len(text) <= limit:
        return text
    head = _DANGLING_TAIL.sub("", text[: max(0, limit - 1)])
    return head.rstrip() + ELLIPSIS


def is_safe_url(url: str | None) -> bool:
    """Whether ``url`` may go inside ``<url|label>``: https, no whitespace, ``<``, ``>`` or ``|``, not too long."""
    return bool(url) and len(url) <= MAX_LINK_URL_CHARS and _SAFE_URL.match(url) is not None


def link(url: str | None, label: str) -> str:
    """``<url|label>`` with ``label`` (plain text) escaped; the escaped label alone when the URL is not safe."""
    text = escape_mrkdwn(label)
    if url and is_safe_url(url):
        return f"<{url.replace('&', '&amp;')}|{text}>"
    return text


def zone(tz: str | None) -> ZoneInfo:
    """The named time zone, or UTC when the name is missing or unknown (a bad per-channel setting must not crash)."""
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def slack_date(when: datetime, *, tz: str | None = None, date_format: str = "{date_short_pretty}") -> str:
    """A Slack date token that each reader sees in their own time zone.

    The fallback (shown by clients that cannot render the token, and in notifications) is the date in ``tz``,
    e.g. ``<!date^1594450800^{date_short_pretty}|Jul 11, 2020>``. A naive datetime is taken as UTC.
    """
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    local = aware.astimezone(zone(tz))
    fallback = f"{local:%b} {local.day}, {local.year}"
    if "{time}" in date_format:
        fallback += f" {local:%H:%M}"
    return f"<!date^{int(aware.timestamp())}^{date_format}|{fallback}>"


def format_duration(seconds: float | None) -> str | None:
    """``"42 min"``, ``"1 h 05 min"``, ``"under 1 min"``; None when unknown."""
    if seconds is None:
        return None
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"
