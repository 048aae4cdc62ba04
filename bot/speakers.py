"""Who each speaker of a meeting is: the one place a speaker's name is resolved from every source (pure).

In order of trust (the first that says something wins):

1. a person's correction in Slack ("Who's who" on the notes; ``SpeakerChoice`` source "person"). A correction
   with no user ("not who the voice said") only silences the voice below it;
2. a voice recognised by the voices feature (source "voice"), shown "recognised by voice" with a one-click undo;
3. the engine's own name for the speaker: Symbl's members / ``channelMetadata``, or the names of a transcript
   file (Zoom, Teams) read by the offline engine;
4. a name the offline engine inferred from the talk ("Thanks, Bob");
5. the engine's label ("Speaker 2").

A speaker folded into another ("these are the same person", ``merged_into``) takes that speaker's name and is
counted with it. :func:`relabel` then gives every person of the insights who is a speaker (message speakers,
members, action-item owners, question askers) their resolved name, so the notes, the ledger, the digest and the
transcript all read the same.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.models import ActionItem, Insights, Person
from bot.store.speakers import PERSON, VOICE, SpeakerChoice

# Where a name came from, as the notes say it (a correction says nothing: the reader can see who picked it).
CORRECTED, RECOGNISED, ENGINE, TRANSCRIPT_FILE, INFERRED, LABEL = (
    "corrected",
    "voice",
    "engine",
    "transcript file",
    "inferred",
    "label",
)
SOURCE_WORDS = {
    RECOGNISED: "recognised by voice",
    ENGINE: "named by Symbl",
    TRANSCRIPT_FILE: "from the transcript file",
    INFERRED: "inferred from the talk",
}
FIRST_WORDS = 8
_LABEL = re.compile(r"^Speaker \d+$")  # a diarization label, which stands for nobody in particular


def speaker_key(person: Person | None) -> str | None:
    """A speaker's id: the engine's member id (Symbl), else its label or name (the offline engine has no ids)."""
    if person is None:
        return None
    return (person.id or person.name or "").strip()[:255] or None


def short_id(key: str) -> str:
    """A fixed-length stand-in for a speaker id in Block Kit ids and values (ids can be long; a forged one matches
    nothing)."""
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:12]


@dataclass(frozen=True)
class FoundSpeaker:
    """A speaker as the engine found it: its id, its own name, how it starts and its share of the talk."""

    key: str
    engine_name: str
    first_words: str
    share: float  # of the talk time (of the words, when the engine gave no times), 0..1


@dataclass(frozen=True)
class SpeakerName:
    """A speaker's resolved name: the Slack user when one is known, and where the name came from."""

    key: str
    name: str
    source: str
    user_id: str | None = None
    merged_into: str | None = None  # the speaker this one is folded into

    @property
    def source_words(self) -> str | None:
        return SOURCE_WORDS.get(self.source)


def found_speakers(insights: Insights) -> list[FoundSpeaker]:
    """The speakers of the transcript, in the order they first speak."""
    seconds: dict[str, float] = {}
    words: dict[str, int] = {}
    names: dict[str, str] = {}
    first: dict[str, str] = {}
    for message in insights.messages:
        key = speaker_key(message.speaker)
        if key is None:
            continue
        names.setdefault(key, message.speaker.display_name if message.speaker else key)
        spoken = message.text.split()
        if key not in first and spoken:
            first[key] = " ".join(spoken[:FIRST_WORDS]) + ("…" if len(spoken) > FIRST_WORDS else "")
        seconds[key] = seconds.get(key, 0.0) + max(0.0, message.duration_seconds or 0.0)
        words[key] = words.get(key, 0) + len(spoken)
    weights = seconds if sum(seconds.values()) > 0 else {k: float(v) for k, v in words.items()}
    total = sum(weights.values()) or 1.0
    return [FoundSpeaker(key, names[key], first.get(key, ""), weights.get(key, 0.0) / total) for key in names]


def _root(key: str, choices: Mapping[str, SpeakerChoice], known: set[str]) -> str:
    """The speaker ``key`` is folded into, following merges (a loop or a vanished target stops the walk)."""
    seen = {key}
    while (target := (choices.get(key).merged_into if key in choices else None)) and target in known:
        if target in seen:
            break
        seen.add(target)
        key = target
    return key


def resolve_names(
    found: Sequence[FoundSpeaker],
    choices: Mapping[str, SpeakerChoice],
    *,
    engine: str,
    from_transcript_file: bool = False,
    user_name: Callable[[str], str | None] = lambda _user_id: None,
) -> dict[str, SpeakerName]:
    """Every found speaker's name (see the module's order of trust); ``user_name`` gives a Slack user's name."""
    known = {f.key for f in found}
    own: dict[str, SpeakerName] = {}
    for speaker in found:
        choice = choices.get(speaker.key)
        if choice and choice.user_id and choice.source == PERSON:
            own[speaker.key] = SpeakerName(speaker.key, _named(choice.user_id, user_name), CORRECTED, choice.user_id)
        elif choice and choice.user_id and choice.source == VOICE:
            own[speaker.key] = SpeakerName(speaker.key, _named(choice.user_id, user_name), RECOGNISED, choice.user_id)
        elif _LABEL.match(speaker.engine_name):
            own[speaker.key] = SpeakerName(speaker.key, speaker.engine_name, LABEL)
        else:
            source = ENGINE if engine == "symbl" else TRANSCRIPT_FILE if from_transcript_file else INFERRED
            own[speaker.key] = SpeakerName(speaker.key, speaker.engine_name, source)
    resolved = {}
    for key, name in own.items():
        root = _root(key, choices, known)
        resolved[key] = replace(own[root], key=key, merged_into=root) if root != key else name
    return resolved


def _named(user_id: str, user_name: Callable[[str], str | None]) -> str:
    return user_name(user_id) or user_id


def mentions(names: Mapping[str, SpeakerName]) -> dict[str, str]:
    """name -> Slack user id of the speakers named as Slack users (the renderers' ``owners`` mapping)."""
    found = {}
    for name in names.values():
        if name.user_id:
            found[name.name] = name.user_id
            found[name.name.lower()] = name.user_id
    return found


def relabel(insights: Insights, names: Mapping[str, SpeakerName], found: Sequence[FoundSpeaker]) -> Insights:
    """The insights with every speaker's resolved name: message speakers, members, owners and askers.

    A person who is no speaker (an owner named in the talk, "Grace, can you…") is left alone. People are matched
    by the speaker's id, else by the engine's name for it (owners and askers often carry only a name).
    """
    if not names:
        return insights
    by_name = {f.engine_name: f.key for f in found}

    def person(who: Person | None) -> Person | None:
        if who is None:
            return None
        key = who.id if who.id in names else by_name.get(who.name or "")
        if key is None or key not in names:
            return who
        name = names[key]
        if name.name == who.name:
            return who
        root = name.merged_into or key
        # A speaker named as a Slack user drops the engine's email: the user is who it is now.
        return Person(id=root, name=name.name, email=None if name.user_id else who.email)

    def item(task: ActionItem) -> ActionItem:
        return replace(task, assignee=person(task.assignee), speaker=person(task.speaker))

    members = []
    for member in insights.members:
        renamed = person(member)
        if renamed and renamed.name not in {m.name for m in members}:
            members.append(renamed)
    return replace(
        insights,
        messages=tuple(replace(m, speaker=person(m.speaker)) for m in insights.messages),
        members=tuple(members),
        action_items=tuple(item(a) for a in insights.action_items),
        follow_ups=tuple(item(f) for f in insights.follow_ups),
        questions=tuple(replace(q, asked_by=person(q.asked_by)) for q in insights.questions),
    )
