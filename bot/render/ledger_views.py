"""The modals an item's menu opens for a follow-up choice: *Reassign…* (a user picker) and *Snooze…* (how long).

Slack keeps a modal's ``private_metadata`` and hands it back with the submission, unchanged: it carries the item's
ledger id and the message the menu was on, so the submission can be checked like a click on that message and the
message redrawn afterwards. Limits (docs.slack.dev, views): title and button labels 24 characters, 100 blocks,
``private_metadata`` 3,000 characters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.digest.model import LedgerEntry
from bot.render.ledger import SNOOZE_CHOICES, is_slack_user_id, item_line
from bot.render.mrkdwn import clip_mrkdwn

REASSIGN_VIEW = "ledger_reassign_view"
SNOOZE_VIEW = "ledger_snooze_view"
OWNER_BLOCK, OWNER_ACTION = "owner", "owner_pick"
LENGTH_BLOCK, LENGTH_ACTION = "length", "length_pick"
MAX_METADATA_CHARS = 3000


@dataclass(frozen=True)
class ViewTarget:
    """The item a modal is about and the message whose menu opened it."""

    item_id: str
    channel_id: str
    message_ts: str


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def view_target(private_metadata: str | None) -> ViewTarget | None:
    """The target a submitted modal carries; None for anything this app did not write."""
    try:
        raw = json.loads(private_metadata or "")
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    item, channel, ts = raw.get("item"), raw.get("channel"), raw.get("ts")
    if not all(isinstance(v, str) and v for v in (item, channel, ts)):
        return None
    return ViewTarget(item, channel, ts)


def _modal(callback_id: str, title: str, target: ViewTarget, line: str, blocks: list[dict]) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps(
            {"item": target.item_id, "channel": target.channel_id, "ts": target.message_ts}, separators=(",", ":")
        ),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(line, 3000)}}, *blocks],
    }


def reassign_view(entry: LedgerEntry, target: ViewTarget, *, now: datetime, tz: str | None = None) -> dict:
    """The *Reassign…* modal: one user picker, starting at the current owner when there is one."""
    picker: dict = {"type": "users_select", "action_id": OWNER_ACTION, "placeholder": _plain("Choose someone")}
    if is_slack_user_id(entry.owner_user_id):
        picker["initial_user"] = entry.owner_user_id
    field = {"type": "input", "block_id": OWNER_BLOCK, "label": _plain("Who takes it"), "element": picker}
    title = "Reassign" if entry.owner_user_id or entry.assignee_name else "Assign"
    return _modal(REASSIGN_VIEW, title, target, item_line(entry, now=now, tz=tz), [field])


def snooze_view(entry: LedgerEntry, target: ViewTarget, *, now: datetime, tz: str | None = None) -> dict:
    """The *Snooze…* modal: how long, from :data:`SNOOZE_CHOICES` (a day by default)."""
    options = [{"text": _plain(label), "value": value} for value, (label, _) in SNOOZE_CHOICES.items()]
    choice = {"type": "radio_buttons", "action_id": LENGTH_ACTION, "options": options, "initial_option": options[0]}
    field = {"type": "input", "block_id": LENGTH_BLOCK, "label": _plain("Hide it from digests for"), "element": choice}
    return _modal(SNOOZE_VIEW, "Snooze", target, item_line(entry, now=now, tz=tz), [field])


def submitted_value(view: dict, block_id: str, action_id: str) -> str | None:
    """The picked user or option value from a submitted view's state; None when absent or malformed."""
    state = ((view.get("state") or {}).get("values") or {}).get(block_id) or {}
    value = state.get(action_id) if isinstance(state, dict) else None
    if not isinstance(value, dict):
        return None
    picked = value.get("selected_user") or (value.get("selected_option") or {}).get("value")
    return picked if isinstance(picked, str) and picked else None
