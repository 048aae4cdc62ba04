"""Action items and follow-ups from a transcript, by rules over each clause said (spoken text tidied first).

A clause is an action item when someone present takes a task on for after the meeting: a first-person future
("I'll send…", "I'm gonna…", "we're going to…", "X and I are gonna…"), an obligation ("I need to…", "we're
supposed to…"), a named third person ("Bob will be doing…"), or the task named as such ("my plan is to…"). Or
when someone is asked or assigned one: a request ("could you…", "please…", "Send me the deck"), handed work
("you're gonna be working on…"). Those are *definitive*. Ideas are *tentative*: "maybe we could…", "we
might…", "we should…", "it would be nice to…". Said to "you", a suggestion ("maybe you could…") or an order
that may be a general truth ("you have to…") counts only when someone takes it up.

Not tasks: questions, conditions ("if we…"), reported or quoted speech, presenting or anything done "now" in the
meeting, decisions and predictions about the product ("we'll go with the yellow one", "we'll have some
buttons"), opinions ("I'll assume…"), refusals. A clause is a follow-up instead when it arranges a later
meeting or check-in or the meeting's write-up (``insights_followups``).

Who does it: the named or addressed person; the speaker for "I"; nobody in particular for "we", "let's",
"someone" or several people. A request with no name goes to whoever accepts it in the next turns, else to whoever
spoke just before (the one being answered) (``insights_replies``).

Replies that only acknowledge a request ("Yes, I will.", "I'll set it up") add nothing; when they carry a date
("Can you do it by Thursday?") the date and the commitment are folded into the task they refer to. A task said
again soon after is one task.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.engines.local.dates import find_due_date
from bot.engines.local.insights_followups import NO_FOLLOW_UP, find_follow_up
from bot.engines.local.insights_questions import is_question
from bot.engines.local.insights_replies import acceptor, carries_on, with_continuation
from bot.engines.local.insights_roles import ADDRESSEE, ANYONE, SPEAKER
from bot.engines.local.insights_text import (
    STOPWORDS,
    clauses,
    content_words,
    is_name_token,
    is_request,
    opens_with_reply,
    sentences,
    strip_lead,
    tidy_spoken,
    trailing_vocative,
    word_set,
)
from bot.models import Message

ACTION = "action"
FOLLOW_UP = "follow_up"


# Words that cannot be the verb after "I'll": a false start ran on ("I'll For the VAD?", "I'll after the…").
_FUNCTION_WORDS = word_set(
    "a an the to for from of in on at by with about after before into over this that these those it its i you we"
    " they he she my your our their so and but or if then there here now not very as like"
)
_PRESENTING_VERBS = word_set(
    "describe present show explain demonstrate introduce repeat read clarify summarise summarize stop continue"
)
_IDEA_NON_TASK_VERBS = word_set("have be hear see say get know think like want")
# "will" and its spoken forms: "I'll", "I'm gonna", "we're going to", "Bhaskara and I are gonna".
_WILL = (
    r"(?:'ll|’ll|\s+will|\s+shall|\s+am going to|'m going to|\s+are going to|'re going to"
    r"|\s+am gonna|'m gonna|\s+are gonna|'re gonna)"
)
# Adverbs said between "will" and the verb: "I'll just send", "I'll actually add", "we'll probably need".
_ADVERBS = r"(?:(?:also|then|just|actually|definitely|certainly|probably|first|still|really|maybe|[a-z]+ly)\s+)*"
# A verb is written in lower case: "I'll For the VAD?" is a false start, not a plan to "For".
_VERB = r"(?P<verb>(?-i:[a-z][a-z'’]+))"
# "I'll add the second stream to the VAD after the meeting"; "we're gonna start recording them next week";
# "I will be talking to the bosses" (the -ing verb is the task); "X and I are gonna work on that" (a shared task).
_FIRST_PERSON_FUTURE = re.compile(
    rf"\b(?P<who>(?:[a-z]+ and )?i|we){_WILL}\s+{_ADVERBS}(?:be\s+(?=[a-z]+ing\b))?{_VERB}",
    re.IGNORECASE,
)
_FIRST_PERSON_OBLIGATION = re.compile(
    # "we're supposed to find out about our human subject requirements"
    r"\b(?P<who>i|we)\s*(?:need to|have to|must|'ve got to|have got to|'ll have to|will have to|'ll need to"
    r"|'re supposed to|are supposed to|'m supposed to|am supposed to)\s+"
    # "people are supposed to send me URLs for their web pages": everyone is, so nobody in particular
    r"(?:also\s+|just\s+|really\s+)*(?P<verb>(?-i:[a-z][a-z']+))"
    r"|\b(?P<who4>people|everyone|everybody|you all|you guys) (?:are|is) supposed to\s+"
    r"(?:also\s+|just\s+|really\s+)*(?P<verb4>(?-i:[a-z][a-z']+))"
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
    r"|\bi(?:'d| would) like you to\s+(?P<verb3>[a-z']+)"
    # "would you mind sending us a copy of your slides"; "I need you to check the logs"
    r"|\bwould you mind\s+(?P<verb4>[a-z']+)|\bi (?:need|want) you to\s+(?P<verb5>[a-z']+)"
    # Asking for a date is asking for the task: "by when do you think you can give me a project plan"
    r"|\bwhen (?:do )?you think you (?:can|could|will|'ll)\s+(?P<verb6>[a-z']+)",
    re.IGNORECASE,
)
# A question about the task rather than a request: "what kinds of projects can you do now".
_WH_BEFORE = re.compile(r"\b(?:what|which|how|why|where|who)\b[^,.]*$", re.IGNORECASE)
# Work handed to someone present: "you're gonna be working on the product evaluation", "you need to interact
# more with Christine", "you'll have to explain it to me on Tuesday".
_ASSIGNMENT = re.compile(
    r"\byou(?:'re| are)?\s*(?:just\s+|also\s+)*(?:gonna|going to|need to|have to|'ve got to|got to|'ll need to"
    r"|'ll have to|will need to|will have to|'re gonna have to|are gonna have to|'ll|will)\s+"
    rf"(?:be\s+(?=[a-z]+ing\b))?(?:have to\s+)?{_ADVERBS}{_VERB}"
    # Several people at once: "you guys will be getting your modelling done"
    rf"|\byou (?P<several>guys|two|all|both)\s*(?:'ll|will|are gonna|are going to|'re gonna|'re going to)\s+"
    rf"(?:be\s+(?=[a-z]+ing\b))?{_ADVERBS}(?P<verb2>(?-i:[a-z][a-z'’]+))",
    re.IGNORECASE,
)
# A suggestion to someone present, which becomes a task once they take it up: "Maybe you could point it at
# Chuck" – "Sure."
_SUGGESTION_TO_YOU = re.compile(rf"\b(?:maybe|perhaps)\s+you\s+(?:could|can|might)\s+{_ADVERBS}{_VERB}", re.I)
# "the immediate next step is to start determining the functional design"
_NEXT_STEP = re.compile(r"\bnext steps? (?:is|are|would be|will be) (?:for [a-z ]+ )?to\s+[a-z]+", re.IGNORECASE)
# The task named as such: "so the action item for me is to update the roadmap"; "Action item: Priya to fix the
# export"; "my plan is to finish the draft tomorrow".
_NAMED_AS_TASK = re.compile(
    r"\b(?i:action items?)(?: (?i:for) (?P<for>(?i:me|you|us)|[A-Z][a-z]+))?\s*(?::|is|are|would be)\s+"
    r"(?:(?:for )?(?P<name>[A-Z][a-z]+)\s+(?:to|will|should)\s+|to\s+)?(?P<verb>[a-z]+)"
    r"|\b(?P<mine>(?i:my|our)) (?i:plan|next step|next thing) (?:is|will be) to\s+(?P<verb2>[a-z]+)"
)
# Asking the room: "Can somebody ping the vendor about the delivery?" — whoever says yes takes it.
_ANYONE_REQUEST = re.compile(
    r"\b(?:can|could|would|will) (?:somebody|someone|anybody|anyone|one of you)\s+(?:please\s+)?[a-z]+", re.I
)
# Taking something on: "I can worry about the ontology interface", "Keith can handle the discourse".
_TAKING_ON = re.compile(
    r"\b(?P<who>I|[A-Z][a-z]+)\s+(?:can|could)\s+(?:also\s+)?"
    r"(?:worry about|take care of|handle|look into|take on|deal with|be in charge of)\b"
)
_MAKE_SURE = re.compile(r"\blet's make sure\b(?:\s+that)?(?:\s+(?P<name>[A-Z][a-z]+)\b)?", re.IGNORECASE)
_NAMED_TENTATIVE = re.compile(r"\b(?P<name>[A-Z][a-z]+)\s+(?:could|might|should)\s+(?!be\b|have\b)[a-z]+")
_LET_ME = re.compile(r"\blet me\s+(?:also\s+|just\s+|quickly\s+)*(?P<verb>[a-z']+)", re.IGNORECASE)
# "Let me check what the other vendors charge" is a task; "let me set this up", "let me share my screen", "let me
# think" happen in the meeting.
_LET_ME_TASK_VERBS = word_set("check ask find look email send call talk follow confirm dig investigate reach ping get")
_REMINDER = re.compile(
    # "so that I remember to take them" is not a reminder to anyone
    r"\b(?:don't forget to|do not forget to|(?<!i )(?<!we )(?<!to )remember to|make sure (?:to|you))\s+[a-z]+",
    re.IGNORECASE,
)
_FIRST_PERSON_ABLE = re.compile(r"\b(?P<who>i|we)\s+can\s+(?:also\s+)?(?P<verb>have|get|send|finish|do|give)\b", re.I)
# "Bob will send the figures", "Christine is gonna be doing the design" (a name, not "Which will…").
_NAMED_FUTURE = re.compile(
    r"\b(?P<name>[A-Z][a-z]+)(?:'ll|\s+will|\s+is going to|\s+is gonna|'s gonna|'s going to)\s+"
    r"(?:be\s+(?=[a-z]+ing\b))?(?P<verb>[a-z']+)"
)
# Ideas. The verb must be a task's: "you could have the…" and "you might hear an echo" describe, they propose
# nothing. An idea put to "you" is a task only once taken up ("Maybe you could do the runs" – "Sure.").
_TENTATIVE = (
    # "Maybe we could add a nightly build"
    re.compile(rf"\b(?:maybe|perhaps)\b.*?\b(?P<who>we|i|you)\s+(?:could|can|should|might)\s+{_ADVERBS}{_VERB}", re.I),
    # "We might want to drop the pie chart"
    re.compile(rf"\b(?P<who>we|i|you)\s+{_ADVERBS}(?:could|might|may)\s+{_ADVERBS}(?:want to\s+)?{_VERB}", re.I),
    # "Someone should fix the salary range"
    re.compile(
        # "But you also should probably give them the mixed" – "Yeah. Good idea."
        rf"\b(?P<who>we|you|someone|somebody)\s+{_ADVERBS}(?:should|ought to)\s+{_ADVERBS}{_VERB}",
        re.IGNORECASE,
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
    keep copy cc
    """
)
# Requests for something done during the meeting itself are not tasks.
_IN_MEETING = re.compile(
    r"\b(?:walk (?:us|me|everyone) through|go first|go next|start us off|kick (?:it|this|us) off"
    r"|(?:explain|show|describe|remind|hand|pass) (?:us|me|everyone|everybody|you)\b"
    r"|tell (?:us|me) (?:about|what|more)\b"
    r"|(?:explain|describe|present) (?:what|how|why|the)\b|hand (?:it )?(?:out|over) to"
    r"|move on|go on to|go back to|set (?:this|it) up|plug (?:this|it) in|speak for (?:myself|ourselves)"
    r"|(?:we'll|we will|let's|we're gonna|we're going to) (?:start|begin) with"
    # the meeting's own agenda: "we'll talk about the budget", "I'll go through the numbers", "in a minute"
    r"|(?:i'll|we'll|i will|we will|let's|i'm gonna|we're gonna|i'm going to|we're going to)\s+"
    r"(?:now\s+|just\s+|quickly\s+|briefly\s+|first\s+)*(?:talk about|go through|go over|look at this|move on)"
    r"|in a (?:minute|moment|second|sec)\b|right now\b"
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
# Verbs that make no task of "I'll…": opinions and talk ("I'll say", "we'll see"), waiting, and "have" / "need" /
# "want" that describe a design ("we'll have some buttons", "we'll need a battery").
_NON_TASK_VERBS = word_set(
    "be guess see think bet say mention admit try wait stay hear need want like know assume suppose agree disagree"
    " argue pretend imagine decide determine let"
)
# A decision or a prediction about the product, not a task: "we're gonna go with the yellow one", "we'll end up
# using the rubber one", "we'll keep it at twelve euros fifty", "we're gonna make it in yellow and black".
_DECISION = re.compile(
    r"(?:go (?:with|for)|stick (?:with|to)|end up|settle (?:on|for)|opt for"
    r"|(?:make|keep|have|build|design|leave) (?:it|them|this|that) (?:in|at|as|with|out of|from|for now|more|less"
    r"|[a-z]+er\b))",
    re.IGNORECASE,
)
# Things "you'll" do that are no task: "you'll notice it's faster", "you'll love this one".
_EXPERIENCE_VERBS = word_set("notice love like hate enjoy find feel realize realise remember understand")

_NEGATED = re.compile(r"\b(?:won't|will not|can't|cannot|don't|do not|not going to|not gonna|never)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“][^\"”]*(?:[\"”]|$)")
# Reported speech: everything after "he said", "they told us", "she was saying" is someone else's words.
_REPORTED = re.compile(
    r"\b(?:he|she|they|[A-Z][a-z]+|someone|somebody|people)\s+(?:said|says|told|asked|mentioned|was saying"
    r"|were saying|wrote|thinks|thought)\b",
)
# A condition or a hypothetical before the task: "If we have any questions we'll just email you"; "if I did that".
_CONDITION = re.compile(r"\b(?:if|unless|in case|whether)\b", re.IGNORECASE)
# Reasons and generic statements: "because you need to sell", "in general you have to have something fashionable".
_REASON = re.compile(
    r"\b(?:because|'cause|cuz|cos|since|in general|generally|usually|always|typically|normally)\b", re.IGNORECASE
)


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
    needs_acceptance: bool = False  # a suggestion to "you" is a task only once the person takes it up


def _is_vacuous(clause: str, verb: str | None) -> bool:
    remaining = content_words(strip_lead(clause)[0]) - _VACUOUS - _NUMBER_WORDS - {"will", "can", "could", "able"}
    if verb and verb.lower() in _VACUOUS:
        remaining.discard(verb.lower())
    return not remaining


def _who(word: str | None) -> str | None:
    return SPEAKER if word and word.lower() == "i" else (ADDRESSEE if word and word.lower() == "you" else None)


def _follow_up(clause: str) -> _Found | None:
    owner = find_follow_up(clause)
    return None if owner is NO_FOLLOW_UP else _Found(FOLLOW_UP, owner, definitive=True, vacuous=False)


def _negated_between(clause: str, match: re.Match[str]) -> bool:
    """A refusal of this very task: "I won't", "I'm not gonna", "we can't" right before or inside the match."""
    return bool(_NEGATED.search(clause[max(0, match.start() - 12) : match.end()]))


def _conditional_before(clause: str, match: re.Match[str]) -> bool:
    """ "If we have any questions we'll just email you": the task hangs on a condition said before it.

    So does a subject inside a wh-clause: "we all know what we need to do" names no task.
    """
    before = clause[: match.start()]
    return bool(_CONDITION.search(before) or re.search(r"\b(?:what|how|which|where|when)\s*$", before, re.I))


def _first_person_future(clause: str, *, has_future_date: bool) -> _Found | None:
    """ "I'll add the second stream to the VAD", "we're gonna start recording them next week"."""
    for firm in _FIRST_PERSON_FUTURE.finditer(clause):
        verb = firm.group("verb").lower()
        if _negated_between(clause, firm) or _conditional_before(clause, firm):
            continue
        obliged = re.match(r"\s*to\s+([a-z']+)", clause[firm.end() :]) if verb == "have" else None
        looks = verb == "have" and re.match(r"\s+a\s+(?:look|go|chat|word)\b", clause[firm.end() :])
        if verb == "have" and not has_future_date and not obliged and not looks:
            continue  # "we'll have some buttons" describes the design; "I'll have a draft by Friday" is a task
        if obliged and obliged.group(1).lower() in _NON_TASK_VERBS:  # "so I'll have to wait and see"
            continue
        # "I'll actually after the meeting I'll add…": a false start runs into a preposition; the next one counts.
        if verb in _NON_TASK_VERBS or verb in _FUNCTION_WORDS or _DECISION.match(clause[firm.start("verb") :]):
            continue
        if verb == "go" and re.match(r"\s+(?:with|for|through|over|back|into|on|to the)\b", clause[firm.end() :]):
            continue  # "we'll go through the numbers", "we're gonna go for the cheaper case"
        # "Now I'll briefly describe the results": presenting is done in the meeting, unless it is for later;
        # so is anything done "now" ("we're going to be looking at the costs now").
        if (verb in _PRESENTING_VERBS or re.search(r"\bnow\b", clause)) and not has_future_date:
            continue
        return _Found(ACTION, _who(firm.group("who")), True, _is_vacuous(clause, verb))
    return None


def _commitment(clause: str, *, question: bool, has_future_date: bool) -> _Found | None:
    """Someone in the room takes a task on: "I'll…", "we're gonna…", "I need to…", "Bob will…", "let me check"."""
    if question:  # "So we'll have to grab this over CVS or something?" asks; it takes nothing on
        return None
    if firm := _first_person_future(clause, has_future_date=has_future_date):
        return firm
    obligation = _FIRST_PERSON_OBLIGATION.search(clause)
    if obligation and not _negated_between(clause, obligation) and not _conditional_before(clause, obligation):
        who = obligation.group("who") or obligation.group("who2") or obligation.group("who3")
        verb = obligation.group("verb") or obligation.group("verb2") or obligation.group("verb4")
        if (verb or "").lower() not in _NON_TASK_VERBS:
            return _Found(ACTION, _who(who), True, _is_vacuous(clause, verb))
    taking = _TAKING_ON.search(clause)
    if taking and (taking.group("who") == "I" or is_name_token(taking.group("who"))):
        return _Found(ACTION, SPEAKER if taking.group("who") == "I" else taking.group("who"), True, vacuous=False)
    let_me = _LET_ME.search(clause)
    if let_me and let_me.group("verb").lower() in _LET_ME_TASK_VERBS:
        return _Found(ACTION, SPEAKER, True, _is_vacuous(clause, let_me.group("verb")))
    named = _NAMED_FUTURE.search(clause)
    if (
        named
        and is_name_token(named.group("name"))
        and named.group("name").lower() not in STOPWORDS
        and named.group("verb").lower() not in _NON_TASK_VERBS
    ):
        return _Found(ACTION, named.group("name"), True, _is_vacuous(clause, named.group("verb")))
    able = _FIRST_PERSON_ABLE.search(clause)
    if able and has_future_date:  # "I can have it to you by Thursday"
        return _Found(ACTION, _who(able.group("who")), True, _is_vacuous(clause, able.group("verb")))
    present = _FIRST_PERSON_PRESENT.search(clause)
    if (
        present
        and has_future_date
        and present.group("verb").lower() not in _NON_TASK_VERBS | STOPWORDS | _IRREGULAR_PAST
        and not _PAST_TIME.search(clause)
    ):
        # "I send it tomorrow" (or a dropped "'ll"): a plain verb with a deadline is still a commitment.
        return _Found(ACTION, _who(present.group("who")), True, _is_vacuous(clause, present.group("verb")))
    return None


def _request(
    clause: str, *, question: bool, starts_sentence: bool = True, has_future_date: bool = False
) -> _Found | None:
    """Someone present is asked or assigned a task: "could you send us your slides?", "you need to…", "Send me…"."""
    request = _REQUEST.search(clause)
    # "You guys can create all kinds of things" states what they can do; it does not ask "can you…".
    subject_before = request and re.search(
        r"\b(?:guys|you|we|i|they|it|he|she|people)\s*$", clause[: request.start()], re.I
    )
    if request and not subject_before and not _WH_BEFORE.search(clause[: request.start()]):
        verb = next(v for v in request.groups() if v)
        return _Found(ACTION, ADDRESSEE, True, _is_vacuous(clause, verb))
    assignment = _ASSIGNMENT.search(clause)
    verb = assignment and (assignment.group("verb") or assignment.group("verb2")).lower()
    if (
        assignment
        and not question
        and verb not in _NON_TASK_VERBS | _FUNCTION_WORDS | _EXPERIENCE_VERBS | {"have", "get"}
        and not _conditional_before(clause, assignment)
        and not _REASON.search(clause[: assignment.start()])
        and not _negated_between(clause, assignment)
        and not _PAST_TIME.search(clause[assignment.end() :])  # "…you need to email them, which you already did"
    ):
        owner = None if assignment.group("several") else ADDRESSEE
        # "you have to press it twice" is as often a general truth as an order: it counts once acknowledged.
        generic = re.search(r"\b(?:have to|need to|got to)\b", assignment.group(0), re.I) and not has_future_date
        return _Found(ACTION, owner, True, _is_vacuous(clause, verb), needs_acceptance=bool(generic))
    suggestion = _SUGGESTION_TO_YOU.search(clause)
    if suggestion and suggestion.group("verb").lower() not in _NON_TASK_VERBS | {"have", "get"}:
        return _Found(ACTION, ADDRESSEE, False, vacuous=False, needs_acceptance=True)
    if _NEXT_STEP.search(clause) and not question:
        return _Found(ACTION, None, True, vacuous=False)
    named = _NAMED_AS_TASK.search(clause)
    if named:
        who = named.group("name") or named.group("for") or named.group("mine")
        owner = {"me": SPEAKER, "my": SPEAKER, "you": ADDRESSEE}.get((who or "").lower(), who)
        owner = None if owner in {"us", "our"} or (owner and owner[0].isupper() and not is_name_token(owner)) else owner
        return _Found(ACTION, owner, True, vacuous=False)
    if _ANYONE_REQUEST.search(clause):
        return _Found(ACTION, ANYONE, True, vacuous=False)
    rest, _ = strip_lead(clause)
    first = rest.split(maxsplit=1)[0].lower().strip(",.") if rest.split() else ""
    # An instruction: "Send me the numbers". Inside a sentence ("But what I request, okay, keep Ed in the loop")
    # it reads as one only when someone takes it up; "…their, document, describing the system" is no instruction.
    # …and the verb takes an object: "Probably close to impossible" is no order to close anything.
    takes_object = re.match(
        r"[A-Za-z]+\s+(?!(?:to|for|from|of|in|on|at|by|with|about|into|as|than|like)\b)[A-Za-z]", rest
    )
    if first in TASK_VERBS and takes_object and len(rest.split()) >= 3 and not question:
        return _Found(ACTION, ADDRESSEE, True, _is_vacuous(rest, first), needs_acceptance=not starts_sentence)
    return None


def _idea(clause: str, *, question: bool) -> _Found | None:
    """A tentative task: "maybe we could add a nightly build", "it might be worth writing a guide"."""
    for pattern in _TENTATIVE:
        match = pattern.search(clause)
        # "Should we run a drill?" asks; "what if we…" proposes even as a question.
        if (
            match
            and (not question or re.search(r"what if|how about|why don't", clause, re.IGNORECASE))
            and not _conditional_before(clause, match)
            and (match.groupdict().get("verb") or "").lower() not in _IDEA_NON_TASK_VERBS | _FUNCTION_WORDS
        ):
            who = match.groupdict().get("who")
            to_you = bool(who) and who.lower() == "you"
            return _Found(ACTION, _who(who), False, vacuous=False, needs_acceptance=to_you)
    named_idea = _NAMED_TENTATIVE.search(clause)
    if named_idea and is_name_token(named_idea.group("name")) and not question:
        return _Found(ACTION, named_idea.group("name"), False, vacuous=False)
    return None


def _action(
    clause: str, *, question: bool, has_future_date: bool = False, starts_sentence: bool = True
) -> _Found | None:
    if _REMINDER.search(clause):  # "don't forget to ask Bob": the "don't" is not a refusal
        return _Found(ACTION, ADDRESSEE, True, _is_vacuous(clause, None))
    if _IN_MEETING.search(clause) and not has_future_date:
        return None
    # What someone else said or would say is not said here: "he said he'll rewrite it in Java"; a quoted
    # request ("and say \" hey, can you record multi-channel? \"") asks nobody in the room.
    clause = _QUOTED.sub(" ", clause)
    reported = _REPORTED.search(clause)
    if reported:
        clause = clause[: reported.start()]
    return (
        _commitment(clause, question=question, has_future_date=has_future_date)
        or _request(clause, question=question, starts_sentence=starts_sentence, has_future_date=has_future_date)
        or _idea(clause, question=question)
    )


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
    for position, message in enumerate(messages):
        speaker = message.speaker.name if message.speaker else None
        addressee_fallback = previous_speaker if previous_speaker != speaker else None
        accepted_by = acceptor(messages, position)
        found_here: list[Task] = []
        addressed_in_message: str | None = None
        said = tidy_spoken(message.text)
        all_sentences = sentences(with_continuation(said, messages, position))
        # "and clean it up by mid-July" carries on a sentence from an earlier turn: it opens no new sentence.
        continues = carries_on(said)
        voice = speaker
        for index, sentence in enumerate(all_sentences):
            if index and opens_with_reply(sentence) and _asks(all_sentences[index - 1]):
                # "Please submit it by May first. Okay, I will…": the diarizer merged two people's turns.
                voice = addressed_in_message or addressee_fallback or voice
            parts = clauses(sentence)
            for clause_index, clause in enumerate(parts):
                # Whisper runs "It would be nice to X, Dave, can you Y?" together: each clause asks or not.
                question = is_question(clause if len(parts) > 1 else sentence)
                _, lead_name = strip_lead(clause)
                addressed_in_message = lead_name or trailing_vocative(clause) or addressed_in_message
                clause_due = find_due_date(clause, meeting_start)
                found = _follow_up(clause) or _action(
                    clause,
                    question=question,
                    has_future_date=clause_due is not None,
                    starts_sentence=(clause_index == 0 and not (index == 0 and continues)) or bool(lead_name),
                )
                if found is None:
                    continue
                if found.needs_acceptance and accepted_by is None:
                    continue
                due = clause_due or _date_in_next_fragment(all_sentences, index, meeting_start)
                # The person asked is the one named, else the one who says yes, else the one being answered.
                owner = {
                    SPEAKER: voice,
                    ADDRESSEE: addressed_in_message or accepted_by or addressee_fallback,
                    ANYONE: accepted_by,
                }.get(found.owner or "", found.owner)
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
    return _without_restatements(tasks, {m.id: i for i, m in enumerate(messages)})


# A task said again a little later ("Maybe you could point it at Chuck" … "So I'll point you to the web site")
# is one task: within this many turns, by the same owner, with enough words in common.
RESTATEMENT_WINDOW = 15
# Right after it, one word in common is enough: "We'll give them all the multi-channel stuff" – "So we'll give
# them all sixteen channels".
ECHO_WINDOW = 3


def _without_restatements(tasks: list[Task], position: dict[str, int]) -> list[Task]:
    """Tasks said again are dropped; a date the restatement adds ("I'll send it by Friday") goes to the first."""
    kept: list[Task] = []
    for task in tasks:
        words = content_words(task.text)
        restated = next(
            (
                index
                for index, earlier in enumerate(kept)
                if earlier.kind == task.kind
                and earlier.owner == task.owner
                and earlier.message_id != task.message_id
                # The next meeting is one meeting however often it is mentioned; a task said again is soon after.
                and (
                    task.kind == FOLLOW_UP
                    or position[task.message_id] - position[earlier.message_id] <= RESTATEMENT_WINDOW
                )
                and len(words & content_words(earlier.text))
                >= (
                    1 if position[task.message_id] - position[earlier.message_id] <= ECHO_WINDOW else min(2, len(words))
                )
            ),
            None,
        )
        if restated is None:
            kept.append(task)
        elif kept[restated].due is None and task.due is not None:
            kept[restated] = replace(kept[restated], due=task.due)
    return kept


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
