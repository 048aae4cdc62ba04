"""The offline engine's sentiment: how positive or negative each message and topic was, with VADER.

VADER (vaderSentiment 3.3.2, MIT) is a lexicon and rules made for short informal text: it handles negation ("not
good"), boosters ("really great"), "but" shifts and punctuation. Its compound score in [-1, 1] is the polarity.

Two things are tuned for meeting talk, measured on the real AMI/ICSI transcripts (``bench/bench_sentiment.py``):

* Response tokens and fillers are not scored. Spoken meetings are full of "yeah", "okay", "sure" (agreement and
  turn-taking) and filler "like"; VADER's lexicon, made from tweets, rates each mildly positive, so "Yeah. Yeah."
  came out positive (+0.53) and "it's like ten point one" positive (+0.36). They are taken out before scoring.
* The labels need a clear lean, not VADER's usual ±0.05: at ±0.05 nearly half of all meeting turns were
  "positive" (46%), at ±0.3 still a quarter. Positive is above 0.5: one strong word ("Great.", "Oh, excellent.
  Good.") or several milder ones; a lone "Good." (+0.44) stays neutral. Negative needs more, below -0.65: in
  technical meetings VADER's negative words are mostly the domain's own terms ("insertion penalty", "echo
  cancellation", "whether we get really hurt on ...", "the noise"), and at -0.5 most turns it called negative read
  as neutral statements; a negative label is also the costlier mistake (a topic or a meeting marked as going
  badly). -0.65 was chosen on one half of the real transcripts and checked on the other (bench_sentiment.py).
* A message is only negative when at least two different words carry the negative (``NEGATIVE_CUES``): a word
  from VADER's lexicon rated negative, or a positive one under negation ("not good"). One strong word alone is
  too often a joke, a quotation or a domain term: "Killing machines!" (ICSI Bed012, a pun on "reasoning
  machines") scored -0.69 on "killing" alone, while the complaints on the real transcripts name the problem more
  than once ("all the wrong connotations ... it's stand alone", ICSI Bed009; "it cuts ... a worse result",
  ICSI Bro023). Positive labels are left as they are: a lone "Great." is praise.

A topic's polarity is the mean of its messages' polarity, labelled with the same thresholds: a topic is only
positive or negative when what was said about it clearly leans that way overall.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from statistics import fmean

from bot.models import NEGATIVE, NEUTRAL, POSITIVE, Message, Sentiment, Topic

POSITIVE_ABOVE = 0.5
NEGATIVE_BELOW = -0.65
NEGATIVE_CUES = 2  # different words that must carry a negative label (see the module's docstring)

# Response tokens (backchannels and answers): "Yeah, yeah." / "Okay." / "Sure." / "Mm-hmm." They say "I hear you"
# or "go on", not how the speaker feels, and stand anywhere in a spoken turn ("Yep. But what I request, okay, ...").
_RESPONSE_TOKENS = re.compile(r"\b(?:yeah|yep|yes|okay|ok|alright|all right|sure|mm-hmm|uh-huh)\b[,.!?]*", re.I)
# A turn-initial "well" is a discourse marker ("Well, I'm saying ..."), not an evaluation ("it works well").
_INITIAL_WELL = re.compile(r"^\s*well\b[,.]?", re.I)
# "like" is the verb only after its subject, an auxiliary or "to", perhaps with an adverb between ("I like this",
# "teenagers will like it", "I really like it"); elsewhere it is the filler or the preposition ("it's like ten
# point one", "products like iPod", "they're like, varying different parameters").
# fmt: off
_LIKE_SUBJECTS = frozenset({
    "i", "you", "we", "they", "he", "she", "people", "who", "i'd", "we'd", "you'd", "they'd",
    "would", "will", "won't", "do", "don't", "did", "didn't", "does", "doesn't", "might", "may", "to",
})
# fmt: on
_ADVERBS_BEFORE_A_VERB = frozenset(["really", "also", "just", "still", "actually", "all", "both"])


def _is_the_verb_like(words: list[str], index: int) -> bool:
    before = [w.lower() for w in words[max(0, index - 2) : index]]
    if before and before[-1] in _ADVERBS_BEFORE_A_VERB:
        before = before[:-1]
    return bool(before) and before[-1] in _LIKE_SUBJECTS


def _without_fillers(text: str) -> str:
    text = _INITIAL_WELL.sub(" ", _RESPONSE_TOKENS.sub(" ", text))
    words = text.split()
    kept = [
        word
        for index, word in enumerate(words)
        if word.lower().strip(",.?!") != "like" or _is_the_verb_like(words, index)
    ]
    return " ".join(kept)


@functools.cache
def _analyzer():
    # Loading the lexicon takes about 0.1 s: once per process, on first use. Scoring only reads it (thread-safe).
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def label(polarity: float) -> str:
    """positive above ``POSITIVE_ABOVE``, negative below ``NEGATIVE_BELOW``, else neutral."""
    if polarity > POSITIVE_ABOVE:
        return POSITIVE
    if polarity < NEGATIVE_BELOW:
        return NEGATIVE
    return NEUTRAL


def negative_cues(text: str) -> int:
    """How many different words of ``text`` say something negative: VADER's negative words, negated positive ones."""
    from vaderSentiment.vaderSentiment import NEGATE

    lexicon = _analyzer().lexicon
    words = [w.lower().strip(',.?!;:"()') for w in _without_fillers(text).split()]
    cues = set()
    for index, word in enumerate(words):
        valence = lexicon.get(word, 0.0)
        negated = any(w in NEGATE or w.endswith("n't") for w in words[max(0, index - 3) : index])
        if valence < 0 or (valence > 0 and negated):
            cues.add(word)
    return len(cues)


def polarity(text: str) -> float | None:
    """VADER's compound score of ``text`` in [-1, 1]; ``None`` for a turn with no words."""
    if not text.strip():
        return None
    return round(_analyzer().polarity_scores(_without_fillers(text))["compound"], 4)


def message_sentiment(text: str) -> Sentiment | None:
    """The sentiment of one utterance, or ``None`` when it has no words."""
    score = polarity(text)
    if score is None:
        return None
    suggested = label(score)
    if suggested == NEGATIVE and negative_cues(text) < NEGATIVE_CUES:
        suggested = NEUTRAL
    return Sentiment(polarity=score, suggested=suggested)


def topic_sentiment(scores: Iterable[float], *, negative_said: bool = True) -> Sentiment | None:
    """The mean polarity of a topic's messages, labelled like a message; ``None`` when none was scored.

    ``negative_said``: whether any of its messages is labelled negative. A topic is not negative without one,
    for the reason a message needs two negative words: one joke's "killing" must not mark the topic it is in.
    """
    values = list(scores)
    if not values:
        return None
    mean = round(fmean(values), 4)
    suggested = label(mean)
    if suggested == NEGATIVE and not negative_said:
        suggested = NEUTRAL
    return Sentiment(polarity=mean, suggested=suggested)


def with_sentiment(
    messages: Sequence[Message], topics: Sequence[Topic]
) -> tuple[tuple[Message, ...], tuple[Topic, ...]]:
    """``messages`` and ``topics`` with their ``sentiment`` filled in."""
    rated = tuple(replace(m, sentiment=message_sentiment(m.text)) for m in messages)
    by_id = {m.id: m.sentiment for m in rated if m.sentiment}
    return rated, tuple(replace(t, sentiment=_topic(t, by_id)) for t in topics)


def _topic(topic: Topic, by_id: dict[str, Sentiment]) -> Sentiment | None:
    said = [by_id[i] for i in topic.message_ids if i in by_id]
    return topic_sentiment((s.polarity for s in said), negative_said=any(s.suggested == NEGATIVE for s in said))
