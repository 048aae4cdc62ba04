"""How a shared file or link is classified: recording (which route), transcript, or refused with a reason."""

import pytest

from bot.errors import UnsupportedMediaError
from bot.media import classify
from bot.models import MediaKind


def test_recordings_keep_their_routes():
    assert classify("call.mp4", "video/mp4") == (MediaKind.VIDEO, "video/mp4")
    assert classify("memo.m4a", "audio/x-m4a") == (MediaKind.AUDIO, "audio/mp4")


@pytest.mark.parametrize(
    ("name", "mimetype", "filetype", "content_type"),
    [
        ("standup.vtt", "text/vtt", "vtt", "text/vtt"),
        ("standup.VTT", None, None, "text/vtt"),
        ("standup.srt", "text/plain", "srt", "application/x-subrip"),
        ("standup.srt", "application/x-subrip", "srt", "application/x-subrip"),
        ("Meeting transcript", "text/plain", "vtt", "text/vtt"),  # a title without the extension
        ("https://example.com/captions/standup.vtt?sig=1", None, None, "text/vtt"),
    ],
)
def test_transcripts_are_known_by_extension_or_slacks_filetype(name, mimetype, filetype, content_type):
    assert classify(name, mimetype, filetype) == (MediaKind.TRANSCRIPT, content_type)


def test_other_text_files_are_refused_with_what_would_work():
    with pytest.raises(UnsupportedMediaError, match=r"\.txt is not a recording.*meeting transcript \(\.vtt, \.srt\)"):
        classify("notes.txt", "text/plain", "text")
