"""The result message for one processed meeting: header, tone, summary, action items, follow-ups, questions, topics.

Layout decisions: action items always get a heading, with "No action items found." when there are none, because
that is the question every reader has; other empty categories are left out. A meeting where nothing at all was
found still gets a one-line explanation rather than a bare header.

With the action-item ledger, an item the ledger knows is shown with its controls (assign, done, snooze) and its
current owner and state; firm items get them first, and the items with no room for controls stay plain lines.

Sentiment is shown sparingly: a topic gets 🙂 or 🙁 only when its engine labelled it clearly positive or negative,
and one context line under the header gives the meeting's overall tone from its messages' labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from bot.digest.model import LedgerEntry
from bot.models import NEGATIVE, NEUTRAL, POSITIVE, ActionItem, Insights, Message, Question, Topic
from bot.render.blocks import (
    MAX_BLOCKS,
    MAX_FALLBACK_CHARS,
    MAX_HEADER_CHARS,
    Block,
    context,
    divider,
    header,
    pack_lines,
    section,
)
from bot.render.ledger import BLOCKS_PER_ITEM, has_controls, item_blocks, item_line
from bot.render.mrkdwn import clip, escape_mrkdwn, format_duration, slack_date
from bot.render.people import person_mrkdwn, slack_user_for

DEFAULT_TITLE = "Meeting notes"
MAX_ITEM_CHARS = 300  # one long sentence; longer texts are cut so a list still shows several items
MAX_TOPICS = 10
MAX_SUMMARY_CHARS = 2800

TOPIC_TONE_MARKS = {POSITIVE: "🙂", NEGATIVE: "🙁"}
# The overall tone is the share of positive messages minus the share of negative ones (labels, not scores: each
# engine calibrates its own labels, and their raw scores are on different scales). A meeting is called positive or
# negative only when one side leads by a fifth of all messages; ordinary work meetings stay "neutral" (the ten
# real AMI/ICSI excerpts lead by 0–17% with the offline engine). Too few rated messages say nothing.
TONE_LEAD = 0.2
MIN_TONE_MESSAGES = 5

# How many sections each list may use; the sum plus the fixed blocks stays far below 50.
_SECTIONS = {"firm": 3, "tentative": 2, "follow_ups": 2, "questions": 2, "topics": 1}


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def meeting_title(insights: Insights) -> str:
    """The meeting's name as people will read it (plain text, not escaped)."""
    name = (insights.conversation.name or "").strip()
    return name or DEFAULT_TITLE


def _header_text(insights: Insights) -> str:
    duration = format_duration(insights.duration_seconds)
    suffix = f" · {duration}" if duration else ""
    return clip(meeting_title(insights), MAX_HEADER_CHARS - len(suffix)) + suffix


def _item_line(item: ActionItem, owners: Mapping[str, str] | None, tz: str | None) -> str:
    text = escape_mrkdwn(clip(item.text.strip(), MAX_ITEM_CHARS))
    extras = [who] if (who := person_mrkdwn(item.assignee, owners)) else []
    if item.due is not None:
        extras.append(f"due {slack_date(item.due, tz=tz)}")
    return f"• {text} — {', '.join(extras)}" if extras else f"• {text}"


def _question_line(question: Question, owners: Mapping[str, str] | None) -> str:
    text = escape_mrkdwn(clip(question.text.strip(), MAX_ITEM_CHARS))
    who = person_mrkdwn(question.asked_by, owners)
    return f"• {text} — {who}" if who else f"• {text}"


def _topic_line(topic: Topic) -> str:
    text = escape_mrkdwn(clip(topic.text.strip(), 100))
    mark = f" {TOPIC_TONE_MARKS[topic.sentiment.suggested]}" if topic.sentiment and topic.sentiment.is_clear else ""
    if topic.parents:
        parents = ", ".join(escape_mrkdwn(clip(p, 60)) for p in topic.parents[:3])
        return f"• {text} _({parents})_{mark}"
    return f"• {text}{mark}"


def meeting_tone(messages: Sequence[Message]) -> str | None:
    """The meeting's overall tone: positive, negative or neutral; ``None`` when too few messages were rated."""
    labels = [m.sentiment.suggested for m in messages if m.sentiment]
    if len(labels) < MIN_TONE_MESSAGES:
        return None
    lead = (labels.count(POSITIVE) - labels.count(NEGATIVE)) / len(labels)
    if lead >= TONE_LEAD:
        return POSITIVE
    if lead <= -TONE_LEAD:
        return NEGATIVE
    return NEUTRAL


def _tone_blocks(insights: Insights) -> list[Block]:
    tone = meeting_tone(insights.messages)
    if tone is None:
        return []
    labels = [m.sentiment.suggested for m in insights.messages if m.sentiment]
    positive, negative = (round(100 * labels.count(label) / len(labels)) for label in (POSITIVE, NEGATIVE))
    mark = f" {TOPIC_TONE_MARKS[tone]}" if tone in TOPIC_TONE_MARKS else ""
    return [context(f"Overall tone: {tone}{mark} ({positive}% of messages positive, {negative}% negative)")]


def top_topics(topics: Sequence[Topic], limit: int = MAX_TOPICS) -> list[Topic]:
    """The ``limit`` highest-scoring topics, best first (ties keep the engine's order)."""
    return sorted(topics, key=lambda t: t.score, reverse=True)[:limit]


def _summary_blocks(insights: Insights) -> list[Block]:
    if not insights.summary:
        return []
    text = "\n\n".join(item.text.strip() for item in insights.summary if item.text.strip())
    if not text:
        return []
    return [section("*Summary*\n" + escape_mrkdwn(clip(text, MAX_SUMMARY_CHARS)))]


def _list_blocks(title: str, lines: Sequence[str], key: str, *, counted: bool = True) -> list[Block]:
    # The count in the heading tells readers the full size of a list that had to be cut.
    heading = f"*{title} ({len(lines)})*" if counted else f"*{title}*"
    return pack_lines(heading, lines, max_sections=_SECTIONS[key]) if lines else []


def fallback_text(insights: Insights) -> str:
    """The notification text, e.g. "Meeting notes for Weekly sync: 3 action items, 2 follow-ups, 4 questions"."""
    counts = [
        _plural(len(insights.action_items), "action item"),
        _plural(len(insights.follow_ups), "follow-up"),
        _plural(len(insights.questions), "question"),
    ]
    name = escape_mrkdwn(clip(meeting_title(insights), 200))
    return clip(f"Meeting notes for {name}: {', '.join(counts)}", MAX_FALLBACK_CHARS)


def _entry_for(item: ActionItem, entry: LedgerEntry, owners: Mapping[str, str] | None) -> LedgerEntry:
    """The ledger entry, with the meeting's own knowledge of the assignee filled in where the ledger has none."""
    if item.assignee is None:
        return entry
    if not entry.owner_user_id and (user_id := slack_user_for(item.assignee, owners)):
        entry = replace(entry, owner_user_id=user_id)
    if not entry.assignee_name and (item.assignee.name or item.assignee.email):
        entry = replace(entry, assignee_name=item.assignee.display_name)
    return entry


def _with_controls(
    items: Sequence[ActionItem], entries: Mapping[str, LedgerEntry], now: datetime, budget: int
) -> set[int]:
    """Which items (by position in ``items``, firm first) get their controls within ``budget`` blocks.

    Items are taken in order while they fit: the lists' headings, the chosen items' blocks, and every section the
    leftover lines may need are all counted, so the whole message stays within Slack's 50 blocks.
    """
    firm_total = sum(1 for item in items if item.definitive)
    tentative_total = len(items) - firm_total
    chosen: set[int] = set()
    shown_ids: set[str] = set()
    used = (firm_total > 0) + (tentative_total > 0)  # one heading section per list
    firm_left, tentative_left = firm_total, tentative_total
    for index, item in enumerate(items):
        entry = entries.get(item.id)
        if entry is None or entry.id in shown_ids:
            continue  # not in the ledger, or already shown: a block id may appear only once per message
        cost = BLOCKS_PER_ITEM if has_controls(entry, now) else 1
        firm_after = firm_left - item.definitive
        tentative_after = tentative_left - (not item.definitive)
        reserve = (_SECTIONS["firm"] if firm_after else 0) + (_SECTIONS["tentative"] if tentative_after else 0)
        if used + cost + reserve > budget:
            break
        chosen.add(index)
        shown_ids.add(entry.id)
        used += cost
        firm_left, tentative_left = firm_after, tentative_after
    return chosen


def _ledger_action_blocks(
    insights: Insights,
    entries: Mapping[str, LedgerEntry],
    *,
    owners: Mapping[str, str] | None,
    tz: str | None,
    now: datetime,
    budget: int,
) -> list[Block]:
    """Firm then tentative action items, ledger items with their controls as far as ``budget`` allows."""
    items = [a for a in insights.action_items if a.definitive] + [a for a in insights.action_items if not a.definitive]
    chosen = _with_controls(items, entries, now, budget)
    blocks: list[Block] = []
    for title, definitive, key in (("Firm action items", True, "firm"), ("Tentative action items", False, "tentative")):
        in_list = [(i, item) for i, item in enumerate(items) if item.definitive == definitive]
        if not in_list:
            continue
        interactive = [entries[item.id] for i, item in in_list if i in chosen]
        lines = [
            item_line(entry, now=now, tz=tz) if (entry := entries.get(item.id)) else _item_line(item, owners, tz)
            for i, item in in_list
            if i not in chosen
        ]
        if not interactive:
            blocks += _list_blocks(title, lines, key)
            continue
        blocks.append(section(f"*{title} ({len(in_list)})*"))
        for entry in interactive:
            blocks += item_blocks(entry, now=now, tz=tz)
        if lines:
            blocks += pack_lines(None, lines, max_sections=_SECTIONS[key])
    return blocks


def render_insights(
    insights: Insights,
    *,
    owners: Mapping[str, str] | None = None,
    tz: str | None = None,
    ledger: Mapping[str, LedgerEntry] | None = None,
    now: datetime | None = None,
) -> dict:
    """The Block Kit result message for a meeting: ``{"text": fallback, "blocks": [...]}``.

    ``owners`` maps an assignee's lower-cased email, or their name, to a Slack user id, so owners are
    mentioned; ``tz`` is the IANA zone used for date fallbacks (readers see Slack's own local rendering).
    ``ledger`` maps an action item's id to its ledger entry: those items are shown with their controls (assign,
    done, snooze) and their current owner and state, firm ones first, as many as the message has room for;
    ``now`` (default: the current time) decides what is overdue or snoozed.
    """
    firm = [a for a in insights.action_items if a.definitive]
    tentative = [a for a in insights.action_items if not a.definitive]
    details = [f"{_plural(len(insights.action_items), 'action item')}"]
    if insights.members:
        details.append(_plural(len(insights.members), "participant"))
    details.append(f"conversation `{escape_mrkdwn(insights.conversation.id)}`")

    top: list[Block] = [header(_header_text(insights)), context(" · ".join(details))]
    if insights.notice:
        top.append(context(f"⚠️ {escape_mrkdwn(insights.notice)}"))
    top += _tone_blocks(insights)
    top += _summary_blocks(insights)

    tail: list[Block] = []
    for title, lines, key in (
        ("Follow-ups", [_item_line(f, owners, tz) for f in insights.follow_ups], "follow_ups"),
        ("Questions", [_question_line(q, owners) for q in insights.questions], "questions"),
        ("Topics", [_topic_line(t) for t in top_topics(insights.topics)], "topics"),
    ):
        if lines:
            tail += [divider(), *_list_blocks(title, lines, key, counted=key != "topics")]
    if len(insights.topics) > MAX_TOPICS:
        tail.append(context(f"Showing the top {MAX_TOPICS} of {len(insights.topics)} topics."))
    if not insights.messages and not insights.action_items and not insights.topics:
        tail.append(context("I found no speech in this recording, so there is nothing else to report."))

    entries = {a.id: _entry_for(a, entry, owners) for a in insights.action_items if (entry := (ledger or {}).get(a.id))}
    if entries:
        budget = MAX_BLOCKS - len(top) - len(tail) - 1  # the divider before the action items
        current = now if now is not None else datetime.now(UTC)
        action_blocks = _ledger_action_blocks(insights, entries, owners=owners, tz=tz, now=current, budget=budget)
    else:
        action_blocks = _list_blocks(
            "Firm action items", [_item_line(a, owners, tz) for a in firm], "firm"
        ) + _list_blocks("Tentative action items", [_item_line(a, owners, tz) for a in tentative], "tentative")
    blocks = [*top, divider(), *(action_blocks or [section("*Action items*\nNo action items found.")]), *tail]
    return {"text": fallback_text(insights), "blocks": blocks[:MAX_BLOCKS]}
