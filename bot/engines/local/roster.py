"""Names Whisper misheard, put back from a roster of the people who may be in the meeting.

tiny.en often does not know a first name and writes something else in its place: a stand-in ("Name, could you…"
for "Dave, could you…") or a near-sounding word ("Mom, will you…" for "Bob, will you…"). Those names are what the
insight extractor needs most: they say who is asked to do something and who speaks next.

When the app knows who may be present (a Slack channel's members), each *name slot* — a stand-in "name", or an
unsure word said to someone right before a request or question — is rescored: the segment's text is scored by the
same Whisper model against the segment's audio with each roster name in the slot (CTranslate2 ``align`` gives every
text token's probability, teacher-forced), and the best name replaces the word when it clearly beats the other names
and, for a real word, costs the sentence little against what Whisper wrote. Nothing changes without a roster.

The thresholds were chosen on the ``tune`` meetings in tests/data/meetings (bench/bench_local_insights.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.engines.local.insights_questions import is_question
from bot.engines.local.insights_text import NOT_NAMES, STOPWORDS, is_request, word_set
from bot.engines.local.speech import SAMPLE_RATE, Word

if TYPE_CHECKING:
    import numpy as np

# Names scored per slot at most: a big channel's roster is cut (first names, in the order given).
MAX_ROSTER = 64
# The best name must beat the runner-up by this many nats (log-probability of the whole segment) …
MIN_MARGIN = 1.0
# … and, in place of a real word, lose at most this much against Whisper's own reading.
MAX_LOSS = 4.0
# A word Whisper was this sure of is what was said, even in a name's place.
MAX_WORD_PROBABILITY = 0.6
# Texts scored in one decoder batch. Each carries the encoder output and its cross-attention over every frame:
# batches of 13 raised the transcribing process's peak RSS by ~165 MB, batches of 4 by ~20 MB, at the same speed.
BATCH = 4
# Audio kept either side of a segment's words when it is scored.
PAD_SECONDS = 0.3

STAND_IN = "stand-in"
VOCATIVE = "vocative"

_TOKEN = re.compile(r"([^\W\d_](?:[^\W\d_]|')*)([,.?!]?)")  # a word of letters (any script), then punctuation
_SENTENCE_END = (".", "?", "!")
# "the name", "my name": the word itself, not a stand-in for one
_POSSESSORS = word_set("a an the my your his her our their its whose this that same full first last")
_GREETINGS = word_set("thanks thank hi hey hello morning")


@dataclass(frozen=True)
class NameSlot:
    """A word that may be a misheard name: its index among the words and why it is suspected."""

    index: int
    kind: str


def first_names(roster: Iterable[str], limit: int = MAX_ROSTER) -> list[str]:
    """Distinct first names of ``roster`` ("Dave Smith" -> "Dave"), capitalised, in order, at most ``limit``."""
    names: list[str] = []
    for entry in roster:
        match = _TOKEN.match(entry.strip())
        if not match:
            continue
        name = match.group(1)[:1].upper() + match.group(1)[1:]
        if name.lower() not in NOT_NAMES and name not in names:
            names.append(name)
    return names[:limit]


def _core(text: str) -> tuple[str, str] | None:
    match = _TOKEN.fullmatch(text)
    return (match.group(1), match.group(2)) if match else None


def _following_sentence(words: Sequence[Word], index: int) -> str:
    """The text after ``words[index]`` up to its sentence's end, or the next sentence when the word ends one."""
    parts: list[str] = []
    for word in words[index + 1 :]:
        parts.append(word.text)
        if word.text.endswith(_SENTENCE_END):
            break
    return " ".join(parts)


def _opens_address(words: Sequence[Word], index: int) -> bool:
    """Whether ``words[index]`` starts what is said to someone: a sentence, a greeting's name, a comma clause."""
    if index == 0:
        return True
    previous = words[index - 1].text
    core = _core(previous)
    return previous.endswith((*_SENTENCE_END, ",")) or (core is not None and core[0].lower() in _GREETINGS)


def name_slots(words: Sequence[Word], roster: Sequence[str]) -> list[NameSlot]:
    """The words that may be a misheard name, in order.

    * a stand-in: "name" where no name is being talked about ("Name, could you…", "Perfect, name, …"), not
      "my name" or "the name";
    * a vocative: an unsure word opening a sentence or clause, set off by a comma or full stop, and followed by a
      request or question ("Mom, will you pull…", "Thanks Carol. Ma, can you…").
    """
    known = {name.lower() for name in roster}
    slots: list[NameSlot] = []
    for index, word in enumerate(words):
        core = _core(word.text)
        if core is None or core[0].lower() in known:
            continue
        token, punctuation = core
        previous = _core(words[index - 1].text) if index else None
        if token.lower() == "name":
            possessed = previous is not None and not previous[1] and previous[0].lower() in _POSSESSORS
            if not possessed and (punctuation in (",", ".") or _opens_address(words, index)):
                slots.append(NameSlot(index, STAND_IN))
            continue
        if (
            punctuation in (",", ".")
            and word.probability < MAX_WORD_PROBABILITY
            and token.lower() not in NOT_NAMES
            and token.lower() not in STOPWORDS
            and _opens_address(words, index)
        ):
            rest = _following_sentence(words, index)
            if rest and (is_request(rest) or is_question(rest)):
                slots.append(NameSlot(index, VOCATIVE))
    return slots


def _text(words: Sequence[Word]) -> str:
    return "".join((" " if w.spaced else "") + w.text for w in words)


def _with_name(word: Word, name: str) -> Word:
    core = _core(word.text)
    return replace(word, text=name + (core[1] if core else ""))


def choose_name(kind: str, original: float, scores: dict[str, float]) -> str | None:
    """The roster name to write in a slot, given the segment's log-probability with each name and as heard.

    The best name must beat the runner-up by ``MIN_MARGIN``; in place of a real word (a vocative) it must also
    score within ``MAX_LOSS`` of Whisper's own reading. A stand-in is no word anyone said, so its score is moot.
    """
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else float("-inf")
    if best_score - runner_up < MIN_MARGIN:
        return None
    if kind != STAND_IN and best_score < original - MAX_LOSS:
        return None
    return best


class NameRescorer:
    """Scores roster names in name slots with a faster-whisper model's own decoder (CTranslate2 ``align``)."""

    def __init__(self, model, language: str | None = None):
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        multilingual = model.model.is_multilingual
        self.tokenizer = Tokenizer(
            model.hf_tokenizer, multilingual, task="transcribe", language=(language or "en") if multilingual else None
        )

    def _encode(self, audio: np.ndarray, start: float, end: float) -> tuple[np.ndarray, int]:
        """The encoder's output for the audio from ``start`` to ``end`` seconds, and its count of real frames."""
        import numpy as np
        from faster_whisper.audio import pad_or_trim

        clip = audio[max(0, int((start - PAD_SECONDS) * SAMPLE_RATE)) : int((end + PAD_SECONDS) * SAMPLE_RATE)]
        features = self.model.feature_extractor(clip)
        return np.asarray(self.model.encode(pad_or_trim(features))), min(features.shape[-1], 3000)

    def _log_probabilities(self, encoded: tuple[np.ndarray, int], texts: list[str]) -> list[float]:
        """log P(text | audio) of each text, teacher-forced through the decoder."""
        import ctranslate2
        import numpy as np

        output, frames = encoded
        scores: list[float] = []
        for first in range(0, len(texts), BATCH):
            chunk = [self.tokenizer.encode(text) for text in texts[first : first + BATCH]]
            features = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(output, len(chunk), axis=0)))
            results = self.model.model.align(features, list(self.tokenizer.sot_sequence), chunk, [frames] * len(chunk))
            scores += [float(np.log(np.maximum(r.text_token_probs, 1e-12)).sum()) for r in results]
        return scores

    def restore(self, audio: np.ndarray, segment: Sequence[Word], roster: Sequence[str]) -> list[Word]:
        """The segment's words (one Whisper segment, at most 30 s) with names put back in its name slots."""
        words = list(segment)
        slots = name_slots(words, roster) if roster else []
        encoded = self._encode(audio, words[0].start, words[-1].end) if slots else None
        for slot in slots:
            said = {(_core(w.text) or ("",))[0] for i, w in enumerate(words) if i != slot.index}
            # A name said elsewhere in the segment is not the one in the slot ("Name, what did you think of Sam?"):
            # the decoder is drawn to copy it.
            candidates = [name for name in roster if name not in said]
            if not candidates:
                continue
            texts = [_text(words)] + [
                _text([_with_name(w, name) if i == slot.index else w for i, w in enumerate(words)])
                for name in candidates
            ]
            original, *scores = self._log_probabilities(encoded, texts)
            name = choose_name(slot.kind, original, dict(zip(candidates, scores, strict=True)))
            if name is not None:
                words[slot.index] = _with_name(words[slot.index], name)
        return words
