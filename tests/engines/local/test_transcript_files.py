"""Transcript files as Zoom, Teams and Meet export them become speaker turns; broken ones get a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engines.local.transcript_files import Cue, looks_like_transcript, merge_turns, parse_transcript, read_cues
from bot.errors import TranscriptFileError, user_text

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "transcripts"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_a_zoom_export_names_its_speakers_from_the_prefixes_and_merges_their_cues():
    turns = parse_transcript(sample("zoom_standup.vtt"))
    assert [t.speaker for t in turns] == ["Alice Martin", "Bob Stone", "Alice Martin", "Carol Diaz", "Alice Martin"]
    first = turns[0]
    assert (first.start, first.end) == (1.12, 9.31)  # two cues 0.34 s apart are one turn
    assert first.text.startswith("Good morning everyone") and "budget report for the client" in first.text
    assert turns[1].text == "I'll send the budget report to the client by Friday."
    assert "tomorrow & then deploy" in turns[3].text  # &amp; decoded
    assert turns[-1].end == 31.87


def test_a_teams_export_takes_names_from_voice_tags_with_crlf_lines_and_entities():
    turns = parse_transcript(sample("teams_launch.vtt"))
    assert [t.speaker for t in turns] == ["Priya Natarajan", "Tomás Silva", "Priya Natarajan", "Grace Okafor"]
    assert turns[0].text == "Thanks for joining, I know it's early. The launch checklist still has two open items."
    assert turns[2].text == "Perfect. Grace, can you review the release notes?"  # <i> stripped
    assert turns[3].text == "Sure, I'll review them before Wednesday."


def test_an_srt_export_with_a_bom_and_two_line_cues():
    turns = parse_transcript(sample("meet_planning.srt"))
    assert [t.speaker for t in turns] == ["Daniel Kim", "Sara Lindqvist", "Daniel Kim", "Sara Lindqvist", "Daniel Kim"]
    assert (
        turns[0].text
        == "Okay, so the main topic today is the migration plan. We need the database backup finished first."
    )
    assert (turns[0].start, turns[0].end) == (0.48, 6.9)
    assert turns[1].text == "I'll take the database backup and finish it by Tuesday."


def test_caption_markup_inline_timestamps_style_blocks_and_short_timings_are_read():
    cues = read_cues(sample("meet_captions.vtt"))
    assert cues == [
        Cue(1.0, 4.0, "We can start now", "Daniel Kim"),
        Cue(4.2, 7.0, "The backup job failed overnight", "Sara Lindqvist"),
    ]


def test_a_cue_with_two_voices_is_split_between_them():
    data = b"WEBVTT\n\n00:00:10.000 --> 00:00:12.000\n<v Ana>Ready?</v> <v Raj>Yes, go.</v>\n"
    cues = read_cues(data)
    assert [(c.speaker, c.text) for c in cues] == [("Ana", "Ready?"), ("Raj", "Yes, go.")]
    assert cues[0].start == 10.0 and cues[-1].end == 12.0 and cues[0].end == cues[1].start


def test_a_colon_in_an_unlabelled_file_is_not_a_speaker():
    data = (
        b"WEBVTT\n\n00:01.000 --> 00:03.000\nNote: the deadline moved.\n\n"
        b"00:03.500 --> 00:05.000\nWe ship later.\n\n00:05.200 --> 00:06.000\nOkay.\n"
    )
    turns = parse_transcript(data)
    assert [t.speaker for t in turns] == [None]
    assert turns[0].text == "Note: the deadline moved. We ship later. Okay."


def test_a_long_pause_starts_a_new_turn_even_for_the_same_speaker():
    cues = [Cue(0.0, 2.0, "One.", "Ana"), Cue(2.5, 3.0, "Two.", "Ana"), Cue(9.0, 10.0, "Three.", "Ana")]
    assert [t.text for t in merge_turns(cues)] == ["One. Two.", "Three."]


def test_utf16_exports_are_read():
    text = "WEBVTT\r\n\r\n00:00:00.000 --> 00:00:01.500\r\n<v Zoë>Hallo zusammen.\r\n"
    (cue,) = read_cues(text.encode("utf-16"))
    assert (cue.speaker, cue.text) == ("Zoë", "Hallo zusammen.")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n \r\n", "empty"),
        (b"WEBVTT\n\nNOTE nothing said\n", "no captions"),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<c></c>\n", "no captions"),
        (b"WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nhi\n", "header"),
        (sample("not_a_transcript.vtt"), "not a WebVTT"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00binary mp3 bytes", "not a text file"),
        (sample("bad_timestamp.vtt"), "line 3 has a malformed timestamp"),
        (b"1\n00:00:05,000 --> 00:00:02,000\nBob: backwards\n", "ends before it starts"),
        (b"WEBVTT\n\nintro\nno timing here\n", "no timing line"),
    ],
)
def test_unreadable_files_say_why(data, reason):
    with pytest.raises(TranscriptFileError) as caught:
        parse_transcript(data)
    message = user_text(caught.value)
    assert message.startswith("I couldn't read that transcript: ")
    assert reason in message


def test_transcripts_are_recognised_by_their_first_bytes():
    assert looks_like_transcript(sample("zoom_standup.vtt")[:512])
    assert looks_like_transcript(sample("meet_planning.srt")[:512])
    assert looks_like_transcript(sample("teams_launch.vtt")[:512])
    assert not looks_like_transcript(sample("not_a_transcript.vtt")[:512])
    mp3 = (Path(__file__).resolve().parents[3] / "examples" / "standup.mp3").read_bytes()
    assert not looks_like_transcript(mp3[:512])


def test_notes_after_a_speakers_name_are_left_out():
    data = (
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Jane Doe (Guest)>Hi all.</v>\n\n"
        b"00:00:03.000 --> 00:00:04.000\n<v Sam Lee (she/her)>Hello.</v>\n\n"
        b"00:00:05.000 --> 00:00:06.000\n<v (External)>Hey.</v>\n"
    )
    assert [c.speaker for c in read_cues(data)] == ["Jane Doe", "Sam Lee", "(External)"]
    srt = b"1\n00:00:01,000 --> 00:00:02,000\nOmar Haddad (Host): Welcome.\n"
    assert [(c.speaker, c.text) for c in read_cues(srt)] == [("Omar Haddad", "Welcome.")]


def test_a_first_cue_right_under_the_header_and_windows_1252_text_are_read():
    data = "WEBVTT\n00:00:01.000 --> 00:00:02.000\nTomás Silva: Olá.\n\n00:00:03.000 --> 00:00:04.000\nAna: Hi.\n"
    cues = read_cues(data.encode("cp1252"))
    assert [(c.speaker, c.text) for c in cues] == [("Tomás Silva", "Olá."), ("Ana", "Hi.")]


def test_a_blank_line_inside_a_caption_keeps_its_words():
    data = (
        b"1\n00:00:01,000 --> 00:00:04,000\nBob Stone: We agreed.\n\nI will send it today.\n\n"
        b"2\n00:00:05,000 --> 00:00:06,000\nAna Ruiz: Thanks.\n"
    )
    turns = parse_transcript(data)
    assert [(t.speaker, t.text) for t in turns] == [
        ("Bob Stone", "We agreed. I will send it today."),
        ("Ana Ruiz", "Thanks."),
    ]
