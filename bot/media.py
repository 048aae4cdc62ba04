"""What counts as a recording, and which route and Content-Type it goes with.

Symbl's video routes take mp4 only; its audio routes take the formats listed in its FAQ. The offline engine
decodes all of these (PyAV), so the same table decides for both.
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
# The audio Content-Types Symbl checks a body against; for any other audio format the header is left out
# and the server detects the format itself (documented behaviour).
SYMBL_AUDIO_CONTENT_TYPES = {"audio/wav", "audio/wave", "audio/mpeg", "audio/mp3"}


def extension_of(name: str) -> str:
    """The lower-case extension of a file name or URL path, without the dot ('' when none)."""
    path = urlsplit(name).path if "://" in name else name
    return PurePosixPath(path).suffix.lower().lstrip(".")


def classify(name: str, mimetype: str | None = None) -> tuple[MediaKind, str]:
    """The media kind and Content-Type of a recording, from its name (and Slack's mimetype if known).

    Raises ``UnsupportedMediaError`` with a message a user can act on for anything else.
    """
    ext = extension_of(name)
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
        f"{shown} is not a recording I can process. Share an MP4 video or an audio file "
        f"({', '.join(sorted(AUDIO_EXTENSIONS))})."
    )


def is_media_name(name: str) -> bool:
    """Whether a file name or URL looks like a recording (used to pick links out of messages)."""
    ext = extension_of(name)
    return ext in VIDEO_EXTENSIONS or ext in AUDIO_EXTENSIONS
