"""Who is "Speaker 2"? Real names inferred from what people say to and about each other.

Evidence, weighed and then assigned one-to-one (a name to one speaker, a speaker to one name):

* a self-introduction — "This is Alice", "I'm Bob", "Priya here", "my name is Tom" — is strong evidence;
* a name addressed at the end of a turn ("…Bob, can you go first?") points at whoever speaks next;
* a turn that opens by thanking or greeting someone ("Thanks Carol.", "Hi Dave,") points at whoever spoke just
  before;
* saying a name to someone is evidence that the speaker is not that person.

Speakers whose label is already a real name (not "Speaker N") are left alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from bot.engines.local.insights_questions import is_question
from bot.engines.local.insights_text import (
    clauses,
    is_name_token,
    is_request,
    sentences,
    strip_lead,
    trailing_vocative,
)
from bot.models import Message

SELF_INTRO_WEIGHT = 3.0
ADDRESSED_WEIGHT = 1.0
ACKNOWLEDGED_WEIGHT = 1.0

_LABEL = re.compile(r"^Speaker \d+$")
_SELF_INTRO = re.compile(
    r"(?:\b(?:this is|i'm|i am|my name is|it's)\s+([A-Z][a-z]+)\b)"
    r"|(?:^|[.,!?]\s+|\bhi(?: all| everyone)?,?\s+)([A-Z][a-z]+) here\b",
    re.IGNORECASE,
)
# A fragment that only calls someone: "Bob", "okay, Bob" (split off at the comma), "thanks Bob", "Bob?"
_LONE_NAME = re.compile(
    r"(?:(?i:okay|ok|so|and|great|perfect|right|thanks|thank you|hi|hey|hello)\s+)*([A-Z][a-z]+)[?.!]?"
)
_OPENING_ACK = re.compile(r"^(?:[\w']+[,.!]?\s+){0,3}?(?i:thanks|thank you|hi|hey|hello)[,]?\s+([A-Z][a-z]+)\b")


def is_placeholder(name: str | None) -> bool:
    """True for diarization labels like "Speaker 2", which stand for an unknown person."""
    return name is None or bool(_LABEL.match(name))


def _label(message: Message) -> str | None:
    return message.speaker.name if message.speaker else None


def _self_introductions(text: str) -> list[str]:
    names = []
    for match in _SELF_INTRO.finditer(text):
        name = match.group(1) or match.group(2)
        # The regex is case-insensitive for "this is"; the name itself must still be written as a name.
        if name and is_name_token(name):
            names.append(name)
    return names


def _clauses(text: str) -> list[str]:
    """The text's clauses in order: Whisper often joins sentences with commas ("…yesterday, Bob, could you…")."""
    return [clause for sentence in sentences(text) for clause in clauses(sentence)]


def _addressed_names(text: str) -> list[str]:
    """Names said to someone in this text, in order."""
    names = []
    for clause in _clauses(text):
        _, addressed = strip_lead(clause)
        names += [name for name in (addressed, trailing_vocative(clause)) if name]
    return names


def _asks(text: str) -> bool:
    return is_question(text) or is_request(text)


def _vocative(fragment: str) -> str | None:
    """The name when ``fragment`` is only someone being called ("Bob", "okay Bob", "Bob?"), else None."""
    match = _LONE_NAME.fullmatch(fragment.strip())
    return match.group(1) if match and is_name_token(match.group(1)) else None


def _last_addressed(text: str) -> str | None:
    """The name addressed in the turn's closing request or question, which the next speaker answers.

    Only the turn's last sentences count, back to the first statement: in "Tom, can you do it? I can do that."
    the diarizer has merged the answer into the same turn, so the next speaker is not the one addressed.
    Whisper joins sentences with commas, so a sentence is read as comma-separated fragments, and the name must
    be called right at the last asking fragment: "…arrived yesterday, Bob, could you set them up?" asks Bob,
    "Thanks, Carol, I saw it, so where are we on the budget?" asks nobody by name.
    """
    called_next = False  # the sentence after this one asked without a name: "Bob. Would you set it up?"
    for sentence in reversed(sentences(text)):
        if called_next and (name := _vocative(sentence.rstrip("."))):
            return name
        fragments = [f for f in re.split(r",\s+", sentence) if f.strip()]
        asking = [i for i, fragment in enumerate(fragments) if _asks(fragment) and not _vocative(fragment)]
        if not asking:
            if not _asks(sentence):
                return None
            called_next = False
            continue
        last = asking[-1]
        after = fragments[last + 1] if last + 1 < len(fragments) else ""
        before = fragments[last - 1] if last else ""
        for name in (_vocative(after), strip_lead(fragments[last])[1], trailing_vocative(fragments[last])):
            if name:
                return name
        if last and (name := _vocative(before)):
            return name
        called_next = last == 0
    return None


def infer_speaker_names(messages: Sequence[Message]) -> dict[str, str]:
    """Map each "Speaker N" label to the real name the conversation reveals, when it reveals one."""
    votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    not_them: dict[str, set[str]] = defaultdict(set)
    introduced: dict[str, set[str]] = defaultdict(set)
    for index, message in enumerate(messages):
        label = _label(message)
        if label is None:
            continue
        for name in _self_introductions(message.text):
            votes[label][name] += SELF_INTRO_WEIGHT
            introduced[label].add(name)
        for name in _addressed_names(message.text):
            not_them[label].add(name)
        addressed = _last_addressed(message.text)
        following = messages[index + 1] if index + 1 < len(messages) else None
        if addressed and following is not None and _label(following) not in (None, label):
            votes[_label(following)][addressed] += ADDRESSED_WEIGHT
        opening = _OPENING_ACK.match(message.text.strip())
        previous = messages[index - 1] if index > 0 else None
        if opening and is_name_token(opening.group(1)):
            if previous is not None and _label(previous) not in (None, label):
                votes[_label(previous)][opening.group(1)] += ACKNOWLEDGED_WEIGHT
            elif previous is None and following is not None and _label(following) not in (None, label):
                # "Hi Alice, thanks for joining." opening the meeting greets whoever answers.
                votes[_label(following)][opening.group(1)] += ADDRESSED_WEIGHT

    candidates = sorted(
        (
            (score, label, name)
            for label, by_name in votes.items()
            if is_placeholder(label)
            for name, score in by_name.items()
            if name not in not_them[label]
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    names: dict[str, str] = {}
    taken: set[str] = set()
    for _, label, name in candidates:
        if label not in names and name not in taken:
            names[label] = name
            taken.add(name)
    # Names said to someone, or claimed in an introduction, belong to people in the room: with one such name
    # and one unnamed voice left, they match.
    unnamed = {_label(m) for m in messages if is_placeholder(_label(m)) and _label(m) is not None} - names.keys()
    spare = (set().union(*not_them.values(), *introduced.values()) - taken) if not_them or introduced else set()
    if len(unnamed) == 1 and len(spare) == 1:
        label, name = unnamed.pop(), spare.pop()
        if name not in not_them[label]:
            names[label] = name
    return names
