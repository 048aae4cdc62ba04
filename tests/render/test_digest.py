"""The channel digest message."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.digest.model import DigestContent, ItemKind, ItemStatus, LedgerEntry, MeetingSummary, OpenQuestion, TopicCount
from bot.render import render_digest
from tests.render.helpers import all_text, only_safe_tokens, slack_valid

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
WEEK_AGO = NOW - timedelta(days=7)
LINK = "https://acme.slack.com/archives/C0123/p1772800000000100"


def entry(n: int, **fields) -> LedgerEntry:
    values = {
        "id": f"item-{n}",
        "kind": ItemKind.ACTION,
        "text": f"Task {n}",
        "conversation_id": "conv-1",
        "meeting_name": "Weekly sync",
        "permalink": LINK,
        "created_at": WEEK_AGO,
    }
    values.update(fields)
    return LedgerEntry(**values)


def digest(**fields) -> DigestContent:
    values = {"channel_id": "C0123", "period_start": WEEK_AGO, "period_end": NOW}
    values.update(fields)
    return DigestContent(**values)


def sections(payload: dict) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def section_starting(payload: dict, heading: str) -> str:
    return next(text for text in sections(payload) if text.startswith(heading))


def controlled_ids(payload: dict) -> list[str]:
    """The items shown with their menu, in order."""
    return [
        block["block_id"].removeprefix("ledger:")
        for block in payload["blocks"]
        if block.get("accessory", {}).get("type") == "overflow"
    ]


def hidden_counts(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"_\+(\d+) more_", text)]


def test_a_typical_week():
    content = digest(
        meetings=(
            MeetingSummary("conv-2", "Planning", 1800, LINK, NOW - timedelta(days=1)),
            MeetingSummary("conv-1", "Weekly sync", 42 * 60, LINK, NOW - timedelta(days=6)),
        ),
        open_items=(
            entry(1, text="Send the quote", owner_user_id="U01LUCY", due=NOW + timedelta(days=2)),
            entry(2, text="Book the room", owner_user_id="U01LUCY", due=NOW - timedelta(days=1)),
            entry(3, text="Write the brief", assignee_name="Vikram"),
        ),
        follow_ups=(entry(4, kind=ItemKind.FOLLOW_UP, text="Check in with legal", assignee_name="Vikram"),),
        questions=(OpenQuestion("Who owns the budget?", "Lucy", "Weekly sync", LINK),),
        topics=(TopicCount("hiring", 1.4, 3), TopicCount("budget", 2.0, 1)),
    )
    payload = render_digest(content, now=NOW, tz="Europe/Paris")
    blocks = slack_valid(payload)

    assert blocks[0]["text"]["text"] == "Meeting digest · Mar 2 – Mar 9, 2026"
    assert payload["text"] == "Meeting digest, Mar 2 – Mar 9, 2026: 2 meetings, 3 open action items, 1 open question"
    assert blocks[1]["elements"][0]["text"] == "2 meetings · 3 open action items · 1 open question"
    # meetings in the order they happened, linked, with their length, on one line
    assert blocks[2]["elements"][0]["text"] == (
        f"*Meetings (2):* <{LINK}|Weekly sync> (42 min) · <{LINK}|Planning> (30 min)"
    )
    # each owner once, above their items; the owner with the earliest due date first; overdue flagged
    texts = sections(payload)
    lucy = texts.index("<@U01LUCY>")
    assert texts[lucy + 1].startswith("⚠️ Book the room · due <!date^")
    assert texts[lucy + 1].endswith(f" · *overdue* · <{LINK}|Weekly sync>")
    assert texts.index("*Open action items (3)* · ⚠️ 1 overdue") < lucy
    vikram = section_starting(payload, "*Vikram*")
    assert lucy < texts.index(vikram)
    # controls only on what is overdue or due within two days; the rest are lines
    assert controlled_ids(payload) == ["item-2", "item-1"]
    # a follow-up sits with its owner's items
    assert vikram == (
        f"*Vikram*\n• Write the brief · <{LINK}|Weekly sync>\n• _Follow-up:_ Check in with legal · <{LINK}|Weekly sync>"
    )
    assert all_text(payload).count("Vikram") == 1
    assert section_starting(payload, "*Open questions (1)*") == (
        f"*Open questions (1)*\n• Who owns the budget? — <{LINK}|Weekly sync>"
    )
    assert blocks[-1]["elements"][0]["text"] == "*Topics* (meetings that raised them): budget · hiring (3)"
    assert only_safe_tokens(payload)


def test_a_quiet_period_still_answers_the_action_item_question():
    payload = render_digest(digest(), now=NOW, tz="UTC")
    slack_valid(payload)
    text = all_text(payload)
    assert "*Open action items (0)*\nNo open action items." in text
    assert "No meetings · 0 open action items" in text
    for absent in ("Meetings", "follow-ups", "questions", "topics"):
        assert absent not in text
    assert payload["text"] == "Meeting digest, Mar 2 – Mar 9, 2026: 0 meetings, 0 open action items"


def test_groups_by_earliest_due_date_then_name_with_nobody_last():
    items = (
        entry(1, assignee_name="Zoe"),
        entry(2),  # nobody
        entry(3, assignee_name="anna", due=NOW + timedelta(days=5)),
        entry(4, assignee_name="Anna", due=NOW + timedelta(days=1)),  # same person, whatever the case
        entry(5, assignee_name="Bob", due=NOW - timedelta(days=3)),
        entry(6, owner_user_id="!channel", assignee_name="Carl"),  # a bogus id is never a mention
    )
    payload = render_digest(digest(open_items=items), now=NOW, tz="UTC")
    slack_valid(payload)
    firsts = [t.splitlines()[0] for t in sections(payload)[1:] if not t.startswith(("•", "⚠️"))]
    assert firsts == ["*Bob*", "*Anna*", "*Carl*", "*Zoe*", "*No owner yet*"]
    assert controlled_ids(payload) == ["item-5", "item-4"]  # overdue, due tomorrow; not due in 5 days or undated
    text = all_text(payload)
    assert text.index("*Anna*") < text.index("Task 4") < text.index("Task 3") < text.index("*Carl*")
    assert text.count("Anna") + text.count("anna") == 1
    assert "<!channel>" not in all_text(payload)


def test_controls_stop_at_the_interactive_limit_and_the_rest_are_lines_with_their_meeting():
    items = tuple(entry(n, owner_user_id="U01LUCY", due=NOW - timedelta(days=n)) for n in range(1, 8))
    payload = render_digest(digest(open_items=items), now=NOW, tz="UTC", interactive_limit=3)
    slack_valid(payload)
    assert controlled_ids(payload) == ["item-7", "item-6", "item-5"]  # the most overdue first
    rest = section_starting(payload, "⚠️ Task 4")
    assert [line.split(" · ")[0] for line in rest.splitlines()] == [f"⚠️ Task {n}" for n in range(4, 0, -1)]
    assert all(line.endswith(f"<{LINK}|Weekly sync>") for line in rest.splitlines())
    assert "*Open action items (7)* · ⚠️ 7 overdue" in sections(payload)
    assert all_text(payload).count("U01LUCY") == 1


def test_a_redrawn_digest_keeps_a_done_item_in_place_with_an_undo():
    items = (
        entry(1, owner_user_id="U01LUCY", due=NOW + timedelta(days=1)),
        entry(2, owner_user_id="U01LUCY", due=NOW + timedelta(days=2), status=ItemStatus.DONE, done_by="U02BOB"),
        entry(3, owner_user_id="U01LUCY", due=NOW + timedelta(days=3)),
    )
    payload = render_digest(digest(open_items=items), now=NOW, tz="UTC")
    blocks = slack_valid(payload)
    texts = sections(payload)
    done = next(t for t in texts if "Task 2" in t)
    assert done.startswith("✅ ~Task 2~")
    assert "done by <@U02BOB>" in done
    assert texts.index(next(t for t in texts if "Task 1" in t)) < texts.index(done)
    assert texts.index(done) < texts.index(next(t for t in texts if "Task 3" in t))
    assert controlled_ids(payload) == ["item-1", "item-2"]
    menu = next(b for b in blocks if b.get("block_id") == "ledger:item-2")["accessory"]
    assert [o["value"] for o in menu["options"]] == ["undo"]
    assert "*Open action items (2)*" in texts


def test_the_same_item_twice_is_shown_once():
    payload = render_digest(digest(open_items=(entry(1, due=NOW), entry(1, due=NOW))), now=NOW, tz="UTC")
    slack_valid(payload)  # would fail on a repeated block id
    assert controlled_ids(payload) == ["item-1"]
    assert "*Open action items (1)*" in sections(payload)


def test_a_big_channel_stays_within_slacks_limits_with_full_counts():
    items = tuple(
        entry(
            n,
            text=f"Task {n} " + "x" * 120,
            owner_user_id=f"U{n % 9:04d}" if n % 4 else None,
            assignee_name=None if n % 4 else f"Person {n % 3}",
            due=NOW + timedelta(days=n - 100),
            meeting_name=f"Meeting {n % 50}",
        )
        for n in range(230)
    )
    meetings = tuple(MeetingSummary(f"c{n}", f"Meeting {n} " + "m" * 60, 2520, LINK) for n in range(50))
    questions = tuple(
        OpenQuestion(f"Question {n} " + "q" * 100 + "?", "Lucy", f"Meeting {n}", LINK) for n in range(100)
    )
    topics = tuple(TopicCount(f"topic {n}", n / 10, n % 5 + 1) for n in range(40))
    follow_ups = tuple(entry(1000 + n, kind=ItemKind.FOLLOW_UP, text=f"Follow {n} " + "f" * 120) for n in range(80))
    content = digest(meetings=meetings, open_items=items, questions=questions, topics=topics, follow_ups=follow_ups)

    payload = render_digest(content, now=NOW, tz="America/New_York")
    blocks = slack_valid(payload)

    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    text = all_text(payload)
    for heading in ("*Meetings (50):*", "*Open action items (230)* · ⚠️ 100 overdue", "*Open questions (100)*"):
        assert heading in text
    assert len(controlled_ids(payload)) == 12
    meetings_hidden, *items_hidden, questions_hidden = hidden_counts(text)
    assert text.count(f"<{LINK}|Meeting ") - text.count(f"· <{LINK}|Meeting ") >= 0
    assert text.count("|Meeting 1 mmm") == 1 and meetings_hidden == 40
    shown_tasks = len(re.findall(r"Task \d+ x", text))
    shown_follow_ups = len(re.findall(r"Follow \d+ f", text))
    assert shown_tasks + shown_follow_ups + sum(items_hidden) == 230 + 80
    assert text.count("• Question ") + questions_hidden == 100
    assert "topic 39 (5)" in text
    assert only_safe_tokens(payload)
    assert len(payload["text"]) <= 3000


def test_many_owners_get_fewer_blocks_rather_than_breaking_the_block_limit():
    items = tuple(entry(n, owner_user_id=f"U{n:04d}", text=f"Task {n} " + "t" * 100, due=NOW) for n in range(60))
    meetings = tuple(MeetingSummary(f"c{n}", f"M{n}", 600, LINK) for n in range(60))
    questions = tuple(OpenQuestion(f"Q{n}?" + "q" * 300) for n in range(60))
    follow_ups = tuple(entry(100 + n, kind=ItemKind.FOLLOW_UP, text=f"Follow {n}") for n in range(30))
    names = {f"U{n:04d}": f"Person {n}" for n in range(60)}
    content = digest(open_items=items, meetings=meetings, questions=questions, follow_ups=follow_ups, owner_names=names)
    payload = render_digest(content, now=NOW, tz="UTC", interactive_limit=40)
    blocks = slack_valid(payload)
    assert len(blocks) <= 50
    shown = len(controlled_ids(payload))
    assert 5 <= shown <= 40  # each owner costs a block
    rest = section_starting(payload, "*More open action items*")
    text = all_text(payload)
    listed = len(re.findall(r"Task \d+ t", text)) + len(re.findall(r"Follow \d+", text))
    assert listed + sum(hidden_counts(rest)) == 60 + 30
    assert "<@" not in rest  # the owners who had no room are named without a ping
    assert "• Person 59: Task 59" in rest or "_+" in rest


def test_injection_anywhere_is_inert():
    evil = "<!channel> <@U999> <https://evil.example|click>"
    content = digest(
        meetings=(MeetingSummary("c1", evil, 60, "https://evil.example/x|<!here>"),),
        open_items=(entry(1, text=evil, assignee_name=evil, meeting_name=evil),),
        follow_ups=(entry(2, kind=ItemKind.FOLLOW_UP, text=evil, meeting_name=evil, permalink="javascript:x"),),
        questions=(OpenQuestion(evil, evil, evil, LINK),),
        topics=(TopicCount(evil, 1.0, 2),),
    )
    payload = render_digest(content, now=NOW, tz="UTC")
    slack_valid(payload)
    text = all_text(payload) + payload["text"]
    assert "<!channel>" not in text
    assert "<!here>" not in text
    assert "<@U999>" not in text
    assert "<https://evil" not in text
    assert "&lt;!channel&gt;" in text
    assert only_safe_tokens(payload)


def test_period_headers_in_the_channels_zone():
    day = digest(period_start=NOW - timedelta(days=1), period_end=NOW)
    assert render_digest(day, now=NOW, tz="Europe/Paris")["blocks"][0]["text"]["text"] == (
        "Meeting digest · Mar 8 – Mar 9, 2026"
    )
    new_year = digest(
        period_start=datetime(2025, 12, 29, 8, tzinfo=UTC), period_end=datetime(2026, 1, 5, 8, tzinfo=UTC)
    )
    assert render_digest(new_year, now=NOW, tz="UTC")["blocks"][0]["text"]["text"] == (
        "Meeting digest · Dec 29, 2025 – Jan 5, 2026"
    )
    # 03:00 UTC on Mar 9 is still Mar 8 in Los Angeles
    same_day = digest(period_start=datetime(2026, 3, 8, 18, tzinfo=UTC), period_end=datetime(2026, 3, 9, 3, tzinfo=UTC))
    assert render_digest(same_day, now=NOW, tz="America/Los_Angeles")["blocks"][0]["text"]["text"] == (
        "Meeting digest · Mar 8, 2026"
    )


def test_a_snoozed_item_in_a_redraw_keeps_an_un_snooze_and_is_not_counted():
    snoozed = entry(1, owner_user_id="U01LUCY", snoozed_until=NOW + timedelta(days=3))
    payload = render_digest(digest(open_items=(snoozed, entry(2, due=NOW))), now=NOW, tz="UTC")
    blocks = slack_valid(payload)
    assert controlled_ids(payload) == ["item-1", "item-2"]  # Lucy's group before nobody's
    menu = next(b for b in blocks if b.get("block_id") == "ledger:item-1")["accessory"]
    assert menu["options"][0]["value"] == "unsnooze"
    assert "snoozed until" in all_text(payload)
    assert "*Open action items (1)*" in sections(payload)


def test_a_long_meeting_name_and_huge_texts_are_cut():
    content = digest(
        meetings=(MeetingSummary("c1", "N" * 500, None, LINK),),
        open_items=tuple(replace(entry(n), text="word " * 800) for n in range(20)),
        questions=(OpenQuestion("why " * 1000),),
    )
    payload = render_digest(content, now=NOW, tz="UTC")
    blocks = slack_valid(payload)
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "N" * 119 + "…" in all_text(payload)
