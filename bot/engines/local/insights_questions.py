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
        tokens, original = tokens[1:], original[1:]
    if tokens[0] in WH_WORDS:
        if tokens[0] == "what" and len(tokens) > 1 and tokens[1] == "about":
            return True
        # "When the build is green, we ship" is a statement: a wh-clause followed by a main clause.
        if tokens[0] in {"when", "where"} and "," in rest:
            return False
        return not _is_pseudo_cleft(tokens)
    if tokens[0] in AUXILIARIES:
        return _has_subject_after_auxiliary(tokens, original)
    return False
