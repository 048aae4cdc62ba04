"""One ledger item: its line, owner first, and its one control (an overflow menu) for as long as it has a use."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.digest.model import ItemKind, ItemStatus, LedgerEntry
from bot.render import BLOCKS_PER_ITEM, SNOOZE_CHOICES, item_blocks, item_id_from_block_id, item_line
from bot.render.ledger import MENU_ACTION
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


def menu_values(blocks: list[dict]) -> list[str]:
    accessory = blocks[0].get("accessory")
    return [o["value"] for o in accessory["options"]] if accessory else []


def test_open_item_line_starts_with_the_owner_then_the_task_and_due_date():
    assert item_line(ENTRY, now=NOW, tz="UTC") == f"• <@U01LUCY>: Send the renewal quote to Acme · due {DUE_TOKEN}"


def test_without_a_slack_user_the_assignee_name_is_shown_escaped():
    entry = replace(ENTRY, owner_user_id=None, assignee_name="Bob <@U999> & co")
    expected = f"• Bob &lt;@U999&gt; &amp; co: Send the renewal quote to Acme · due {DUE_TOKEN}"
    assert item_line(entry, now=NOW, tz="UTC") == expected


@pytest.mark.parametrize("bogus", ["!channel", "here", "U1>", "<@U01LUCY>", "u01lucy", ""])
def test_only_real_user_ids_become_mentions(bogus):
    entry = replace(ENTRY, owner_user_id=bogus, assignee_name=None, due=None)
    line = item_line(entry, now=NOW, tz="UTC")
    assert line == "• _No owner yet_: Send the renewal quote to Acme"
    blocks = item_blocks(entry, now=NOW, tz="UTC")
    assert menu_values(blocks) == ["done", "assign", "snooze"]  # nobody has it: Assign… instead of Reassign…


def test_the_owner_can_be_left_out_or_replaced_by_a_name_that_does_not_ping():
    assert item_line(ENTRY, now=NOW, tz="UTC", owner=False).startswith("• Send the renewal quote")
    assert item_line(ENTRY, now=NOW, tz="UTC", owner="*Lucy*").startswith("• *Lucy*: Send the renewal quote")


def test_overdue_item_is_flagged():
    late = replace(ENTRY, due=NOW - timedelta(days=2))
    line = item_line(late, now=NOW, tz="UTC")
    assert line.startswith("⚠️ <@U01LUCY>: ")
    assert line.endswith(" · *overdue*")
    assert "overdue" not in item_line(ENTRY, now=NOW, tz="UTC")


def test_an_item_due_today_is_overdue_only_once_the_day_has_ended_where_the_reader_is():
    # Due Mar 12 at 17:00 UTC; in New York that is Mar 12, 13:00, so the day ends at 04:00 UTC on Mar 13.
    evening = datetime(2026, 3, 12, 23, 30, tzinfo=UTC)
    assert "overdue" not in item_line(ENTRY, now=evening, tz="UTC")
    assert "overdue" not in item_line(ENTRY, now=datetime(2026, 3, 13, 3, 0, tzinfo=UTC), tz="America/New_York")
    assert item_line(ENTRY, now=datetime(2026, 3, 13, 0, 1, tzinfo=UTC), tz="UTC").endswith("*overdue*")
    assert item_line(ENTRY, now=datetime(2026, 3, 13, 5, 0, tzinfo=UTC), tz="America/New_York").endswith("overdue*")


def test_done_item_is_struck_through_with_who_did_it_and_keeps_an_undo():
    done = replace(ENTRY, status=ItemStatus.DONE, done_by="U02BOB", due=NOW - timedelta(days=5))
    line = item_line(done, now=NOW, tz="UTC")
    assert line.startswith("✅ <@U01LUCY>: ~Send the renewal quote to Acme~ · due <!date^")
    assert line.endswith(" · done by <@U02BOB>")
    assert "overdue" not in line  # a done item is never late
    assert item_line(replace(done, done_by="!everyone"), now=NOW, tz="UTC").endswith(" · done")
    assert menu_values(item_blocks(done, now=NOW, tz="UTC")) == ["undo"]


def test_snoozed_item_says_until_when_and_keeps_an_un_snooze():
    until = NOW + timedelta(days=3)
    snoozed = replace(ENTRY, snoozed_until=until)
    line = item_line(snoozed, now=NOW, tz="Europe/Paris")
    assert line.startswith("💤 <@U01LUCY>: ")
    assert line.endswith(f" · snoozed until <!date^{int(until.timestamp())}^{{date_short_pretty}}|Mar 12, 2026>")
    assert menu_values(item_blocks(snoozed, now=NOW, tz="UTC")) == ["unsnooze", "done", "reassign"]
    # once the snooze is over it is an ordinary open item again
    later = until + timedelta(seconds=1)
    assert "💤" not in item_line(snoozed, now=later, tz="UTC")
    assert menu_values(item_blocks(snoozed, now=later, tz="UTC")) == ["done", "reassign", "snooze"]


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


def test_an_open_item_is_one_section_with_one_overflow_menu():
    blocks = item_blocks(ENTRY, now=NOW, tz="UTC")
    assert validate_blocks(blocks) == []
    assert len(blocks) == BLOCKS_PER_ITEM == 1
    (item,) = blocks
    assert item["block_id"] == f"ledger:{ENTRY.id}"
    assert item["text"]["text"] == item_line(ENTRY, now=NOW, tz="UTC")
    menu = item["accessory"]
    assert menu["type"] == "overflow"
    assert menu["action_id"] == MENU_ACTION
    assert [(o["value"], o["text"]["text"]) for o in menu["options"]] == [
        ("done", "✅ Mark done"),
        ("reassign", "👤 Reassign…"),
        ("snooze", "💤 Snooze…"),
    ]


def test_snooze_choices_run_from_a_day_to_two_weeks():
    assert [(key, label) for key, (label, _) in SNOOZE_CHOICES.items()] == [
        ("1d", "1 day"),
        ("3d", "3 days"),
        ("1w", "1 week"),
        ("2w", "2 weeks"),
    ]
    assert SNOOZE_CHOICES["1w"][1] == timedelta(weeks=1)


def test_a_superseded_item_says_it_left_the_notes_and_has_no_control():
    entry = replace(ENTRY, status=ItemStatus.SUPERSEDED)
    line = item_line(entry, now=NOW, tz="UTC")
    assert line.startswith("• <@U01LUCY>: ~Send the renewal quote to Acme~")
    assert line.endswith(" · _no longer in the meeting's notes_")
    assert item_blocks(entry, now=NOW, tz="UTC") == [{"type": "section", "text": {"type": "mrkdwn", "text": line}}]


def test_without_controls_an_item_is_a_plain_section_that_may_repeat():
    blocks = item_blocks(ENTRY, now=NOW, tz="UTC", controls=False) * 2
    assert validate_blocks(blocks) == []
    assert "accessory" not in blocks[0] and "block_id" not in blocks[0]


def test_many_items_in_one_message_have_unique_block_ids_and_validate():
    entries = [replace(ENTRY, id=f"item-{i}", text=f"Item {i}") for i in range(20)]
    blocks = [block for entry in entries for block in item_blocks(entry, now=NOW, tz="UTC")]
    assert len(blocks) == 20
    assert validate_blocks(blocks) == []


def test_long_text_is_cut_and_line_breaks_do_not_split_the_line():
    entry = replace(ENTRY, text="first line\nsecond line " + "word " * 1000, meeting_name="M" * 500)
    blocks = item_blocks(entry, now=NOW, tz="UTC", with_meeting=True)
    assert validate_blocks(blocks) == []
    line = blocks[0]["text"]["text"]
    assert "\n" not in line
    assert line.startswith("• <@U01LUCY>: first line second line word")
    assert "…" in line
    assert len(line) < 600


def test_an_id_too_long_for_a_block_id_gets_no_controls():
    entry = replace(ENTRY, id="x" * 250)
    blocks = item_blocks(entry, now=NOW, tz="UTC")
    assert validate_blocks(blocks) == []
    assert "accessory" not in blocks[0]


def test_block_ids_lead_back_to_the_item():
    (section,) = item_blocks(ENTRY, now=NOW, tz="UTC")
    assert item_id_from_block_id(section["block_id"]) == ENTRY.id
    assert item_id_from_block_id(f"ledger-actions:{ENTRY.id}") == ENTRY.id  # the messages posted before the menu
    assert item_id_from_block_id("ledger:") is None
    assert item_id_from_block_id("header-1") is None
    assert item_id_from_block_id("") is None


def test_naive_due_and_snooze_times_are_taken_as_utc():
    entry = replace(ENTRY, due=datetime(2026, 3, 1, 9, 0), snoozed_until=None)
    assert item_line(entry, now=NOW, tz="UTC").endswith("*overdue*")
    snoozed = replace(ENTRY, snoozed_until=datetime(2026, 3, 10, 9, 0))
    assert menu_values(item_blocks(snoozed, now=NOW, tz="UTC"))[0] == "unsnooze"
