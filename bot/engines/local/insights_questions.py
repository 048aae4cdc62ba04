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


# Where a new question can start inside running talk: the start, after a comma or a joining word, or at a
# capitalised auxiliary that transcribers write when a new sentence starts ("…but I guess Did you get…").
_BOUNDARY = (
    r"(?:^|[,;:.]\s*|\b(?:but|and|so|or|then|okay|ok|well|mean|now|like|no|yeah|yes|guess|anyway)\s+"
    r"|\s(?=(?-i:Do|Does|Did|Can|Could|Would|Will|Should|Is|Are|Was|Were|Have|Has|What|Why|How|When|Where|Who)\b))"
    # a false start cut off and said again: "then d do you think two weeks is close enough", "So wha what's…"
    r"(?:[a-z]\s+|(?P<cut>[a-z]{2,3})\s+(?=(?P=cut))"
    # …or a cut-off sound that is no word: "But th what's our ballpark"
    r"|(?!(?:an|as|at|be|by|do|go|he|if|in|is|it|me|my|no|of|on|or|so|to|up|us|we|am|oh|ok)\b)[a-z]{2}\s+)?"
)
_AUXILIARY = r"(?:do|does|did|can|could|would|will|should|shall|have|has|are|is|was|were|may|might)(?:n't)?"
_QUESTION_SUBJECTS = (
    r"(?:you|we|they|there|he|she|i|it|that|this|anyone|anybody|everyone|everybody|someone|somebody|people"
    r"|the|my|your|our|his|her|their)"
)
_WH = r"(?:who|what|why|how|when|where|which)"
_EMBEDDED_QUESTION = re.compile(
    _BOUNDARY
    + r"(?:"
    # "do you have some idea how we can sell this", "I mean, is it something of interest"
    + rf"{_AUXILIARY}\s+{_QUESTION_SUBJECTS}\b"
    # "what's the significance of November fifteenth", "So what's next", "Who How far is the specification"
    # ("which is…" without its "?" is far more often a relative clause: "which is a standard Wiener filter")
    + rf"|(?:{_WH}\s+)*(?!which){_WH}(?:'s\b|\s+(?:(?:much|many|far|long|soon|often|else|exactly)\s+)?{_AUXILIARY}\b)"
    # "what sorta price are we looking to sell it for": words between, then the auxiliary before its subject
    # (not "what we are going to do", "what cost is": there the subject comes first, a clause inside a statement)
    + rf"|{_WH}\s+(?:(?!(?:i|we|you|they|he|she|it)\b)[a-z]+\s+){{1,2}}{_AUXILIARY}\s+{_QUESTION_SUBJECTS}\b"
    # "or how many members is working in the team": the wh-phrase is the subject
    + rf"|how\s+(?:many|much)\s+[a-z]+\s+{_AUXILIARY}\b"
    # "When you say 'the whole group', you mean the four of us"
    + r"|you\s+mean\b"
    # "by when you think you can give me a design"
    + rf"|{_WH}\s+(?:do\s+)?(?:you|we)\s+think\b"
    + r")",
    re.IGNORECASE,
)
# Asking the room: "Anyone have any questions", "so there's any questions", "everyone know what they're doing".
_ASKING_THE_ROOM = re.compile(
    r"(?:^|[,.;]\s*|\b(?:so|and|okay|ok|well)\s+)(?:anyone|anybody|any)\s+(?:have\b|has\b|got\b|else\b|"
    r"(?:other\s+)?(?:questions?|comments?|thoughts|ideas|objections|suggestions|business)\b)"
    r"|\b(?:there's|there is|is there|are there)\s+any\s+(?:other\s+)?(?:questions?|comments?)\b"
    r"|(?:^|[,.;]\s*)(?:everyone|everybody)\s+(?:know|have|agree|understand|happy|okay|ok|clear|ready)\b",
    re.IGNORECASE,
)
# A tag that asks for confirmation of what the speaker does not know: "you are my coordinator, am I right";
# "that's up to us to decide, eh"; "you're looking at the VAD, right".
_CONFIRMATION_TAG = re.compile(
    r"(?:,\s*(?:right|eh|huh|no|correct|yes or no)|\b(?:am i right|is that right|is that correct|isn't it|aren't you"
    r"|don't you think|you think so))[.!,]*$",
    re.IGNORECASE,
)
# An open alternative at the end: "…the functional design, or"; "With lapel mikes or something".
_OPEN_ALTERNATIVE = re.compile(r"(?:,\s*or|\bor something|\bor what|\bor anything)[.!,]*$", re.IGNORECASE)
_WHETHER_OPENING = re.compile(r"^(?:and\s+|so\s+|but\s+)?whether\b", re.IGNORECASE)


def asks_something(sentence: str) -> bool:
    """True when ``sentence`` asks the others anything, even in the middle of talk and without a question mark.

    Wider than ``is_question`` (which judges the sentence's own form and stops commitments being read into
    questions): it also finds a question that starts after a comma or a joining word, a question put to the room
    ("Anyone have any questions"), a confirmation tag ("…, am I right"), an alternative left open ("…, or") and
    an embedded "whether…" turn.
    """
    text = sentence.strip()
    if is_question(text):
        return True
    rest, _ = strip_lead(text)
    return bool(
        _EMBEDDED_QUESTION.search(rest)
        or _ASKING_THE_ROOM.search(rest)
        or _CONFIRMATION_TAG.search(rest)
        or _OPEN_ALTERNATIVE.search(rest)
        or _WHETHER_OPENING.match(rest)
    )


# Questions said as statements, recognisable without their rising tone when a turn is short: checking what the
# one addressed has or means ("you already have it", "you mean the four of us, and Keith"), and fragments that
# offer an alternative or ask to narrow down ("Or, three days", "As in, four days", "For the VAD").
CLARIFICATION_MAX_WORDS = 8
_CHECKING_YOU = re.compile(
    r"^(?:(?:and|so|oh|okay|ok|but|then)[,]?\s+)*you(?:'re| are)?\s+"
    r"(?:already\s+|still\s+|also\s+|probably\s+|just\s+)*"
    r"(?:mean|have(?! to)|got|saying|talking|taking|looking|using|doing|involved)\b",  # not "you know", "you have to"
    re.IGNORECASE,
)
# Someone's details left for them to fill in: "And your email is"
_BLANK_TO_FILL = re.compile(
    r"^(?:(?:and|so|okay|ok)[,]?\s+)*(?:your|his|her|their)\s+[a-z]+(?:\s+[a-z]+)?\s+(?:is|are)[.,]*$", re.IGNORECASE
)
_NARROWING_FRAGMENT = re.compile(r"^(?:(?:oh|so|and)[,.]?\s+)*(?:or|as in|for|with|cuz|because of)\b", re.I)
NARROWING_WORDS = range(3, 5)  # "Or, three days", "For the industrial design"; longer ones list an answer
_FINITE_VERB = re.compile(
    r"\b(?:is|are|was|were|am|'s|'re|do|does|did|have|has|had|will|would|can|could|should|shall|may|might|must"
    r"|[a-z]+ed|i|we|they|he|she)\b",
    re.IGNORECASE,
)


def is_clarification(turn: str) -> bool:
    """True when a short turn asks by its form alone: a statement about "you", or a narrowing fragment."""
    text = turn.strip()
    words_said = words(text)
    if not words_said or len(words_said) > CLARIFICATION_MAX_WORDS:
        return False
    if _CHECKING_YOU.match(text) or _BLANK_TO_FILL.search(text):
        return True
    narrowing = _NARROWING_FRAGMENT.match(text) and not _FINITE_VERB.search(text)
    return bool(narrowing) and len(words_said) in NARROWING_WORDS
