"""What counts as a recording, and which route and Content-Type it goes with.

Symbl's video routes take mp4 only; its audio routes take the formats listed in its FAQ. The offline engine
decodes all of these (PyAV), so the same table decides for both. Transcript files (WebVTT, SRT) as Zoom, Teams
and Meet export them are accepted too: the offline engine reads them instead of listening.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from bot.errors import UnsupportedMediaError
from bot.models import MediaKind

VIDEO_EXTENSIONS = {"mp4": "video/mp4"}
AUDIO_EXTENSIONS = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "opus": "audio/opus",
    "flac": "audio/flac",
    "amr": "audio/amr",
    "ac3": "audio/ac3",
    "aiff": "audio/aiff",
    "wma": "audio/x-ms-wma",
    "webm": "audio/webm",
}
TRANSCRIPT_EXTENSIONS = {"vtt": "text/vtt", "srt": "application/x-subrip"}
# Slack reports .vtt as filetype "vtt" (text/vtt) and .srt as "srt" with text/plain or application/x-subrip, so a
# file whose name lost its extension is still known by these.
TRANSCRIPT_FILETYPES = frozenset(TRANSCRIPT_EXTENSIONS)
TRANSCRIPT_MIMETYPES = frozenset({"text/vtt", "application/x-subrip", "application/srt", "text/srt"})
# The audio Content-Types Symbl checks a body against; for any other audio format the header is left out
# and the server detects the format itself (documented behaviour).
SYMBL_AUDIO_CONTENT_TYPES = {"audio/wav", "audio/wave", "audio/mpeg", "audio/mp3"}


def extension_of(name: str) -> str:
    """The lower-case extension of a file name or URL path, without the dot ('' when none)."""
    path = urlsplit(name).path if "://" in name else name
    return PurePosixPath(path).suffix.lower().lstrip(".")


def classify(name: str, mimetype: str | None = None, filetype: str | None = None) -> tuple[MediaKind, str]:
    """The media kind and Content-Type of a recording, from its name (and Slack's mimetype and filetype if known).

    Raises ``UnsupportedMediaError`` with a message a user can act on for anything else.
    """
    ext = extension_of(name)
    if transcript_type := _transcript_type(ext, mimetype, filetype):
        return MediaKind.TRANSCRIPT, transcript_type
    if ext in VIDEO_EXTENSIONS:
        return MediaKind.VIDEO, VIDEO_EXTENSIONS[ext]
    if ext in AUDIO_EXTENSIONS:
        return MediaKind.AUDIO, AUDIO_EXTENSIONS[ext]
    if mimetype == "video/mp4":
        return MediaKind.VIDEO, "video/mp4"
    if mimetype and mimetype.startswith("audio/"):
        return MediaKind.AUDIO, mimetype
    if (mimetype and mimetype.startswith("video/")) or ext in {"mov", "mkv", "avi", "wmv", "m4v"}:
        raise UnsupportedMediaError(f"{ext or mimetype} video is not supported: please share it as an MP4.")
    shown = f".{ext}" if ext else (mimetype or "this file")
    raise UnsupportedMediaError(
        f"{shown} is not a recording I can process. Share an MP4 video, an audio file "
        f"({', '.join(sorted(AUDIO_EXTENSIONS))}) or a meeting transcript (.vtt, .srt)."
    )


def is_transcript_file(name: str | None, mimetype: str | None = None, filetype: str | None = None) -> bool:
    """Whether a Slack file or a link is a WebVTT or SRT transcript."""
    return _transcript_type(extension_of(name or ""), mimetype, filetype) is not None


def _transcript_type(ext: str, mimetype: str | None, filetype: str | None) -> str | None:
    if ext in TRANSCRIPT_EXTENSIONS:
        return TRANSCRIPT_EXTENSIONS[ext]
    if filetype in TRANSCRIPT_FILETYPES:
        return TRANSCRIPT_EXTENSIONS[filetype]
    if mimetype in TRANSCRIPT_MIMETYPES:
        return mimetype
    return None


def is_media_name(name: str) -> bool:
    """Whether a file name or URL looks like a recording or a transcript (used to pick links out of messages)."""
    ext = extension_of(name)
    return ext in VIDEO_EXTENSIONS or ext in AUDIO_EXTENSIONS or ext in TRANSCRIPT_EXTENSIONS
