"""The meeting result message."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.digest.model import ItemKind, ItemStatus, LedgerEntry
from bot.models import ActionItem, Conversation, Insights, Message, Person, Question, Sentiment, SummaryItem, Topic
from bot.render import render_insights
from bot.render.insights import meeting_tone
from tests.render.helpers import START, all_text, only_safe_tokens, sample_insights, slack_valid, validated


def _section_after(payload: dict, heading: str) -> str:
    return next(b["text"]["text"] for b in payload["blocks"] if b.get("text", {}).get("text", "").startswith(heading))


def test_the_title_is_the_meeting_then_a_line_with_its_date_duration_and_participants():
    payload = render_insights(sample_insights(), owners={"lucy@example.com": "U01LUCY"}, tz="Europe/Paris")
    blocks = validated(payload)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Weekly sync", "emoji": True}}
    assert blocks[1]["type"] == "context"
    assert blocks[1]["elements"][0]["text"] == (
        f"<!date^{int(START.timestamp())}^{{date_short_pretty}} {{time}}|Jul 10, 2020 18:00> · 42 min"
        " · with Lucy and Salesman"  # by name: being in a meeting is no reason to be pinged
    )


def test_a_file_name_loses_its_extension_and_long_meetings_use_hours():
    name = "Launch readiness sync.mp4"
    conversation = Conversation(id="c", name=name, start=START, end=START + timedelta(minutes=65))
    payload = render_insights(sample_insights(conversation=conversation))
    assert payload["blocks"][0]["text"]["text"] == "Launch readiness sync"
    assert " · 1 h 05 min · " in payload["blocks"][1]["elements"][0]["text"]
    assert payload["text"].startswith("Meeting notes for Launch readiness sync:")
    version = Conversation(id="c", name="Roadmap v2.1")
    assert render_insights(sample_insights(conversation=version))["blocks"][0]["text"]["text"] == "Roadmap v2.1"


def test_a_meeting_without_a_start_is_dated_by_meeting_at_and_the_footer_links_the_transcript():
    conversation = Conversation(id="5815170693595136", name="Sync")
    link = "https://acme.slack.com/files/U1/F123/transcript.txt"
    payload = render_insights(sample_insights(conversation=conversation), meeting_at=START, transcript_url=link)
    slack_valid(payload)
    assert payload["blocks"][1]["elements"][0]["text"].startswith(f"<!date^{int(START.timestamp())}^")
    assert payload["blocks"][-1] == {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": f"Conversation ID `5815170693595136` (for `/symbl append`) · <{link}|Transcript>",
            }
        ],
    }
    assert "5815170693595136" not in json.dumps(payload["blocks"][:-1])  # only the footer carries the id


def test_action_items_and_suggested_ones_are_separated_owner_first_with_due_date():
    payload = render_insights(sample_insights())
    validated(payload)
    firm = _section_after(payload, "*Action items (1)*")
    tentative = _section_after(payload, "*Suggested (1)*")
    assert "hackathon" in firm
    assert "Insurance" not in firm
    assert "Insurance" in tentative
    assert "hackathon" not in tentative
    assert "\n• Vikram: Vikram you need to work on" in firm
    assert tentative.endswith(
        "• Salesman: We need to meet tomorrow for renewing your Insurance policy. · due "
        "<!date^1594450800^{date_short_pretty}|Jul 11, 2020>"
    )
    assert "Firm" not in all_text(payload) and "Tentative" not in all_text(payload)


def test_owners_become_mentions_by_lowercased_email_or_by_name():
    owners = {"sales@email.com": "U0SALES", "Vikram": "U0VIKRAM"}
    insights = sample_insights()
    shouting = replace(insights.action_items[1], assignee=Person(name="Salesman", email="SALES@Email.com"))
    payload = render_insights(replace(insights, action_items=(insights.action_items[0], shouting)), owners=owners)
    text = all_text(payload)
    assert "• <@U0VIKRAM>: Vikram you need" in text
    assert "• <@U0SALES>: We need to meet" in text


def test_a_bogus_owner_id_is_not_turned_into_a_token():
    payload = render_insights(sample_insights(), owners={"Vikram": "!channel"})
    text = all_text(payload)
    assert "<!channel>" not in text
    assert "• Vikram: " in text


def test_follow_ups_questions_topics_and_fallback():
    payload = render_insights(sample_insights(), tz="Europe/Paris", owners={"lucy@example.com": "U01LUCY"})
    assert only_safe_tokens(payload)
    payload = render_insights(sample_insights(), tz="Europe/Paris")
    text = all_text(payload)
    assert "*Follow-ups (1)*\n• Lucy: Send the contract · due <!date^" in text
    assert "*Questions (1)*\n• Who owns the budget? — _Lucy_" in text
    # topics share one line, by score
    assert "*Topics:* company-wise hiring · interns" in text
    assert payload["text"] == "Meeting notes for Weekly sync: 2 action items, 1 follow-up, 1 question"


def test_the_summary_is_the_first_section_after_the_title_and_absent_without_one():
    summary = (SummaryItem(id="s1", text="The team agreed on a plan."), SummaryItem(id="s2", text="Budget is open."))
    payload = render_insights(sample_insights(summary=summary), ledger={}, now=NOW)
    validated(payload)
    sections = [b for b in payload["blocks"] if b["type"] == "section"]
    assert sections[0]["text"]["text"] == "*Summary*\nThe team agreed on a plan.\n\nBudget is open."
    assert [b["type"] for b in payload["blocks"][:3]] == ["header", "context", "section"]
    without = render_insights(sample_insights())
    assert "Summary" not in all_text(without)
    assert [b["type"] for b in without["blocks"][:3]] == ["header", "context", "divider"]
    assert "Summary" not in all_text(render_insights(sample_insights(summary=(SummaryItem(id="s", text=" "),))))


def test_empty_meeting_still_gives_a_sensible_message():
    payload = render_insights(Insights(conversation=Conversation(id="c1")))
    validated(payload)
    text = all_text(payload)
    assert payload["blocks"][0]["text"]["text"] == "Meeting notes"
    assert "No action items found." in text
    assert "no speech" in text
    assert "Follow-ups" not in text
    assert payload["text"] == "Meeting notes for Meeting notes: 0 action items, 0 follow-ups, 0 questions"


def test_injection_in_names_and_texts_is_escaped_everywhere():
    evil = "<!channel> <@U999> <http://evil.example|click>"
    insights = Insights(
        conversation=Conversation(id="c<1>", name=evil),
        action_items=(ActionItem(id="a", text=evil, assignee=Person(name=evil), definitive=True),),
        questions=(Question(id="q", text=evil, asked_by=Person(name=evil)),),
        topics=(Topic(id="t", text=evil, parents=(evil,)),),
        summary=(SummaryItem(id="s", text=evil),),
    )
    payload = render_insights(insights)
    validated(payload)
    mrkdwn = "\n".join(b["text"]["text"] for b in payload["blocks"][1:] if "text" in b) + payload["text"]
    mrkdwn += "".join(e["text"] for b in payload["blocks"] for e in b.get("elements", ()))
    assert "<!channel>" not in mrkdwn
    assert "<@U999>" not in mrkdwn
    assert "<http" not in mrkdwn
    assert "&lt;!channel&gt;" in payload["text"]
    assert only_safe_tokens(payload)
    # the header is plain_text, which Slack never parses for mentions, so it keeps the name readable
    assert payload["blocks"][0]["text"]["type"] == "plain_text"


def test_500_action_items_stay_within_limits_and_say_how_many_are_hidden():
    items = tuple(
        ActionItem(id=str(i), text=f"Item {i} " + "x" * 80, definitive=i % 2 == 0, assignee=Person(name=f"P{i}"))
        for i in range(500)
    )
    questions = tuple(Question(id=str(i), text=f"Question {i} " + "y" * 80 + "?") for i in range(300))
    topics = tuple(Topic(id=str(i), text=f"topic {i}", score=i / 100) for i in range(40))
    payload = render_insights(sample_insights(action_items=items, questions=questions, topics=topics))
    blocks = validated(payload)
    assert len(blocks) <= 50
    text = all_text(payload)
    more = [int(n) for n in re.findall(r"_\+(\d+) more_", text)]
    assert len(more) == 4  # firm, tentative, questions, topics
    shown_items = len(re.findall(r"• P\d+: Item ", text))
    shown_questions = text.count("• Question ")
    assert shown_items + more[0] + more[1] == 500
    assert shown_questions + more[2] == 300
    assert shown_items >= 40  # several sections are used before cutting
    assert more[3] == 30  # the topics line shows the top 10 of 40
    assert "*Action items (250)*" in text
    assert "*Suggested (250)*" in text
    assert "*Questions (300)*" in text
    assert "*Topics:* topic 39 · " in text
    assert "topic 29" not in text
    assert payload["text"].startswith("Meeting notes for Weekly sync: 500 action items")


def test_3000_char_texts_and_long_names_are_cut():
    long = "word " * 600  # 3,000 characters
    conversation = Conversation(id="c", name="N" * 400, start=START, end=START + timedelta(minutes=5))
    items = tuple(
        ActionItem(id=str(i), text=long, definitive=True, assignee=Person(name="A" * 300), due=START) for i in range(20)
    )
    summary = (SummaryItem(id="s", text="&" * 3000),)
    payload = render_insights(
        Insights(conversation=conversation, action_items=items, follow_ups=items, summary=summary)
    )
    blocks = validated(payload)
    header = blocks[0]["text"]["text"]
    assert len(header) == 150
    assert header.endswith("N…")
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert "+" in all_text(payload)
    assert "more_" in all_text(payload)
    assert len(payload["text"]) <= 3000


def test_due_date_without_timezone_is_taken_as_utc():
    naive = ActionItem(id="a", text="Do it", due=datetime(2020, 7, 11, 7, 0), definitive=True)
    text = all_text(render_insights(sample_insights(action_items=(naive,))))
    expected = int(datetime(2020, 7, 11, 7, 0, tzinfo=UTC).timestamp())
    assert f"<!date^{expected}^" in text


# --- with the action-item ledger ---------------------------------------------------------------------------------

NOW = datetime(2020, 7, 12, 9, 0, tzinfo=UTC)


def _ledger(items, **fields) -> dict[str, LedgerEntry]:
    return {
        a.id: LedgerEntry(id=f"L{a.id}", kind=ItemKind.ACTION, text=a.text, conversation_id="c", due=a.due, **fields)
        for a in items
    }


def _controlled(payload: dict) -> list[str]:
    """The ledger ids of the items shown with their menu, in order."""
    return [
        b["block_id"].removeprefix("ledger:")
        for b in payload["blocks"]
        if b.get("accessory", {}).get("type") == "overflow"
    ]


def test_ledger_items_get_controls_with_the_entrys_owner_and_state():
    insights = sample_insights()
    ledger = _ledger(insights.action_items)
    ledger["5802630861291520"] = replace(ledger["5802630861291520"], owner_user_id="U0PICKED")
    payload = render_insights(insights, ledger=ledger, now=NOW, owners={"Vikram": "U0VIKRAM"})
    blocks = slack_valid(payload)
    assert _controlled(payload) == ["L4567077831573504", "L5802630861291520"]  # firm first
    firm = next(b for b in blocks if b.get("block_id") == "ledger:L4567077831573504")
    # the meeting's owner when the ledger has none
    assert firm["text"]["text"].startswith("• <@U0VIKRAM>: Vikram you need to work on figuring out a plan")
    assert [o["value"] for o in firm["accessory"]["options"]] == ["done", "reassign", "snooze"]
    tentative = next(b for b in blocks if b.get("block_id") == "ledger:L5802630861291520")
    assert tentative["text"]["text"].startswith("⚠️ <@U0PICKED>: We need to meet")  # someone picked an owner
    assert tentative["text"]["text"].endswith(" · *overdue*")
    headings = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert headings.index("*Action items (1)*") < headings.index("*Suggested (1)*")
    assert only_safe_tokens(payload)
    # one control per item: no buttons or pickers besides the menus
    interactive = [b for b in blocks if b["type"] == "actions" or "accessory" in b]
    assert len(interactive) == 2
    assert "*Follow-ups (1)*\n• Lucy: Send the contract" in all_text(payload)
    assert payload["text"] == render_insights(insights)["text"]


def test_a_done_item_shows_as_done_with_an_undo():
    insights = sample_insights()
    ledger = _ledger(insights.action_items)
    ledger["5802630861291520"] = replace(ledger["5802630861291520"], status=ItemStatus.DONE, done_by="U0BOB")
    payload = render_insights(insights, ledger=ledger, now=NOW)
    slack_valid(payload)
    assert _controlled(payload) == ["L4567077831573504", "L5802630861291520"]
    done = next(b for b in payload["blocks"] if "Insurance" in b.get("text", {}).get("text", ""))
    assert done["text"]["text"] == (
        "✅ Salesman: ~We need to meet tomorrow for renewing your Insurance policy.~ · "
        "due <!date^1594450800^{date_short_pretty}|Jul 11, 2020> · done by <@U0BOB>"
    )
    assert [o["value"] for o in done["accessory"]["options"]] == ["undo"]


def test_items_outside_the_ledger_stay_plain_lines():
    insights = sample_insights()
    ledger = _ledger(insights.action_items[:1])
    payload = render_insights(insights, ledger=ledger, now=NOW)
    slack_valid(payload)
    assert _controlled(payload) == ["L4567077831573504"]
    assert "*Suggested (1)*\n• Salesman: We need to meet tomorrow for renewing your Insurance policy." in all_text(
        payload
    )


def test_without_a_ledger_the_message_is_unchanged():
    insights = sample_insights()
    plain = render_insights(insights, owners={"Vikram": "U0VIKRAM"}, now=NOW)
    assert render_insights(insights, owners={"Vikram": "U0VIKRAM"}, ledger={}, now=NOW) == plain
    assert render_insights(insights, owners={"Vikram": "U0VIKRAM"}, ledger={"unknown": None}, now=NOW) == plain


def test_40_ledger_items_fit_with_controls_for_as_many_as_there_is_room_for():
    items = tuple(
        ActionItem(id=str(i), text=f"Item {i} " + "x" * 80, definitive=i % 2 == 0, assignee=Person(name=f"P{i}"))
        for i in range(40)
    )
    summary = (SummaryItem(id="s", text="A long meeting."),)
    topics = tuple(Topic(id=str(i), text=f"topic {i}", score=i / 100) for i in range(40))
    payload = render_insights(
        sample_insights(action_items=items, summary=summary, topics=topics), ledger=_ledger(items), now=NOW
    )
    blocks = slack_valid(payload)
    assert len(blocks) <= 50
    controlled = _controlled(payload)
    assert len(controlled) >= 12
    firm = [f"L{i}" for i in range(0, 40, 2)]
    assert controlled[:20] == firm  # firm items first, in order, then suggested ones
    assert controlled[20:] == [f"L{i}" for i in range(1, 2 * (len(controlled) - 20), 2)]
    text = all_text(payload)
    assert "*Action items (20)*" in text
    assert "*Suggested (20)*" in text
    # every item is somewhere: with controls, as a line, or counted in a "+N more"
    lines = len(re.findall(r"• P\d+: Item ", text)) - len(controlled)
    assert len(controlled) + lines + sum(int(n) for n in re.findall(r"_\+(\d+) more_", text)) - 30 == 40
    assert "*Topics:* topic 39 · " in text


def test_500_ledger_items_still_fit_and_count_the_hidden_ones():
    items = tuple(
        ActionItem(id=str(i), text=f"Item {i} " + "x" * 200, definitive=i % 3 != 0, assignee=Person(name=f"P{i}"))
        for i in range(500)
    )
    payload = render_insights(sample_insights(action_items=items), ledger=_ledger(items), now=NOW)
    blocks = slack_valid(payload)
    assert len(blocks) <= 50
    text = all_text(payload)
    hidden = sum(int(n) for n in re.findall(r"_\+(\d+) more_", text))
    assert len(re.findall(r"• P\d+: Item ", text)) + hidden == 500
    assert hidden > 0


def _rated(text: str, label: str, polarity: float = 0.0) -> Message:
    return Message(id=text, text=text, sentiment=Sentiment(polarity=polarity, suggested=label))


def test_a_topic_shows_its_tone_only_when_it_is_clearly_positive_or_negative():
    topics = (
        Topic(id="1", text="pricing", score=0.9, sentiment=Sentiment(0.7, "positive")),
        Topic(id="2", text="outage", score=0.8, parents=("infra",), sentiment=Sentiment(-0.8, "negative")),
        Topic(id="3", text="roadmap", score=0.7, sentiment=Sentiment(0.2, "neutral")),
        Topic(id="4", text="hiring", score=0.6),
    )
    payload = render_insights(sample_insights(topics=topics))
    slack_valid(payload)
    assert "*Topics:* pricing 🙂 · outage 🙁 · roadmap · hiring" in all_text(payload)


def test_one_line_under_the_header_gives_the_meetings_overall_tone():
    messages = (
        *(_rated(f"great {i}", "positive", 0.8) for i in range(3)),
        *(_rated(f"fine {i}", "neutral") for i in range(6)),
        _rated("awful", "negative", -0.9),
    )
    payload = render_insights(sample_insights(messages=messages))
    blocks = slack_valid(payload)
    assert blocks[1]["type"] == "context"
    assert blocks[1]["elements"][1] == {
        "type": "mrkdwn",
        "text": "Overall tone: positive 🙂 (30% of messages positive, 10% negative)",
    }


def test_the_overall_tone_is_neutral_unless_one_side_clearly_leads():
    ordinary = [_rated(f"m{i}", "neutral") for i in range(8)] + [_rated("good", "positive"), _rated("bad", "negative")]
    assert meeting_tone(ordinary) == "neutral"
    assert meeting_tone(ordinary[:6] + [_rated(f"n{i}", "negative") for i in range(3)]) == "negative"
    assert meeting_tone(ordinary[:3]) is None  # too few rated messages to say anything
    assert meeting_tone([Message(id=str(i), text="x") for i in range(20)]) is None  # the engine gave no sentiment


def test_without_sentiment_the_message_has_no_tone_line():
    insights = sample_insights()
    assert all(m.sentiment is None for m in insights.messages)
    assert "Overall tone" not in all_text(render_insights(insights))


def test_the_tone_line_still_fits_with_40_ledger_items():
    items = tuple(
        ActionItem(id=str(i), text=f"Item {i} " + "x" * 80, definitive=i % 2 == 0, assignee=Person(name=f"P{i}"))
        for i in range(40)
    )
    messages = tuple(_rated(f"m{i}", "positive" if i % 2 else "neutral") for i in range(30))
    topics = tuple(
        Topic(id=str(i), text=f"topic {i}", score=i / 100, sentiment=Sentiment(-0.9, "negative")) for i in range(40)
    )
    payload = render_insights(
        sample_insights(action_items=items, topics=topics, messages=messages), ledger=_ledger(items), now=NOW
    )
    assert len(slack_valid(payload)) <= 50
    text = all_text(payload)
    assert "Overall tone: positive" in text
    assert "*Topics:* topic 39 🙁" in text
    assert "*Action items (20)*" in text


def test_a_meeting_in_another_language_says_insights_come_from_english_speech_only():
    note = "This meeting was transcribed in its own language (fr); action items … may be missing."
    payload = render_insights(replace(sample_insights(), notice=note))
    validated(payload)
    assert "⚠️ This meeting was transcribed in its own language (fr)" in all_text(payload)
    assert "transcribed in its own language" not in all_text(render_insights(sample_insights()))
