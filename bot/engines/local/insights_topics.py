"""Topics (key phrases) and an extractive summary, from word statistics alone.

Candidate phrases are runs of up to three meaningful words between stopwords and filler verbs (RAKE-style):
"the flaky test suite" gives "flaky test suite". Each phrase scores by how many messages mention it (a phrase
spread over the meeting matters more than one repeated in a single breath), boosted for longer phrases; plurals
are merged with their singular. Scores are scaled so the top topic is 1.0. A single word that only ever occurs
inside a kept longer phrase is dropped as redundant; a kept single word that occurs inside longer kept phrases
becomes their parent ("tests" is the parent of "flaky tests").

The summary is the few sentences that carry the most topic weight, in the order they were said.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engines.local.insights_text import STOPWORDS, sentences, stem, word_set
from bot.models import Message, SummaryItem, Topic

MAX_TOPICS = 10
MIN_TOPIC_SCORE = 0.2
MAX_PHRASE_WORDS = 3
SUMMARY_SENTENCES = 4
MIN_SUMMARY_WORDS = 6

# Common verbs and fillers that would otherwise top any meeting's word counts without saying what it was about.
FILLER = word_set(
    """
    go going went gone make makes made making take took taken taking know knew known think thought say said tell
    told ask asked want wanted see saw seen look looked looking come came give gave put use used try tried keep
    kept let mean means work works worked working feel felt seem seems call called add added send sent update
    updated check checked fix fixed review reviewed write wrote written need needed finish finished start started
    happen happens happened talk talked discuss discussed meet met handle done doing able sounds hope agree agreed
    guess move moved decide decided plan planned set ready free busy sure thing stuff idea point everyone anyone
    someone people guys team lot bit part way new old big small good great nice bad best better really quite
    two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand percent
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december tomorrow yesterday today weekend quarter sprint meeting call thanks
    wrote sent did took got told gave ran found had was were built bought spoke began brought broke caught chose
    drove fell forgot heard held knew led lost paid sold spent stood taught understood won shipped
    """
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|[.,;:?!]")


@dataclass
class _Phrase:
    words: tuple[str, ...]
    surface: dict[str, int]
    message_ids: list[str]
    count: int = 0


def _is_break(token: str) -> bool:
    lower = token.lower().replace("’", "'")
    return not token[0].isalpha() or lower in STOPWORDS or lower in FILLER or stem(lower) in FILLER or len(lower) < 3


def _candidate_runs(text: str) -> list[list[str]]:
    runs: list[list[str]] = []
    current: list[str] = []
    for token in _TOKEN.findall(text):
        if _is_break(token):
            if current:
                runs.append(current)
            current = []
        else:
            current.append(token)
    if current:
        runs.append(current)
    return runs


def _phrases_of(run: list[str]) -> list[list[str]]:
    if len(run) <= MAX_PHRASE_WORDS:
        return [run]
    return [run[i : i + MAX_PHRASE_WORDS] for i in range(len(run) - MAX_PHRASE_WORDS + 1)]


def _topic_id(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def extract_topics(messages: Sequence[Message], *, person_names: frozenset[str] = frozenset()) -> list[Topic]:
    """Key phrases of the meeting, best first, scored 0..1, with the messages that mention them."""
    phrases: dict[tuple[str, ...], _Phrase] = {}
    for message in messages:
        for run in _candidate_runs(message.text):
            kept = [t for t in run if t.lower() not in person_names]
            if len(kept) != len(run):
                continue
            for words in _phrases_of(run):
                key = tuple(stem(w.lower().replace("’", "'")) for w in words)
                phrase = phrases.setdefault(key, _Phrase(key, defaultdict(int), []))
                phrase.surface[" ".join(w.lower() for w in words)] += 1
                phrase.count += 1
                if message.id not in phrase.message_ids:
                    phrase.message_ids.append(message.id)
    if not phrases:
        return []
    raw = {
        key: len(p.message_ids) * (1.0 + 0.5 * (len(key) - 1)) + 0.25 * (p.count - len(p.message_ids))
        for key, p in phrases.items()
    }
    ranked = sorted(raw, key=lambda k: (-raw[k], -len(k), " ".join(k)))
    chosen: list[tuple[str, ...]] = []
    for key in ranked:
        if len(chosen) >= MAX_TOPICS * 2:
            break
        inside_longer = [c for c in chosen if len(c) > len(key) and _contains(c, key)]
        if inside_longer and phrases[key].count <= sum(phrases[c].count for c in inside_longer):
            continue
        chosen.append(key)
    top = raw[chosen[0]]
    topics: list[Topic] = []
    for key in chosen[:MAX_TOPICS]:
        score = round(raw[key] / top, 3)
        if score < MIN_TOPIC_SCORE:
            continue
        phrase = phrases[key]
        text = max(phrase.surface, key=lambda s: (phrase.surface[s], s))
        parents = tuple(
            _surface(phrases[c]) for c in chosen[:MAX_TOPICS] if len(c) == 1 and len(key) > 1 and _contains(key, c)
        )
        topics.append(Topic(_topic_id(text), text, score, parents, tuple(phrase.message_ids)))
    return topics


def _surface(phrase: _Phrase) -> str:
    return max(phrase.surface, key=lambda s: (phrase.surface[s], s))


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    return any(longer[i : i + len(shorter)] == shorter for i in range(len(longer) - len(shorter) + 1))


def extractive_summary(messages: Sequence[Message], topics: Sequence[Topic]) -> list[SummaryItem]:
    """The sentences carrying the most topic weight (at most ``SUMMARY_SENTENCES``), in the order said."""
    weights = {topic.text: topic.score for topic in topics}
    scored: list[tuple[float, int, str, str]] = []
    order = 0
    for message in messages:
        for sentence in sentences(message.text):
            order += 1
            if len(sentence.split()) < MIN_SUMMARY_WORDS:
                continue
            lower = sentence.lower()
            score = sum(weight for text, weight in weights.items() if text in lower)
            if score > 0:
                scored.append((score, order, sentence, message.id))
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:SUMMARY_SENTENCES]
    return [
        SummaryItem(_topic_id(f"summary:{message_id}:{sentence}"), sentence, (message_id,))
        for _, _, sentence, message_id in sorted(best, key=lambda item: item[1])
    ]
