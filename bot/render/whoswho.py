""" "Who's who" on the notes: the meeting's speakers, each with a user picker, and one menu to merge them.

Layout choice: one section per speaker with its picker as the accessory, so naming a speaker is one click on the
notes themselves (a button opening a modal costs a round trip, and a modal's trigger expires in 3 s). It stays
compact because meetings have few voices: at most ``MAX_ROWS`` rows (the ones who talk most); quieter speakers are
listed on one grey line and can still be merged into another. The rest is one actions block: a "Same person…" menu
(every ordered pair "Speaker 3 is Speaker 1", and "Split…" for a merge) and an *Undo* button for each name a voice
gave. With the divider above it, a 3-speaker meeting adds 5 blocks to the notes' ~17; the worst case adds 9
(Slack's limit is 50).

Controls name speakers by :func:`bot.speakers.short_id` (block ids and option values have length limits, and a
forged value then matches no speaker). Text is escaped mrkdwn; a Slack user appears as a mention.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.render.blocks import Block, context
from bot.render.ledger import is_slack_user_id
from bot.render.mrkdwn import clip, escape_mrkdwn
from bot.speakers import RECOGNISED, FoundSpeaker, SpeakerName, short_id

PICK_ACTION = "whoswho_pick"
SAME_ACTION = "whoswho_same"
UNDO_VOICE_ACTION = "whoswho_undo_voice"
ROW_PREFIX = "whoswho:"
ACTIONS_BLOCK = "whoswho-actions"
SAME, SPLIT = "same", "split"
MAX_ROWS = 6
MAX_OPTIONS = 100  # Slack's limit for a static select
MAX_OPTION_CHARS = 75
MAX_ELEMENTS = 25  # of an actions block


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": clip(text, MAX_OPTION_CHARS), "emoji": False}


def speaker_mrkdwn(name: SpeakerName) -> str:
    """A speaker as the notes show it: a mention when a Slack user, else its escaped name; then its source."""
    who = f"<@{name.user_id}>" if is_slack_user_id(name.user_id) else f"*{escape_mrkdwn(clip(name.name, 60))}*"
    return who + (f" _({name.source_words})_" if name.source_words else "")


def _row(speaker: FoundSpeaker, name: SpeakerName, share: float, folded: Sequence[FoundSpeaker]) -> str:
    parts = [speaker_mrkdwn(name), f"{round(100 * share)}% of the talk"]
    if folded:
        parts.append("also " + ", ".join(escape_mrkdwn(clip(f.engine_name, 40)) for f in folded))
    if speaker.first_words:
        parts.append(f"“{escape_mrkdwn(speaker.first_words)}”")
    return " · ".join(parts)


def _picker(name: SpeakerName) -> dict:
    picker = {"type": "users_select", "action_id": PICK_ACTION, "placeholder": _plain("Who is this?")}
    if is_slack_user_id(name.user_id):
        picker["initial_user"] = name.user_id
    return picker


def _same_menu(
    found: Sequence[FoundSpeaker], standing: Sequence[FoundSpeaker], names: Mapping[str, SpeakerName]
) -> dict | None:
    options = [
        {"text": _plain(f"Split {f.engine_name} from {names[f.key].name}"), "value": f"{SPLIT}:{short_id(f.key)}"}
        for f in found
        if f.key in names and names[f.key].merged_into
    ]
    for one in standing:
        for other in standing:
            if one.key != other.key and len(options) < MAX_OPTIONS:
                label = f"{names[one.key].name} is {names[other.key].name}"
                options.append({"text": _plain(label), "value": f"{SAME}:{short_id(one.key)}:{short_id(other.key)}"})
    if not options:
        return None
    menu = {"type": "static_select", "action_id": SAME_ACTION, "placeholder": _plain("Same person…")}
    return {**menu, "options": options}


def whoswho_blocks(found: Sequence[FoundSpeaker], names: Mapping[str, SpeakerName]) -> list[Block]:
    """The "Who's who" blocks for the notes; none when the engine found no speaker."""
    standing = [f for f in found if f.key in names and not names[f.key].merged_into]
    if not standing:
        return []
    shares = {f.key: 0.0 for f in standing}
    for f in found:
        if f.key in names:
            root = names[f.key].merged_into or f.key
            shares[root] = shares.get(root, 0.0) + f.share
    shown = sorted(sorted(standing, key=lambda f: -shares[f.key])[:MAX_ROWS], key=standing.index)
    blocks: list[Block] = []
    for number, speaker in enumerate(shown):
        folded = [f for f in found if f.key in names and names[f.key].merged_into == speaker.key]
        text = _row(speaker, names[speaker.key], shares[speaker.key], folded)
        if number == 0:
            text = "*Who's who* (pick the person for each speaker)\n" + text
        blocks.append(
            {
                "type": "section",
                "block_id": ROW_PREFIX + short_id(speaker.key),
                "text": {"type": "mrkdwn", "text": clip(text, 3000)},
                "accessory": _picker(names[speaker.key]),
            }
        )
    if hidden := [f for f in standing if f not in shown]:
        listed = ", ".join(escape_mrkdwn(clip(names[f.key].name, 40)) for f in hidden[:10])
        blocks.append(context(f"Also speaking, briefly: {listed}" + (" …" if len(hidden) > 10 else "")))
    elements = []
    if menu := _same_menu(found, standing, names):
        elements.append(menu)
    for f in standing:
        name = names[f.key]
        if name.user_id and name.source == RECOGNISED and len(elements) < MAX_ELEMENTS:
            elements.append(
                {
                    "type": "button",
                    "action_id": UNDO_VOICE_ACTION,
                    "text": _plain(f"Not {name.name}? Undo"),
                    "value": short_id(f.key),
                }
            )
    if elements:
        blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK, "elements": elements})
    return blocks
