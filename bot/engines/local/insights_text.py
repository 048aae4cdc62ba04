"""Text helpers shared by the offline insight extractors: sentences, words, stopwords, names said aloud.

Everything here is plain rules over Whisper-style text (sentence case, mostly punctuated, numbers often spelled
out); no tagger or model is involved.
"""

from __future__ import annotations

import re

from bot.engines.local.dates import MONTHS, WEEKDAYS


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: word lists read best as plain text."""
    return frozenset(text.split())


STOPWORDS = word_set(
    """
    a about above after again against all also am an and any anyone anything are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
    down during each either else even ever every everyone everything few for from further get gets getting got had
    hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how how's
    i i'd i'll i'm i've if in into is isn't it it's its itself just let let's like lot me might more most much must
    mustn't my myself need needs no nor not now of off oh ok okay on once one only or other ought our ours ourselves
    out over own per please probably quite rather really right same shall shan't she she'd she'll she's should
    shouldn't so some someone something somebody still such sure than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've thing things this those though through to too
    under until up upon us very via was wasn't we we'd we'll we're we've well were weren't what what's when when's
    where where's whether which while who who's whom whose why why's will with won't would wouldn't yeah yes yet
    you you'd you'll you're you've your yours yourself yourselves maybe perhaps actually anyway great good thanks
    thank hi hello hey alright fine nice perfect agreed cool awesome sounds sound bit kind sort maybe else
    already always never often soon later today tomorrow yesterday tonight morning afternoon evening week weeks
    month months day days year years time next last first second third end start beginning around almost enough
    """
)

# Leading words people say before the point of a sentence ("Okay, …", "Good catch. …"); never names.
DISCOURSE_MARKERS = word_set(
    """
    okay ok so well sure yes yeah yep no nope right great thanks thank perfect agreed nice good alright also now
    then honestly actually anyway hi hello hey morning afternoon evening sorry first second finally and but or look
    listen oh um uh hmm cool awesome fine true exactly absolutely indeed probably maybe besides otherwise however
    totally definitely wow excellent lovely correct understood gotcha welcome
    """
)

NOT_NAMES = (
    DISCOURSE_MARKERS
    | frozenset(WEEKDAYS)
    | frozenset(MONTHS)
    | word_set(
        """
        i i'm i'll i've i'd this that it everyone everybody all guys folks team there here let's we you they she he
        today tomorrow yesterday speaker name
        """
    )
)

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=\S)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")
_LEADING_MARKER = re.compile(
    r"^(?:(?:good (?:point|catch|idea|question)|one more thing|by the way|on my side|in that case|oh)[,.]?\s+"
    r"|(?:" + "|".join(sorted(DISCOURSE_MARKERS, key=len, reverse=True)) + r")\b[,.!]?\s+)",
    re.IGNORECASE,
)
_GREETING_VOCATIVE = re.compile(
    r"^(?i:hi|hey|hello|thanks|thank you|morning|good morning)[,]?\s+([A-Z][a-z]+)\b[,.!]?\s*"
)
_VOCATIVE = re.compile(r"^([A-Z][a-z]+),\s+")


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences at ., ? and ! (Whisper punctuates; the gold scripts mostly do too)."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def words(text: str) -> list[str]:
    """Lower-case words of ``text`` with typographic apostrophes normalised."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """A crude stem so "tests", "tested" and "testing" compare equal; good enough for overlap and topics."""
    word = word.lower().removesuffix("'s")
    for suffix, minimum in (("ies", 5), ("ing", 6), ("ed", 5), ("es", 5), ("s", 4)):
        if word.endswith(suffix) and len(word) >= minimum and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> set[str]:
    """Stems of the words of ``text`` that carry meaning (stopwords dropped)."""
    return {stem(w) for w in words(text) if w not in STOPWORDS and not w.isdigit()}


def is_name_token(token: str) -> bool:
    """True when ``token`` looks like a person's first name: capitalised, alphabetic, not a common word."""
    return bool(re.fullmatch(r"[A-Z][a-z]+", token)) and token.lower() not in NOT_NAMES


def strip_lead(sentence: str) -> tuple[str, str | None]:
    """The sentence without leading discourse markers and vocatives, and the last name addressed there.

    "Okay, Dave, can you…" -> ("can you…", "Dave"); "Hi Tom, how are you" -> ("how are you", "Tom").
    """
    addressed: str | None = None
    rest = sentence.strip()
    while True:
        greeting = _GREETING_VOCATIVE.match(rest)
        if greeting and is_name_token(greeting.group(1)):
            addressed, rest = greeting.group(1), rest[greeting.end() :]
            continue
        vocative = _VOCATIVE.match(rest)
        if vocative and is_name_token(vocative.group(1)):
            addressed, rest = vocative.group(1), rest[vocative.end() :]
            continue
        marker = _LEADING_MARKER.match(rest)
        if marker and marker.end() < len(rest):
            rest = rest[marker.end() :]
            continue
        return rest, addressed


def trailing_vocative(sentence: str) -> str | None:
    """A name said at the end of a sentence ("What do you think, Bob?"), else None."""
    match = re.search(r",\s+([A-Z][a-z]+)[?.!]*$", sentence.strip())
    return match.group(1) if match and is_name_token(match.group(1)) else None


_CLAUSE_BREAK = re.compile(
    r",?\s+(?:and|but|so|then)\s+(?=(?:i|i'll|i'm|i've|we|we'll|we're|you|you'll|he|she|they|let's)\b)"
    r"(?!i\s+(?:are|were|have been)\b)"  # "Maria and I are gonna…" is one subject, not two clauses
    # Whisper often strings a turn together with commas: "…first, Dave, can you…", "…missing, I'll get them…".
    r"|,\s+(?=(?:i'll|i will|we'll|we will|let's|can you|could you|would you|will you|please)\b)"
    r"|,\s+(?=[A-Z][a-z]+,\s)",
    re.IGNORECASE,
)


def clauses(sentence: str) -> list[str]:
    """The sentence cut where a new subject starts ("Send me the deck and I'll review it" -> two clauses)."""
    parts = [c.strip(" ,") for c in _CLAUSE_BREAK.split(sentence) if c.strip(" ,")]
    merged: list[str] = []
    for part in parts:
        if merged and is_name_token(merged[-1].rstrip(",")):
            merged[-1] = f"{merged[-1]}, {part}"  # "Tom, please…": a name alone is whom the next clause addresses
        else:
            merged.append(part)
    return merged


_REQUEST_FORM = re.compile(r"\b(?:can|could|will|would) you\b|^please\b|\bplease\s+[a-z]+", re.IGNORECASE)
_REPLY_OPENING = re.compile(
    r"^(?:okay|ok|sure|yes|yeah|yep|will do|no problem|sounds good|of course|absolutely|definitely|got it)\b",
    re.IGNORECASE,
)


def is_request(sentence: str) -> bool:
    """True when ``sentence`` asks someone present to do something ("Can you…", "Please…")."""
    return bool(_REQUEST_FORM.search(strip_lead(sentence)[0]))


def opens_with_reply(sentence: str) -> bool:
    """True when ``sentence`` starts like an answer ("Okay, I will…", "Sure.")."""
    return bool(_REPLY_OPENING.match(sentence.strip()))


# Spoken-language debris that carries no meaning for the rules: hesitation fillers, and words said twice when a
# speaker restarts ("I I I was thinking", "we'll we'll we'll see", "could could you send").
_FILLER = re.compile(r"(?:^|(?<=[\s,.]))(?i:uh|um|uhm|er|erm|ah|mm|hmm)(?:[,.]?\s+|[,.]?$)")
_REPEATED_WORD = re.compile(r"\b([\w'’]+)(?:,?\s+\1(?![\w'’-]))+", re.IGNORECASE)
_REPEATED_PHRASE = re.compile(r"\b((?:[\w'’]+\s+){1,2}[\w'’]+)(?:,?\s+\1(?![\w'’-]))+", re.IGNORECASE)
# A restart around a cut-off word: "Did y did you get enough" -> "did you get enough".
_RESTARTED_WORD = re.compile(r"\b([\w'’]+)\s+([a-z]{1,3})\s+(?=\1\s+\2)", re.IGNORECASE)
# "you know," as a filler, not "you know what she is going to do" (ICSI: "come up ki you know, be ab for…")
_YOU_KNOW_FILLER = re.compile(r",?\s*\byou know,\s*", re.IGNORECASE)


def tidy_spoken(text: str) -> str:
    """``text`` without hesitation fillers and restarted words, so the rules see what was meant.

    "So, I'll, um I'll actually after the meeting I'll add the second stream" -> "So, I'll actually after the
    meeting I'll add the second stream"; "Yes, we can CC him" is unchanged. Spelled-out numbers said twice on
    purpose ("two two-way radios") survive: only whole repeated words next to each other go.
    """
    tidied = _FILLER.sub("", text)
    tidied = _YOU_KNOW_FILLER.sub(", ", tidied)
    tidied = re.sub(r"\b(i'll|i will|we'll|we will),\s+(?=\1\b)", "", tidied, flags=re.IGNORECASE)
    tidied = _RESTARTED_WORD.sub("", tidied)
    tidied = _REPEATED_PHRASE.sub(r"\1", _REPEATED_WORD.sub(r"\1", tidied))
    tidied = re.sub(r"\s+([,.?!])", r"\1", tidied)
    tidied = re.sub(r"([,])(?:\s*,)+", r"\1", tidied)
    return re.sub(r"\s{2,}", " ", tidied).strip(" ,")
