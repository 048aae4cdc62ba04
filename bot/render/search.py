"""The ``/symbl search`` answer (pure): one block per hit with the meeting, its date, who said it and when, a
snippet with the searched words in bold, a link to the meeting's thread, and buttons to page through."""

from __future__ import annotations

import json
import re

from bot.render.blocks import context, section
from bot.render.mrkdwn import clip, escape_mrkdwn, link, meeting_name, slack_date
from bot.search_query import SearchQuery
from bot.store.search import Hit

PAGE_SIZE = 5
SNIPPET_CHARS = 240
PAGE_ACTION = "search_page"
KIND_LABEL = {"action": "Action item", "follow_up": "Follow-up", "question": "Question", "topic": "Topic"}
_WORD = re.compile(r"[^\W_]+")


def clock(offset_seconds: float | None) -> str | None:
    """``12:05`` or ``1:02:09`` into the meeting; None when unknown."""
    if offset_seconds is None:
        return None
    total = max(0, int(offset_seconds))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _is_term(word: str, query: SearchQuery) -> bool:
    lowered = word.lower()
    return any(lowered == t or (p and lowered.startswith(t)) for t, p in query.highlight_terms)


def snippet(text: str, query: SearchQuery, limit: int = SNIPPET_CHARS) -> str:
    """Mrkdwn: the part of ``text`` around the first searched word, each searched word in bold, the rest escaped."""
    text = " ".join(text.split())
    words = [m for m in _WORD.finditer(text) if _is_term(m.group(0), query)]
    start = 0
    if words and len(text) > limit:
        start = max(0, words[0].start() - limit // 3)
        start = text.rfind(" ", 0, start) + 1 if start else 0
    window = text[start:]
    cut = clip(window, limit)
    pieces, last = [], 0
    for match in _WORD.finditer(cut):
        if _is_term(match.group(0), query):
            pieces.append(escape_mrkdwn(cut[last : match.start()]))
            pieces.append(f"*{escape_mrkdwn(match.group(0))}*")
            last = match.end()
    pieces.append(escape_mrkdwn(cut[last:]))
    return ("…" if start else "") + "".join(pieces)


def _hit_block(hit: Hit, query: SearchQuery) -> dict:
    title = link(hit.permalink, meeting_name(hit.name) or hit.conversation_id)
    facts = [slack_date(hit.meeting_at)]
    if hit.speaker:
        facts.append(escape_mrkdwn(clip(hit.speaker, 80)))
    if at := clock(hit.offset_seconds):
        facts.append(f"at {at}")
    if label := KIND_LABEL.get(hit.kind):
        facts.append(label)
    return section(f"*{title}* · {' · '.join(facts)}\n>{snippet(hit.text, query)}")


def page_button(text: str, query_text: str, page: int) -> dict:
    # The query travels in the button's value (at most 2,000 characters; queries are at most 500).
    return {
        "type": "button",
        "action_id": f"{PAGE_ACTION}_{page}",
        "text": {"type": "plain_text", "text": text},
        "value": json.dumps({"q": query_text, "page": page}),
    }


def render_results(hits: list[Hit], query: SearchQuery, query_text: str, page: int = 0) -> dict:
    """A page of results (``page`` from 0), with Previous/Next buttons when there is more."""
    if not hits:
        return {
            "text": "No meetings you can see mention that. Try fewer words, or another spelling.",
        }
    pages = (len(hits) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = hits[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    more = "+" if len(hits) >= 200 else ""
    summary = f"{len(hits)}{more} result{'s' if len(hits) != 1 else ''} · page {page + 1} of {pages}"
    blocks = [context(f"Search: {escape_mrkdwn(clip(query_text, 200))} · {summary}")]
    blocks += [_hit_block(hit, query) for hit in shown]
    buttons = []
    if page > 0:
        buttons.append(page_button("Previous", query_text, page - 1))
    if page < pages - 1:
        buttons.append(page_button("Next", query_text, page + 1))
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return {"text": f"Search results: {summary}", "blocks": blocks}
