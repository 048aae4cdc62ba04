"""Offline insight extraction on real meetings (AMI/ICSI, bench/real_meetings.py) and on the synthetic scripts.

Real transcripts: perfect text and speaker turns, scored by the data set's own score.py, for the tune half, the
test half (never looked at while tuning; see ``real_meetings.TUNE``) and all ten excerpts, with the text as
transcribed and with every "?" removed (speech recognition does not always punctuate questions).

Synthetic scripts (tests/data/meetings, gold transcripts with anonymised speakers): the bars the rules must keep.
The pipeline figures (audio -> tiny.en -> diarization) are bench_local_insights's.
"""

from __future__ import annotations

from bench import Row, real_meetings_dir
from bench.insights_eval import evaluate_gold_transcripts, load_meetings
from bench.real_meetings import TEST, TUNE, Counts, run_real

REAL_ACTION_PRECISION = 0.70
REAL_ACTION_RECALL = 0.75
REAL_FOLLOW_UP_RECALL = 0.5
REAL_QUESTION_RECALL = 0.95
REAL_QUESTION_RECALL_NO_MARKS = 0.8
SYNTHETIC_ACTION_PRECISION = 0.9
SYNTHETIC_ACTION_RECALL = 0.85
SYNTHETIC_QUESTION_RECALL = 0.95
SYNTHETIC_DUE = 0.9


def _ratio(value: float, numerator: int, denominator: int) -> str:
    return f"{value:.2f} ({numerator}/{denominator})"


def _bar(label: str, target: float | None, value: float, numerator: int, denominator: int) -> Row:
    return Row(
        label,
        f">= {target}" if target is not None else "report",
        _ratio(value, numerator, denominator),
        target is None or value >= target,
    )


def _real_rows(name: str, action: Counts, follow_up: Counts, question: Counts) -> list[Row]:
    prefix = f"insights real meetings, {name}"
    return [
        _bar(
            f"{prefix}: action items precision",
            REAL_ACTION_PRECISION,
            action.precision,
            action.tp,
            action.tp + action.fp,
        ),
        _bar(f"{prefix}: action items recall", REAL_ACTION_RECALL, action.recall, action.tp, action.tp + action.fn),
        _bar(
            f"{prefix}: action item owner correct (matched)",
            None,
            action.owner_accuracy,
            action.owner_ok,
            action.owner_n,
        ),
        _bar(
            f"{prefix}: follow-ups recall",
            REAL_FOLLOW_UP_RECALL,
            follow_up.recall,
            follow_up.tp,
            follow_up.tp + follow_up.fn,
        ),
        _bar(f"{prefix}: follow-ups precision", None, follow_up.precision, follow_up.tp, follow_up.tp + follow_up.fp),
        _bar(
            f"{prefix}: questions recall", REAL_QUESTION_RECALL, question.recall, question.tp, question.tp + question.fn
        ),
        _bar(f"{prefix}: questions precision", None, question.precision, question.tp, question.tp + question.fp),
    ]


def real_rows() -> list[Row]:
    directory = real_meetings_dir()
    if directory is None:
        return [Row("insights real meetings", "runs", "skipped: no data (set REAL_MEETINGS_DIR)", ok=False)]
    rows = []
    marked, unmarked = run_real(directory), run_real(directory, strip_question_marks=True)
    for name, ids in ((f"tune half ({len(TUNE)})", TUNE), (f"test half ({len(TEST)})", TEST), ("all 10", None)):
        rows += _real_rows(name, *(marked.pooled(kind, ids) for kind in ("action_item", "follow_up", "question")))
        question = unmarked.pooled("question", ids)
        rows.append(
            _bar(
                f"insights real meetings, {name}, every '?' removed: questions recall",
                REAL_QUESTION_RECALL_NO_MARKS,
                question.recall,
                question.tp,
                question.tp + question.fn,
            )
        )
    return rows


def synthetic_rows() -> list[Row]:
    report = evaluate_gold_transcripts(load_meetings())
    actions, questions, follow_ups = report.action_items, report.questions, report.follow_ups
    prefix = f"insights synthetic scripts ({report.meetings} meetings)"
    found = actions.true_positives + actions.false_positives
    gold = actions.true_positives + actions.false_negatives
    matched = actions.true_positives
    return [
        _bar(f"{prefix}: action items precision", SYNTHETIC_ACTION_PRECISION, actions.precision, matched, found),
        _bar(f"{prefix}: action items recall", SYNTHETIC_ACTION_RECALL, actions.recall, matched, gold),
        _bar(
            f"{prefix}: questions recall",
            SYNTHETIC_QUESTION_RECALL,
            questions.recall,
            questions.true_positives,
            questions.true_positives + questions.false_negatives,
        ),
        _bar(
            f"{prefix}: action item due date correct (matched)",
            SYNTHETIC_DUE,
            actions.rate(actions.due_correct),
            actions.due_correct,
            matched,
        ),
        _bar(
            f"{prefix}: action item assignee correct (matched)",
            None,
            actions.rate(actions.assignee_correct),
            actions.assignee_correct,
            matched,
        ),
        _bar(
            f"{prefix}: follow-ups recall",
            None,
            follow_ups.recall,
            follow_ups.true_positives,
            follow_ups.true_positives + follow_ups.false_negatives,
        ),
    ]


def run() -> list[Row]:
    return real_rows() + synthetic_rows()
