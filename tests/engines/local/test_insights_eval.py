"""The extractor against the gold-labelled meetings (tests/data/meetings), on their scripts with anonymised speakers.

The end-to-end figures (audio -> tiny.en -> diarization -> insights) are measured by bench/bench_local_insights.py;
here the transcript is exact, so any miss is the extractor's own.
"""

from __future__ import annotations

from datetime import date

import pytest

from bench.insights_eval import (
    Report,
    evaluate,
    evaluate_gold_transcripts,
    gold_transcript,
    load_meetings,
    turns_by_message_id,
)
from bot.engines.local.insights import InsightSet
from bot.models import ActionItem, Person

MEETINGS = load_meetings()


def test_the_eval_set_is_well_formed():
    assert len(MEETINGS) >= 8
    assert {m.split for m in MEETINGS} == {"tune", "holdout"}
    for meeting in MEETINGS:
        assert meeting.start.tzinfo is not None, meeting.name
        assert 2 <= len({t.speaker for t in meeting.turns}) <= 4, meeting.name
        assert 8 <= len(meeting.turns) <= 20, meeting.name
        for kind in ("action_items", "questions", "follow_ups"):
            for item in meeting.gold[kind]:
                assert 0 <= item["turn"] < len(meeting.turns), (meeting.name, item)
                if item.get("due"):
                    assert date.fromisoformat(item["due"]) >= meeting.start.date(), (meeting.name, item)


def test_gold_transcripts_hide_real_names_behind_speaker_labels():
    meeting = MEETINGS[0]
    messages = gold_transcript(meeting)
    assert len(messages) == len(meeting.turns)
    assert all(m.speaker is not None and m.speaker.name.startswith("Speaker ") for m in messages)
    assert messages[0].speaker == Person(name="Speaker 1")


def test_the_scorer_counts_misses_and_wrong_assignees():
    meeting = next(m for m in MEETINGS if m.name == "standup")
    messages = gold_transcript(meeting)
    nothing = Report()
    evaluate(meeting, InsightSet(), turns_by_message_id(messages), nothing)
    assert nothing.action_items.recall == 0.0
    assert nothing.questions.recall == 0.0

    carol_item = meeting.gold["action_items"][0]
    wrong_person = ActionItem(
        id="x", text=carol_item["text"], assignee=Person(name="Bob"), message_ids=(f"t{carol_item['turn']}",)
    )
    elsewhere = ActionItem(id="y", text=carol_item["text"], message_ids=("t0",))
    report = Report()
    evaluate(meeting, InsightSet(action_items=(wrong_person, elsewhere)), turns_by_message_id(messages), report)
    assert report.action_items.true_positives == 1  # the copy from another turn does not match
    assert report.action_items.false_positives == 1
    assert report.action_items.assignee_correct == 0


@pytest.mark.parametrize("split", ["tune", "holdout"])
def test_gold_transcripts_meet_the_bars(split):
    report = evaluate_gold_transcripts(load_meetings(split=split))
    actions = report.action_items
    assert actions.precision >= 0.8, actions.extras
    assert actions.recall >= 0.8, actions.misses
    assert report.questions.recall >= 0.9, report.questions.misses
    assert actions.rate(actions.assignee_correct) >= 0.8
    assert report.follow_ups.recall >= 0.8, report.follow_ups.misses
