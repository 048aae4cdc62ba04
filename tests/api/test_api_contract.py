"""The API's answers to bad input and to other clients, driven in process through its ASGI app.

The engine is a stand-in that records what reaches it: a refused request must leave no job in the engine, none in
the API's tables and no upload on disk. (The real engine, with speech, is in ``test_sdk_against_server``.)
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from bot.api.app import ApiApp
from bot.api.auth import TokenAuthority
from bot.api.service import ApiService
from bot.api.tables import ApiJob
from bot.config import Settings
from bot.engines.base import MediaLink
from bot.errors import NotFoundError
from bot.models import Conversation, Insights, JobState, JobStatus, Message, Person, Submission
from bot.store.db import Database
from bot.store.schema import prepare

TOKEN_INVALID = {"message": "Token validation failed for provided token."}
NOT_FOUND = {"message": "The conversationId is either invalid or does not exist."}
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@dataclass
class StandInEngine:
    """Records submits; every job stays in progress until a test says otherwise."""

    name: str = "stand-in"
    submits: list[tuple[str, Any, Any]] = field(default_factory=list)  # (conversation, bytes or URL, options)
    statuses: dict[str, JobStatus] = field(default_factory=dict)
    conversations: set[str] = field(default_factory=set)

    def _submit(self, conversation_id: str | None, what: Any, options: Any = None) -> Submission:
        if conversation_id is not None and conversation_id not in self.conversations:
            raise NotFoundError("no such conversation")
        cid = conversation_id or uuid.uuid4().hex
        self.conversations.add(cid)
        job_id = uuid.uuid4().hex
        self.statuses[job_id] = JobStatus.IN_PROGRESS
        self.submits.append((cid, what, options))
        return Submission(conversation_id=cid, job_id=job_id)

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def submit(self, recording, *, append_to=None, options=None) -> Submission:
        what = recording.url if isinstance(recording, MediaLink) else Path(recording.media).read_bytes()
        return self._submit(append_to, what, options)

    def job_status(self, job_id: str) -> JobState:
        return JobState(self.statuses[job_id])

    def delete_conversation(self, conversation_id: str) -> None:
        self.conversations.discard(conversation_id)

    def fetch_insights(self, conversation_id: str) -> Insights:
        if conversation_id not in self.conversations:
            raise NotFoundError("gone")
        said = [("Speaker 1", "Bob, can you send the budget report by Friday?"), ("Speaker 2", "Sure, I will.")]
        return Insights(
            conversation=Conversation(id=conversation_id, start=START, end=START + timedelta(seconds=9)),
            messages=tuple(
                Message(
                    id=f"{conversation_id}-{i}",
                    text=text,
                    speaker=Person(name=speaker),
                    start=START + timedelta(seconds=4 * i),
                    end=START + timedelta(seconds=4 * i + 3),
                    offset_seconds=4.0 * i,
                    duration_seconds=3.0,
                )
                for i, (speaker, text) in enumerate(said)
            ),
            members=(Person(name="Speaker 1"), Person(name="Speaker 2")),
        )


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Api:
    app: ApiApp
    engine: StandInEngine
    database: Database
    clock: Clock
    upload_dir: Path

    def call(self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None):
        """One request; (status, parsed JSON body)."""
        target, _, query = path.partition("?")
        scope = {
            "type": "http",
            "method": method,
            "path": target,
            "query_string": query.encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
            + [(b"content-length", str(len(body)).encode())],
        }
        chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]
        sent: list[dict] = []

        async def receive():
            chunk = chunks.pop(0) if chunks else b""
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

        async def send(message):
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        return sent[0]["status"], json.loads(sent[1]["body"])

    def token(self, app_id: str = "alpha", secret: str = "alpha-secret") -> tuple[int, dict]:  # noqa: S107
        body = json.dumps({"type": "application", "appId": app_id, "appSecret": secret}).encode()
        return self.call("POST", "/oauth2/token:generate", body=body, headers={"Content-Type": "application/json"})

    def auth(self, app_id: str = "alpha", secret: str = "alpha-secret") -> dict[str, str]:  # noqa: S107
        return {"x-api-key": self.token(app_id, secret)[1]["accessToken"]}

    def api_jobs(self) -> int:
        with self.database.session() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(ApiJob))


@pytest.fixture
def api(tmp_path: Path) -> Api:
    settings = Settings(data_dir=tmp_path, max_file_mb=1, api_max_concurrent_jobs=2)
    database = Database(f"sqlite:///{tmp_path / 'api.sqlite3'}")
    prepare(database)
    engine = StandInEngine()
    clock = Clock()
    clients = {"alpha": "alpha-secret", "beta": "beta-secret"}
    authority = TokenAuthority(clients, lifetime_seconds=3600, clock=clock)
    upload_dir = tmp_path / "uploads"
    app = ApiApp(ApiService(engine, database, settings), authority, upload_dir=upload_dir)
    yield Api(app, engine, database, clock, upload_dir)
    database.dispose()


WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(2000)


def submit_audio(api: Api, headers: dict[str, str], query: str = "") -> tuple[int, dict]:
    return api.call("POST", f"/v1/process/audio{query}", body=WAV, headers={**headers, "Content-Type": "audio/wav"})


def assert_nothing_left(api: Api) -> None:
    assert api.engine.submits == []
    assert api.api_jobs() == 0
    assert not api.upload_dir.exists() or list(api.upload_dir.iterdir()) == []


def test_tokens_like_symbl(api: Api) -> None:
    """A right pair gets a token (the same one, with less time left, when asked again); a wrong one gets 401."""
    status, first = api.token()
    assert status == 200 and first["expiresIn"] == 3600
    api.clock.now += 100
    status, again = api.token()
    assert (again["accessToken"], again["expiresIn"]) == (first["accessToken"], 3500)
    assert api.token(secret="wrong")[0] == 401
    assert api.token(app_id="nobody")[0] == 401
    assert_nothing_left(api)


def test_bearer_and_x_api_key_both_work_until_the_token_expires(api: Api) -> None:
    token = api.token()[1]["accessToken"]
    assert submit_audio(api, {"Authorization": f"Bearer {token}"})[0] == 201
    assert api.call("GET", "/v1/conversations", headers={"x-api-key": token})[0] == 200
    api.clock.now += 3601
    assert api.call("GET", "/v1/conversations", headers={"x-api-key": token}) == (401, TOKEN_INVALID)
    assert submit_audio(api, {"x-api-key": token}) == (401, TOKEN_INVALID)
    assert submit_audio(api, {"x-api-key": token[:-2] + "xx"}) == (401, TOKEN_INVALID)
    assert submit_audio(api, {}) == (401, TOKEN_INVALID)
    assert len(api.engine.submits) == 1


def test_another_clients_conversation_is_not_found(api: Api) -> None:
    """Reads, appends, renames, deletes and job status of another client's ids: 404, never the data."""
    alpha, beta = api.auth(), api.auth("beta", "beta-secret")
    _, created = submit_audio(api, alpha)
    cid, job = created["conversationId"], created["jobId"]
    assert api.call("GET", f"/v1/conversations/{cid}/messages", headers=alpha)[0] == 200
    for what in ("", "/messages", "/topics", "/action-items", "/follow-ups", "/questions", "/members", "/summary"):
        assert api.call("GET", f"/v1/conversations/{cid}{what}", headers=beta) == (404, NOT_FOUND), what
    append = {**beta, "Content-Type": "audio/wav"}
    assert api.call("PUT", f"/v1/process/audio/{cid}", body=WAV, headers=append) == (404, NOT_FOUND)
    assert api.call("DELETE", f"/v1/conversations/{cid}", headers=beta) == (404, NOT_FOUND)
    assert api.call("GET", f"/v1/job/{job}", headers=beta)[0] == 404
    assert api.call("GET", "/v1/conversations", headers=beta) == (200, {"conversations": []})
    assert len(api.engine.submits) == 1


@pytest.mark.parametrize(
    ("path", "content_type", "body", "needle"),
    [
        ("/v1/process/video", "audio/mpeg", WAV, "Content-Type"),
        ("/v1/process/audio", "application/json", WAV, "Content-Type"),
        ("/v1/process/audio/url", "text/plain", b'{"url": "https://example.com/a.mp3"}', "Content-Type"),
        ("/v1/process/audio/url", "application/json", b'{"name": "no link"}', "url"),
        ("/v1/process/video/url", "application/json", b"not json", "Bad Request"),
        ("/v1/process/audio/url", "application/json", b'{"url": "http://10.0.0.5/a.mp3"}', "url"),
        ("/v1/process/audio/url", "application/json", b'{"url": "http://169.254.169.254/a"}', "url"),
        ("/v1/process/audio?detectPhrases=True", "audio/wav", WAV, "detectPhrases"),
        ("/v1/process/audio?channelMetadata=%5B%7Bbroken", "audio/wav", WAV, "channelMetadata"),
        ("/v1/process/audio?confidenceThreshold=2", "audio/wav", WAV, "confidenceThreshold"),
        ("/v1/process/audio?diarizationSpeakerCount=two", "audio/wav", WAV, "diarizationSpeakerCount"),
        ("/v1/process/audio?webhookUrl=http%3A%2F%2F127.0.0.1%2Fhook", "audio/wav", WAV, "webhookUrl"),
        ("/v1/process/audio", "audio/wav", b"", "empty"),
    ],
)
def test_bad_requests_get_400_and_leave_nothing(api: Api, path: str, content_type: str, body: bytes, needle: str):
    status, answer = api.call("POST", path, body=body, headers={**api.auth(), "Content-Type": content_type})
    assert status == 400
    assert needle.lower() in answer["message"].lower()
    assert_nothing_left(api)


def test_an_oversized_file_gets_413_and_leaves_nothing(api: Api) -> None:
    big = bytes(1024 * 1024 + 1)
    status, answer = api.call("POST", "/v1/process/audio", body=big, headers={**api.auth(), "Content-Type": ""})
    assert status == 413 and "1 MB" in answer["message"]
    assert_nothing_left(api)


def test_the_concurrency_limit_answers_symbls_429(api: Api) -> None:
    alpha = api.auth()
    assert submit_audio(api, alpha)[0] == submit_audio(api, alpha)[0] == 201
    status, answer = submit_audio(api, alpha)
    assert status == 429 and answer["statusCode"] == 429 and "`2`" in answer["message"]
    assert submit_audio(api, api.auth("beta", "beta-secret"))[0] == 201  # the limit is per client
    for job_id in list(api.engine.statuses):
        api.engine.statuses[job_id] = JobStatus.COMPLETED
        api.app.service.refresh_job(job_id)  # what the sweep and GET /v1/job do
    assert submit_audio(api, alpha)[0] == 201


def test_file_options_reach_the_engine_and_the_garbled_sdk_vocabulary_is_read(api: Api) -> None:
    """The SDK sends customVocabulary one character per key (symbl-api.md §6.3): it is put back together."""
    garbled = "&".join(f"customVocabulary={quote(c)}" for c in json.dumps(["Platform", "Roadmap"]))
    query = f"?{garbled}&enableSpeakerDiarization=true&diarizationSpeakerCount=3&name=Sync&languageCode=en-US"
    assert submit_audio(api, api.auth(), query)[0] == 201
    [(_, uploaded, options)] = api.engine.submits
    assert uploaded == WAV
    assert options.custom_vocabulary == ("Platform", "Roadmap")
    assert (options.name, options.language_code) == ("Sync", "en-US")
    assert (options.enable_speaker_diarization, options.diarization_speaker_count) == (True, 3)


def test_url_options_come_from_the_body_and_diarization_from_the_query(api: Api) -> None:
    body = json.dumps({"url": "https://media.example.com/a.mp4", "name": "Linked", "enableSummary": True}).encode()
    headers = {**api.auth(), "Content-Type": "application/json"}
    assert api.call("POST", "/v1/process/video/url?enableSpeakerDiarization=true", body=body, headers=headers)[0] == 201
    [(_, url, options)] = api.engine.submits
    assert url == "https://media.example.com/a.mp4"
    assert (options.name, options.enable_summary, options.enable_speaker_diarization) == ("Linked", True, True)


def test_members_rename_and_delete(api: Api) -> None:
    """PUT …/members/{id} renames everywhere; channelMetadata names speakers; DELETE removes the conversation."""
    alpha = api.auth()
    metadata = json.dumps([{"channel": 2, "speaker": {"name": "Bob Jones", "email": "bob@example.com"}}])
    _, created = submit_audio(api, alpha, f"?channelMetadata={metadata}")
    cid = created["conversationId"]
    _, members = api.call("GET", f"/v1/conversations/{cid}/members", headers=alpha)
    assert [m["name"] for m in members["members"]] == ["Speaker 1", "Bob Jones"]
    first = members["members"][0]["id"]
    body = json.dumps({"id": first, "name": "Alice Smith", "email": "alice@example.com"}).encode()
    status, answer = api.call("PUT", f"/v1/conversations/{cid}/members/{first}", body=body, headers=alpha)
    assert status == 200 and "updated successfully" in answer["message"]
    _, messages = api.call("GET", f"/v1/conversations/{cid}/messages", headers=alpha)
    assert messages["messages"][0]["from"] == {"id": first, "name": "Alice Smith", "email": "alice@example.com"}
    assert api.call("GET", f"/v1/conversations/{cid}/summary", headers=alpha)[0] == 404  # still in progress
    assert api.call("DELETE", f"/v1/conversations/{cid}", headers=alpha)[0] == 400  # not while it is
    api.engine.statuses[created["jobId"]] = JobStatus.COMPLETED
    assert api.call("GET", f"/v1/conversations/{cid}/summary", headers=alpha) == (200, {"summary": []})
    assert api.call("DELETE", f"/v1/conversations/{cid}", headers=alpha) == (
        200,
        {"message": "successfully deleted the conversation"},
    )
    api.engine.conversations.discard(cid)
    assert api.call("GET", f"/v1/conversations/{cid}/messages", headers=alpha) == (404, NOT_FOUND)
    assert api.api_jobs() == 0


def test_health_and_metrics_count_jobs_and_audio(api: Api) -> None:
    from bot.api.server import health, metrics_text

    _, created = submit_audio(api, api.auth())
    api.engine.statuses[created["jobId"]] = JobStatus.COMPLETED
    api.app.service.refresh_job(created["jobId"])
    text = metrics_text(api.database)
    assert 'symbl_api_jobs{state="completed"} 1' in text
    assert "symbl_api_audio_seconds_total 9.000" in text  # the stand-in conversation lasts 9 s
    assert health(api.database) == (True, {"database": True, "schema": True})
