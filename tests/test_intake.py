"""Which Slack inputs become jobs: media links in messages and audio/video files, nothing else."""

from bot.intake import looks_like_media, media_links


def test_links_come_from_rich_text_and_only_media_links_count():
    event = {
        "text": "see <https://zoom.us/rec/abc|zoom rec> and <https://example.com/a.mp3>",
        "blocks": [
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "link", "url": "https://zoom.us/rec/abc", "text": "zoom rec"},
                            {"type": "link", "url": "https://example.com/a.mp3"},
                            {"type": "link", "url": "https://example.com/a.mp3"},
                        ],
                    }
                ],
            }
        ],
    }
    assert list(media_links(event)) == ["https://example.com/a.mp3"]


def test_links_fall_back_to_the_text_form():
    event = {"text": "new recording <https://cdn.example.com/x/standup.MP4?sig=1|standup>"}
    assert list(media_links(event)) == ["https://cdn.example.com/x/standup.MP4?sig=1"]


def test_file_kinds():
    assert looks_like_media({"name": "call.mp4", "mimetype": "video/mp4"}) is True
    assert looks_like_media({"name": "memo.m4a", "mimetype": "audio/x-m4a"}) is True
    assert looks_like_media({"name": "clip.mov", "mimetype": "video/quicktime"}) is True  # gets an "unsupported" note
    assert looks_like_media({"name": "notes.pdf", "mimetype": "application/pdf"}) is False
    assert looks_like_media({"id": "F1", "mode": "file_access", "file_access": "check_file_info"}) is None


def test_meeting_transcripts_are_taken_as_slack_reports_them():
    assert looks_like_media({"name": "standup.vtt", "mimetype": "text/vtt", "filetype": "vtt"}) is True
    assert looks_like_media({"name": "standup.srt", "mimetype": "text/plain", "filetype": "srt"}) is True
    assert looks_like_media({"name": "standup.srt", "mimetype": "application/x-subrip", "filetype": "srt"}) is True
    assert looks_like_media({"name": "Meeting transcript", "mimetype": "text/plain", "filetype": "vtt"}) is True
    assert looks_like_media({"name": "notes.txt", "mimetype": "text/plain", "filetype": "text"}) is False


def test_links_to_transcripts_count_as_media_links():
    event = {"text": "captions: <https://example.com/zoom/GMT20240305-153000_Recording.transcript.vtt>"}
    assert list(media_links(event)) == ["https://example.com/zoom/GMT20240305-153000_Recording.transcript.vtt"]
