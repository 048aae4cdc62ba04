"""The notes message for one processed meeting, laid out to be read at a glance.

Order: the meeting's name; one grey line with when it was, how long and who was there (by name: only owners are
mentioned, so the notes ping the people who have something to do); the summary (first, when
the engine gave one; nothing otherwise); "Action items" (firm) and "Suggested" (tentative), overdue first, each
item one line, owner first, with one overflow menu when the ledger knows it; then follow-ups and questions, one
compact section each; the topics on one grey line; and a footer with the conversation id (only ``/symbl append``
needs it) beside a link to the transcript file.

Action items always get a heading, with "No action items found." when there are none, because that is the
question every reader has; other empty categories are left out. A meeting where nothing at all was found still
gets a one-line explanation rather than a bare header.

Sentiment is shown sparingly: a topic gets 🙂 or 🙁 only when its engine labelled it clearly positive or negative,
and the meeting's overall tone, from its messages' labels, sits on the grey line under the title.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from bot.digest.model import LedgerEntry
from bot.models import NEGATIVE, NEUTRAL, POSITIVE, ActionItem, Insights, Message, Person, Question, Topic
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
from bot.render.ledger import BLOCKS_PER_ITEM, NO_OWNER, is_overdue, item_blocks, item_line
from bot.render.mrkdwn import clip, escape_mrkdwn, format_duration, link, meeting_name, slack_date, zone
from bot.render.people import MAX_NAME_CHARS, person_mrkdwn, slack_user_for

DEFAULT_TITLE = "Meeting notes"
MAX_ITEM_CHARS = 300  # one long sentence; longer texts are cut so a list still shows several items
MAX_TOPICS = 10
MAX_SUMMARY_CHARS = 2800
MAX_PARTICIPANTS = 8  # named on the grey line; more are counted
MEETING_TIME_FORMAT = "{date_short_pretty} {time}"
TOPIC_TONE_MARKS = {POSITIVE: "🙂", NEGATIVE: "🙁"}
# The overall tone is the share of positive messages minus the share of negative ones (labels, not scores: each
# engine calibrates its own labels, and their raw scores are on different scales). A meeting is called positive or
# negative only when one side leads by a fifth of all messages; ordinary work meetings stay "neutral" (the ten
# real AMI/ICSI excerpts lead by 0–17% with the offline engine). Too few rated messages say nothing.
TONE_LEAD = 0.2
MIN_TONE_MESSAGES = 5

# How many sections each list of plain lines may use; the sum plus the fixed blocks stays far below 50.
_SECTIONS = {"firm": 3, "tentative": 2, "follow_ups": 1, "questions": 1}
_LISTS = (("Action items", True, "firm"), ("Suggested", False, "tentative"))


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def meeting_title(insights: Insights) -> str:
    """The meeting's name as people will read it (plain text, not escaped): a file's name without its extension."""
    return meeting_name(insights.conversation.name) or DEFAULT_TITLE


def _due_mark(due: datetime | None, now: datetime | None, tz: str | None) -> str:
    if due is None:
        return ""
    late = (
        now is not None
        and now.astimezone(zone(tz)).date()
        > (due if due.tzinfo else due.replace(tzinfo=UTC)).astimezone(zone(tz)).date()
    )
    return f" · due {slack_date(due, tz=tz)}" + (" · *overdue*" if late else "")


def _item_line(item: ActionItem, owners: Mapping[str, str] | None, tz: str | None, now: datetime | None) -> str:
    """An item the ledger does not know: the same line as a ledger item's, without its menu."""
    text = escape_mrkdwn(clip(" ".join(item.text.split()), MAX_ITEM_CHARS))
    who = person_mrkdwn(item.assignee, owners) or NO_OWNER
    return f"• {who}: {text}{_due_mark(item.due, now, tz)}"


def _question_line(question: Question, askers: Mapping[str, str] | None = None) -> str:
    text = escape_mrkdwn(clip(" ".join(question.text.split()), MAX_ITEM_CHARS))
    # Only a speaker someone named in "Who's who" is mentioned: that person chose to say who asked.
    who = person_mrkdwn(question.asked_by, askers) if askers else _name(question.asked_by)
    return f"• {text} — _{who}_" if who else f"• {text}"


def _topic_text(topic: Topic) -> str:
    mark = f" {TOPIC_TONE_MARKS[topic.sentiment.suggested]}" if topic.sentiment and topic.sentiment.is_clear else ""
    return escape_mrkdwn(clip(" ".join(topic.text.split()), 60)) + mark


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


def _tone_text(insights: Insights) -> str | None:
    tone = meeting_tone(insights.messages)
    if tone is None:
        return None
    labels = [m.sentiment.suggested for m in insights.messages if m.sentiment]
    positive, negative = (round(100 * labels.count(label) / len(labels)) for label in (POSITIVE, NEGATIVE))
    mark = f" {TOPIC_TONE_MARKS[tone]}" if tone in TOPIC_TONE_MARKS else ""
    return f"Overall tone: {tone}{mark} ({positive}% of messages positive, {negative}% negative)"


def _name(person: Person | None) -> str | None:
    """A person by name, never a mention: being in a meeting, or asking in it, is no reason to be pinged."""
    if person is None or not (person.name or person.email):
        return None
    return escape_mrkdwn(clip(" ".join(person.display_name.split()), MAX_NAME_CHARS))


def _participants(members: Sequence[Person]) -> str | None:
    named = [who for person in members if (who := _name(person))]
    named = list(dict.fromkeys(named))
    if not named:
        return None
    shown, hidden = named[:MAX_PARTICIPANTS], len(named) - MAX_PARTICIPANTS
    if hidden > 0:
        return "with " + ", ".join(shown) + f" and {hidden} more"
    return "with " + (", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0])


def _meta_block(
    insights: Insights, owners: Mapping[str, str] | None, tz: str | None, meeting_at: datetime | None
) -> Block | None:
    """The grey line under the title: when, how long, who was there; then the overall tone."""
    parts = []
    if when := insights.conversation.start or meeting_at:
        parts.append(slack_date(when, tz=tz, date_format=MEETING_TIME_FORMAT))
    if duration := format_duration(insights.duration_seconds):
        parts.append(duration)
    if who := _participants(insights.members):
        parts.append(who)
    elements = [" · ".join(parts)] if parts else []
    if tone := _tone_text(insights):
        elements.append(tone)
    if not elements:
        return None
    return {"type": "context", "elements": [context(text)["elements"][0] for text in elements]}


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


def _topics_block(insights: Insights) -> list[Block]:
    shown = top_topics(insights.topics)
    if not shown:
        return []
    more = len(insights.topics) - len(shown)
    tail = f" · _+{more} more_" if more > 0 else ""
    return [context("*Topics:* " + " · ".join(_topic_text(t) for t in shown) + tail)]


def _footer(insights: Insights, transcript_url: str | None) -> Block:
    parts = [f"Conversation ID `{escape_mrkdwn(clip(insights.conversation.id, 100))}` (for `/symbl append`)"]
    if transcript_url:
        parts.append(link(transcript_url, "Transcript"))
    return context(" · ".join(parts))


def _list_blocks(title: str, lines: Sequence[str], key: str) -> list[Block]:
    # The count in the heading tells readers the full size of a list that had to be cut.
    return pack_lines(f"*{title} ({len(lines)})*", lines, max_sections=_SECTIONS[key]) if lines else []


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


def _ordered(items: Sequence[ActionItem], entries: Mapping[str, LedgerEntry], now: datetime | None, tz: str | None):
    """Overdue items first, then in the engine's order (which follows the meeting)."""

    def late(item: ActionItem) -> bool:
        if (entry := entries.get(item.id)) is not None:
            return now is not None and is_overdue(entry, now, tz)
        return bool(_due_mark(item.due, now, tz).endswith("*overdue*"))

    return sorted(items, key=lambda item: not late(item))


def _with_controls(lists: Sequence[Sequence[ActionItem]], entries: Mapping[str, LedgerEntry], budget: int) -> set[str]:
    """The ids of the items (firm list first) that get their own block with a menu, within ``budget`` blocks.

    Every heading, the chosen items and every section the leftover lines may need are counted, so the whole
    message stays within Slack's 50 blocks. A ledger id may appear only once per message (block ids).
    """
    chosen: set[str] = set()
    shown: set[str] = set()
    used = sum(1 for items in lists if items)  # one heading per list
    left = [len(items) for items in lists]
    has_lines = [False] * len(lists)  # items of the list that will be plain lines (not in the ledger)
    keys = [key for _, _, key in _LISTS]
    for number, items in enumerate(lists):
        for item in items:
            entry = entries.get(item.id)
            left[number] -= 1
            if entry is None or entry.id in shown:
                has_lines[number] = True
                continue
            reserve = sum(_SECTIONS[keys[n]] for n in range(len(lists)) if left[n] > 0 or has_lines[n])
            if used + BLOCKS_PER_ITEM + reserve > budget:
                return chosen
            chosen.add(item.id)
            shown.add(entry.id)
            used += BLOCKS_PER_ITEM
    return chosen


def _action_blocks(
    insights: Insights,
    entries: Mapping[str, LedgerEntry],
    *,
    owners: Mapping[str, str] | None,
    tz: str | None,
    now: datetime | None,
    budget: int,
) -> list[Block]:
    lists = [
        _ordered([a for a in insights.action_items if a.definitive == definitive], entries, now, tz)
        for _, definitive, _ in _LISTS
    ]
    if not any(lists):
        return [section("*Action items*\nNo action items found.")]
    chosen = _with_controls(lists, entries, budget) if now is not None else set()
    blocks: list[Block] = []
    for (title, _, key), items in zip(_LISTS, lists, strict=True):
        if not items:
            continue
        heading = f"*{title} ({len(items)})*"
        with_menus = [entries[item.id] for item in items if item.id in chosen]
        lines = [
            item_line(entry, now=now, tz=tz)
            if (entry := entries.get(item.id)) and now
            else _item_line(item, owners, tz, now)
            for item in items
            if item.id not in chosen
        ]
        if with_menus and now is not None:
            blocks.append(section(heading))
            for entry in with_menus:
                blocks += item_blocks(entry, now=now, tz=tz)
            heading = None
        if lines:  # after the items with menus: those that had no room, or that the ledger does not know
            blocks += pack_lines(heading, lines, max_sections=_SECTIONS[key])
    return blocks


def render_insights(
    insights: Insights,
    *,
    owners: Mapping[str, str] | None = None,
    tz: str | None = None,
    ledger: Mapping[str, LedgerEntry] | None = None,
    now: datetime | None = None,
    meeting_at: datetime | None = None,
    transcript_url: str | None = None,
    whoswho: Sequence[Block] = (),
    askers: Mapping[str, str] | None = None,
) -> dict:
    """The Block Kit notes message for a meeting: ``{"text": fallback, "blocks": [...]}``.

    ``owners`` maps an assignee's lower-cased email, or their name, to a Slack user id, so owners are
    mentioned; ``tz`` is the IANA zone used for date fallbacks and for what counts as overdue (readers see
    Slack's own local rendering). ``ledger`` maps an action item's id to its ledger entry: those items get their
    menu and show their current owner and state, as many as the message has room for; ``now`` (default: the
    current time) decides what is overdue or snoozed. ``meeting_at`` dates the meeting when its conversation
    has no start time; ``transcript_url`` (the transcript file's permalink) is linked in the footer.
    ``whoswho`` are the "Who's who" blocks (``bot.render.whoswho``), placed above the footer; ``askers`` maps
    the names of speakers named as Slack users to their ids, so who asked a question is mentioned.
    """
    current = now if now is not None else (datetime.now(UTC) if ledger else None)
    top: list[Block] = [header(clip(meeting_title(insights), MAX_HEADER_CHARS))]
    if meta := _meta_block(insights, owners, tz, meeting_at):
        top.append(meta)
    if insights.notice:
        top.append(context(f"⚠️ {escape_mrkdwn(insights.notice)}"))
    top += _summary_blocks(insights)

    rest = [
        *_list_blocks("Follow-ups", [_item_line(f, owners, tz, current) for f in insights.follow_ups], "follow_ups"),
        *_list_blocks("Questions", [_question_line(q, askers) for q in insights.questions], "questions"),
        *_topics_block(insights),
    ]
    tail: list[Block] = [divider(), *rest] if rest else []
    if not insights.messages and not insights.action_items and not insights.topics:
        tail.append(context("I found no speech in this recording, so there is nothing else to report."))
    if whoswho:
        tail += [divider(), *whoswho]
    tail.append(_footer(insights, transcript_url))

    entries = {a.id: _entry_for(a, entry, owners) for a in insights.action_items if (entry := (ledger or {}).get(a.id))}
    budget = MAX_BLOCKS - len(top) - len(tail) - 1  # the divider before the action items
    actions = _action_blocks(insights, entries, owners=owners, tz=tz, now=current, budget=budget)
    blocks = [*top, divider(), *actions, *tail]
    return {"text": fallback_text(insights), "blocks": blocks[:MAX_BLOCKS]}
