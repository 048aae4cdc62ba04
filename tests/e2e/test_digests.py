"""End-to-end: channel settings, digests and the action-item ledger's buttons, through the real app over HTTP.

Each test asserts what people in the channel would see: the digest's lines and links, a click changing the
notes message in place, and the next digest reflecting it.
"""

from __future__ import annotations

import json
import re

from tests.e2e.conftest import wait_quiescent, wait_until
from tests.e2e.harness import CHANNEL, SIGNING_SECRET, TEAM_ID, USER, command_answer
from tests.e2e.test_slack_flows import share_file, wait_for_results
from tests.fakes.slack_requests import block_action_body, view_submission_body

FIRM_ITEM = "Marco will send the updated budget to finance by Friday"
TENTATIVE_ITEM = "look into a backup vendor for push notifications"
PERMALINK = re.compile(r"<https://example\.slack\.com/archives/C111/p\d+\|")


def process_meeting(stack, name):
    """Share a recording and wait for its notes; the notes message (with the buttons)."""
    _, event = share_file(stack, name, "video/mp4")
    stack.app.event(event)
    return wait_for_results(stack, event["ts"])[0]


def digests(stack):
    """The digests posted to the channel, oldest first (top-level bot messages that call themselves a digest)."""
    return [
        m
        for m in stack.slack.messages.get(CHANNEL, [])
        if not m.is_reply and m.user != USER and "digest" in (m.text or "").lower()
    ]


def ask_for_digest(stack, count_before):
    _, body, seconds = stack.app.command(stack.slack, "digest now")
    assert seconds < 3
    assert "Posting a digest" in body
    return wait_until(lambda: len(digests(stack)) > count_before and digests(stack)[-1], 20, "a digest")


def controls(message, action_id):
    """(block, element) pairs of the message's controls with this action id."""
    found = []
    for block in message.blocks or []:
        for element in [block.get("accessory"), *(block.get("elements") or [])]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                found.append((block, element))
    return found


def item_control(message, action_id, text):
    """The control of ``action_id`` that belongs to the item whose line holds ``text``."""
    blocks = message.blocks or []
    for index, block in enumerate(blocks):
        if text in json.dumps(block):
            for candidate in blocks[index : index + 2]:
                for block_, element in controls_in(candidate, action_id):
                    return block_, element
    raise AssertionError(f"no {action_id} control for {text!r}")


def controls_in(block, action_id):
    return [
        (block, e)
        for e in [block.get("accessory"), *(block.get("elements") or [])]
        if isinstance(e, dict) and e.get("action_id") == action_id
    ]


def click(stack, message, action_id, *, value="", block_id="b", **extra):
    body = block_action_body(
        action_id,
        value=value,
        block_id=block_id,
        response_url=stack.slack.response_url(),
        message_ts=message.ts,
        thread_ts=message.thread_ts,
        **extra,
    )
    status, _, seconds = stack.app.post_signed(body, "application/x-www-form-urlencoded")
    assert status == 200
    assert seconds < 3
    return status


def test_digest_now_lists_both_meetings_and_their_open_items_with_links_to_their_threads(stack):
    process_meeting(stack, "monday-sync.mp4")
    process_meeting(stack, "design-review.mp4")
    digest = ask_for_digest(stack, 0)
    shown = json.dumps(digest.blocks)
    assert "|monday-sync>" in shown and "|design-review>" in shown  # linked, without the file extension
    assert shown.count(FIRM_ITEM) == 2  # one per meeting: each meeting's item is its own
    assert TENTATIVE_ITEM in shown
    assert len(PERMALINK.findall(shown)) >= 2
    assert "Do we have sign-off from legal" in shown  # a question no later meeting answered
    assert stack.slack.calls_to("chat.getPermalink")


def item_block(message, text):
    """The section of the item whose line holds ``text``, with its overflow menu."""
    for block in message.blocks or []:
        if text in json.dumps(block) and (block.get("accessory") or {}).get("type") == "overflow":
            return block
    raise AssertionError(f"no menu for {text!r}")


def menu_values(message, text):
    return [o["value"] for o in item_block(message, text)["accessory"]["options"]]


def choose(stack, message, text, verb, **extra):
    """Pick ``verb`` in the menu of the item whose line holds ``text``; the notes once redrawn (or the modal)."""
    block = item_block(message, text)
    option = next(o for o in block["accessory"]["options"] if o["value"] == verb)
    edits_before = stack.slack.message(CHANNEL, message.ts).edits
    click(
        stack,
        message,
        "ledger_menu",
        block_id=block["block_id"],
        selected_option=option,
        element_type="overflow",
        trigger_id=stack.slack.new_trigger_id(),
        **extra,
    )
    if verb in {"reassign", "assign", "snooze"}:
        return wait_until(lambda: stack.slack.views and stack.slack.views[-1], 10, "the modal")
    return wait_until(
        lambda: (m := stack.slack.message(CHANNEL, message.ts)).edits > edits_before and m, 10, "the notes redrawn"
    )


def submit(stack, message, view, values, **extra):
    edits_before = stack.slack.message(CHANNEL, message.ts).edits
    status, _, seconds = stack.app.post_signed(
        view_submission_body(view, values, **extra), "application/x-www-form-urlencoded"
    )
    assert status == 200
    assert seconds < 3
    return wait_until(
        lambda: (m := stack.slack.message(CHANNEL, message.ts)).edits > edits_before and m, 10, "the notes redrawn"
    )


def test_mark_done_then_undo_restores_the_item_in_the_notes_and_the_digest(stack):
    notes = process_meeting(stack, "standup.mp4")
    assert menu_values(notes, FIRM_ITEM) == ["done", "reassign", "snooze"]
    line_before = item_block(notes, FIRM_ITEM)["text"]["text"]
    done = choose(stack, notes, FIRM_ITEM, "done")
    assert item_block(done, FIRM_ITEM)["text"]["text"].startswith("✅ ")
    assert menu_values(done, FIRM_ITEM) == ["undo"]
    digest = ask_for_digest(stack, 0)
    assert FIRM_ITEM not in json.dumps(digest.blocks)
    assert TENTATIVE_ITEM in json.dumps(digest.blocks)

    undone = choose(stack, done, FIRM_ITEM, "undo")
    assert item_block(undone, FIRM_ITEM)["text"]["text"] == line_before
    assert menu_values(undone, FIRM_ITEM) == ["done", "reassign", "snooze"]
    assert FIRM_ITEM in json.dumps(ask_for_digest(stack, 1).blocks)


def test_reassign_opens_a_modal_whose_choice_shows_on_the_notes_and_in_the_digest(stack):
    stack.slack.add_user("U0DANA", name="dana", real_name="Dana Scott")
    notes = process_meeting(stack, "planning.mp4")
    view = choose(stack, notes, TENTATIVE_ITEM, menu_values(notes, TENTATIVE_ITEM)[1])
    assert view["callback_id"] == "ledger_reassign_view"
    picked = {"owner": {"owner_pick": {"type": "users_select", "selected_user": "U0DANA"}}}
    redrawn = submit(stack, notes, view, picked)
    assert "<@U0DANA>" in item_block(redrawn, TENTATIVE_ITEM)["text"]["text"]
    shown = json.dumps(ask_for_digest(stack, 0).blocks)
    assert "<@U0DANA>" in shown or "Dana Scott" in shown


def test_snooze_then_un_snooze_hides_the_item_from_the_digest_and_brings_it_back(stack):
    notes = process_meeting(stack, "retro.mp4")
    view = choose(stack, notes, TENTATIVE_ITEM, "snooze")
    a_week = {"text": {"type": "plain_text", "text": "1 week"}, "value": "1w"}
    chosen = {"length": {"length_pick": {"type": "radio_buttons", "selected_option": a_week}}}
    snoozed = submit(stack, notes, view, chosen)
    assert "snoozed until" in item_block(snoozed, TENTATIVE_ITEM)["text"]["text"]
    assert menu_values(snoozed, TENTATIVE_ITEM)[0] == "unsnooze"
    assert TENTATIVE_ITEM not in json.dumps(ask_for_digest(stack, 0).blocks)

    awake = choose(stack, snoozed, TENTATIVE_ITEM, "unsnooze")
    assert "snoozed" not in item_block(awake, TENTATIVE_ITEM)["text"]["text"]
    assert TENTATIVE_ITEM in json.dumps(ask_for_digest(stack, 1).blocks)


def test_a_click_or_a_modal_from_another_workspace_is_refused_and_changes_nothing(stack):
    notes = process_meeting(stack, "private.mp4")
    edits_before = stack.slack.message(CHANNEL, notes.ts).edits
    block = item_block(notes, FIRM_ITEM)
    done = next(o for o in block["accessory"]["options"] if o["value"] == "done")
    body = block_action_body(
        "ledger_menu",
        block_id=block["block_id"],
        selected_option=done,
        element_type="overflow",
        team_id="T0OTHER",
        message_ts=notes.ts,
        response_url=stack.slack.response_url("T0OTHER"),
    )
    status, _, _ = stack.app.post_signed(body, "application/x-www-form-urlencoded")
    assert status == 403  # not this installation: refused before any listener runs
    view = choose(stack, notes, FIRM_ITEM, "snooze")
    chosen = {"length": {"length_pick": {"type": "radio_buttons", "selected_option": {"value": "2w"}}}}
    body = view_submission_body(view, chosen, team_id="T0OTHER")
    status, _, _ = stack.app.post_signed(body, "application/x-www-form-urlencoded")
    assert status == 403
    assert not stack.slack.responses
    wait_quiescent(stack.slack, stack.app.env["DATABASE_URL"])  # whatever a refused request set off has shown
    assert stack.slack.message(CHANNEL, notes.ts).edits == edits_before
    digest = ask_for_digest(stack, 0)
    assert FIRM_ITEM in json.dumps(digest.blocks)


def test_an_unsigned_click_is_refused(stack):
    body = block_action_body("ledger_done", value="anything", response_url=stack.slack.response_url())
    status, _, _ = stack.app.post_signed(body, "application/x-www-form-urlencoded", secret="not-" + SIGNING_SECRET)
    assert status == 401


def test_auto_off_stops_auto_processing_in_that_channel_only(stack):
    _, body, _ = stack.app.command(stack.slack, "auto off")
    assert "off" in body
    _, quiet = share_file(stack, "ignored.mp4", "video/mp4")
    stack.app.event(quiet)
    other = stack.slack.add_file(name="elsewhere.mp4", mimetype="video/mp4", content=b"\0" * 4096)
    event = stack.slack.post_user_message("C222", files=[other])
    stack.app.event(event)
    wait_until(lambda: any(m.is_reply and m.thread_ts == event["ts"] for m in stack.slack.messages.get("C222", [])), 20)
    wait_until(lambda: stack.symbl.requests_to("POST", "/v1/process/video"), 20, "the other channel's submit")
    assert len(stack.symbl.requests_to("POST", "/v1/process/video")) == 1
    assert not [m for m in stack.slack.messages.get(CHANNEL, []) if m.thread_ts == quiet["ts"] and m.is_reply]
    _, settings, _ = stack.app.command(stack.slack, "settings")
    assert "Auto-processing of shared recordings:* off" in settings


def test_a_schedule_defaults_to_the_users_time_zone_and_is_confirmed(stack):
    stack.slack.add_user(USER, name="steve", tz="Europe/Paris")
    # The user's zone is Slack's to say, asked after the ack (#11): the confirmation comes through the response_url.
    ack, answer = command_answer(stack.app, stack.slack, "digest weekly mon 09:00")
    assert "I'll answer here" in ack["text"]
    assert "every Monday at 09:00 (Europe/Paris)" in answer["text"]
    assert "<!date^" in answer["text"]  # the next run, in each reader's own time zone
    _, settings, _ = stack.app.command(stack.slack, "settings")
    assert "every Monday at 09:00 (Europe/Paris)" in settings
    _, bad, _ = stack.app.command(stack.slack, "digest daily 25:00")
    assert "HH:MM" in bad
    _, off, _ = stack.app.command(stack.slack, "digest off")
    assert "off" in off
    _, settings, _ = stack.app.command(stack.slack, "settings", team=TEAM_ID)
    assert "*Digest:* off" in settings


def test_an_owner_without_a_known_email_is_found_by_name_among_the_channels_members(stack):
    stack.slack.add_user("U0MR", name="marco.r", real_name="Marco Rossi")  # no email on file in Slack
    stack.slack.add_user("U0PRIYA", name="priya", real_name="Priya Shah")
    stack.slack.add_channel(CHANNEL, members=(USER, "U0MR", "U0PRIYA"))
    notes = process_meeting(stack, "names.mp4")
    line = next(b for b in notes.blocks if FIRM_ITEM in json.dumps(b))
    assert "<@U0MR>" in json.dumps(line)
