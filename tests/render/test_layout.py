"""Issue #15's bars on realistic inputs: a 31-minute meeting's notes and a week's digest, read at a glance.

Block counts before this layout (same inputs): notes 24 blocks with 18 controls, digest 41 blocks with 36
controls and each owner named 4-5 times.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

from bot.digest.model import ItemStatus
from bot.render import render_digest, render_insights
from bot.render.digest import became_due
from tests.render.helpers import all_text, only_safe_tokens, slack_valid
from tests.render.scenarios import (
    DIGEST_NOW,
    NAMES,
    NOTES_NOW,
    OWNERS,
    PREVIOUS_DIGEST,
    TZ,
    launch_meeting,
    ledger_for,
    week_digest,
)

INTERACTIVE = {"button", "overflow", "users_select", "static_select", "datepicker", "radio_buttons", "checkboxes"}


def controls_per_line(payload: dict) -> list[int]:
    """How many interactive elements each block carries (accessories and actions blocks' elements)."""
    counts = []
    for block in payload["blocks"]:
        elements = [block.get("accessory"), *(block.get("elements") or [] if block["type"] == "actions" else [])]
        counts.append(sum(1 for e in elements if isinstance(e, dict) and e.get("type") in INTERACTIVE))
    return counts


def notes() -> dict:
    insights = launch_meeting()
    return render_insights(insights, owners=OWNERS, tz=TZ, ledger=ledger_for(insights), now=NOTES_NOW)


def test_the_31_minute_meetings_notes_fit_in_25_blocks_with_one_control_per_item():
    payload = notes()
    blocks = slack_valid(payload)
    assert len(blocks) <= 25
    assert len(blocks) == 17
    assert max(controls_per_line(payload)) == 1
    assert sum(controls_per_line(payload)) == 6  # one menu per action item, nothing else
    assert only_safe_tokens(payload)


def test_the_notes_read_top_down_title_when_who_summary_then_the_work():
    payload = notes()
    blocks = payload["blocks"]
    assert blocks[0]["text"]["text"] == "Launch readiness sync"
    meta = blocks[1]["elements"][0]["text"]
    assert re.match(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|Mar 3, 2026 15:00> · 31 min · with ", meta)
    assert meta.endswith("with Maria Lopez, Tom Becker, Priya Shah and Dan Wu")
    # only owners are mentioned, so the notes ping the people who have something to do
    assert "— _Tom Becker_" in all_text(payload)
    mentioned = set(re.findall(r"<@(U\w+)>", all_text(payload)))
    assert mentioned == {"U0MARIA", "U0TOM", "U0PRIYA"}
    assert blocks[2]["text"]["text"].startswith("*Summary*\nThe team reviewed launch readiness")
    text = all_text(payload)
    assert text.index("*Action items (4)*") < text.index("*Suggested (2)*") < text.index("*Follow-ups (2)*")
    assert "• _No owner yet_: Look into a backup vendor" in text
    assert blocks[-2]["elements"][0]["text"].startswith("*Topics:* launch checklist · code freeze · ")
    assert blocks[-1]["elements"][0]["text"].startswith("Conversation ID `5815170693595136`")


def test_an_overdue_item_comes_first_in_a_redraw_a_week_later():
    insights = launch_meeting()
    ledger = ledger_for(insights, a1={"status": ItemStatus.DONE, "done_by": "U0MARIA"})
    payload = render_insights(insights, owners=OWNERS, tz=TZ, ledger=ledger, now=NOTES_NOW + timedelta(days=3))
    slack_valid(payload)
    items = [b["text"]["text"] for b in payload["blocks"] if b.get("block_id", "").startswith("ledger:")]
    assert items[0].startswith("⚠️ <@U0TOM>: Fix the signup crash")  # due Mar 5, overdue on Mar 6
    assert items[1].startswith("✅ <@U0MARIA>: ~Send the updated launch checklist")
    menus = [b["accessory"] for b in payload["blocks"] if b.get("block_id", "").startswith("ledger:")]
    assert [o["value"] for o in menus[1]["options"]] == ["undo"]


def digest() -> dict:
    return render_digest(week_digest(), now=DIGEST_NOW, tz=TZ)


def test_a_week_of_3_meetings_and_15_open_items_fits_in_30_blocks_naming_each_owner_once():
    payload = digest()
    blocks = slack_valid(payload)
    assert len(blocks) <= 30
    assert len(blocks) == 24
    text = json.dumps(payload["blocks"])
    for user_id, name in NAMES.items():
        assert text.count(user_id) + text.count(name) == 1, name
    assert text.count("Alex") == 1
    assert max(controls_per_line(payload)) == 1
    assert only_safe_tokens(payload)


def test_the_digest_pings_only_owners_whose_items_became_due_or_overdue_since_the_last_one():
    payload = digest()
    text = all_text(payload)
    # Tom's crash fix became overdue, Priya's sign-off is due today, Dan's flags became due and overdue: pinged.
    assert {"<@U0TOM>", "<@U0PRIYA>", "<@U0DAN>"} == set(re.findall(r"<@U0[A-Z]+>", text))
    # Maria's checklist was already overdue at the last digest and her other items are not due yet: named.
    assert "*Maria Lopez*" in text
    # the same week without a previous digest pings everyone with something due
    first = render_digest(replace(week_digest(), previous_digest_at=None), now=DIGEST_NOW, tz=TZ)
    assert "<@U0MARIA>" in all_text(first)


def test_the_digest_puts_overdue_work_first_and_controls_only_what_is_due_within_two_days():
    payload = digest()
    controlled = [b["block_id"].removeprefix("ledger:") for b in payload["blocks"] if "accessory" in b]
    assert controlled == ["item-01", "item-07", "item-02", "item-14", "item-04", "item-03"]
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert sections[1] == "*Maria Lopez*"
    assert sections[2].startswith("⚠️ Send the updated launch checklist")
    assert sections[-2].startswith("*No owner yet*\n")


def test_became_due_looks_at_the_due_day_in_the_channels_zone():
    entry = week_digest().open_items[2]  # due Mar 9, 17:00 UTC
    assert became_due(entry, PREVIOUS_DIGEST, DIGEST_NOW, TZ)  # Mar 9 began in Paris at 23:00 UTC on Mar 8
    assert not became_due(entry, DIGEST_NOW, DIGEST_NOW + timedelta(hours=1), TZ)
    assert became_due(entry, DIGEST_NOW, DIGEST_NOW + timedelta(days=1), TZ)  # and it ends: overdue
