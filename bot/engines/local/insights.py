"""The offline engine's insights: what Symbl would return, extracted from a transcript by rules.

``extract_insights(messages, meeting_start=...)`` is the one entry point. It infers real names for diarized
speakers ("Speaker 2" is Bob when someone says "Bob, can you…" and Speaker 2 answers), then finds action items
and follow-ups (``insights_actions``), questions (``insights_questions``), topics and a short extractive summary
(``insights_topics``). Due dates resolve against the meeting's own date and time zone (``dates``).

Rules rather than an NLP pipeline: on the synthetic evaluation meetings (tests/data/meetings) and on real AMI/ICSI
meeting excerpts (bench/bench_real_insights.py) they meet the targets, and they add no dependency or model
download to the offline engine. Spontaneous speech is tidied first (fillers, restarted words: ``tidy_spoken``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.engines.local.insights_actions import ACTION, Task, find_tasks
from bot.engines.local.insights_questions import asks_something, is_clarification
from bot.engines.local.insights_speakers import infer_speaker_names, is_placeholder
from bot.engines.local.insights_text import sentences, tidy_spoken
from bot.engines.local.insights_topics import extract_topics, extractive_summary
from bot.models import ActionItem, FollowUp, Message, Person, Question, SummaryItem, Topic

DEFINITIVE_SCORE = 0.9
TENTATIVE_SCORE = 0.6
QUESTION_MARK_SCORE = 0.9
QUESTION_FORM_SCORE = 0.7


@dataclass(frozen=True)
class InsightSet:
    """Everything extracted from one transcript, in the project's own types."""

    topics: tuple[Topic, ...] = ()
    action_items: tuple[ActionItem, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    questions: tuple[Question, ...] = ()
    summary: tuple[SummaryItem, ...] = ()
    speaker_names: dict[str, str] = field(default_factory=dict)  # {"Speaker 2": "Bob"}


def _item_id(kind: str, *parts: str) -> str:
    return hashlib.sha1("\x1f".join((kind, *parts)).encode(), usedforsecurity=False).hexdigest()[:16]


def _person(name: str | None, names: dict[str, str]) -> Person | None:
    if name is None:
        return None
    return Person(name=names.get(name, name))


def _to_item(task: Task, names: dict[str, str]) -> ActionItem:
    cls = ActionItem if task.kind == ACTION else FollowUp
    return cls(
        id=_item_id(task.kind, task.message_id, task.text),
        text=task.text,
        assignee=_person(task.owner, names),
        due=task.due,
        definitive=task.definitive,
        message_ids=(task.message_id,),
        speaker=_person(task.speaker, names),
        score=DEFINITIVE_SCORE if task.definitive else TENTATIVE_SCORE,
    )


def _questions(messages: Sequence[Message], names: dict[str, str]) -> list[Question]:
    found = []
    for message in messages:
        speaker = _person(message.speaker.name, names) if message.speaker else None
        said = tidy_spoken(message.text)
        asked = [sentence for sentence in sentences(said) if asks_something(sentence)]
        if not asked and is_clarification(said):
            asked = [said]
        for sentence in asked:
            score = QUESTION_MARK_SCORE if sentence.rstrip().endswith("?") else QUESTION_FORM_SCORE
            found.append(Question(_item_id("question", message.id, sentence), sentence, speaker, (message.id,), score))
    return found


def extract_insights(messages: Sequence[Message], *, meeting_start: datetime) -> InsightSet:
    """Topics, action items, follow-ups, questions, summary and inferred speaker names for a transcript.

    ``meeting_start`` must be timezone-aware: relative due dates ("by Friday", "tomorrow") resolve against its
    date, and due datetimes carry its time zone.
    """
    if meeting_start.tzinfo is None:
        raise ValueError("meeting_start must be timezone-aware")
    names = infer_speaker_names(messages)
    tasks = find_tasks(messages, meeting_start)
    items = [_to_item(task, names) for task in tasks]
    known_people = frozenset(
        name.lower()
        for name in [*names.values(), *(m.speaker.name for m in messages if m.speaker and m.speaker.name)]
        if name and not is_placeholder(name)
    )
    topics = extract_topics(messages, person_names=known_people)
    return InsightSet(
        topics=tuple(topics),
        action_items=tuple(item for item in items if not isinstance(item, FollowUp)),
        follow_ups=tuple(item for item in items if isinstance(item, FollowUp)),
        questions=tuple(_questions(messages, names)),
        summary=tuple(extractive_summary(messages, topics)),
        speaker_names=names,
    )
