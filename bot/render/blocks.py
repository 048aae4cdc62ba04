"""Small Block Kit constructors and the packer that keeps lists inside Slack's limits.

Limits (docs.slack.dev/reference/block-kit/blocks, mirrored by ``slack_sdk.models.blocks`` validators): 50 blocks
per message, 3,000 characters per section text, 150 per header, 10 context elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.render.mrkdwn import clip, clip_mrkdwn

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_CHARS = 3000
MAX_FALLBACK_CHARS = 3000

Block = dict[str, Any]


def header(text: str) -> Block:
    """A header block; ``text`` is plain text (not mrkdwn), clipped to 150 characters."""
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_HEADER_CHARS), "emoji": True}}


def section(mrkdwn: str) -> Block:
    """A section block holding already-escaped mrkdwn, clipped to 3,000 characters."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(mrkdwn, MAX_SECTION_CHARS)}}


def context(mrkdwn: str) -> Block:
    """A context block with one mrkdwn element (small grey text)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip_mrkdwn(mrkdwn, MAX_CONTEXT_CHARS)}]}


def divider() -> Block:
    """A horizontal rule."""
    return {"type": "divider"}


def more_line(hidden: int) -> str:
    """The line that stands for the items a message had no room for."""
    return f"_+{hidden} more_"


def pack_lines(
    title: str | None,
    lines: Sequence[str],
    *,
    max_sections: int,
    max_chars: int = MAX_SECTION_CHARS,
    not_listed: int = 0,
) -> list[Block]:
    """Sections holding ``lines`` in order (mrkdwn, already escaped), at most ``max_sections`` of them.

    ``title`` starts the first section. Lines that do not fit, plus ``not_listed`` items the caller left out,
    are replaced by one "+N more" line, which is always given room, so a reader can tell the list was cut.
    """
    texts: list[str] = []
    current = title or ""
    shown = 0
    for index, raw_line in enumerate(lines):
        line = clip_mrkdwn(raw_line, max_chars - 40)  # a line alone can never overflow, with room for "+N more"
        remaining_after = len(lines) - index - 1 + not_listed
        # Reserve room for a "+N more" tail in the last allowed section, unless this is the final line.
        reserve = 0 if remaining_after == 0 else len(more_line(remaining_after)) + 1
        is_last_section = len(texts) == max_sections - 1
        candidate = f"{current}\n{line}" if current else line
        limit = max_chars - (reserve if is_last_section else 0)
        if len(candidate) <= limit:
            current = candidate
            shown += 1
            continue
        if not is_last_section and current:
            texts.append(current)
            current = line
            shown += 1
            continue
        break
    hidden = len(lines) - shown + not_listed
    if hidden:
        current = f"{current}\n{more_line(hidden)}" if current else more_line(hidden)
    if current:
        texts.append(current)
    return [section(t) for t in texts]


def fits(blocks: Sequence[Block]) -> bool:
    """Whether a block list is within the per-message block count."""
    return len(blocks) <= MAX_BLOCKS
