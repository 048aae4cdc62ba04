"""The offline extractor on real meeting transcripts (AMI/ICSI excerpts with gold labels), scored by their score.py.

The data set lives outside the repository (``REAL_MEETINGS_DIR``, else ``<repo>/../shared/data/real-meetings``);
see its README for the labelling rules and the scorer. Each excerpt's
turns become one ``Message`` each (``text_clean``, the turn's speaker label as the speaker, 5 s per turn), the
extractor runs over the whole excerpt, and every item is mapped back to its turn by message id. The predictions
are written in score.py's format and score.py itself does the scoring; the split figures pool its per-file counts.

Owners: an assignee that is not one of the excerpt's speaker labels ("Christine", a name said in the talk) is
``null`` in scoring terms, as the labelling rules say. Questions: one per turn (the gold has one item per turn).

Usage, for reading the errors while working on the rules (transcript text is printed: local use only)::

    .venv/bin/python -m bench.real_meetings [--no-question-marks] [--split tune|test] [--details]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import real_meetings_dir
from bot.engines.local.insights import InsightSet, extract_insights
from bot.models import ActionItem, FollowUp, Message, Person

# A Monday morning: relative dates in the talk resolve against it, never against today.
MEETING_START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECONDS_PER_TURN = 5.0
KINDS = ("action_item", "follow_up", "question")
# Fixed before any rule was tuned on them: each half has one excerpt without tasks (it measures false positives),
# one dense in assignments, AMI and ICSI meetings, and one with a next meeting being arranged.
TUNE = (
    "ami_ES2005b_presentations",
    "ami_IS1008a_kickoff",
    "icsi_Bed012_scheduling",
    "icsi_Bmr005_data",
    "icsi_Bro026_nextsteps",
)
TEST = (
    "icsi_Bro023_reports",
    "ami_ES2007c_assignments",
    "ami_IS1002c_wrapup",
    "icsi_Bed009_interfaces",
    "icsi_Buw001_actionitems",
)
SPLITS = {"tune": TUNE, "test": TEST}


def load_excerpts(directory: Path) -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted((directory / "transcripts").glob("*.json"))]


def messages_of(excerpt: dict, *, strip_question_marks: bool = False) -> list[Message]:
    """One message per non-empty turn, id ``t<turn index>``, speaker = the turn's label."""
    messages = []
    for turn in excerpt["turns"]:
        text = turn["text_clean"].replace("?", "") if strip_question_marks else turn["text_clean"]
        if not text.strip():
            continue
        offset = SECONDS_PER_TURN * turn["turn"]
        messages.append(
            Message(
                id=f"t{turn['turn']}",
                text=text,
                speaker=Person(name=turn["speaker"]),
                start=MEETING_START + timedelta(seconds=offset),
                end=MEETING_START + timedelta(seconds=offset + SECONDS_PER_TURN),
                offset_seconds=offset,
                duration_seconds=SECONDS_PER_TURN,
            )
        )
    return messages


def _turn(message_id: str) -> int:
    return int(message_id.removeprefix("t"))


def _owner(item: ActionItem, speakers: Iterable[str]) -> str | None:
    name = item.assignee.name if item.assignee else None
    by_lower = {speaker.lower(): speaker for speaker in speakers}
    return by_lower.get((name or "").lower())


def predictions(excerpt: dict, insights: InsightSet) -> list[dict]:
    """score.py's prediction list for one excerpt."""
    items: list[dict] = []
    for item in (*insights.action_items, *insights.follow_ups):
        kind = "follow_up" if isinstance(item, FollowUp) else "action_item"
        items.append({"kind": kind, "turn": _turn(item.message_ids[0]), "owner": _owner(item, excerpt["speakers"])})
    for turn in sorted({_turn(q.message_ids[0]) for q in insights.questions}):
        items.append({"kind": "question", "turn": turn, "owner": None})
    return items


@dataclass(frozen=True)
class Counts:
    """Pooled score.py counts for one kind."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    owner_ok: int = 0
    owner_n: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.tp, self.fp, self.fn, self.owner_ok, self.owner_n)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def owner_accuracy(self) -> float:
        return self.owner_ok / self.owner_n if self.owner_n else 1.0


@dataclass(frozen=True)
class RealRun:
    """score.py's per-excerpt results for one run of the extractor, plus what was predicted."""

    per_file: dict[str, dict]  # excerpt id -> score.py's result for it
    predicted: dict[str, list[dict]]

    def pooled(self, kind: str, ids: Sequence[str] | None = None) -> Counts:
        total = Counts()
        for excerpt_id, result in self.per_file.items():
            if ids is None or excerpt_id in ids:
                r = result[kind]
                total += Counts(r["tp"], r["fp"], r["fn"], r.get("owner_ok", 0), r.get("owner_n", 0))
        return total


def run_real(directory: Path, *, strip_question_marks: bool = False) -> RealRun:
    """Extract from every excerpt, write the predictions, score them with the set's own score.py."""
    predicted = {}
    for excerpt in load_excerpts(directory):
        messages = messages_of(excerpt, strip_question_marks=strip_question_marks)
        predicted[excerpt["id"]] = predictions(excerpt, extract_insights(messages, meeting_start=MEETING_START))
    with tempfile.TemporaryDirectory(prefix="real-insights-") as tmp:
        out = Path(tmp)
        for excerpt_id, items in predicted.items():
            (out / f"{excerpt_id}.json").write_text(json.dumps(items), encoding="utf-8")
        results = out / "results.json"
        subprocess.run(
            [
                *(sys.executable, str(directory / "score.py"), str(out), "--data", str(directory)),
                *("--only", "transcripts", "--json", str(results)),
            ],
            check=True,
            capture_output=True,
        )
        report = json.loads(results.read_text(encoding="utf-8"))["transcripts"]
    report.pop("_pooled", None)
    return RealRun(report, predicted)


def _print_details(directory: Path, run: RealRun, ids: Sequence[str], *, strip_question_marks: bool) -> None:
    """False positives and misses with their text (for local work on the rules; prints transcript text)."""
    for excerpt in load_excerpts(directory):
        if excerpt["id"] not in ids:
            continue
        turns = excerpt["turns"]
        print(f"\n=== {excerpt['id']}")
        result = run.per_file[excerpt["id"]]
        for kind in KINDS:
            gold = excerpt["gold"][{"action_item": "action_items", "follow_up": "follow_ups"}.get(kind, "questions")]
            for turn in result[kind]["false_positives"]:
                text = turns[turn]["text_clean"]
                print(f"  FP {kind} t{turn} [{turns[turn]['speaker']}] {text[:220]}")
            for item_id in result[kind]["missed"]:
                item = next(g for g in gold if g["id"] == item_id)
                shown = " | ".join(
                    f"t{t} [{turns[t]['speaker']}] {turns[t]['text_clean'][:160]}" for t in item["turns"]
                )
                print(f"  MISS {kind} ({item['text'][:60]}) owner={item.get('owner')}: {shown}")
        if strip_question_marks:
            continue
        by_turn = {(p["kind"], p["turn"]): p for p in run.predicted[excerpt["id"]]}
        for item in excerpt["gold"]["action_items"]:
            if item["optional"]:
                continue
            hits = [by_turn[("action_item", t)] for t in item["turns"] if ("action_item", t) in by_turn]
            if hits and not any(str(h["owner"]).lower() == str(item["owner"]).lower() for h in hits):
                print(f"  OWNER {item['id']} gold={item['owner']} predicted={[h['owner'] for h in hits]}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-question-marks", action="store_true")
    parser.add_argument("--split", choices=sorted(SPLITS))
    parser.add_argument("--details", action="store_true")
    args = parser.parse_args(argv)
    directory = real_meetings_dir()
    if directory is None:
        print("real-meetings data not found: set REAL_MEETINGS_DIR", file=sys.stderr)
        return 2
    run = run_real(directory, strip_question_marks=args.no_question_marks)
    for name, ids in (("tune", TUNE), ("test", TEST), ("all", None)):
        a, f, q = (run.pooled(kind, ids) for kind in KINDS)
        print(
            f"{name:5} action P {a.precision:.2f} R {a.recall:.2f} F1 {a.f1:.2f} (tp {a.tp} fp {a.fp} fn {a.fn})"
            f" owner {a.owner_accuracy:.2f} ({a.owner_ok}/{a.owner_n}) | follow-up P {f.precision:.2f}"
            f" R {f.recall:.2f} ({f.tp}/{f.tp + f.fn}) | question P {q.precision:.2f} R {q.recall:.2f}"
            f" ({q.tp}/{q.tp + q.fn})"
        )
    if args.details:
        ids = SPLITS[args.split] if args.split else TUNE + TEST
        _print_details(directory, run, ids, strip_question_marks=args.no_question_marks)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
