"""The Symbl.ai Async API engine: submit and append recordings, follow jobs, fetch insights.

Follows ``docs/symbl-api.md`` (§1–§5): a bearer token from ``/oauth2/token:generate``, the eight audio/video
submit and append routes with files streamed from disk, ``/v1/job/{id}``, and the Conversation API read
concurrently. HTTP details (token, retries, errors) live in ``symbl_http``; JSON shapes in ``symbl_parse``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bot.config import Settings
from bot.engines.base import MediaFile, MediaLink, Recording
from bot.engines.symbl_http import DEFAULT_TIMEOUT, Backoff, SymblHttp, UploadBody, json_body, json_object
from bot.engines.symbl_options import file_query, url_request
from bot.engines.symbl_parse import parse_insights, parse_job_status, parse_submission
from bot.errors import UnexpectedResponseError, UnsupportedMediaError
from bot.media import SYMBL_AUDIO_CONTENT_TYPES
from bot.models import Insights, JobState, MediaKind, Submission, SubmitOptions

logger = logging.getLogger(__name__)

# Endpoint name -> (path below /v1/conversations/{id}, query). Read together for one conversation.
# Topics are read twice: the hierarchy (parentRefs) "does not support sentiment" (§4.2), and the notes want both
# the broader topics and each topic's tone; symbl_parse merges the two answers by topic id.
INSIGHT_ENDPOINTS: dict[str, tuple[str, dict[str, str]]] = {
    "conversation": ("", {}),
    "messages": ("/messages", {"sentiment": "true"}),
    "topics": ("/topics", {"parentRefs": "true"}),
    "topic-sentiment": ("/topics", {"sentiment": "true"}),
    "action-items": ("/action-items", {}),
    "follow-ups": ("/follow-ups", {}),
    "questions": ("/questions", {}),
    "members": ("/members", {}),
    "summary": ("/summary", {}),
}


class SymblEngine:
    """An ``Engine`` backed by the Symbl.ai Async and Conversation APIs. Safe to share between threads."""

    name = "symbl"
    stores_offsite = True

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        fetch_workers: int = len(INSIGHT_ENDPOINTS),
    ):
        self.http = SymblHttp(
            base_url,
            app_id,
            app_secret,
            session=session,
            timeout=timeout,
            max_attempts=max_attempts,
            backoff=backoff,
            sleep=sleep,
            rng=rng,
            clock=clock,
        )
        self.fetch_workers = max(1, fetch_workers)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> SymblEngine:
        """An engine for the configured Symbl account and API URL."""
        return cls(settings.symbl_api_url, settings.symbl_app_id, settings.symbl_app_secret, **kwargs)

    # Lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Nothing to start: the token is generated on the first call."""

    def close(self) -> None:
        """Close the connection pool."""
        self.http.session.close()

    # Submitting -------------------------------------------------------------------------------------------

    def submit(
        self, recording: Recording, *, append_to: str | None = None, options: SubmitOptions | None = None
    ) -> Submission:
        """One of Symbl's four routes: ``POST /v1/process/{video|audio}`` with the file streamed as the body, or
        ``…/url`` for a link Symbl downloads itself; an append is a ``PUT`` to the same route with the
        conversation's id after it (same conversation, a new job). Options Symbl has no use for (the
        participants' names) are not sent."""
        method = "PUT" if append_to else "POST"
        conversation = f"/{_segment(append_to)}" if append_to else ""
        if isinstance(recording, MediaLink):
            path = f"/v1/process/{_route(recording.kind)}/url{conversation}"
            return self._send_url(method, path, recording.url, options)
        path = f"/v1/process/{_route(recording.kind)}{conversation}"
        return self._send_file(method, path, recording, options=options)

    def _send_file(self, method: str, path: str, recording: MediaFile, *, options) -> Submission:
        kind, content_type = recording.kind, recording.content_type
        headers = {}
        if kind is MediaKind.VIDEO:
            headers["Content-Type"] = "video/mp4"  # Symbl's video routes take mp4 only
        elif content_type in SYMBL_AUDIO_CONTENT_TYPES:
            headers["Content-Type"] = content_type
        # else: no Content-Type, and Symbl detects the audio format itself (documented).
        body = UploadBody(recording.media)
        response = self.http.send(method, path, params=file_query(options), body=body, headers=headers)
        return self._submission(response, method, path)

    def _send_url(self, method, path, url, options) -> Submission:
        body, query = url_request(url, options)
        response = self.http.send(method, path, params=query, json=body)
        return self._submission(response, method, path)

    @staticmethod
    def _submission(response: requests.Response, method: str, path: str) -> Submission:
        submission = parse_submission(json_object(response))
        if submission is None:
            raise UnexpectedResponseError(
                f"{method} {path} answered without conversationId/jobId", status=response.status_code
            )
        logger.info(
            "symbl job submitted",
            extra={"conversation_id": submission.conversation_id, "job_id": submission.job_id},
        )
        return submission

    # Following jobs and reading results -------------------------------------------------------------------

    def job_status(self, job_id: str) -> JobState:
        """``GET /v1/job/{jobId}``; a status outside the documented four is an ``UnexpectedResponseError``.

        Symbl gives neither a failure reason nor an estimate (symbl-api.md §3.1), so neither is ever set."""
        response = self.http.send("GET", f"/v1/job/{_segment(job_id)}")
        data = json_object(response)
        status = parse_job_status(data)
        if status is None:
            raise UnexpectedResponseError(
                f"job {job_id} has the undocumented status {data.get('status')!r}", status=response.status_code
            )
        return JobState(status)

    def fetch_insights(self, conversation_id: str) -> Insights:
        """Read the conversation's endpoints concurrently and parse them into ``Insights``.

        A missing summary (404) gives ``summary=None``; any other failure raises the typed error.
        """
        base = f"/v1/conversations/{_segment(conversation_id)}"

        def read(endpoint: str) -> Any:
            suffix, query = INSIGHT_ENDPOINTS[endpoint]
            ok = (404,) if endpoint == "summary" else ()
            response = self.http.send("GET", base + suffix, params=query, ok_statuses=ok)
            return None if response.status_code == 404 else json_body(response)  # shapes are checked leniently

        with ThreadPoolExecutor(max_workers=self.fetch_workers, thread_name_prefix="symbl-fetch") as pool:
            futures = {endpoint: pool.submit(read, endpoint) for endpoint in INSIGHT_ENDPOINTS}
            try:
                payloads = {endpoint: future.result() for endpoint, future in futures.items()}
            except BaseException:
                for future in futures.values():
                    future.cancel()
                raise
        return parse_insights(conversation_id, payloads)

    # Naming speakers -------------------------------------------------------------------------------------

    def rename_speaker(self, conversation_id: str, speaker_id: str, name: str) -> None:
        """A speaker's member id is the speaker id: Symbl renames that member."""
        self.update_member(conversation_id, speaker_id, name=name)

    def speaker_voices(self, conversation_id: str) -> dict:
        """Symbl's API returns no voice embeddings."""
        return {}

    def update_member(self, conversation_id: str, member_id: str, *, name: str, email: str | None = None) -> None:
        """``PUT /v1/conversations/{id}/members/{memberId}`` (§4.10): Symbl renames the member in its messages
        and insights, so later reads (an append's) carry the name. ``id`` and ``name`` are required; a matching
        ``email`` merges duplicate members."""
        body: dict[str, str] = {"id": member_id, "name": name}
        if email:
            body["email"] = email
        path = f"/v1/conversations/{_segment(conversation_id)}/members/{_segment(member_id)}"
        self.http.send("PUT", path, json=body)

    # Forgetting ------------------------------------------------------------------------------------------

    def delete_conversation(self, conversation_id: str) -> None:
        """``DELETE /v1/conversations/{id}``: Symbl forgets the conversation. Already gone (404) counts as done,
        so a forget resumed after a crash can ask again."""
        self.http.send("DELETE", f"/v1/conversations/{_segment(conversation_id)}", ok_statuses=(404,))


def _route(kind: MediaKind) -> str:
    """The route family of a recording; transcript files are refused (sending one as audio would fail later)."""
    if kind is MediaKind.TRANSCRIPT:
        raise UnsupportedMediaError(
            "Transcript files (.vtt, .srt) are read by the offline engine only: ask an admin to set ENGINE=local, "
            "or share the meeting's recording instead."
        )
    return kind.value


def _segment(value: str) -> str:
    """An id as one URL path segment, so a stray ``/`` or ``?`` cannot reach another route."""
    return requests.utils.quote(str(value), safe="")
