"""Every interaction through the Bolt app: the ledger's ⋯ menu and its modals, the controls of older messages, and
the search answer's page buttons. Each is written (or refused) before the ack; redraws, modals and private answers
come after it (the harness fails any dispatch that called Slack before the ack)."""

from __future__ import annotations

import json

import pytest

from bot.digest.model import ItemStatus
from bot.render.ledger import ASSIGN_ACTION, DONE_ACTION, MENU_ACTION, SECTION_PREFIX, SNOOZE_ACTION
from bot.render.ledger_views import (
    LENGTH_ACTION,
    LENGTH_BLOCK,
    OWNER_ACTION,
    OWNER_BLOCK,
    REASSIGN_VIEW,
    SNOOZE_VIEW,
)
from bot.render.search import PAGE_ACTION
from bot.store.tables import utcnow
from handlers.actions import NOT_FOUND
from tests.handlers.bolt_harness import CHANNEL, TEAM_ID, USER
from tests.handlers.conftest import add_meeting


def entry(bolt, item_id):
    return bolt.services.ledger.get(TEAM_ID, item_id)


def choose(bolt, meeting, item_id, verb, **fields):
    """A choice in the ⋯ menu of ``item_id`` on the meeting's notes message."""
    return bolt.action(
        MENU_ACTION,
        block_id=f"{SECTION_PREFIX}{item_id}",
        selected_option={"value": verb},
        element_type="overflow",
        channel_id=meeting.channel_id,
        message_ts=meeting.notes_ts,
        **fields,
    )


def redrawn(done, meeting) -> bool:
    return [(c["channel"], c["ts"]) for c in done.called("chat.update")] == [(meeting.channel_id, meeting.notes_ts)]


def test_done_then_undo_from_the_menu_are_written_before_the_ack_and_redrawn_after(bolt, meeting):
    item = meeting.item_ids[0]
    done = choose(bolt, meeting, item, "done")
    assert (done.status, done.body) == (200, "")
    assert entry(bolt, item).status == ItemStatus.DONE
    assert redrawn(done, meeting)
    undone = choose(bolt, meeting, item, "undo")
    assert entry(bolt, item).status == ItemStatus.OPEN
    assert redrawn(undone, meeting)


def test_un_snooze_from_the_menu(bolt, meeting):
    item = meeting.item_ids[0]
    bolt.services.ledger.snooze(TEAM_ID, item, utcnow().replace(year=2099))
    done = choose(bolt, meeting, item, "unsnooze")
    assert entry(bolt, item).snoozed_until is None
    assert redrawn(done, meeting)


@pytest.mark.parametrize(
    ("verb", "callback_id"), [("snooze", SNOOZE_VIEW), ("reassign", REASSIGN_VIEW), ("assign", REASSIGN_VIEW)]
)
def test_a_choice_that_needs_a_modal_opens_it_after_the_ack_with_the_clicks_trigger(
    bolt, slack, meeting, verb, callback_id
):
    trigger = slack.new_trigger_id()
    done = choose(bolt, meeting, meeting.item_ids[0], verb, trigger_id=trigger)
    assert done.body == ""
    assert [c["trigger_id"] for c in done.called("views.open")] == [trigger]
    assert slack.views[-1]["callback_id"] == callback_id
    assert entry(bolt, meeting.item_ids[0]).status == ItemStatus.OPEN  # nothing written until it is submitted


def test_the_snooze_modal_submitted_snoozes_the_item_and_redraws_its_message(bolt, slack, meeting):
    item = meeting.item_ids[0]
    choose(bolt, meeting, item, "snooze", trigger_id=slack.new_trigger_id())
    values = {LENGTH_BLOCK: {LENGTH_ACTION: {"type": "static_select", "selected_option": {"value": "1w"}}}}
    done = bolt.submit(slack.views[-1], values)
    assert (done.status, done.body) == (200, "")
    assert entry(bolt, item).is_snoozed(utcnow())
    assert redrawn(done, meeting)


def test_the_reassign_modal_submitted_assigns_the_item_and_redraws_its_message(bolt, slack, meeting):
    item = meeting.item_ids[1]
    choose(bolt, meeting, item, "reassign", trigger_id=slack.new_trigger_id())
    values = {OWNER_BLOCK: {OWNER_ACTION: {"type": "users_select", "selected_user": "U0DANA"}}}
    done = bolt.submit(slack.views[-1], values)
    assert entry(bolt, item).owner_user_id == "U0DANA"
    assert redrawn(done, meeting)


def test_a_click_on_another_channels_item_changes_nothing_and_is_answered_like_an_unknown_one(bolt, meeting):
    other = add_meeting(bolt, channel="C222", conversation_id="6000000000000001")
    item = other.item_ids[0]
    done = choose(bolt, meeting, item, "done")  # that item, on this channel's notes message
    assert entry(bolt, item).status == ItemStatus.OPEN
    assert [r["text"] for r in done.responses] == [NOT_FOUND]
    assert done.called("chat.update") == []


def test_the_older_done_and_assign_controls_still_work(bolt, meeting):
    item = meeting.item_ids[0]
    at = {"channel_id": CHANNEL, "message_ts": meeting.notes_ts}
    done = bolt.action(DONE_ACTION, value=item, **at)
    assert entry(bolt, item).status == ItemStatus.DONE and redrawn(done, meeting)
    assigned = bolt.action(ASSIGN_ACTION, block_id=f"{SECTION_PREFIX}{item}", selected_user="U0DANA", **at)
    assert entry(bolt, item).owner_user_id == "U0DANA" and redrawn(assigned, meeting)


def test_the_older_snooze_picker_snoozes_or_says_which_lengths_it_takes(bolt, meeting):
    item = meeting.item_ids[0]
    at = {"channel_id": CHANNEL, "message_ts": meeting.notes_ts, "block_id": f"{SECTION_PREFIX}{item}"}
    refused = bolt.action(SNOOZE_ACTION, selected_option={"value": "99y"}, **at)
    assert not entry(bolt, item).is_snoozed(utcnow())
    assert [r["text"] for r in refused.responses] == ["I can only snooze for 1 day, 3 days, 1 week, 2 weeks."]
    snoozed = bolt.action(SNOOZE_ACTION, selected_option={"value": "3d"}, **at)
    assert entry(bolt, item).is_snoozed(utcnow()) and redrawn(snoozed, meeting)


def test_a_search_page_button_searches_again_for_the_clicker_after_the_ack(bolt, slack):
    slack.add_channel(CHANNEL, members=(USER,))
    done = bolt.action(f"{PAGE_ACTION}_1", value=json.dumps({"q": "budget", "page": 1}))
    assert done.body == ""
    assert len(done.responses) == 1 and done.responses[0]["replace_original"] is True
    expired = bolt.action(f"{PAGE_ACTION}_2", value="not json")
    assert [r["text"] for r in expired.responses] == ["That search has expired; search again."]
