"""How turns answer each other: who takes a request up, and a sentence finished in a later turn.

Real talk interleaves: "Maybe you could point it at Chuck," – "I see." – "because, I mean" – "Sure."; "And I
will be" – "Mm." – "talking to the bosses, basically". These helpers look a few turns ahead for the reply or the
rest of the sentence, past others' backchannels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.engines.local.insights_text import tidy_spoken
from bot.models import Message

# Others' turns this short ("Mm.", "Yeah, sure.") do not take the floor from someone finishing a sentence.
BACKCHANNEL_WORDS = 3
# How far a reply may come after a request: others' backchannels and the asker's own afterthoughts come between.
REPLY_WINDOW = 4
# A reply that takes a request up ("Yes, I will.", "Sure.", "OK.") or turns it down ("No, not exactly.").
_ACCEPTANCE = re.compile(
    r"^(?:yes|yeah|yep|yup|sure|okay|ok|certainly|of course|absolutely|definitely|no problem|will do|fine"
    r"|all right|alright|very good|great|good idea|sounds good|that's fine|i will|i'll|we will|we'll|i can)\b",
    re.IGNORECASE,
)
# "Mm-hmm" takes a request up only when nobody says a clearer yes: it is often just someone listening.
_LISTENING = re.compile(r"^(?:mm-hmm|uh-huh|mm|hmm)\b", re.IGNORECASE)
_REFUSAL = re.compile(r"^(?:no\b|nope|not really|i can't|i cannot|i won't|well,? no)", re.IGNORECASE)


def label_of(message: Message) -> str | None:
    """The message's speaker label, if it has a speaker."""
    return message.speaker.name if message.speaker else None


def acceptor(messages: Sequence[Message], index: int) -> str | None:
    """Who takes up the request in ``messages[index]``: the first other speaker whose reply opens with a yes.

    Real talk interleaves: "Maybe you could point it at Chuck," – "I see." – "because, I mean" – "Sure." The
    reply can come a few turns later, after backchannels; a refusal first means nobody took it.
    """
    asker = label_of(messages[index])
    listener = None
    for reply in messages[index + 1 : index + 1 + REPLY_WINDOW]:
        label, text = label_of(reply), reply.text.strip()
        if label == asker or not text:
            continue
        if _REFUSAL.match(text):
            return None
        if _ACCEPTANCE.match(tidy_spoken(text)):
            return label
        if listener is None and _LISTENING.match(text):
            listener = label
    return listener


# A turn cut off right before its verb, finished in the speaker's next turn after others' backchannels:
# "And I will be" – "Mm." – "talking to the bosses, basically".
_DANGLING = re.compile(
    r"\b(?:will|'ll|be|gonna|going to|need to|have to|got to|supposed to|want to|wanna)[,.]*$", re.IGNORECASE
)
_CARRYING_ON = re.compile(r"^(?:and|or)\b", re.IGNORECASE)


def carries_on(said: str) -> bool:
    """ "and clean it up by mid-July": the turn carries on a sentence from an earlier turn."""
    return bool(_CARRYING_ON.match(said))


def with_continuation(said: str, messages: Sequence[Message], position: int) -> str:
    """``said`` with the rest of its sentence when the speaker finished it in their next turn."""
    if not _DANGLING.search(said):
        return said
    speaker = label_of(messages[position])
    for later in messages[position + 1 : position + 1 + REPLY_WINDOW]:
        text = tidy_spoken(later.text)
        if label_of(later) == speaker:
            return f"{said.rstrip(' ,.')} {text}" if text else said
        if len(text.split()) > BACKCHANNEL_WORDS:
            return said  # someone else took the floor
    return said
