"""Offline insight extraction measured on the gold-labelled meetings in tests/data/meetings.

Two modes:

* ``gold``: each meeting's script as the transcript, speakers anonymised to "Speaker N" (name inference is
  exercised, recognition and diarization are not);
* ``tiny.en``: the real offline pipeline, as the engine runs it — ``<name>.mp3`` decoded, transcribed by
  faster-whisper tiny.en, diarized, then extracted. Items are matched to gold turns by time overlap with
  ``<name>.timing.json``. This is the mode the issue's bar is about. Skipped (one failed row) when the audio or the
  transcription modules are missing. It runs twice: without names, and with the roster the app passes from a Slack
  channel's members, here ``EVAL_ROSTER`` (everyone the eval meetings name plus four strangers, not each meeting's
  cast), from which misheard names are put back (``bot/engines/local/roster.py``). The assignee bar is held by the
  run with the roster, as the app runs; the run without one is reported.

Figures are given for all meetings and separately for the ``holdout`` split (meetings written with the others but
never looked at while writing the rules). Matching rules: ``bench/insights_eval.py``.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from bench import Row
from bench.insights_eval import (
    EVAL_ROSTER,
    Meeting,
    Report,
    Score,
    evaluate,
    evaluate_gold_transcripts,
    load_meetings,
    match,
    turns_by_time,
)
from bot.engines.local.insights import InsightSet, extract_insights
from bot.models import Message, Person

ACTION_TARGET = 0.8
QUESTION_RECALL_TARGET = 0.9
ASSIGNEE_TARGET = 0.8


def _ratio(value: float, numerator: int, denominator: int) -> str:
    return f"{value:.2f} ({numerator}/{denominator})"


def _rows(mode: str, report: Report, *, assignee_bar: bool = True) -> list[Row]:
    actions, questions, follow_ups = report.action_items, report.questions, report.follow_ups
    found_actions = actions.true_positives + actions.false_positives
    gold_actions = actions.true_positives + actions.false_negatives
    gold_questions = questions.true_positives + questions.false_negatives
    found_follow_ups = follow_ups.true_positives + follow_ups.false_positives
    gold_follow_ups = follow_ups.true_positives + follow_ups.false_negatives
    matched = actions.true_positives

    def rate(score: Score, correct: int) -> str:
        return _ratio(score.rate(correct), correct, score.true_positives)

    prefix = f"insights {mode} ({report.meetings} meetings)"
    return [
        Row(
            f"{prefix} action items precision",
            f">= {ACTION_TARGET}",
            _ratio(actions.precision, actions.true_positives, found_actions),
            actions.precision >= ACTION_TARGET,
        ),
        Row(
            f"{prefix} action items recall",
            f">= {ACTION_TARGET}",
            _ratio(actions.recall, actions.true_positives, gold_actions),
            actions.recall >= ACTION_TARGET,
        ),
        Row(
            f"{prefix} questions recall",
            f">= {QUESTION_RECALL_TARGET}",
            _ratio(questions.recall, questions.true_positives, gold_questions),
            questions.recall >= QUESTION_RECALL_TARGET,
        ),
        Row(
            f"{prefix} questions precision",
            "report",
            _ratio(questions.precision, questions.true_positives, questions.true_positives + questions.false_positives),
            ok=True,
        ),
        Row(
            f"{prefix} follow-ups precision / recall",
            "report",
            f"{follow_ups.precision:.2f} ({follow_ups.true_positives}/{found_follow_ups}) / "
            f"{follow_ups.recall:.2f} ({follow_ups.true_positives}/{gold_follow_ups})",
            ok=True,
        ),
        Row(
            f"{prefix} action item assignee correct (matched)",
            f">= {ASSIGNEE_TARGET}" if assignee_bar else "report",
            rate(actions, actions.assignee_correct),
            not assignee_bar or (matched > 0 and actions.rate(actions.assignee_correct) >= ASSIGNEE_TARGET),
        ),
        Row(f"{prefix} action item due date correct (matched)", "report", rate(actions, actions.due_correct), True),
        Row(f"{prefix} action item definitive correct", "report", rate(actions, actions.definitive_correct), True),
    ]


def _pipeline_messages(meeting: Meeting, transcribe: Callable, roster: tuple[str, ...] = ()) -> list[Message]:
    """The meeting's audio through the engine's own steps: decode, tiny.en, diarize; one message per turn."""
    from bot.engines.local.diarize import diarize
    from bot.engines.local.transcribe import load_audio

    audio = load_audio(meeting.audio)
    turns = diarize(audio, transcribe(audio, roster=roster))
    return [
        Message(
            id=f"{meeting.name}-{index}",
            text=turn.text,
            speaker=Person(name=turn.speaker),
            start=meeting.start + timedelta(seconds=turn.start),
            end=meeting.start + timedelta(seconds=turn.end),
            offset_seconds=turn.start,
            duration_seconds=turn.end - turn.start,
        )
        for index, turn in enumerate(turns)
    ]


def _oracle_named(meeting: Meeting, messages: Sequence[Message]) -> list[Message]:
    """The same messages with each diarized label replaced by the real speaker it mostly covers (diagnostic)."""
    overlap: dict[str, Counter[str]] = defaultdict(Counter)
    for m in messages:
        start, end = m.offset_seconds or 0.0, (m.offset_seconds or 0.0) + (m.duration_seconds or 0.0)
        for turn in meeting.turns:
            shared = min(end, turn.end or 0.0) - max(start, turn.start or 0.0)
            if shared > 0 and m.speaker and m.speaker.name:
                overlap[m.speaker.name][turn.speaker] += shared
    names = {label: counts.most_common(1)[0][0] for label, counts in overlap.items()}
    return [
        replace(m, speaker=Person(name=names.get(m.speaker.name, m.speaker.name))) if m.speaker else m for m in messages
    ]


def _unheard_assignees(meeting: Meeting, messages: Sequence[Message], insights: InsightSet) -> Counter[str]:
    """Matched action items whose gold assignee's name is never said in the transcript (diagnostic).

    Nobody can be named from the talk when their name was never said or Whisper did not hear it ("Dave" written
    as "name"); such items are right only with an oracle. Counts "unheard" and "matched".
    """
    said = " ".join(m.text for m in messages)
    gold = meeting.gold["action_items"]
    counts: Counter[str] = Counter()
    for _, g_index in match(insights.action_items, gold, turns_by_time(meeting, messages)):
        counts["matched"] += 1
        assignee = gold[g_index].get("assignee")
        counts["unheard"] += bool(assignee) and not re.search(rf"\b{re.escape(assignee)}\b", said)
    return counts


def _pipeline_reports(
    meetings: Sequence[Meeting], *, roster: tuple[str, ...] = ()
) -> tuple[Report, Report, Report, Counter[str], float]:
    from bot.engines.local.transcribe import Transcriber

    transcriber = Transcriber("")
    everything, holdout, oracle, unheard = Report(), Report(), Report(), Counter()
    started = time.monotonic()
    for meeting in meetings:
        messages = _pipeline_messages(meeting, transcriber.transcribe, roster)
        insights = extract_insights(messages, meeting_start=meeting.start)
        turns_of = turns_by_time(meeting, messages)
        evaluate(meeting, insights, turns_of, everything)
        if meeting.split == "holdout":
            evaluate(meeting, insights, turns_of, holdout)
        unheard += _unheard_assignees(meeting, messages, insights)
        named = _oracle_named(meeting, messages)
        evaluate(meeting, extract_insights(named, meeting_start=meeting.start), turns_by_time(meeting, named), oracle)
    return everything, holdout, oracle, unheard, time.monotonic() - started


def run() -> list[Row]:
    """Gold-transcript and tiny.en pipeline figures, for all meetings and for the holdout split."""
    meetings = load_meetings()
    rows = _rows("gold transcript", evaluate_gold_transcripts(meetings))
    rows += _rows("gold transcript, holdout", evaluate_gold_transcripts([m for m in meetings if m.split == "holdout"]))
    with_audio = [m for m in meetings if m.audio is not None and all(t.start is not None for t in m.turns)]
    try:
        import bot.engines.local.diarize
        import bot.engines.local.transcribe  # noqa: F401 - only checking that the pipeline is there
    except ImportError as exc:
        return [*rows, Row("insights tiny.en pipeline", "runs", f"skipped: {exc}", ok=False)]
    if not with_audio:
        return [*rows, Row("insights tiny.en pipeline", "runs", "skipped: no <name>.mp3 with timings", ok=False)]
    everything, holdout, oracle, unheard, seconds = _pipeline_reports(with_audio)
    rows += _rows("tiny.en pipeline, no roster", everything, assignee_bar=False)
    rows += _rows("tiny.en pipeline, no roster, holdout", holdout, assignee_bar=False)
    rows.append(Row("insights tiny.en pipeline, no roster: wall time", "report", f"{seconds:.0f} s", ok=True))
    # Diagnostic, not a target: how much of the assignee gap is who-is-who rather than the extractor?
    oracle_actions = oracle.action_items
    rows.append(
        Row(
            "insights tiny.en, no roster, diarized speakers named by oracle: assignee correct (diagnostic)",
            "report",
            _ratio(
                oracle_actions.rate(oracle_actions.assignee_correct),
                oracle_actions.assignee_correct,
                oracle_actions.true_positives,
            ),
            ok=True,
        )
    )
    # Diagnostic: the share of matched items that no reading of the transcript can name (a ceiling on the figure)
    rows.append(
        Row(
            "insights tiny.en, no roster: matched action items whose assignee's name is never said in the transcript "
            "(diagnostic)",
            "report",
            f"{unheard['unheard']}/{unheard['matched']}",
            ok=True,
        )
    )
    # As the app runs: the channel's members as the roster. (Each meeting's exact cast as Whisper hotwords instead
    # measured assignee 0.79 and cost action-item recall.)
    everything, holdout, _, unheard, seconds = _pipeline_reports(with_audio, roster=EVAL_ROSTER)
    label = f"tiny.en pipeline + {len(EVAL_ROSTER)}-name roster"
    rows += _rows(label, everything)
    rows += _rows(f"{label}, holdout", holdout)
    rows.append(Row(f"insights {label}: wall time", "report", f"{seconds:.0f} s", ok=True))
    rows.append(
        Row(
            f"insights {label}: matched action items whose assignee's name is never said (diagnostic)",
            "report",
            f"{unheard['unheard']}/{unheard['matched']}",
            ok=True,
        )
    )
    return rows
