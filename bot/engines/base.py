"""The engine seam: one protocol that every speech-and-insights backend implements.

The Slack app, the CLI and the job lifecycle only ever talk to an ``Engine``. The Symbl engine speaks the
Symbl Async API; the offline engine transcribes and extracts insights on this machine. Both return the
dataclasses of ``bot.models`` and raise the errors of ``bot.errors``.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from bot.models import Insights, JobStatus, MediaKind, Submission, SubmitOptions

# A recording to upload: a path on disk, or an open binary stream (read sequentially, never whole).
MediaSource = str | Path | BinaryIO


@runtime_checkable
class Engine(Protocol):
    """Submit recordings, follow their jobs, and fetch a conversation's insights."""

    name: str

    def submit_file(
        self,
        source: MediaSource,
        *,
        kind: MediaKind,
        content_type: str | None = None,
        options: SubmitOptions | None = None,
    ) -> Submission:
        """Start processing a recording from disk or a stream; returns at once with the job's ids."""
        ...

    def submit_url(self, url: str, *, kind: MediaKind, options: SubmitOptions | None = None) -> Submission:
        """Start processing a recording the engine downloads itself."""
        ...

    def append_file(
        self,
        conversation_id: str,
        source: MediaSource,
        *,
        kind: MediaKind,
        content_type: str | None = None,
        options: SubmitOptions | None = None,
    ) -> Submission:
        """Add a recording to an existing conversation; insights are recomputed over all of it."""
        ...

    def append_url(
        self, conversation_id: str, url: str, *, kind: MediaKind, options: SubmitOptions | None = None
    ) -> Submission:
        """Add a downloadable recording to an existing conversation."""
        ...

    def job_status(self, job_id: str) -> JobStatus:
        """The job's current state."""
        ...

    def fetch_insights(self, conversation_id: str) -> Insights:
        """The conversation's transcript and insights, once its job has completed."""
        ...
