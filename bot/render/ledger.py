"""One action item as the ledger knows it: a mrkdwn line, and the blocks with its controls (assign, done, snooze).

The meeting notes and the digests both show open items this way. An open item is two blocks: a section with the
line and an *Assign to…* user picker, then an actions block with *Mark done* and *Snooze…*. Done, snoozed and
superseded items are one plain section: there is nothing left to do with them from this message.

The controls' listeners (``handlers/actions.py``) find the item from a button's ``value`` or, for the pickers,
from the block id, so both carry the ledger id and :func:`item_id_from_block_id` undoes the block id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest.model import ItemStatus, LedgerEntry
from bot.render.blocks import MAX_SECTION_CHARS, Block, section
from bot.render.mrkdwn import clip, clip_mrkdwn, escape_mrkdwn, link, slack_date, zone
from bot.render.people import _SLACK_USER_ID, MAX_NAME_CHARS

ASSIGN_ACTION = "ledger_assign"
DONE_ACTION = "ledger_done"
SNOOZE_ACTION = "ledger_snooze"
SNOOZE_CHOICES: dict[str, tuple[str, timedelta]] = {
    "1d": ("1 day", timedelta(days=1)),
    "3d": ("3 days", timedelta(days=3)),
    "1w": ("1 week", timedelta(weeks=1)),
}
BLOCKS_PER_ITEM = 2  # an open item with controls: its section and its actions block

MAX_ITEM_CHARS = 300  # one long sentence, as in the meeting notes
MAX_MEETING_NAME_CHARS = 80
SECTION_PREFIX = "ledger:"
ACTIONS_PREFIX = "ledger-actions:"
_MAX_BLOCK_ID_CHARS = 255


def is_slack_user_id(value: str | None) -> bool:
    """Whether ``value`` has the shape of a Slack user id: only those become mentions or a picker's initial user."""
    return bool(value) and _SLACK_USER_ID.match(value) is not None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _mention(user_id: str | None) -> str | None:
    return f"<@{user_id}>" if user_id and is_slack_user_id(user_id) else None


def owner_mrkdwn(entry: LedgerEntry) -> str | None:
    """Who the item is for: ``<@U…>`` when a Slack user is known, else the meeting's escaped name; None if nobody."""
    if mention := _mention(entry.owner_user_id):
        return mention
    name = " ".join((entry.assignee_name or "").split())
    return escape_mrkdwn(clip(name, MAX_NAME_CHARS)) if name else None


def is_overdue(entry: LedgerEntry, now: datetime, tz: str | None) -> bool:
    """Open, and its due day has ended in ``tz`` (the channel's or reader's zone).

    A due date means a day: an item due today is not overdue at 5 pm, only from tomorrow on.
    """
    if entry.status != ItemStatus.OPEN or entry.due is None:
        return False
    local = zone(tz)
    return _aware(now).astimezone(local).date() > _aware(entry.due).astimezone(local).date()


def is_snoozed(entry: LedgerEntry, now: datetime) -> bool:
    """Whether an open item is snoozed at ``now`` (naive datetimes are taken as UTC)."""
    return (
        entry.status == ItemStatus.OPEN
        and entry.snoozed_until is not None
        and _aware(entry.snoozed_until) > _aware(now)
    )


def is_actionable(entry: LedgerEntry, now: datetime) -> bool:
    """Open and not snoozed: the items that get controls and that the digests count as open."""
    return entry.status == ItemStatus.OPEN and not is_snoozed(entry, now)


def _item_text(entry: LedgerEntry) -> str:
    # Whitespace is folded so a transcript's line break cannot split the bullet (or a strikethrough) in two.
    return escape_mrkdwn(clip(" ".join(entry.text.split()) or "(no text)", MAX_ITEM_CHARS))


def meeting_link(entry: LedgerEntry) -> str | None:
    """``<permalink|meeting name>`` (or the escaped name alone when the permalink is not safe); None if neither."""
    name = " ".join((entry.meeting_name or "").split())
    if not name and not entry.permalink:
        return None
    return link(entry.permalink, clip(name or "meeting", MAX_MEETING_NAME_CHARS))


def item_line(entry: LedgerEntry, *, now: datetime, tz: str | None, with_meeting: bool = False) -> str:
    """One mrkdwn line for an item, e.g. ``• Send the deck — <@U1>, due <!date…> · ⚠️ overdue``.

    Done items are struck through with who did them; snoozed ones say until when; ``with_meeting`` adds a link to
    the meeting the item came from (digests span several meetings).
    """
    text = _item_text(entry)
    if entry.status != ItemStatus.OPEN:
        text = f"~{text}~"
    extras = [who] if (who := owner_mrkdwn(entry)) else []
    if entry.due is not None:
        extras.append(f"due {slack_date(entry.due, tz=tz)}")
    line = f"• {text} — {', '.join(extras)}" if extras else f"• {text}"

    marks: list[str] = []
    if entry.status == ItemStatus.DONE:
        by = _mention(entry.done_by)
        marks.append(f"✅ done by {by}" if by else "✅ done")
    elif entry.status == ItemStatus.SUPERSEDED:
        marks.append("_no longer in the meeting's notes_")
    elif is_snoozed(entry, now) and entry.snoozed_until is not None:
        marks.append(f"💤 until {slack_date(entry.snoozed_until, tz=tz)}")
    elif is_overdue(entry, now, tz):
        marks.append("⚠️ overdue")
    if with_meeting and (meeting := meeting_link(entry)):
        marks.append(meeting)
    return " · ".join([line, *marks])


def _has_room_for_ids(entry: LedgerEntry) -> bool:
    return bool(entry.id) and len(ACTIONS_PREFIX) + len(entry.id) <= _MAX_BLOCK_ID_CHARS


def has_controls(entry: LedgerEntry, now: datetime) -> bool:
    """Whether :func:`item_blocks` gives this item its controls (two blocks) rather than one plain section."""
    return is_actionable(entry, now) and _has_room_for_ids(entry)


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _assign_picker(entry: LedgerEntry) -> dict:
    picker = {"type": "users_select", "action_id": ASSIGN_ACTION, "placeholder": _plain("Assign to…")}
    if entry.owner_user_id and is_slack_user_id(entry.owner_user_id):
        picker["initial_user"] = entry.owner_user_id
    return picker


def _snooze_menu() -> dict:
    return {
        "type": "static_select",
        "action_id": SNOOZE_ACTION,
        "placeholder": _plain("Snooze…"),
        "options": [{"text": _plain(label), "value": value} for value, (label, _) in SNOOZE_CHOICES.items()],
    }


def item_blocks(entry: LedgerEntry, *, now: datetime, tz: str | None, with_meeting: bool = False) -> list[Block]:
    """The blocks for one item: section + controls while it is open, one plain section otherwise.

    Block ids carry the ledger id, so a message must not show the same item twice with controls; the one-section
    form has no block id and can repeat freely.
    """
    line = clip_mrkdwn(item_line(entry, now=now, tz=tz, with_meeting=with_meeting), MAX_SECTION_CHARS)
    if not has_controls(entry, now):
        return [section(line)]
    done = {
        "type": "button",
        "text": _plain("Mark done"),
        "action_id": DONE_ACTION,
        "value": entry.id,
        "style": "primary",
    }
    return [
        {**section(line), "block_id": f"{SECTION_PREFIX}{entry.id}", "accessory": _assign_picker(entry)},
        {"type": "actions", "block_id": f"{ACTIONS_PREFIX}{entry.id}", "elements": [done, _snooze_menu()]},
    ]


def item_id_from_block_id(block_id: str) -> str | None:
    """The ledger id inside a block id made by :func:`item_blocks`; None for any other block id."""
    for prefix in (ACTIONS_PREFIX, SECTION_PREFIX):
        if block_id.startswith(prefix) and len(block_id) > len(prefix):
            return block_id[len(prefix) :]
    return None
