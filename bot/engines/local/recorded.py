"""When a recording was made and how long it is, from its container's own metadata, read before decoding.

The creation time dates the meeting for due dates; the duration lets a recording over MAX_DURATION_MINUTES be
refused before its audio is decoded into memory.

MP4/M4A/MOV (Zoom, Teams and phone recorders), Matroska/WebM and others carry a ``creation_time`` tag, on the
container or on its streams, that PyAV exposes as ISO 8601 text ("2024-03-01T10:00:00.000000Z"). Files that
never had one, or whose writer left a placeholder (QuickTime's 1904 epoch, Unix 1970), give None: the caller
then falls back to when the recording was shared.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

logger = logging.getLogger(__name__)

# Placeholders writers put in an unset field (1904-01-01, 1970-01-01) are earlier than any real recording of ours
EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)
# A device's clock may run a little ahead; a date further in the future is a wrong clock, not the meeting's date
CLOCK_SKEW = timedelta(days=1)


def recorded_at(path: str | Path, *, now: datetime | None = None) -> datetime | None:
    """The recording's creation time (aware, UTC) when its metadata holds a plausible one, else None."""
    import av

    try:
        with av.open(str(path)) as container:
            tags = [container.metadata, *(stream.metadata for stream in container.streams)]
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        logger.info("could not read the recording's metadata: %s", type(exc).__name__)
        return None
    latest = (now or datetime.now(UTC)) + CLOCK_SKEW
    for tag in tags:
        when = parse_creation_time(tag.get("creation_time"))
        if when is not None and EARLIEST_PLAUSIBLE <= when <= latest:
            return when
    return None


def parse_creation_time(value: str | None) -> datetime | None:
    """An ISO 8601 ``creation_time`` as an aware UTC datetime (a time without a zone is UTC, as muxers write it)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def duration_seconds(path: str | Path) -> float | None:
    """The recording's length as its container's header states it, or None when the header does not say."""
    import av

    try:
        with av.open(str(path)) as container:
            if container.duration is not None:  # in AV_TIME_BASE units (microseconds)
                return container.duration / av.time_base
            lengths = [
                float(stream.duration * stream.time_base)
                for stream in container.streams
                if stream.duration is not None and stream.time_base is not None
            ]
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        logger.info("could not read the recording's duration: %s", type(exc).__name__)
        return None
    return max(lengths, default=None)
