"""Action items and follow-ups from a transcript, by rules over each clause said.

A clause is an action item when it commits someone to a task: a first-person future ("I'll send…", "we will…",
"I need to…"), a request ("Bob, can you…", "please…", an imperative like "Send me the deck"), or a named third
person ("Bob will…"). Those are *definitive*. Ideas are *tentative*: "maybe we could…", "we might…", "we
should…", "it would be nice to…". A clause is a follow-up instead when the task is a later meeting, a check-in,
getting or reporting back, or sending the meeting's recap.

Who does it: the named or addressed person; the speaker for "I"; nobody in particular for "we", "let's" or
"someone". A request with no name addressed goes to whoever spoke just before (they are the one being answered).

Replies that only acknowledge a request ("Yes, I will.", "I'll set it up") add nothing; when they carry a date
("Can you do it by Thursday?") the date and the commitment are folded into the task they refer to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.engines.local.dates import find_due_date
from bot.engines.local.insights_questions import is_question
from bot.engines.local.insights_text import (
    STOPWORDS,
    clauses,
    content_words,
    is_name_token,
    is_request,
    opens_with_reply,
    sentences,
    strip_lead,
    trailing_vocative,
    word_set,
)
from bot.models import Message

ACTION = "action"
FOLLOW_UP = "follow_up"

# Who a clause's task belongs to before speaker labels are turned into names.
SPEAKER = "<speaker>"
ADDRESSEE = "<addressee>"

_FIRST_PERSON_FUTURE = re.compile(
    r"\b(?P<who>i|we)\s*(?:'ll|’ll|\s+will|\s+shall|\s+am going to|'m going to|\s+are going to|'re going to)\s+"
    r"(?:also\s+|then\s+|just\s+|definitely\s+|certainly\s+|quickly\s+)*(?P<verb>[a-z']+)",
    re.IGNORECASE,
)
_FIRST_PERSON_OBLIGATION = re.compile(
    r"\b(?P<who>i|we)\s+(?:need to|have to|must|'ve got to|have got to)\s+(?P<verb>[a-z']+)"
    r"|\b(?P<who2>i)(?:'d| would) be (?:happy|glad) to\s+(?P<verb2>[a-z']+)"
    r"|\b(?P<who3>i)(?:'ll| will| can) take\b",
    re.IGNORECASE,
)
_FIRST_PERSON_PRESENT = re.compile(
    r"\b(?P<who>i|we)\s+(?!am\b|was\b|were\b|did\b|had\b|have\b|has\b|do\b|don't\b|think\b|know\b|guess\b|want\b)"
    r"(?P<verb>[a-z]+)(?<!ed)\b",
    re.IGNORECASE,
)
# Past tense that "-ed" does not give away; "I wrote it last week and sent it on Monday" is a report, not a plan.
_IRREGULAR_PAST = word_set(
    "wrote sent went did made took got told said gave came ran found had was were built bought thought spoke met left"
    " began brought caught chose drove fell felt forgot heard held kept knew led lost paid saw sold shipped spent"
    " stood taught understood won"
)
_PAST_TIME = re.compile(r"\b(?:yesterday|last (?:week|night|month|time|sprint|year)|ago|already)\b", re.IGNORECASE)
_REQUEST = re.compile(
    r"\b(?:can|could|will|would)\s+you\s+(?:please\s+|also\s+|just\s+|maybe\s+)*(?:be able to\s+)?(?P<verb>[a-z']+)"
    r"|\bplease\s+(?P<verb2>[a-z']+)"
    r"|\bi(?:'d| would) like you to\s+(?P<verb3>[a-z']+)",
    re.IGNORECASE,
)
_MAKE_SURE = re.compile(r"\blet's make sure\b(?:\s+that)?(?:\s+(?P<name>[A-Z][a-z]+)\b)?", re.IGNORECASE)
_NAMED_TENTATIVE = re.compile(r"\b(?P<name>[A-Z][a-z]+)\s+(?:could|might|should)\s+(?!be\b|have\b)[a-z]+")
_LET_ME = re.compile(r"\blet me\s+(?:also\s+|just\s+|quickly\s+)*(?P<verb>[a-z']+)", re.IGNORECASE)
_REMINDER = re.compile(
    r"\b(?:don't forget to|do not forget to|remember to|make sure (?:to|you))\s+[a-z]+", re.IGNORECASE
)
_FIRST_PERSON_ABLE = re.compile(r"\b(?P<who>i|we)\s+can\s+(?:also\s+)?(?P<verb>have|get|send|finish|do|give)\b", re.I)
_NAMED_FUTURE = re.compile(r"\b(?P<name>[A-Z][a-z]+)(?:'ll|\s+will|\s+is going to)\s+(?P<verb>[a-z']+)")
_TENTATIVE = (
    (re.compile(r"\b(?:maybe|perhaps)\b.*?\b(?P<who>we|i|you)\s+(?:could|can|should|might)\b", re.IGNORECASE)),
    (re.compile(r"\b(?P<who>we|i|you)\s+(?:could|might|may)\s+(?:also\s+)?(?:want to\s+)?[a-z]+", re.IGNORECASE)),
    (
        re.compile(
            r"\b(?P<who>we|you|someone|somebody)\s+(?:should|ought to)\s+"
            r"(?:really\s+|also\s+|probably\s+)*(?!be\b)[a-z]+",
            re.IGNORECASE,
        )
    ),
    (
        re.compile(
            r"\bit (?:would|might|could) be (?:nice|good|great|better|useful|worth it|helpful|smart|wise) to\b"
            r"|\bit (?:would|might|could) be worth [a-z]+ing\b",
            re.IGNORECASE,
        )
    ),
    (re.compile(r"\b(?:what if we|how about we|why don't we)\b", re.IGNORECASE)),
)
# Verbs that make a sentence an instruction when it opens with one ("Send me the numbers").
TASK_VERBS = word_set(
    """
    send email call add update check fix review write draft prepare share schedule book create remove delete submit
    finish complete make move put ping ask tell confirm test document file open close merge deploy ship order buy
    reach contact invite post upload forward sign pull run clean plan organize assign reply respond talk find bring
    remind collect gather compile install configure escalate investigate verify print publish rename archive reserve
    """
)
# Requests for something done during the meeting itself are not tasks.
_IN_MEETING = re.compile(
    r"\b(?:walk (?:us|me|everyone) through|go first|go next|start us off|kick (?:it|this|us) off"
    r"|share (?:your|my) screen|introduce yourself|keep (?:this|it) (?:short|brief|quick)"
    r"|give us (?:a quick |an )?(?:update|overview|summary)"
    r"|wrap (?:this|it) up|take notes)\b",
    re.IGNORECASE,
)
# Words that say nothing about the task itself: "I'll do that", "I'll set it up", "I'll take care of it".
_VACUOUS = word_set(
    "do done doing handle set up take care sure problem work fine okay yes go going ahead thing look happen"
)
# Numbers in a reply are its date ("in two days"), not its task.
_NUMBER_WORDS = word_set("one two three four five six seven eight nine ten eleven twelve twenty thirty couple few half")
_NON_TASK_VERBS = word_set("be guess see think bet say mention admit try")

_FOLLOW_UP_SUBJECT = re.compile(
    r"\b(?:let's|let us|we'll|we will|we should|should we|shall we|we can|can we|could we|i'll|i will|we're going to"
    r"|i'm going to|we need to|can you|could you|please)\b",
    re.IGNORECASE,
)
_JOINT_SUBJECT = re.compile(
    r"\b(?:let's|let us|we|we'll|we're|us)\b|\b(?:meet|talk|sync|catch up|speak)\s+(?:again\s+)?with\b", re.IGNORECASE
)
_MEETING_VERB = re.compile(
    r"\b(?:meet|talk|discuss|sync|catch up|review|go over|regroup|reconvene|revisit|pick (?:this|it) up)\b",
    re.IGNORECASE,
)
_LATER = re.compile(
    r"\b(?:again|together|later|next|tomorrow|on (?:monday|tuesday|wednesday|thursday|friday)|in (?:a|an|one|two|three|"
    r"four|a couple of|a few) (?:days?|weeks?|months?)|at the [a-z ]*meeting|in our next|after (?:the|this))\b",
    re.IGNORECASE,
)
_FOLLOW_UP_PHRASE = re.compile(
    r"\b(?:circle back|check in|checking in|follow up|following up|touch base|get back to|report back|loop back"
    r"|let (?:you|him|her|them|everyone|the team|us) know|keep (?:you|everyone) posted)\b",
    re.IGNORECASE,
)
_BOOK_MEETING = re.compile(
    r"\b(?:book|schedule|set up|arrange|plan|organize|send (?:out )?an? invite for)\b[a-z ]*?\b"
    r"(?:meeting|call|session|sync|follow up|check in|one on one|catch up)\b",
    re.IGNORECASE,
)
_SEND_RECAP = re.compile(
    r"\b(?:send|share|post|circulate)\s+(?:out\s+)?(?:the|a|our|my)?\s*(?:[a-z]+\s+)?(?:summary|recap|notes|minutes)\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:won't|will not|can't|cannot|don't|do not|not going to|never)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Task:
    """One action item or follow-up found in the transcript, before speaker labels become names."""

    kind: str
    text: str
    owner: str | None  # a name, a speaker label, or None for "we" / "someone"
    definitive: bool
    due: datetime | None
    message_id: str
    speaker: str | None


@dataclass(frozen=True)
class _Found:
    kind: str
    owner: str | None  # a name, SPEAKER, ADDRESSEE or None
    definitive: bool
    vacuous: bool


def _is_vacuous(clause: str, verb: str | None) -> bool:
    remaining = content_words(strip_lead(clause)[0]) - _VACUOUS - _NUMBER_WORDS - {"will", "can", "could", "able"}
    if verb and verb.lower() in _VACUOUS:
        remaining.discard(verb.lower())
    return not remaining


def _who(word: str | None) -> str | None:
    return SPEAKER if word and word.lower() == "i" else (ADDRESSEE if word and word.lower() == "you" else None)


def _follow_up(clause: str) -> _Found | None:
    if _FOLLOW_UP_PHRASE.search(clause) or _BOOK_MEETING.search(clause) or _SEND_RECAP.search(clause):
        if not (_FOLLOW_UP_SUBJECT.search(clause) or re.search(r"\b(?:i|we)\s*(?:'ll|will)\b", clause, re.IGNORECASE)):
            return None
    elif not (
        (_MEETING_VERB.search(clause) or re.search(r"\btogether\b", clause, re.IGNORECASE))
        and _LATER.search(clause)
        and _JOINT_SUBJECT.search(clause)
    ):
        # "I will review it tomorrow" is work done alone; a follow-up meeting needs "we", "let's" or a "with".
        return None
    if re.search(r"\b(?:i|i'll|i'm|me)\b", clause, re.IGNORECASE) and not re.search(
        r"\b(?:we|let's|us)\b", clause, re.IGNORECASE
    ):
        owner: str | None = SPEAKER
    elif re.search(r"\b(?:can|could|will|would) you\b|^please\b", clause, re.IGNORECASE):
        owner = ADDRESSEE
    else:
        owner = None
    return _Found(FOLLOW_UP, owner, definitive=True, vacuous=False)


def _action(clause: str, *, question: bool, has_future_date: bool = False) -> _Found | None:  # noqa: PLR0912
    if _REMINDER.search(clause):  # "don't forget to ask Bob": the "don't" is not a refusal
        return _Found(ACTION, ADDRESSEE, True, _is_vacuous(clause, None))
    if _NEGATED.search(clause) or _IN_MEETING.search(clause):
        return None
    firm = _FIRST_PERSON_FUTURE.search(clause)
    if firm and firm.group("verb").lower() not in _NON_TASK_VERBS:
        return _Found(ACTION, _who(firm.group("who")), True, _is_vacuous(clause, firm.group("verb")))
    obligation = _FIRST_PERSON_OBLIGATION.search(clause)
    if obligation:
        who = obligation.group("who") or obligation.group("who2") or obligation.group("who3")
        verb = obligation.group("verb") or obligation.group("verb2")
        return _Found(ACTION, _who(who), True, _is_vacuous(clause, verb))
    request = _REQUEST.search(clause)
    if request:
        verb = request.group("verb") or request.group("verb2") or request.group("verb3")
        return _Found(ACTION, ADDRESSEE, True, _is_vacuous(clause, verb))
    make_sure = _MAKE_SURE.search(clause)
    if make_sure:
        name = make_sure.group("name")
        addressed = strip_lead(clause)[1]
        if name and is_name_token(name):
            return _Found(ACTION, name, True, vacuous=False)
        if addressed:  # "Dave, let's make sure that happens"; without anyone named it is a shared wish
            return _Found(ACTION, ADDRESSEE, True, vacuous=False)
    let_me = _LET_ME.search(clause)
    if let_me and let_me.group("verb").lower() not in _NON_TASK_VERBS:
        return _Found(ACTION, SPEAKER, True, _is_vacuous(clause, let_me.group("verb")))
    named = _NAMED_FUTURE.search(clause)
    if named and is_name_token(named.group("name")) and named.group("verb").lower() not in _NON_TASK_VERBS:
        return _Found(ACTION, named.group("name"), True, _is_vacuous(clause, named.group("verb")))
    able = _FIRST_PERSON_ABLE.search(clause)
    if able and has_future_date and not question:  # "I can have it to you by Thursday"
        return _Found(ACTION, _who(able.group("who")), True, _is_vacuous(clause, able.group("verb")))
    present = _FIRST_PERSON_PRESENT.search(clause)
    if (
        present
        and has_future_date
        and not question
        and present.group("verb").lower() not in _NON_TASK_VERBS | STOPWORDS | _IRREGULAR_PAST
        and not _PAST_TIME.search(clause)
    ):
        # "I send it tomorrow" (or a dropped "'ll"): a plain verb with a deadline is still a commitment.
        return _Found(ACTION, _who(present.group("who")), True, _is_vacuous(clause, present.group("verb")))
    rest, _ = strip_lead(clause)
    first = rest.split(maxsplit=1)[0].lower().strip(",.") if rest.split() else ""
    if first in TASK_VERBS and len(rest.split()) >= 3 and not question:
        return _Found(ACTION, ADDRESSEE, True, _is_vacuous(rest, first))
    for pattern in _TENTATIVE:
        match = pattern.search(clause)
        # "Should we run a drill?" asks; "what if we…" proposes even as a question.
        if match and (not question or re.search(r"what if|how about|why don't", clause, re.IGNORECASE)):
            return _Found(ACTION, _who(match.groupdict().get("who")), False, vacuous=False)
    named_idea = _NAMED_TENTATIVE.search(clause)
    if named_idea and is_name_token(named_idea.group("name")) and not question:
        return _Found(ACTION, named_idea.group("name"), False, vacuous=False)
    return None


_FILLER_OPENING = re.compile(
    r"^(?:(?:okay|ok|so|well|um|uh|right|yeah|yes|sure|great|good|alright|and|also|then)[,.!]?\s+)+", re.I
)


def _display(clause: str) -> str:
    """The clause as said, without filler openings; "Maybe" stays, it is what makes an idea tentative."""
    text = _FILLER_OPENING.sub("", clause.strip()).rstrip(",") or clause.strip()
    return text[:1].upper() + text[1:]


def find_tasks(messages: Sequence[Message], meeting_start: datetime) -> list[Task]:
    """Every action item and follow-up in ``messages``, merged per message and owner, in transcript order."""
    tasks: list[Task] = []
    previous_speaker: str | None = None
    previous_id: str | None = None
    for message in messages:
        speaker = message.speaker.name if message.speaker else None
        addressee_fallback = previous_speaker if previous_speaker != speaker else None
        found_here: list[Task] = []
        addressed_in_message: str | None = None
        all_sentences = sentences(message.text)
        voice = speaker
        for index, sentence in enumerate(all_sentences):
            if index and opens_with_reply(sentence) and _asks(all_sentences[index - 1]):
                # "Please submit it by May first. Okay, I will…": the diarizer merged two people's turns.
                voice = addressed_in_message or addressee_fallback or voice
            parts = clauses(sentence)
            for clause in parts:
                # Whisper runs "It would be nice to X, Dave, can you Y?" together: each clause asks or not.
                question = is_question(clause if len(parts) > 1 else sentence)
                _, lead_name = strip_lead(clause)
                addressed_in_message = lead_name or trailing_vocative(clause) or addressed_in_message
                clause_due = find_due_date(clause, meeting_start)
                found = _follow_up(clause) or _action(clause, question=question, has_future_date=clause_due is not None)
                if found is None:
                    continue
                due = clause_due or _date_in_next_fragment(all_sentences, index, meeting_start)
                owner = {SPEAKER: voice, ADDRESSEE: addressed_in_message or addressee_fallback}.get(
                    found.owner or "", found.owner
                )
                if found.vacuous:
                    if due is None:
                        continue
                    if found_here:  # "…Can you do it by Thursday?": the date belongs to the task just said
                        last = found_here[-1]
                        found_here[-1] = replace(
                            last, owner=owner or last.owner, due=due, definitive=last.definitive or found.definitive
                        )
                        continue
                    answered = tasks[-1] if tasks and tasks[-1].message_id == previous_id else None
                    if found.owner == SPEAKER and answered is not None and answered.definitive:
                        # "Sure, I'm going to do that tomorrow": the reply dates the request it answers.
                        tasks[-1] = replace(answered, due=answered.due or due)
                        continue
                    # Otherwise it takes on an idea from an earlier turn with a date: a commitment of its own.
                found_here.append(Task(found.kind, _display(clause), owner, found.definitive, due, message.id, voice))
        tasks.extend(_merge_same_owner(found_here))
        previous_speaker, previous_id = speaker, message.id
    return tasks


def _asks(sentence: str) -> bool:
    return is_question(sentence) or is_request(sentence)


def _date_in_next_fragment(all_sentences: list[str], index: int, meeting_start: datetime) -> datetime | None:
    """ "Let's discuss it next time. Same time in two weeks." — a verbless follow-on sentence dates the task."""
    if index + 1 >= len(all_sentences):
        return None
    following = all_sentences[index + 1]
    if _action(following, question=is_question(following)) or _follow_up(following):
        return None
    if len(following.split()) > 6:
        return None
    return find_due_date(following, meeting_start)


def _merge_same_owner(tasks: list[Task]) -> list[Task]:
    merged: list[Task] = []
    for task in tasks:
        same = next(
            (
                i
                for i, t in enumerate(merged)
                if t.kind == task.kind and t.owner == task.owner and t.speaker == task.speaker
            ),
            None,
        )
        if same is None:
            merged.append(task)
            continue
        first = merged[same]
        merged[same] = replace(
            first,
            text=f"{first.text.rstrip('.')}. {task.text}",
            definitive=first.definitive or task.definitive,
            due=first.due or task.due,
        )
    return merged
