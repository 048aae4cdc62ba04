"""Meeting transcripts exported by Zoom, Teams and Meet (WebVTT or SRT) read as speaker turns.

Pure: bytes in, turns out, no I/O. A transcript file needs no speech recognition or diarization: its cues
already hold the words and, in one of two spellings, who said them:

    Teams   <v Jane Doe>We should ship on Friday.</v>        (a WebVTT voice span)
    Zoom    Jane Doe: We should ship on Friday.               (a name prefix in the cue text, VTT or SRT)

Consecutive cues of one speaker become one turn when they follow each other closely, as a speaker's words do
when a captioner splits them into lines. ``TranscriptFileError`` says in a few words why a file is unreadable.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.errors import TranscriptFileError

# Cues of one speaker separated by at most this much silence are one turn (captioners split sentences into
# two-line cues that follow each other within a few hundred milliseconds; a longer pause is a new turn).
MERGE_GAP_SECONDS = 2.0
# A "Name:" prefix counts as a speaker only when most cues of the file carry one: then "Note: …" inside an
# unlabelled file is left as words, and every cue of a Zoom export is read the same way.
PREFIX_SHARE = 0.6

# hh:mm:ss.mmm or mm:ss.mmm (WebVTT; hours may have more than two digits), hh:mm:ss,mmm (SRT). Either separator
# is accepted in either format: exporters mix them up.
_TIMESTAMP = r"(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?:\s.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_TAG = re.compile(r"</?[^>]*>")
# "Jane Doe: …", "Dr. Chen: …", "jane.doe@example.com: …": at most five words, no sentence punctuation before
# the colon, and a space after it (so "10:30" is no speaker).
_NAME_PREFIX = re.compile(r"^\s*([^\s:?!,;][^:?!;]{0,60}?)\s*:\s+(\S.*)$", re.DOTALL)
_NAME_WORDS_MAX = 5
_NAME_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_VTT_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class Cue:
    """One caption: its time span in seconds, who spoke it (when the file says) and its plain text."""

    start: float
    end: float
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Turn:
    """What one person said without interruption, as one or more merged cues."""

    start: float
    end: float
    speaker: str | None
    text: str


def parse_transcript(data: bytes) -> list[Turn]:
    """The turns of a WebVTT or SRT file; raises ``TranscriptFileError`` when it is neither or holds no cues."""
    return merge_turns(read_cues(data))


def looks_like_transcript(head: bytes) -> bool:
    """Whether a file's first bytes are a WebVTT header or an SRT cue: for links whose address names no format
    (a Zoom cloud transcript's download link has no extension)."""
    try:
        text = _decode(head)
    except TranscriptFileError:
        return False
    lines = text.lstrip().split("\n")[:2]
    return lines[0].startswith("WEBVTT") or any(_TIMING.match(line) for line in lines)


def read_cues(data: bytes) -> list[Cue]:
    """Every non-empty cue of a WebVTT or SRT file, in file order, with speakers where the file names them."""
    text = _decode(data)
    blocks = _blocks(text)
    if not blocks:
        raise TranscriptFileError("the file is empty.")
    first_line = blocks[0][1][0]
    if first_line.startswith("WEBVTT"):
        if first_line[6:7] not in ("", " ", "\t"):
            raise TranscriptFileError("its first line is not a valid WEBVTT header.")
        cues = _cues(_after_header(blocks), vtt=True)
    elif any(_TIMING.match(line) for line in blocks[0][1][:2]):
        cues = _cues(blocks, vtt=False)
    else:
        raise TranscriptFileError("it is not a WebVTT (.vtt) or SubRip (.srt) transcript.")
    if not cues:
        raise TranscriptFileError("it has no captions with words in them.")
    return _with_speakers(cues)


def _after_header(blocks: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """The blocks after a WebVTT header, including a first cue some writers put right under it, with no blank line."""
    (first_number, header), rest = blocks[0], blocks[1:]
    timing_at = next((i for i, line in enumerate(header) if _TIMING.match(line)), None)
    if timing_at is None:
        return rest
    return [(first_number + timing_at, header[timing_at:]), *rest]


def merge_turns(cues: list[Cue], max_gap: float = MERGE_GAP_SECONDS) -> list[Turn]:
    """Consecutive cues of the same speaker, at most ``max_gap`` seconds apart, joined into one turn."""
    turns: list[Turn] = []
    for cue in cues:
        last = turns[-1] if turns else None
        if last and last.speaker == cue.speaker and cue.start - last.end <= max_gap:
            turns[-1] = Turn(last.start, max(last.end, cue.end), last.speaker, f"{last.text} {cue.text}")
        else:
            turns.append(Turn(cue.start, cue.end, cue.speaker, cue.text))
    return turns


def _decode(data: bytes) -> str:
    """Text from UTF-8 (with or without a BOM), BOM-marked UTF-16 or Windows-1252; binary is not a transcript."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise TranscriptFileError("it is not readable text.") from None
    else:
        if b"\x00" in data[:4096]:
            raise TranscriptFileError("it is not a text file.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:  # older Windows tools write their own code page: "Tomás" as one byte 0xE1
            text = data.decode("cp1252", errors="replace")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks, each with the 1-based number of its first line (for error messages)."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _cues(blocks: list[tuple[int, list[str]]], *, vtt: bool) -> list[Cue]:
    cues: list[Cue] = []
    for first_number, lines in _cue_blocks(blocks, vtt=vtt):
        # An optional cue identifier (a WebVTT id, an SRT sequence number) comes before the timing line
        timing_index = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_index is None:
            raise TranscriptFileError(f"the cue at line {first_number} has no timing line (start --> end).")
        line_number = first_number + timing_index
        match = _TIMING.match(lines[timing_index])
        if match is None:
            raise TranscriptFileError(f"line {line_number} has a malformed timestamp.")
        start, end = _seconds(match.groups()[:4]), _seconds(match.groups()[4:])
        if end < start:
            raise TranscriptFileError(f"the cue at line {line_number} ends before it starts.")
        payload = "\n".join(lines[timing_index + 1 :])
        cues.extend(_voices(start, end, payload) if vtt else _unvoiced(start, end, payload))
    return cues


def _cue_blocks(blocks: list[tuple[int, list[str]]], *, vtt: bool) -> list[tuple[int, list[str]]]:
    """The blocks that are cues. Text without a timing line after a cue is more of that cue's text: some writers
    leave a blank line inside a caption ("We agreed.\n\nBob will send it."). Comments and styles are left out."""
    kept: list[tuple[int, list[str]]] = []
    for number, lines in blocks:
        if vtt and lines[0].split(" ", 1)[0].split("\t", 1)[0] in _VTT_SKIPPED_BLOCKS:
            continue
        if kept and not any("-->" in line for line in lines[:2]):
            kept[-1] = (kept[-1][0], [*kept[-1][1], *lines])
        else:
            kept.append((number, lines))
    return kept


def _unvoiced(start: float, end: float, payload: str) -> list[Cue]:
    text = _plain(payload)
    return [Cue(start, end, text)] if text else []


def _voices(start: float, end: float, payload: str) -> list[Cue]:
    """A WebVTT cue's voice spans as cues of their own; the cue's time is shared by their lengths in characters.

    Most cues have one voice, or none; a cue like ``<v Ana>Ready?</v> <v Raj>Yes.</v>`` has two speakers.
    """
    spans = list(_VOICE.finditer(payload))
    if not spans:
        return _unvoiced(start, end, payload)
    parts = [(None, _plain(payload[: spans[0].start()]))] if spans[0].start() else []
    for span, following in zip(spans, [*spans[1:], None], strict=True):
        text = _plain(payload[span.end() : following.start() if following else len(payload)])
        parts.append((_clean_name(html.unescape(span.group(1))), text))
    parts = [(speaker, text) for speaker, text in parts if text]
    total = sum(len(text) for _, text in parts)
    cues, at = [], start
    for speaker, text in parts:
        until = at + (end - start) * len(text) / total
        cues.append(Cue(round(at, 3), round(until, 3), text, speaker))
        at = until
    return cues


def _seconds(parts: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, millis = parts
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _plain(payload: str) -> str:
    """Cue text without markup (<v>, <c>, <i>, <b>, inline timestamps…) and with entities decoded, on one line."""
    return " ".join(html.unescape(_TAG.sub("", payload)).split())


def _with_speakers(cues: list[Cue]) -> list[Cue]:
    """Names from "Name: text" prefixes when the file uses them; a cue without a name continues the last one's."""
    prefixed = [_name_prefix(cue.text) for cue in cues]
    uses_prefixes = sum(1 for p in prefixed if p) >= PREFIX_SHARE * len(cues)
    named: list[Cue] = []
    speaker: str | None = None
    for cue, prefix in zip(cues, prefixed, strict=True):
        text = cue.text
        if cue.speaker:
            speaker = cue.speaker
        elif uses_prefixes and prefix:
            speaker, text = prefix
        named.append(Cue(cue.start, cue.end, text, speaker))
    return named


def _name_prefix(text: str) -> tuple[str, str] | None:
    match = _NAME_PREFIX.match(text)
    if match is None:
        return None
    name, rest = _clean_name(match.group(1)), match.group(2).strip()
    if not name or len(name.split()) > _NAME_WORDS_MAX or not any(ch.isalpha() for ch in name):
        return None
    return name, rest


def _clean_name(raw: str) -> str | None:
    """A speaker's name without the note a meeting app adds after it: Teams' "Jane Doe (Guest)", "(External)",
    Zoom's "Jane Doe (she/her)". The bare name is the one that can match a Slack member."""
    name = " ".join(_NAME_NOTE.sub("", raw).split())
    return name or " ".join(raw.split()) or None
