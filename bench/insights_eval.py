"""Scoring the offline insight extractor against the gold-labelled meetings in tests/data/meetings.

Used by tests/engines/local/test_insights_eval.py (gold transcripts) and bench/bench_local_insights.py (gold
transcripts and the real transcribe + diarize pipeline). Not used by the app at run time.

Matching rule (one-to-one, greedy by overlap): a predicted item matches a gold item when

1. it comes from the gold item's turn — its message *is* that turn (gold transcripts), or its message's time
   span overlaps the turn's span in ``<name>.timing.json`` (pipeline transcripts, where messages are
   whatever the diarizer produced); and
2. it shares at least one content word (stopwords dropped, crude stems) with the gold text, unless either
   has none ("By how much?"). Gold texts describe the task ("fix the salary range") where the speaker used a
   pronoun ("Someone should fix that"), so the bar is low; the turn anchors the match, and when one turn holds
   several items the pairs with the most shared words are taken first.

Among matched action items, the assignee is correct when its name equals the gold assignee (both None counts;
a left-over "Speaker 2" never equals a real name), the due date when the calendar dates are equal (both None
counts), definitive when the flags are equal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.engines.local.insights import InsightSet
from bot.engines.local.insights_text import content_words
from bot.models import ActionItem, Message, Person, Question

MEETINGS_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "meetings"
# A channel's worth of people for the pipeline run with a roster (``Transcriber.transcribe(roster=…)``): not each
# meeting's cast but everyone any eval meeting names — its speakers and the people they talk about (Sam, Maria) —
# plus four names no meeting uses, fixed before any result with a roster was seen.
EVAL_ROSTER = ("Alice", "Bob", "Carol", "Dave", "Priya", "Tom", "Sam", "Maria", "Emma", "Kevin", "Nina", "Raj")
TIME_TOLERANCE_SECONDS = 0.3
# Speech rate used to give gold-transcript messages plausible offsets when no timing file exists.
WORDS_PER_SECOND = 2.5


@dataclass(frozen=True)
class Turn:
    """One scripted turn: who says what, and when in the synthesized audio (when known)."""

    index: int
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class Meeting:
    """A gold-labelled meeting script."""

    name: str
    title: str
    start: datetime
    split: str
    turns: tuple[Turn, ...]
    gold: dict
    audio: Path | None


def load_meetings(directory: Path = MEETINGS_DIR, split: str | None = None) -> list[Meeting]:
    """Every ``<name>.json`` meeting in ``directory`` (optionally only one split), with timings when present."""
    meetings = []
    for path in sorted(directory.glob("*.json")):
        if path.name.endswith(".timing.json"):
            continue
        doc = json.loads(path.read_text())
        timing_path = path.with_name(f"{path.stem}.timing.json")
        spans = {}
        if timing_path.exists():
            spans = {t["turn"]: (t["start"], t["end"]) for t in json.loads(timing_path.read_text())["turns"]}
        turns = tuple(Turn(i, t["speaker"], t["text"], *spans.get(i, (None, None))) for i, t in enumerate(doc["turns"]))
        audio = path.with_suffix(".mp3")
        meeting = Meeting(
            path.stem,
            doc["title"],
            datetime.fromisoformat(doc["date"]),
            doc.get("split", "tune"),
            turns,
            doc["gold"],
            audio if audio.exists() else None,
        )
        if split is None or meeting.split == split:
            meetings.append(meeting)
    return meetings


def speaker_labels(meeting: Meeting) -> dict[str, str]:
    """Real name -> "Speaker N", numbered by first appearance, as a diarizer would label them."""
    labels: dict[str, str] = {}
    for turn in meeting.turns:
        labels.setdefault(turn.speaker, f"Speaker {len(labels) + 1}")
    return labels


def gold_transcript(meeting: Meeting) -> list[Message]:
    """The script as messages (one per turn, id "t<index>") with speakers anonymised to "Speaker N"."""
    labels = speaker_labels(meeting)
    messages, clock = [], 0.0
    for turn in meeting.turns:
        start = turn.start if turn.start is not None else clock
        duration = (turn.end - turn.start) if turn.start is not None and turn.end is not None else None
        duration = duration if duration is not None else len(turn.text.split()) / WORDS_PER_SECOND
        messages.append(
            Message(
                id=f"t{turn.index}",
                text=turn.text,
                speaker=Person(name=labels[turn.speaker]),
                start=meeting.start + timedelta(seconds=start),
                end=meeting.start + timedelta(seconds=start + duration),
                offset_seconds=start,
                duration_seconds=duration,
            )
        )
        clock = start + duration + 0.5
    return messages


def turns_by_message_id(messages: Sequence[Message]) -> Callable[[str], set[int]]:
    """For gold transcripts: message "t3" is turn 3."""
    ids = {m.id for m in messages}
    return lambda message_id: {int(message_id[1:])} if message_id in ids else set()


def turns_by_time(meeting: Meeting, messages: Sequence[Message]) -> Callable[[str], set[int]]:
    """For pipeline transcripts: the turns whose audio span overlaps the message's."""
    spans = {}
    for m in messages:
        start = m.offset_seconds or 0.0
        spans[m.id] = (start, start + (m.duration_seconds or 0.0))

    def turns(message_id: str) -> set[int]:
        if message_id not in spans:
            return set()
        start, end = spans[message_id]
        return {
            t.index
            for t in meeting.turns
            if t.start is not None
            and t.end is not None
            and start < t.end + TIME_TOLERANCE_SECONDS
            and t.start - TIME_TOLERANCE_SECONDS < end
        }

    return turns


@dataclass
class Score:
    """Counts for one kind of item, summed over meetings."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    assignee_correct: int = 0
    due_correct: int = 0
    definitive_correct: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    def rate(self, correct: int) -> float:
        """``correct`` as a share of the matched items."""
        return correct / self.true_positives if self.true_positives else 1.0

    def add(self, other: Score) -> None:
        """Accumulate another meeting's counts into this one."""
        self.true_positives += other.true_positives
        self.false_positives += other.false_positives
        self.false_negatives += other.false_negatives
        self.assignee_correct += other.assignee_correct
        self.due_correct += other.due_correct
        self.definitive_correct += other.definitive_correct
        self.misses.extend(other.misses)
        self.extras.extend(other.extras)


def _required_overlap(gold_words: set[str], predicted_words: set[str]) -> int:
    return min(1, len(gold_words), len(predicted_words))


def match(
    predicted: Sequence[ActionItem | Question], gold: Sequence[dict], turns_of: Callable[[str], set[int]]
) -> list[tuple[int, int]]:
    """One-to-one (predicted index, gold index) pairs under the rule in the module docstring."""
    candidates = []
    for p_index, item in enumerate(predicted):
        item_turns = set().union(*(turns_of(mid) for mid in item.message_ids)) if item.message_ids else set()
        p_words = content_words(item.text)
        for g_index, gold_item in enumerate(gold):
            if gold_item["turn"] not in item_turns:
                continue
            g_words = content_words(gold_item["text"])
            shared = len(p_words & g_words)
            if shared >= _required_overlap(g_words, p_words):
                candidates.append((shared, -p_index, -g_index, p_index, g_index))
    pairs, used_p, used_g = [], set(), set()
    for *_, p_index, g_index in sorted(candidates, reverse=True):
        if p_index not in used_p and g_index not in used_g:
            pairs.append((p_index, g_index))
            used_p.add(p_index)
            used_g.add(g_index)
    return pairs


def _name(person: Person | None) -> str | None:
    return person.name.lower() if person and person.name else None


def score_items(
    meeting: Meeting,
    predicted: Sequence[ActionItem | Question],
    gold: Sequence[dict],
    turns_of: Callable[[str], set[int]],
) -> Score:
    """Precision/recall counts and attribute agreement for one kind of item in one meeting."""
    pairs = match(predicted, gold, turns_of)
    score = Score(true_positives=len(pairs))
    score.false_positives = len(predicted) - len(pairs)
    score.false_negatives = len(gold) - len(pairs)
    matched_p = {p for p, _ in pairs}
    matched_g = {g for _, g in pairs}
    score.extras = [f"{meeting.name}: {item.text}" for i, item in enumerate(predicted) if i not in matched_p]
    score.misses = [f"{meeting.name}#{g['turn']}: {g['text']}" for i, g in enumerate(gold) if i not in matched_g]
    for p_index, g_index in pairs:
        item, gold_item = predicted[p_index], gold[g_index]
        if not isinstance(item, ActionItem):
            continue
        gold_assignee = gold_item.get("assignee")
        if _name(item.assignee) == (gold_assignee.lower() if gold_assignee else None):
            score.assignee_correct += 1
        predicted_due = item.due.date().isoformat() if item.due else None
        if predicted_due == gold_item.get("due"):
            score.due_correct += 1
        if "definitive" in gold_item and item.definitive == gold_item["definitive"]:
            score.definitive_correct += 1
    return score


@dataclass
class Report:
    """Scores per kind over a set of meetings."""

    action_items: Score = field(default_factory=Score)
    questions: Score = field(default_factory=Score)
    follow_ups: Score = field(default_factory=Score)
    meetings: int = 0


def evaluate(meeting: Meeting, insights: InsightSet, turns_of: Callable[[str], set[int]], report: Report) -> None:
    """Score one meeting's insights and add them into ``report``."""
    report.meetings += 1
    report.action_items.add(score_items(meeting, insights.action_items, meeting.gold["action_items"], turns_of))
    report.questions.add(score_items(meeting, insights.questions, meeting.gold["questions"], turns_of))
    report.follow_ups.add(score_items(meeting, insights.follow_ups, meeting.gold["follow_ups"], turns_of))


def evaluate_gold_transcripts(meetings: Iterable[Meeting]) -> Report:
    """Run the extractor on each meeting's script (speakers anonymised) and score it."""
    from bot.engines.local.insights import extract_insights

    report = Report()
    for meeting in meetings:
        messages = gold_transcript(meeting)
        insights = extract_insights(messages, meeting_start=meeting.start)
        evaluate(meeting, insights, turns_by_message_id(messages), report)
    return report
