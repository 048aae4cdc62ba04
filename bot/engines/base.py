"""The engine seam: one protocol that every speech-and-insights backend implements.

The Slack app, the CLI, the job lifecycle and the API server only ever talk to an ``Engine``, and never ask which
one it is. The Symbl engine speaks the Symbl Async API; the offline engine transcribes and extracts insights on
this machine. Both return the dataclasses of ``bot.models`` and raise the errors of ``bot.errors``. Every submit
carries the same options (the webhook, the participants' names…); an engine uses what it can and ignores the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from bot.models import Insights, JobState, MediaKind, Submission, SubmitOptions
from bot.voice_match import SpeakerVoice

# A recording to upload: a path on disk, or an open binary stream (read sequentially, never whole).
MediaSource = str | Path | BinaryIO


@dataclass(frozen=True)
class MediaFile:
    """A recording held here, handed to the engine (uploaded, or copied in)."""

    media: MediaSource
    kind: MediaKind
    content_type: str | None = None


@dataclass(frozen=True)
class MediaLink:
    """A recording the engine downloads itself from an http(s) URL."""

    url: str
    kind: MediaKind


Recording = MediaFile | MediaLink


@runtime_checkable
class Engine(Protocol):
    """Submit recordings, follow their jobs, fetch and forget a conversation's insights."""

    name: str  # recorded with each conversation, so a forget reaches the engine that holds it
    # Whether conversations live at a third party (Symbl): erasing a workspace deletes them there on a best-effort
    # basis, since the workspace's own rows must go whatever it answers; the app's own store must be retried.
    stores_offsite: bool

    def start(self) -> None:
        """Begin background work (the offline engine resumes unfinished jobs); safe to call again."""
        ...

    def close(self) -> None:
        """Stop taking work and release connections and workers."""
        ...

    def submit(
        self, recording: Recording, *, append_to: str | None = None, options: SubmitOptions | None = None
    ) -> Submission:
        """Start processing a recording, as a new conversation or added to ``append_to`` (insights are then
        recomputed over all of it); returns at once with the job's ids."""
        ...

    def job_status(self, job_id: str) -> JobState:
        """The job's state, with why it failed (in words for users) and how long it may take, when known."""
        ...

    def fetch_insights(self, conversation_id: str) -> Insights:
        """The conversation's transcript and insights, once its job has completed."""
        ...

    def delete_conversation(self, conversation_id: str) -> None:
        """Forget the conversation; one already gone counts as forgotten (a resumed forget asks again)."""
        ...

    def rename_speaker(self, conversation_id: str, speaker_id: str, name: str) -> None:
        """A person named a speaker in Slack: an engine that keeps names tells its store (Symbl renames the
        member); one whose names the app keeps does nothing."""
        ...

    def speaker_voices(self, conversation_id: str) -> Mapping[str, SpeakerVoice]:
        """Each detected speaker's voice embedding (for remembered voices); empty when the engine has none."""
        ...
