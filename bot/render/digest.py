"""A channel's digest: the period's meetings, the open action items by owner, new follow-ups, questions, topics.

Layout decisions: open action items always get a heading ("No open action items." when there are none), because
that is what a digest is for; the other sections are left out when empty. The first ``interactive_limit`` items
carry their controls (assign, done, snooze), grouped under their owner; the rest follow as lines that still name
their owner and link to their meeting. Each heading carries the full count, so a cut list is never mistaken for
a short one. Items keep their place when one is marked done, so a redrawn digest does not jump under the reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.digest.model import DigestContent, LedgerEntry, MeetingSummary, OpenQuestion, TopicCount
from bot.render.blocks import MAX_BLOCKS, MAX_FALLBACK_CHARS, Block, context, divider, header, pack_lines, section
from bot.render.ledger import (
    has_controls,
    is_actionable,
    is_overdue,
    is_slack_user_id,
    item_blocks,
    item_line,
    owner_mrkdwn,
)
from bot.render.mrkdwn import clip, escape_mrkdwn, format_duration, link, slack_date, zone

TITLE = "Meeting digest"
MAX_TOPICS = 10
MAX_QUESTION_CHARS = 300
MAX_NAME_CHARS = 120
UNASSIGNED = "Unassigned"
# Sections each list may use. With the header, context and dividers they take at most 17 blocks, which leaves
# 30 or more for the action items' controls.
_SECTIONS = {"meetings": 2, "rest": 3, "follow_ups": 2, "questions": 2, "topics": 1}


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"


def period_text(start: datetime, end: datetime, tz: str | None) -> str:
    """The period as dates in ``tz``: "Mar 9, 2026", "Mar 2 – Mar 9, 2026" or "Dec 29, 2025 – Jan 5, 2026"."""
    first, last = _aware(start).astimezone(zone(tz)), _aware(end).astimezone(zone(tz))
    last_text = f"{last:%b} {last.day}, {last.year}"
    if first.date() == last.date():
        return last_text
    if first.year == last.year:
        return f"{first:%b} {first.day} – {last_text}"
    return f"{first:%b} {first.day}, {first.year} – {last_text}"


# --- meetings, follow-ups, questions, topics ---------------------------------------------------------------


def _meeting_line(meeting: MeetingSummary) -> str:
    name = " ".join((meeting.name or "").split()) or "Untitled meeting"
    parts = [f"• {link(meeting.permalink, clip(name, MAX_NAME_CHARS))}"]
    if duration := format_duration(meeting.duration_seconds):
        parts.append(duration)
    return " · ".join(parts)


def _chronological(meetings: Iterable[MeetingSummary]) -> list[MeetingSummary]:
    # Meetings without a finish time go last, in the order given.
    return sorted(meetings, key=lambda m: (m.finished_at is None, _aware(m.finished_at or datetime.min)))


def _question_line(question: OpenQuestion) -> str:
    text = escape_mrkdwn(clip(" ".join(question.text.split()), MAX_QUESTION_CHARS))
    asked_by = " ".join((question.asked_by or "").split())
    where = " ".join((question.meeting_name or "").split())
    tail = f"asked by {escape_mrkdwn(clip(asked_by, 60))}" if asked_by else "asked"
    if where or question.permalink:
        tail += f" in {link(question.permalink, clip(where or 'a meeting', MAX_NAME_CHARS))}"
    return f"• {text} — {tail}" if (asked_by or where or question.permalink) else f"• {text}"


def _topic_line(topic: TopicCount) -> str:
    return f"• {escape_mrkdwn(clip(' '.join(topic.text.split()), 100))} ({_plural(topic.meetings, 'meeting')})"


def _top_topics(topics: Sequence[TopicCount]) -> list[TopicCount]:
    return sorted(topics, key=lambda t: t.score, reverse=True)[:MAX_TOPICS]


def _list(title: str, lines: Sequence[str], key: str) -> list[Block]:
    """A divider and the packed list, or nothing for an empty list."""
    return [divider(), *pack_lines(title, lines, max_sections=_SECTIONS[key])] if lines else []


# --- open action items ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """The items one owner (or nobody) holds, in due-date order."""

    heading: str  # mrkdwn: a mention, an escaped name or "Unassigned"
    entries: tuple[LedgerEntry, ...]
    unassigned: bool


def _owner_key(entry: LedgerEntry) -> str:
    if entry.owner_user_id and is_slack_user_id(entry.owner_user_id):
        return f"user:{entry.owner_user_id}"
    name = " ".join((entry.assignee_name or "").split()).lower()
    return f"name:{name}" if name else ""


def _due_order(entry: LedgerEntry) -> tuple:
    # Items without a due date after those with one; then oldest first, so the order is stable across redraws.
    due = _aware(entry.due) if entry.due else None
    created = _aware(entry.created_at) if entry.created_at else None
    return (due is None, due or datetime.min.replace(tzinfo=UTC), created or datetime.min.replace(tzinfo=UTC), entry.id)


def group_by_owner(entries: Iterable[LedgerEntry], now: datetime) -> list[_Group]:
    """Items grouped by owner: most open items first, then by name; "Unassigned" last. Repeated ids shown once."""
    by_key: dict[str, list[LedgerEntry]] = {}
    seen: set[str] = set()
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            by_key.setdefault(_owner_key(entry), []).append(entry)
    groups = [
        _Group(
            heading=(owner_mrkdwn(items[0]) if key else None) or UNASSIGNED,
            entries=tuple(sorted(items, key=_due_order)),
            unassigned=not key,
        )
        for key, items in by_key.items()
    ]
    return sorted(
        groups,
        key=lambda g: (g.unassigned, -sum(is_actionable(e, now) for e in g.entries), g.heading.lower()),
    )


def _group_heading(group: _Group, now: datetime) -> str:
    return f"*{group.heading}* ({sum(is_actionable(e, now) for e in group.entries)})"


def _action_blocks(
    content: DigestContent, *, now: datetime, tz: str | None, interactive_limit: int, budget: int
) -> list[Block]:
    """The action-item part, in at most ``budget`` blocks: heading, per-owner items with controls, then lines."""
    groups = group_by_owner(content.open_items, now)
    ordered = [(number, entry) for number, group in enumerate(groups) for entry in group.entries]
    open_count = sum(is_actionable(entry, now) for _, entry in ordered)
    overdue = sum(1 for _, e in ordered if is_actionable(e, now) and is_overdue(e, now, tz))
    heading = f"*Open action items ({open_count})*" + (f" · ⚠️ {overdue} overdue" if overdue else "")
    if not ordered:
        return [section(f"{heading}\nNo open action items.")]

    blocks: list[Block] = [section(heading)]
    last_group = -1
    shown = 0
    for index, (number, entry) in enumerate(ordered):
        if shown >= interactive_limit:
            break
        cost = (2 if has_controls(entry, now) else 1) + (number != last_group)
        # Room is kept for the lines that list the items left over, whenever some are.
        reserve = _SECTIONS["rest"] if index < len(ordered) - 1 else 0
        if len(blocks) + cost + reserve > budget:
            break
        if number != last_group:
            last_group = number
            blocks.append(section(_group_heading(groups[number], now)))
        blocks += item_blocks(entry, now=now, tz=tz, with_meeting=True)
        shown += 1

    rest = [item_line(entry, now=now, tz=tz, with_meeting=True) for _, entry in ordered[shown:]]
    if rest:
        title = "*More open action items*" if shown else None
        room = max(1, min(_SECTIONS["rest"], budget - len(blocks)))
        blocks += pack_lines(title, rest, max_sections=room)
    return blocks


# --- the message -----------------------------------------------------------------------------------------------


def _summary_context(content: DigestContent, now: datetime, tz: str | None) -> Block:
    bounds = " – ".join(
        slack_date(when, tz=tz, date_format="{date_short_pretty} {time}")
        for when in (content.period_start, content.period_end)
    )
    open_count = sum(is_actionable(e, now) for e in {e.id: e for e in content.open_items}.values())
    counts = [
        _plural(len(content.meetings), "meeting") if content.meetings else "No meetings",
        _plural(open_count, "open action item"),
    ]
    if content.questions:
        counts.append(_plural(len(content.questions), "open question"))
    return context(f"{bounds} · {' · '.join(counts)}")


def fallback_text(content: DigestContent, *, now: datetime, tz: str | None) -> str:
    """The notification text, e.g. "Meeting digest, Mar 2 – Mar 9, 2026: 3 meetings, 5 open action items"."""
    open_count = sum(is_actionable(e, now) for e in {e.id: e for e in content.open_items}.values())
    counts = [_plural(len(content.meetings), "meeting"), _plural(open_count, "open action item")]
    if content.questions:
        counts.append(_plural(len(content.questions), "open question"))
    period = period_text(content.period_start, content.period_end, tz)
    return clip(f"{TITLE}, {period}: {', '.join(counts)}", MAX_FALLBACK_CHARS)


def render_digest(content: DigestContent, *, now: datetime, tz: str | None, interactive_limit: int = 12) -> dict:
    """The Block Kit digest message: ``{"text": fallback, "blocks": [...]}``, within Slack's limits for any input.

    ``now`` decides what is overdue or snoozed; ``tz`` is the zone for the header's dates and the date tokens'
    fallbacks; the first ``interactive_limit`` action items get their controls.
    """
    now = _aware(now)
    top: list[Block] = [
        header(f"{TITLE} · {period_text(content.period_start, content.period_end, tz)}"),
        _summary_context(content, now, tz),
    ]
    meetings = _list(
        f"*Meetings ({len(content.meetings)})*",
        [_meeting_line(m) for m in _chronological(content.meetings)],
        "meetings",
    )
    tail = [
        *_list(
            f"*New follow-ups ({len(content.follow_ups)})*",
            [item_line(f, now=now, tz=tz, with_meeting=True) for f in content.follow_ups],
            "follow_ups",
        ),
        *_list(
            f"*Open questions ({len(content.questions)})*",
            [_question_line(q) for q in content.questions],
            "questions",
        ),
        *_list("*Top topics*", [_topic_line(t) for t in _top_topics(content.topics)], "topics"),
    ]
    budget = MAX_BLOCKS - len(top) - len(meetings) - len(tail) - 1  # the divider before the action items
    actions = _action_blocks(content, now=now, tz=tz, interactive_limit=max(0, interactive_limit), budget=budget)
    blocks = [*top, *meetings, divider(), *actions, *tail]
    return {"text": fallback_text(content, now=now, tz=tz), "blocks": blocks[:MAX_BLOCKS]}
