"""A channel's digest: the period's meetings, then everyone's open items, each owner named once, then questions.

Layout decisions, so that a channel keeps reading it:
- Open action items are grouped by owner; each owner is named once, at the top of their group, and the groups
  with the earliest due dates come first, so overdue work leads. "No owner yet" comes last.
- Only items that are overdue or due within two days carry a control (the item's overflow menu); the rest are
  plain lines. A done or snoozed item shown in a redraw keeps its menu, for *Undo* or *Un-snooze*.
- An owner is mentioned (pinged) only when one of their items became due or overdue since the channel's previous
  digest; everyone else is named without a ping, so a weekly digest does not teach the channel to mute the app.
- Follow-ups sit with their owner's items; questions and topics are compact. Each heading carries the full count,
  so a cut list is never mistaken for a short one. Items keep their place when one is marked done, so a redrawn
  digest does not jump under the reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.digest.model import DigestContent, ItemKind, ItemStatus, LedgerEntry, MeetingSummary, OpenQuestion, TopicCount
from bot.render.blocks import MAX_BLOCKS, MAX_FALLBACK_CHARS, Block, context, divider, header, pack_lines, section
from bot.render.ledger import (
    has_controls,
    is_actionable,
    is_due_within,
    is_overdue,
    is_slack_user_id,
    is_snoozed,
    item_blocks,
    item_line,
    owner_name,
)
from bot.render.mrkdwn import clip, escape_mrkdwn, format_duration, link, meeting_name, zone
from bot.render.people import MAX_NAME_CHARS as MAX_PERSON_CHARS

TITLE = "Meeting digest"
MAX_TOPICS = 10
MAX_MEETINGS = 10
MAX_QUESTION_CHARS = 300
MAX_NAME_CHARS = 120
NO_OWNER = "No owner yet"
CONTROL_DAYS = 2  # items due within this many days (or overdue) get a control in a digest
_SECTIONS = {"questions": 2}


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


# --- meetings, questions, topics ------------------------------------------------------------------------------


def _meeting_text(meeting: MeetingSummary) -> str:
    name = meeting_name(meeting.name) or "Untitled meeting"
    duration = format_duration(meeting.duration_seconds)
    return link(meeting.permalink, clip(name, MAX_NAME_CHARS)) + (f" ({duration})" if duration else "")


def _chronological(meetings: Iterable[MeetingSummary]) -> list[MeetingSummary]:
    # Meetings without a finish time go last, in the order given.
    return sorted(meetings, key=lambda m: (m.finished_at is None, _aware(m.finished_at or datetime.min)))


def _meetings_block(meetings: Sequence[MeetingSummary]) -> list[Block]:
    if not meetings:
        return []
    ordered = _chronological(meetings)
    shown = " · ".join(_meeting_text(m) for m in ordered[:MAX_MEETINGS])
    more = f" · _+{len(ordered) - MAX_MEETINGS} more_" if len(ordered) > MAX_MEETINGS else ""
    return [context(f"*Meetings ({len(meetings)}):* {shown}{more}")]


def _question_line(question: OpenQuestion) -> str:
    # Who asked is left out: the digest names each owner once, and the meeting's thread has the rest.
    text = escape_mrkdwn(clip(" ".join(question.text.split()), MAX_QUESTION_CHARS))
    where = meeting_name(question.meeting_name)
    if where or question.permalink:
        return f"• {text} — {link(question.permalink, clip(where or 'a meeting', MAX_NAME_CHARS))}"
    return f"• {text}"


def _topics_block(topics: Sequence[TopicCount]) -> list[Block]:
    top = sorted(topics, key=lambda t: t.score, reverse=True)[:MAX_TOPICS]
    if not top:
        return []
    shown = [
        escape_mrkdwn(clip(" ".join(t.text.split()), 60)) + (f" ({t.meetings})" if t.meetings > 1 else "") for t in top
    ]
    return [context("*Topics* (meetings that raised them): " + " · ".join(shown))]


# --- open action items ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """The items one owner (or nobody) holds, in due-date order."""

    key: str  # "user:U…", "name:…" or "" for nobody
    entries: tuple[LedgerEntry, ...]


def _owner_key(entry: LedgerEntry) -> str:
    if entry.owner_user_id and is_slack_user_id(entry.owner_user_id):
        return f"user:{entry.owner_user_id}"
    name = " ".join((entry.assignee_name or "").split()).lower()
    return f"name:{name}" if name else ""


def _due_order(entry: LedgerEntry) -> tuple:
    # By due date (overdue items have the earliest), undated last, then oldest first. Status plays no part, so a
    # redraw after a click keeps every item where it was.
    due = _aware(entry.due) if entry.due else None
    created = _aware(entry.created_at) if entry.created_at else None
    never = datetime.max.replace(tzinfo=UTC)
    return (due is None, due or never, created or never, entry.kind != ItemKind.ACTION, entry.id)


def group_by_owner(entries: Iterable[LedgerEntry]) -> list[_Group]:
    """Items grouped by owner, the group with the earliest due date first; nobody's last. Repeated ids once."""
    by_key: dict[str, list[LedgerEntry]] = {}
    seen: set[str] = set()
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            by_key.setdefault(_owner_key(entry), []).append(entry)
    groups = [_Group(key, tuple(sorted(items, key=_due_order))) for key, items in by_key.items()]
    return sorted(groups, key=lambda g: (not g.key, _due_order(g.entries[0])[:3], g.key))


def became_due(entry: LedgerEntry, since: datetime | None, until: datetime, tz: str | None) -> bool:
    """Whether an open item's due day began, or ended, within (``since``, ``until``] in ``tz``.

    With no previous digest (``since`` None), every item already due or overdue counts.
    """
    if entry.status != ItemStatus.OPEN or entry.due is None or entry.kind != ItemKind.ACTION:
        return False
    if since is None:
        return is_due_within(entry, until, tz, 0)
    local = zone(tz)
    day = _aware(entry.due).astimezone(local).date()
    starts = datetime(day.year, day.month, day.day, tzinfo=local)
    return any(_aware(since) < moment <= _aware(until) for moment in (starts, starts + timedelta(days=1)))


def _owner_label(group: _Group, content: DigestContent, tz: str | None) -> str:
    """The group's owner, once: a mention when one of their items just became due or overdue, else a name."""
    if group.key.startswith("user:"):
        user_id = group.key[len("user:") :]
        if any(became_due(e, content.previous_digest_at, content.period_end, tz) for e in group.entries):
            return f"<@{user_id}>"
    if not group.key:
        return f"*{NO_OWNER}*"
    quiet = _quiet_owner(group, content)
    return quiet if quiet.startswith("<@") else f"*{quiet}*"


def _wants_control(entry: LedgerEntry, now: datetime, tz: str | None) -> bool:
    """Overdue or due soon; or done or snoozed since the digest was posted, so the click can be undone."""
    if entry.kind != ItemKind.ACTION:
        return False
    if entry.status == ItemStatus.DONE or is_snoozed(entry, now):
        return True
    return is_due_within(entry, now, tz, CONTROL_DAYS)


def _line(entry: LedgerEntry, now: datetime, tz: str | None, owner: str | bool = False) -> str:
    prefix = "_Follow-up:_ " if entry.kind == ItemKind.FOLLOW_UP else ""
    return item_line(entry, now=now, tz=tz, with_meeting=True, owner=owner, prefix=prefix)


def _action_blocks(
    content: DigestContent, *, now: datetime, tz: str | None, interactive_limit: int, budget: int
) -> list[Block]:
    """The action-item part, in at most ``budget`` blocks: heading, then each owner's group."""
    actions = {e.id: e for e in content.open_items if e.kind == ItemKind.ACTION}.values()
    open_count = sum(is_actionable(e, now) for e in actions)
    overdue = sum(1 for e in actions if is_actionable(e, now) and is_overdue(e, now, tz))
    heading = f"*Open action items ({open_count})*" + (f" · ⚠️ {overdue} overdue" if overdue else "")
    groups = group_by_owner([*content.open_items, *content.follow_ups])
    if not groups:
        return [section(f"{heading}\nNo open action items.")]

    blocks: list[Block] = [section(heading)]
    controls_left = interactive_limit
    for index, group in enumerate(groups):
        reserve = 1 if index < len(groups) - 1 else 0  # a last section for the groups left without room
        room = budget - len(blocks) - reserve
        if room < 1:
            blocks += _leftover(groups[index:], content, now, tz)
            break
        label = _owner_label(group, content, tz)
        wanted = [e for e in group.entries if _wants_control(e, now, tz) and has_controls(e, now)]
        needs_lines = len(wanted) < len(group.entries)
        # With controls, the owner's name is a line of its own, so a menu (⋯) never sits beside it.
        chosen = {e.id for e in wanted[: max(0, min(controls_left, room - needs_lines - 1))]}
        controls_left -= len(chosen)
        if chosen:
            blocks.append(section(label))
            label = ""
        blocks += [
            item_blocks(entry, now=now, tz=tz, with_meeting=True, owner=False)[0]
            for entry in group.entries
            if entry.id in chosen
        ]
        lines = [_line(e, now, tz) for e in group.entries if e.id not in chosen]
        if lines:
            blocks += pack_lines(label or None, lines, max_sections=1)
    return blocks


def _leftover(groups: Sequence[_Group], content: DigestContent, now: datetime, tz: str | None) -> list[Block]:
    """The groups that had no room of their own: one section of lines, each naming its owner without a ping."""
    lines = [_line(e, now, tz, owner=_quiet_owner(g, content)) for g in groups for e in g.entries]
    return pack_lines("*More open action items*", lines, max_sections=1)


def _quiet_owner(group: _Group, content: DigestContent) -> str:
    if not group.key:
        return f"_{NO_OWNER}_"
    if group.key.startswith("user:"):
        user_id = group.key[len("user:") :]
        if name := " ".join((content.owner_names.get(user_id) or "").split()):
            return escape_mrkdwn(clip(name, MAX_PERSON_CHARS))
        return owner_name(group.entries[0]) or f"<@{user_id}>"
    return owner_name(group.entries[0]) or f"_{NO_OWNER}_"


# --- the message -----------------------------------------------------------------------------------------------


def _counts(content: DigestContent, now: datetime, tz: str | None) -> list[str]:
    actions = {e.id: e for e in content.open_items if e.kind == ItemKind.ACTION}.values()
    open_count = sum(is_actionable(e, now) for e in actions)
    counts = [
        _plural(len(content.meetings), "meeting") if content.meetings else "No meetings",
        _plural(open_count, "open action item"),
    ]
    if content.questions:
        counts.append(_plural(len(content.questions), "open question"))
    return counts


def fallback_text(content: DigestContent, *, now: datetime, tz: str | None) -> str:
    """The notification text, e.g. "Meeting digest, Mar 2 – Mar 9, 2026: 3 meetings, 5 open action items"."""
    counts = _counts(content, now, tz)
    counts[0] = _plural(len(content.meetings), "meeting")
    period = period_text(content.period_start, content.period_end, tz)
    return clip(f"{TITLE}, {period}: {', '.join(counts)}", MAX_FALLBACK_CHARS)


def render_digest(content: DigestContent, *, now: datetime, tz: str | None, interactive_limit: int = 12) -> dict:
    """The Block Kit digest message: ``{"text": fallback, "blocks": [...]}``, within Slack's limits for any input.

    ``now`` decides what is overdue, due soon or snoozed; ``tz`` is the zone for the header's dates, for what is
    overdue, and for the date tokens' fallbacks; at most ``interactive_limit`` items get a control.
    """
    now = _aware(now)
    top: list[Block] = [
        header(f"{TITLE} · {period_text(content.period_start, content.period_end, tz)}"),
        context(" · ".join(_counts(content, now, tz))),
        *_meetings_block(content.meetings),
    ]
    questions = [_question_line(q) for q in content.questions]
    tail = [
        *([divider()] if questions or content.topics else []),
        *(pack_lines(f"*Open questions ({len(questions)})*", questions, max_sections=2) if questions else []),
        *_topics_block(content.topics),
    ]
    budget = MAX_BLOCKS - len(top) - len(tail) - 1  # the divider before the action items
    actions = _action_blocks(content, now=now, tz=tz, interactive_limit=max(0, interactive_limit), budget=budget)
    blocks = [*top, divider(), *actions, *tail]
    return {"text": fallback_text(content, now=now, tz=tz), "blocks": blocks[:MAX_BLOCKS]}
