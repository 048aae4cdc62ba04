"""One action item as the ledger knows it: a mrkdwn line, and one section block with its one control.

The meeting notes and the digests show items this way. An item is one line, owner first, then the task and the
due date, e.g. ``• <@U1>: Send the deck · due <!date…>``, and one overflow menu (⋯) beside it holding what can
be done to it: *Mark done*, *Reassign…* (*Assign…* when nobody has it), *Snooze…*, and *Undo* on a done item or
*Un-snooze* on a snoozed one. So a message never shows more than one control per item, and nothing done in Slack
is final. *Reassign…* and *Snooze…* open a modal for the follow-up choice (``bot/render/ledger_views.py``).

The listeners (``handlers/actions.py``) find the item from the block id, which carries the ledger id
(:func:`item_id_from_block_id`); the chosen option's value says what to do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest.model import ItemStatus, LedgerEntry
from bot.render.blocks import MAX_SECTION_CHARS, Block, section
from bot.render.mrkdwn import clip, clip_mrkdwn, escape_mrkdwn, link, meeting_name, slack_date, zone
from bot.render.people import _SLACK_USER_ID, MAX_NAME_CHARS

MENU_ACTION = "ledger_menu"  # the overflow menu; its options' values are the verbs below
DONE, REASSIGN, ASSIGN, SNOOZE, UNDO, UNSNOOZE = "done", "reassign", "assign", "snooze", "undo", "unsnooze"
# The controls of messages posted before the overflow menu: their listeners stay so those messages keep working.
ASSIGN_ACTION = "ledger_assign"
DONE_ACTION = "ledger_done"
SNOOZE_ACTION = "ledger_snooze"
SNOOZE_CHOICES: dict[str, tuple[str, timedelta]] = {
    "1d": ("1 day", timedelta(days=1)),
    "3d": ("3 days", timedelta(days=3)),
    "1w": ("1 week", timedelta(weeks=1)),
    "2w": ("2 weeks", timedelta(weeks=2)),
}
BLOCKS_PER_ITEM = 1  # an item with its control is one section, its overflow menu the accessory

MAX_ITEM_CHARS = 300  # one long sentence, as in the meeting notes
MAX_MEETING_NAME_CHARS = 80
SECTION_PREFIX = "ledger:"
ACTIONS_PREFIX = "ledger-actions:"  # the actions blocks of older messages
_MAX_BLOCK_ID_CHARS = 255
NO_OWNER = "_No owner yet_"


def is_slack_user_id(value: str | None) -> bool:
    """Whether ``value`` has the shape of a Slack user id: only those become mentions or a picker's initial user."""
    return bool(value) and _SLACK_USER_ID.match(value) is not None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _mention(user_id: str | None) -> str | None:
    return f"<@{user_id}>" if user_id and is_slack_user_id(user_id) else None


def owner_name(entry: LedgerEntry) -> str | None:
    """The meeting's name for the owner, escaped; None when the meeting named nobody."""
    name = " ".join((entry.assignee_name or "").split())
    return escape_mrkdwn(clip(name, MAX_NAME_CHARS)) if name else None


def owner_mrkdwn(entry: LedgerEntry) -> str | None:
    """Who the item is for: ``<@U…>`` when a Slack user is known, else the meeting's escaped name; None if nobody."""
    return _mention(entry.owner_user_id) or owner_name(entry)


def has_owner(entry: LedgerEntry) -> bool:
    return owner_mrkdwn(entry) is not None


def _local_day(when: datetime, tz: str | None):
    return _aware(when).astimezone(zone(tz)).date()


def is_overdue(entry: LedgerEntry, now: datetime, tz: str | None) -> bool:
    """Open, and its due day has ended in ``tz`` (the channel's or reader's zone).

    A due date means a day: an item due today is not overdue at 5 pm, only from tomorrow on.
    """
    if entry.status != ItemStatus.OPEN or entry.due is None:
        return False
    return _local_day(now, tz) > _local_day(entry.due, tz)


def is_due_within(entry: LedgerEntry, now: datetime, tz: str | None, days: int) -> bool:
    """Open with a due day at most ``days`` days from today in ``tz`` (overdue items included)."""
    if entry.status != ItemStatus.OPEN or entry.due is None:
        return False
    return (_local_day(entry.due, tz) - _local_day(now, tz)).days <= days


def is_snoozed(entry: LedgerEntry, now: datetime) -> bool:
    """Whether an open item is snoozed at ``now`` (naive datetimes are taken as UTC)."""
    return (
        entry.status == ItemStatus.OPEN
        and entry.snoozed_until is not None
        and _aware(entry.snoozed_until) > _aware(now)
    )


def is_actionable(entry: LedgerEntry, now: datetime) -> bool:
    """Open and not snoozed: the items the digests count as open."""
    return entry.status == ItemStatus.OPEN and not is_snoozed(entry, now)


def _item_text(entry: LedgerEntry) -> str:
    # Whitespace is folded so a transcript's line break cannot split the line (or a strikethrough) in two.
    return escape_mrkdwn(clip(" ".join(entry.text.split()) or "(no text)", MAX_ITEM_CHARS))


def meeting_link(entry: LedgerEntry) -> str | None:
    """``<permalink|meeting name>`` (or the escaped name alone when the permalink is not safe); None if neither."""
    name = meeting_name(entry.meeting_name)
    if not name and not entry.permalink:
        return None
    return link(entry.permalink, clip(name or "meeting", MAX_MEETING_NAME_CHARS))


def _marker(entry: LedgerEntry, now: datetime, tz: str | None) -> str:
    if entry.status == ItemStatus.DONE:
        return "✅"
    if is_snoozed(entry, now):
        return "💤"
    if is_overdue(entry, now, tz):
        return "⚠️"
    return "•"


def item_line(
    entry: LedgerEntry,
    *,
    now: datetime,
    tz: str | None,
    with_meeting: bool = False,
    owner: str | bool | None = True,
    prefix: str = "",
) -> str:
    """One mrkdwn line for an item, e.g. ``⚠️ <@U1>: Send the deck · due <!date…> · overdue``.

    ``owner`` is True for the item's own owner, False to leave the owner out (a digest names each owner once,
    above their items), or the mrkdwn to show instead (a name that does not ping); ``prefix`` (mrkdwn) goes
    before the task, e.g. "_Follow-up:_ ". Done items are struck through
    with who did them; snoozed ones say until when; ``with_meeting`` links the meeting the item came from.
    """
    text = _item_text(entry)
    if entry.status != ItemStatus.OPEN:
        text = f"~{text}~"
    text = prefix + text
    who = owner_mrkdwn(entry) if owner is True else (owner or None)
    if owner is True and who is None:
        who = NO_OWNER
    parts = [f"{_marker(entry, now, tz)} {who}: {text}" if who else f"{_marker(entry, now, tz)} {text}"]
    if entry.due is not None:
        parts.append(f"due {slack_date(entry.due, tz=tz)}")
    if entry.status == ItemStatus.DONE:
        by = _mention(entry.done_by)
        parts.append(f"done by {by}" if by else "done")
    elif entry.status == ItemStatus.SUPERSEDED:
        parts.append("_no longer in the meeting's notes_")
    elif is_snoozed(entry, now) and entry.snoozed_until is not None:
        parts.append(f"snoozed until {slack_date(entry.snoozed_until, tz=tz)}")
    elif is_overdue(entry, now, tz):
        parts.append("*overdue*")
    if with_meeting and (meeting := meeting_link(entry)):
        parts.append(meeting)
    return " · ".join(parts)


def _has_room_for_ids(entry: LedgerEntry) -> bool:
    return bool(entry.id) and len(SECTION_PREFIX) + len(entry.id) <= _MAX_BLOCK_ID_CHARS


def menu_verbs(entry: LedgerEntry, now: datetime) -> list[str]:
    """What the item's menu offers, in order; empty for an item nothing can be done to (superseded)."""
    if entry.status == ItemStatus.DONE:
        return [UNDO]
    if entry.status != ItemStatus.OPEN:
        return []
    give = REASSIGN if has_owner(entry) else ASSIGN
    if is_snoozed(entry, now):
        return [UNSNOOZE, DONE, give]
    return [DONE, give, SNOOZE]


def has_controls(entry: LedgerEntry, now: datetime) -> bool:
    """Whether :func:`item_blocks` gives this item its menu (one section either way)."""
    return bool(menu_verbs(entry, now)) and _has_room_for_ids(entry)


MENU_LABELS = {
    DONE: "✅ Mark done",
    REASSIGN: "👤 Reassign…",
    ASSIGN: "👤 Assign…",
    SNOOZE: "💤 Snooze…",
    UNDO: "↩️ Undo mark done",
    UNSNOOZE: "🔔 Un-snooze",
}


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def menu(entry: LedgerEntry, now: datetime) -> dict:
    """The item's overflow menu (⋯)."""
    return {
        "type": "overflow",
        "action_id": MENU_ACTION,
        "options": [{"text": _plain(MENU_LABELS[verb]), "value": verb} for verb in menu_verbs(entry, now)],
    }


def item_blocks(
    entry: LedgerEntry,
    *,
    now: datetime,
    tz: str | None,
    with_meeting: bool = False,
    owner: str | bool | None = True,
    controls: bool = True,
) -> list[Block]:
    """The one section for an item: its line and, unless ``controls`` is False, its overflow menu.

    Block ids carry the ledger id, so a message must not show the same item twice with controls; the form
    without controls has no block id and can repeat freely.
    """
    line = clip_mrkdwn(item_line(entry, now=now, tz=tz, with_meeting=with_meeting, owner=owner), MAX_SECTION_CHARS)
    if not (controls and has_controls(entry, now)):
        return [section(line)]
    return [{**section(line), "block_id": f"{SECTION_PREFIX}{entry.id}", "accessory": menu(entry, now)}]


def item_id_from_block_id(block_id: str) -> str | None:
    """The ledger id inside a block id made by :func:`item_blocks` (or an older message's); None otherwise."""
    for prefix in (ACTIONS_PREFIX, SECTION_PREFIX):
        if block_id.startswith(prefix) and len(block_id) > len(prefix):
            return block_id[len(prefix) :]
    return None
