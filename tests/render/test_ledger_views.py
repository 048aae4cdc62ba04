"""The modals an item's menu opens: valid for Slack, and carrying the item and its message back unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_sdk.models.views import View

from bot.digest.model import ItemKind, LedgerEntry
from bot.render.ledger_views import (
    LENGTH_ACTION,
    LENGTH_BLOCK,
    OWNER_ACTION,
    OWNER_BLOCK,
    ViewTarget,
    reassign_view,
    snooze_view,
    submitted_value,
    view_target,
)
from tests.fakes.slack_methods import validate_view

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
ENTRY = LedgerEntry(
    id="6f1c2a4e-0b7d-4c55-9d0e-2c1f6f3b9a10",
    kind=ItemKind.ACTION,
    text="Send the <!channel> quote",
    conversation_id="c1",
    owner_user_id="U01LUCY",
)
TARGET = ViewTarget(ENTRY.id, "C0123", "1773000000.000100")


def test_both_modals_are_valid_and_carry_their_target():
    for view in (reassign_view(ENTRY, TARGET, now=NOW), snooze_view(ENTRY, TARGET, now=NOW)):
        assert validate_view(view) == []
        View(**view).to_dict()  # slack_sdk's own validators (title and labels at most 24 characters, …)
        assert view_target(view["private_metadata"]) == TARGET
        assert "<!channel>" not in json.dumps(view)  # the item's line is escaped like anywhere else


def test_reassign_starts_at_the_current_owner_and_assign_at_nobody():
    picker = reassign_view(ENTRY, TARGET, now=NOW)["blocks"][1]["element"]
    assert picker["type"] == "users_select" and picker["initial_user"] == "U01LUCY"
    nobody = LedgerEntry(id="x", kind=ItemKind.ACTION, text="Plan the offsite", conversation_id="c1")
    view = reassign_view(nobody, TARGET, now=NOW)
    assert view["title"]["text"] == "Assign"
    assert "initial_user" not in view["blocks"][1]["element"]


def test_snooze_offers_the_snooze_lengths_a_day_first():
    choice = snooze_view(ENTRY, TARGET, now=NOW)["blocks"][1]["element"]
    assert [o["value"] for o in choice["options"]] == ["1d", "3d", "1w", "2w"]
    assert choice["initial_option"]["value"] == "1d"


def test_submitted_values_and_targets_are_read_defensively():
    state = {
        "state": {
            "values": {
                OWNER_BLOCK: {OWNER_ACTION: {"type": "users_select", "selected_user": "U0DANA"}},
                LENGTH_BLOCK: {LENGTH_ACTION: {"type": "radio_buttons", "selected_option": {"value": "1w"}}},
            }
        }
    }
    assert submitted_value(state, OWNER_BLOCK, OWNER_ACTION) == "U0DANA"
    assert submitted_value(state, LENGTH_BLOCK, LENGTH_ACTION) == "1w"
    assert submitted_value({}, OWNER_BLOCK, OWNER_ACTION) is None
    assert submitted_value({"state": {"values": {OWNER_BLOCK: "x"}}}, OWNER_BLOCK, OWNER_ACTION) is None
    for bad in (None, "", "not json", "[]", '{"item": "x"}', '{"item": 1, "channel": "C", "ts": "1"}'):
        assert view_target(bad) is None
