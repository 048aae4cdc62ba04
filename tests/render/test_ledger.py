"""One ledger item: its line, and its controls while it is open."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.digest.model import ItemKind, ItemStatus, LedgerEntry
from bot.render import (
    ASSIGN_ACTION,
    BLOCKS_PER_ITEM,
    DONE_ACTION,
    SNOOZE_ACTION,
    SNOOZE_CHOICES,
    item_blocks,
    item_id_from_block_id,
    item_line,
)
from tests.fakes.slack_blocks import validate_blocks
from tests.render.helpers import only_safe_tokens

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 12, 17, 0, tzinfo=UTC)
DUE_TOKEN = f"<!date^{int(DUE.timestamp())}^{{date_short_pretty}}|Mar 12, 2026>"
PERMALINK = "https://acme.slack.com/archives/C0123/p1773000000000100?thread_ts=1773000000.000100&cid=C0123"
ENTRY = LedgerEntry(
    id="6f1c2a4e-0b7d-4c55-9d0e-2c1f6f3b9a10",
    kind=ItemKind.ACTION,
    text="Send the renewal quote to Acme",
    conversation_id="5815170693595136",
    meeting_name="Weekly sync",
    assignee_name="Lucy",
    owner_user_id="U01LUCY",
    due=DUE,
    definitive=True,
    permalink=PERMALINK,
)


def payload(blocks: list[dict]) -> dict:
    return {"text": "fallback", "blocks": blocks}


def test_open_item_line_names_owner_and_due_date():
    assert item_line(ENTRY, now=NOW, tz="UTC") == f"• Send the renewal quote to Acme — <@U01LUCY>, due {DUE_TOKEN}"


def test_without_a_slack_user_the_assignee_name_is_shown_escaped():
    entry = replace(ENTRY, owner_user_id=None, assignee_name="Bob <@U999> & co")
    expected = f"• Send the renewal quote to Acme — Bob &lt;@U999&gt; &amp; co, due {DUE_TOKEN}"
    assert item_line(entry, now=NOW, tz="UTC") == expected


@pytest.mark.parametrize("bogus", ["!channel", "here", "U1>", "<@U01LUCY>", "u01lucy", ""])
def test_only_real_user_ids_become_mentions(bogus):
    entry = replace(ENTRY, owner_user_id=bogus, assignee_name=None, due=None)
    line = item_line(entry, now=NOW, tz="UTC")
    assert line == "• Send the renewal quote to Acme"
    blocks = item_blocks(entry, now=NOW, tz="UTC")
    assert "initial_user" not in blocks[0]["accessory"]


def test_overdue_item_is_flagged():
    late = replace(ENTRY, due=NOW - timedelta(days=2))
    assert item_line(late, now=NOW, tz="UTC").endswith(" · ⚠️ overdue")
    assert "overdue" not in item_line(ENTRY, now=NOW, tz="UTC")


def test_an_item_due_today_is_overdue_only_once_the_day_has_ended_where_the_reader_is():
    # Due Mar 12 at 17:00 UTC; in New York that is Mar 12, 13:00, so the day ends at 04:00 UTC on Mar 13.
    evening = datetime(2026, 3, 12, 23, 30, tzinfo=UTC)
    assert "overdue" not in item_line(ENTRY, now=evening, tz="UTC")
    assert "overdue" not in item_line(ENTRY, now=datetime(2026, 3, 13, 3, 0, tzinfo=UTC), tz="America/New_York")
    assert item_line(ENTRY, now=datetime(2026, 3, 13, 0, 1, tzinfo=UTC), tz="UTC").endswith("⚠️ overdue")
    assert item_line(ENTRY, now=datetime(2026, 3, 13, 5, 0, tzinfo=UTC), tz="America/New_York").endswith("overdue")


def test_done_item_is_struck_through_with_who_did_it():
    done = replace(ENTRY, status=ItemStatus.DONE, done_by="U02BOB", due=NOW - timedelta(days=5))
    line = item_line(done, now=NOW, tz="UTC")
    assert line.startswith("• ~Send the renewal quote to Acme~ — <@U01LUCY>, due <!date^")
    assert line.endswith(" · ✅ done by <@U02BOB>")
    assert "overdue" not in line  # a done item is never late
    assert item_line(replace(done, done_by="!everyone"), now=NOW, tz="UTC").endswith(" · ✅ done")


def test_snoozed_item_says_until_when():
    until = NOW + timedelta(days=3)
    snoozed = replace(ENTRY, snoozed_until=until)
    line = item_line(snoozed, now=NOW, tz="Europe/Paris")
    assert line.endswith(f" · 💤 until <!date^{int(until.timestamp())}^{{date_short_pretty}}|Mar 12, 2026>")
    # once the snooze is over it is an ordinary open item again
    assert "💤" not in item_line(snoozed, now=until + timedelta(seconds=1), tz="UTC")


def test_with_meeting_links_the_meeting_thread():
    line = item_line(ENTRY, now=NOW, tz="UTC", with_meeting=True)
    assert line.endswith(f" · <{PERMALINK.replace('&', '&amp;')}|Weekly sync>")
    assert only_safe_tokens({"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": line}}]})


@pytest.mark.parametrize("bad", ["http://acme.slack.com/archives/C1/p1", "javascript:alert(1)", "https://a|<!channel>"])
def test_an_unsafe_permalink_leaves_the_meeting_name_unlinked(bad):
    line = item_line(replace(ENTRY, permalink=bad), now=NOW, tz="UTC", with_meeting=True)
    assert line.endswith(" · Weekly sync")
    assert bad not in line


def test_injection_in_text_assignee_and_meeting_name_is_inert():
    evil = "<!channel> <@U999> <https://evil.example|click>"
    entry = replace(ENTRY, text=evil, assignee_name=evil, owner_user_id=None, meeting_name=evil)
    blocks = item_blocks(entry, now=NOW, tz="UTC", with_meeting=True)
    assert validate_blocks(blocks) == []
    line = blocks[0]["text"]["text"]
    assert "<!channel>" not in line
    assert "<@U999>" not in line
    assert "<https://evil" not in line
    assert "&lt;!channel&gt;" in line
    assert only_safe_tokens(payload(blocks))


def test_open_item_gets_assign_picker_done_button_and_snooze_menu():
    blocks = item_blocks(ENTRY, now=NOW, tz="UTC")
    assert validate_blocks(blocks) == []
    assert len(blocks) == BLOCKS_PER_ITEM
    item, controls = blocks
    assert item["block_id"] == f"ledger:{ENTRY.id}"
    assert item["text"]["text"] == item_line(ENTRY, now=NOW, tz="UTC")
    assert item["accessory"] == {
        "type": "users_select",
        "action_id": ASSIGN_ACTION,
        "placeholder": {"type": "plain_text", "text": "Assign to…", "emoji": True},
        "initial_user": "U01LUCY",
    }
    assert controls["type"] == "actions"
    assert controls["block_id"] == f"ledger-actions:{ENTRY.id}"
    done, snooze = controls["elements"]
    assert done == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Mark done", "emoji": True},
        "action_id": DONE_ACTION,
        "value": ENTRY.id,
        "style": "primary",
    }
    assert snooze["type"] == "static_select"
    assert snooze["action_id"] == SNOOZE_ACTION
    assert snooze["placeholder"]["text"] == "Snooze…"
    options = [(o["value"], o["text"]["text"]) for o in snooze["options"]]
    assert options == [("1d", "1 day"), ("3d", "3 days"), ("1w", "1 week")]


def test_snooze_choices_are_a_day_three_days_and_a_week():
    assert {
        "1d": ("1 day", timedelta(days=1)),
        "3d": ("3 days", timedelta(days=3)),
        "1w": ("1 week", timedelta(weeks=1)),
    } == SNOOZE_CHOICES


@pytest.mark.parametrize(
    "entry",
    [
        replace(ENTRY, status=ItemStatus.DONE, done_by="U02BOB"),
        replace(ENTRY, snoozed_until=NOW + timedelta(days=1)),
        replace(ENTRY, status=ItemStatus.SUPERSEDED),
    ],
    ids=["done", "snoozed", "superseded"],
)
def test_closed_items_are_one_section_without_controls(entry):
    blocks = item_blocks(entry, now=NOW, tz="UTC")
    assert validate_blocks(blocks) == []
    assert blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": item_line(entry, now=NOW, tz="UTC")}}]


def test_superseded_item_says_it_left_the_notes():
    line = item_line(replace(ENTRY, status=ItemStatus.SUPERSEDED), now=NOW, tz="UTC")
    assert line.startswith("• ~Send the renewal quote to Acme~")
    assert line.endswith(" · _no longer in the meeting's notes_")


def test_many_items_in_one_message_have_unique_block_ids_and_validate():
    entries = [replace(ENTRY, id=f"item-{i}", text=f"Item {i}") for i in range(20)]
    blocks = [block for entry in entries for block in item_blocks(entry, now=NOW, tz="UTC")]
    assert len(blocks) == 40
    assert validate_blocks(blocks) == []


def test_long_text_is_cut_and_line_breaks_do_not_split_the_bullet():
    entry = replace(ENTRY, text="first line\nsecond line " + "word " * 1000, meeting_name="M" * 500)
    blocks = item_blocks(entry, now=NOW, tz="UTC", with_meeting=True)
    assert validate_blocks(blocks) == []
    line = blocks[0]["text"]["text"]
    assert "\n" not in line
    assert line.startswith("• first line second line word")
    assert "…" in line
    assert len(line) < 600


def test_an_id_too_long_for_a_block_id_gets_no_controls():
    entry = replace(ENTRY, id="x" * 250)
    blocks = item_blocks(entry, now=NOW, tz="UTC")
    assert validate_blocks(blocks) == []
    assert len(blocks) == 1


def test_block_ids_lead_back_to_the_item():
    section, controls = item_blocks(ENTRY, now=NOW, tz="UTC")
    assert item_id_from_block_id(section["block_id"]) == ENTRY.id
    assert item_id_from_block_id(controls["block_id"]) == ENTRY.id
    assert item_id_from_block_id("ledger:") is None
    assert item_id_from_block_id("header-1") is None
    assert item_id_from_block_id("") is None


def test_naive_due_and_snooze_times_are_taken_as_utc():
    entry = replace(ENTRY, due=datetime(2026, 3, 1, 9, 0), snoozed_until=None)
    assert item_line(entry, now=NOW, tz="UTC").endswith("⚠️ overdue")
    snoozed = replace(ENTRY, snoozed_until=datetime(2026, 3, 10, 9, 0))
    assert len(item_blocks(snoozed, now=NOW, tz="UTC")) == 1
