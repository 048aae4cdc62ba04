"""Is this sentence a question? A question mark says so; without one, the sentence's form decides.

Whisper punctuates most questions, but flat synthetic or mumbled speech loses the "?", so interrogative forms
count too: a wh-word first ("who is reviewing…", "by how much"), or an auxiliary verb followed by its subject
("can you…", "do we…", "is it…", "have you…"). Statements that start the same way are excluded by form:
pseudo-clefts ("What didn't go well was the tests") and "will do" style replies have no subject after the verb.
"""

from __future__ import annotations

import re

from bot.engines.local.insights_text import is_name_token, strip_lead, word_set, words

WH_WORDS = frozenset({"what", "why", "how", "when", "where", "who", "which", "whose", "whom"})
AUXILIARIES = word_set(
    """
    is are was were am do does did can could will would should shall may might must have has had
    isn't aren't wasn't weren't don't doesn't didn't can't couldn't won't wouldn't shouldn't haven't hasn't
    """
)
# "Have a good weekend" is an imperative: "have" asks a question only with a pronoun after it.
_HAVE_FAMILY = frozenset({"have", "has", "had", "haven't", "hasn't"})
PRONOUN_SUBJECTS = word_set(
    """
    i you we they he she it there this that these those anyone anybody anything everyone everybody everything
    someone somebody something one
    """
)
DETERMINER_SUBJECTS = word_set("the a an our your my his her their its any all some each every no")
_LEADING_PREPOSITION = word_set("by for in on at to from with about since until")


def _has_subject_after_auxiliary(tokens: list[str], original: list[str]) -> bool:
    if len(tokens) < 2:
        return False
    following = tokens[1]
    if tokens[0] in _HAVE_FAMILY:
        return following in PRONOUN_SUBJECTS
    if following in PRONOUN_SUBJECTS or following in DETERMINER_SUBJECTS:
        return True
    return len(original) > 1 and is_name_token(original[1])


def _is_pseudo_cleft(tokens: list[str]) -> bool:
    """ "What didn't go well was X": a wh-clause used as a subject, followed later by is/was."""
    copulas = {"is", "was", "isn't", "wasn't"}
    return len(tokens) > 3 and tokens[1] not in {*copulas, "are", "were"} and any(t in copulas for t in tokens[2:])


def is_question(sentence: str) -> bool:
    """True when ``sentence`` asks something, with or without a question mark."""
    text = sentence.strip()
    if text.endswith("?"):
        return True
    rest, _ = strip_lead(text)
    original = re.findall(r"[A-Za-z][A-Za-z'’-]*", rest)
    tokens = words(rest)
    if not tokens:
        return False
    if tokens[0] in _LEADING_PREPOSITION and len(tokens) > 1 and tokens[1] in WH_WORDS:
        # "By when you think you can give me a plan" asks; "in which case, Hari will push" is a relative clause.
        return tokens[1] != "which"
    if tokens[0] in WH_WORDS:
        if len(tokens) > 1 and (tokens[1] in AUXILIARIES - _HAVE_FAMILY and tokens[0] == "which"):
            return False  # "Which will also feed into the marketing": a relative clause continued, not a question
        if len(tokens) > 1 and tokens[1] in PRONOUN_SUBJECTS | DETERMINER_SUBJECTS | {"to"} and tokens[0] != "how":
            # "where the arrows are pointing", "what I request", "what to do after we froze": clauses, not asks
            return False
        if tokens[0] == "what" and len(tokens) > 1 and tokens[1] == "about":
            return True
        # "When the build is green, we ship" is a statement: a wh-clause followed by a main clause.
        if tokens[0] in {"when", "where"} and "," in rest:
            return False
        return not _is_pseudo_cleft(tokens)
    if tokens[0] in AUXILIARIES:
        return _has_subject_after_auxiliary(tokens, original)
    return False


# Inside a sentence, a question starts where an auxiliary meets its subject after a pause or a joining word:
# "Yeah, but before we talk about the finance, okay, do you have some idea how we can sell this"; "I mean, is
# there Are there any other meetings here that we can record".
_QUESTION_SUBJECTS = "you|we|they|there|he|she|i|anyone|anybody|everyone|everybody|someone|somebody|people"
_EMBEDDED_QUESTION = re.compile(
    r"(?:^|[,;:]\s*|\b(?:but|and|so|or|then|okay|ok|well|mean|now|like)\s+)"
    r"(?:(?:who|what|why|how|when|where|which)(?:\s+(?:much|many|far|long|soon|often|else|exactly))?\s+)?"
    r"(?:do|does|did|can|could|would|will|should|shall|have|has|are|is|was|were|may|might)(?:n't)?\s+"
    rf"(?:{_QUESTION_SUBJECTS})\b",
    re.IGNORECASE,
)
# Asking the room: "Anyone have any questions", "any questions for the time being", "any other business".
_ASKING_THE_ROOM = re.compile(
    r"(?:^|[,.;]\s*|\b(?:so|and|okay|ok|well)\s+)(?:anyone|anybody|any)\s+(?:have\b|has\b|got\b|else\b|"
    r"(?:other\s+)?(?:questions?|comments?|thoughts|ideas|objections|suggestions|business)\b)",
    re.IGNORECASE,
)
# An open alternative at the end: "…the functional design, or"; "whether we're gonna stick to Prolog or not".
_OPEN_ALTERNATIVE = re.compile(r"(?:,\s*or|\bor not|\bor something|\bor what|\bor anything)[.!,]*$", re.IGNORECASE)
_WHETHER_OPENING = re.compile(r"^(?:and\s+|so\s+|but\s+)?whether\b", re.IGNORECASE)


def asks_something(sentence: str) -> bool:
    """True when ``sentence`` asks the others anything, even in the middle of talk and without a question mark.

    Wider than ``is_question`` (which judges the sentence's own form and stops commitments being read into
    questions): it also finds a question that starts after a comma or a joining word, a question put to the room
    ("Anyone have any questions"), an alternative left open ("…, or") and an embedded "whether…" turn.
    """
    text = sentence.strip()
    if is_question(text):
        return True
    rest, _ = strip_lead(text)
    return bool(
        _EMBEDDED_QUESTION.search(rest)
        or _ASKING_THE_ROOM.search(rest)
        or _OPEN_ALTERNATIVE.search(rest)
        or _WHETHER_OPENING.match(rest)
    )
