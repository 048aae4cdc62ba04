"""Shared checks and hand-built Insights for the render tests (shapes from symbl-samples/action_items.json)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block

from bot.models import ActionItem, Conversation, FollowUp, Insights, Message, Person, Question, Topic
from tests.fakes.slack_blocks import validate_blocks

START = datetime(2020, 7, 10, 16, 0, tzinfo=UTC)


def validated(payload: dict) -> list[dict]:
    """The payload's blocks after slack_sdk parsed and re-serialised each one (which runs its validators)."""
    assert isinstance(payload["text"], str)
    assert payload["text"].strip()
    assert len(payload["text"]) <= 3000
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= 50
    out = []
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        out.append(parsed.to_dict())
    return out


def slack_valid(payload: dict) -> list[dict]:
    """The payload's blocks, after checking them with the fake Slack's strict validator (what Slack would accept).

    Beyond :func:`validated` this catches repeated block ids, unknown properties and empty text objects.
    """
    assert validate_blocks(payload["blocks"]) == []
    return validated(payload)


def all_text(payload: dict) -> str:
    """Every visible string in the blocks, joined, for content assertions."""
    parts = []
    for block in payload["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", ()):
            if "text" in element:  # a context's text, or a button's label (a text object of its own)
                parts.append(element["text"] if isinstance(element["text"], str) else element["text"]["text"])
    return "\n".join(parts)


def sample_insights(**overrides) -> Insights:
    """A small realistic meeting: one firm and one tentative action item, a follow-up, questions and topics."""
    lucy = Person(id="c99e", name="Lucy", email="lucy@example.com")
    salesman = Person(name="Salesman", email="sales@email.com")
    fields = {
        "conversation": Conversation(
            id="5815170693595136", name="Weekly sync", start=START, end=START + timedelta(minutes=42)
        ),
        "messages": (
            Message(id="m1", text="Vikram you need to work on a plan.", speaker=lucy, offset_seconds=83.4),
            Message(id="m2", text="We need to meet tomorrow.", speaker=salesman, offset_seconds=3725),
        ),
        "action_items": (
            ActionItem(
                id="4567077831573504",
                text="Vikram you need to work on figuring out a plan in which we can make this hackathon work.",
                assignee=Person(name="Vikram"),
                definitive=True,
                speaker=lucy,
            ),
            ActionItem(
                id="5802630861291520",
                text="We need to meet tomorrow for renewing your Insurance policy.",
                assignee=salesman,
                due=datetime(2020, 7, 11, 7, 0, tzinfo=UTC),
                definitive=False,
            ),
        ),
        "follow_ups": (
            FollowUp(id="f1", text="Send the contract", assignee=lucy, due=datetime(2020, 7, 14, 9, 0, tzinfo=UTC)),
        ),
        "questions": (Question(id="q1", text="Who owns the budget?", asked_by=lucy),),
        "topics": (
            Topic(id="t1", text="interns", score=0.71, parents=("company-wise hiring",)),
            Topic(id="t2", text="company-wise hiring", score=0.79),
        ),
        "members": (lucy, salesman),
    }
    fields.update(overrides)
    return Insights(**fields)


_ALLOWED_TOKENS = re.compile(r"^<(@[UW][A-Z0-9]+|!date\^\d+\^[^|>]+\|[^<>|]+|https://[^\s<>|]+\|[^<>]+)>$")


def only_safe_tokens(payload: dict) -> bool:
    """Whether every ``<…>`` in the mrkdwn and the fallback is one this app emits on purpose.

    Those are user mentions, date tokens and labelled https links (permalinks); anything else (``<!channel>``,
    ``<http://…|…>``, a stray ``<url>``) means some text reached Slack unescaped.
    """
    texts = [payload["text"]]
    for block in payload["blocks"]:
        if block.get("text", {}).get("type") == "mrkdwn":
            texts.append(block["text"]["text"])
        texts.extend(e["text"] for e in block.get("elements", ()) if e.get("type") == "mrkdwn")
    return all(_ALLOWED_TOKENS.match(token) for text in texts for token in re.findall(r"<[^>]*>?", text))
