"""The Symbl engine over real HTTP against the emulator: wire format, tokens, retries, errors, job status."""

from __future__ import annotations

import io
import json
import random
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from bot.engines.base import MediaFile, MediaLink
from bot.engines.symbl import SymblEngine
from bot.engines.symbl_http import Backoff, error_for, retry_delay
from bot.errors import (
    AuthError,
    BadRequestError,
    ConfigError,
    EngineTimeoutError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
)
from bot.models import JobStatus, MediaKind, SubmitOptions
from tests.fakes.symbl_emulator import SymblEmulator

RECORDING = bytes(range(256)) * 1200  # 300 KiB, more than one upload chunk of requests/urllib3


class MaxJitter:
    """An RNG stand-in whose full jitter always lands on the upper bound, so backoff delays are predictable."""

    def uniform(self, low: float, high: float) -> float:
        return high


class Sleeps(list):
    """Records the delays the client asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class OneWayStream(io.RawIOBase):
    """A readable stream that cannot seek (like a pipe), so its size is unknown and it cannot be re-sent."""

    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.fixture
def emulator():
    with SymblEmulator() as running:
        yield running


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_engine(emulator: SymblEmulator, sleeps: Sleeps, **kwargs) -> SymblEngine:
    kwargs.setdefault("timeout", (2.0, 5.0))
    return SymblEngine(emulator.url, emulator.app_id, emulator.app_secret, sleep=sleeps, rng=MaxJitter(), **kwargs)


@pytest.fixture
def engine(emulator, sleeps) -> SymblEngine:
    return make_engine(emulator, sleeps)


@pytest.fixture
def recording(tmp_path) -> Path:
    path = tmp_path / "standup.mp4"
    path.write_bytes(RECORDING)
    return path


def only(requests_):
    assert len(requests_) == 1, requests_
    return requests_[0]


# Submit and append: the eight routes --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [MediaKind.VIDEO, MediaKind.AUDIO])
def test_file_submit_and_append_stream_the_file_to_the_documented_routes(emulator, engine, recording, kind):
    content_type = "video/mp4" if kind is MediaKind.VIDEO else "audio/mpeg"
    first = engine.submit(MediaFile(recording, kind, content_type=content_type))
    second = engine.submit(MediaFile(recording, kind, content_type=content_type), append_to=first.conversation_id)

    assert second.conversation_id == first.conversation_id
    assert second.job_id != first.job_id
    post = only(emulator.requests_to("POST", "/v1/process/"))
    put = only(emulator.requests_to("PUT", "/v1/process/"))
    assert post.path == f"/v1/process/{kind.value}"
    assert put.path == f"/v1/process/{kind.value}/{first.conversation_id}"
    for request in (post, put):
        assert request.headers["Content-Type"] == content_type
        assert request.headers["Content-Length"] == str(len(RECORDING))  # sized stream, not chunked
        assert "Transfer-Encoding" not in request.headers
        assert request.headers["Authorization"].startswith("Bearer ")
        assert request.body_size == len(RECORDING)
    assert emulator.uploaded_bytes[first.conversation_id] == 2 * len(RECORDING)


@pytest.mark.parametrize("kind", [MediaKind.VIDEO, MediaKind.AUDIO])
def test_url_submit_and_append_send_json_with_diarization_in_the_query(emulator, engine, kind):
    options = SubmitOptions(
        name="Retro", detect_phrases=True, enable_speaker_diarization=True, diarization_speaker_count=2
    )
    url = f"https://media.example.com/retro.{'mp4' if kind is MediaKind.VIDEO else 'mp3'}"
    first = engine.submit(MediaLink(url, kind), options=options)
    second = engine.submit(MediaLink(url, kind), append_to=first.conversation_id, options=SubmitOptions())

    assert second.conversation_id == first.conversation_id
    post = only(emulator.requests_to("POST", "/v1/process/"))
    put = only(emulator.requests_to("PUT", "/v1/process/"))
    assert post.path == f"/v1/process/{kind.value}/url"
    assert put.path == f"/v1/process/{kind.value}/url/{first.conversation_id}"
    assert post.headers["Content-Type"] == "application/json"
    assert post.json == {"url": url, "name": "Retro", "detectPhrases": True}
    assert post.query == {"enableSpeakerDiarization": ["true"], "diarizationSpeakerCount": ["2"]}
    assert put.json == {"url": url}
    assert put.query == {}


def test_file_options_travel_in_the_query_as_lowercase_booleans_and_json_lists(emulator, engine, recording):
    options = SubmitOptions(
        name="Planning",
        custom_vocabulary=("Symbl", "Kubernetes"),
        confidence_threshold=0.7,
        detect_phrases=True,
        enable_summary=False,
        extra={"detect_entities": True, "trackers": [{"name": "Price", "vocabulary": ["cost"]}]},
    )
    engine.submit(MediaFile(recording, MediaKind.VIDEO), options=options)

    query = only(emulator.requests_to("POST", "/v1/process/video")).query
    assert query == {
        "name": ["Planning"],
        "customVocabulary": ['["Symbl","Kubernetes"]'],
        "confidenceThreshold": ["0.7"],
        "detectPhrases": ["true"],
        "enableSummary": ["false"],
        "detectEntities": ["true"],
        "trackers": ['[{"name":"Price","vocabulary":["cost"]}]'],
    }
    assert json.loads(query["customVocabulary"][0]) == ["Symbl", "Kubernetes"]


def test_audio_content_type_is_left_out_unless_symbl_knows_it(emulator, engine, recording):
    engine.submit(MediaFile(recording, MediaKind.AUDIO, content_type="audio/aac"))
    engine.submit(MediaFile(recording, MediaKind.AUDIO, content_type="audio/wav"))
    engine.submit(MediaFile(recording, MediaKind.VIDEO, content_type=None))

    aac, wav = emulator.requests_to("POST", "/v1/process/audio")
    assert "Content-Type" not in aac.headers  # the server detects the format itself
    assert wav.headers["Content-Type"] == "audio/wav"
    assert only(emulator.requests_to("POST", "/v1/process/video")).headers["Content-Type"] == "video/mp4"


def test_a_stream_of_unknown_size_is_sent_chunked(emulator, engine):
    submission = engine.submit(MediaFile(OneWayStream(RECORDING), MediaKind.AUDIO, content_type="audio/mpeg"))

    request = only(emulator.requests_to("POST", "/v1/process/audio"))
    assert request.headers["Transfer-Encoding"] == "chunked"
    assert emulator.uploaded_bytes[submission.conversation_id] == len(RECORDING)


def test_a_seekable_stream_is_rewound_to_where_it_started_when_the_upload_is_retried(emulator, engine, sleeps):
    stream = io.BytesIO(b"HEADER" + RECORDING)
    stream.seek(6)  # the caller already consumed a header; only the rest is the recording
    emulator.inject_fault("POST", r"^/v1/process/video$", status=503)

    submission = engine.submit(MediaFile(stream, MediaKind.VIDEO))

    first, second = emulator.requests_to("POST", "/v1/process/video")
    assert first.body_size == second.body_size == len(RECORDING)
    assert emulator.uploaded_bytes[submission.conversation_id] == len(RECORDING)
    assert sleeps == [0.5]


def test_an_upload_that_cannot_be_rewound_is_not_retried(emulator, engine, sleeps):
    emulator.inject_fault("POST", r"^/v1/process/audio$", status=500)

    with pytest.raises(ServerError) as caught:
        engine.submit(MediaFile(OneWayStream(RECORDING), MediaKind.AUDIO))

    assert caught.value.status == 500
    assert len(emulator.requests_to("POST", "/v1/process/audio")) == 1
    assert sleeps == []


# Errors ---------------------------------------------------------------------------------------------------------


def test_a_rejected_option_is_a_bad_request_with_the_servers_message_and_no_retry(emulator, engine, recording):
    with pytest.raises(BadRequestError) as caught:
        engine.submit(MediaFile(recording, MediaKind.VIDEO), options=SubmitOptions(extra={"mode": "satellite"}))

    assert caught.value.status == 400
    assert caught.value.server_message
    assert "mode" in caught.value.server_message
    assert len(emulator.requests_to("POST", "/v1/process/video")) == 1


def test_appending_to_an_unknown_conversation_is_not_found(engine, recording):
    with pytest.raises(NotFoundError) as caught:
        engine.submit(MediaFile(recording, MediaKind.VIDEO), append_to="1234567890123456")
    assert caught.value.status == 404
    assert caught.value.server_message == "The conversationId is either invalid or does not exist."


def test_the_concurrent_jobs_limit_is_a_retryable_rate_limit_once_retries_run_out(sleeps, recording):
    with SymblEmulator(concurrency_limit=1) as emulator:
        engine = make_engine(emulator, sleeps)
        engine.submit(MediaFile(recording, MediaKind.VIDEO))

        with pytest.raises(RateLimitedError) as caught:
            engine.submit(MediaFile(recording, MediaKind.VIDEO))

        error = caught.value
        assert error.concurrency_limit is True
        assert error.retryable is True
        assert error.status == 429
        assert "concurrent jobs" in error.server_message
        assert len(emulator.requests_to("POST", "/v1/process/video")) == 1 + 4
        assert sleeps == [0.5, 1.0, 2.0]


def test_plain_throttling_is_not_reported_as_the_job_limit(emulator, engine, sleeps):
    emulator.inject_fault("GET", r"^/v1/job/", status=429, times=10, body={"message": "Too many requests"})

    with pytest.raises(RateLimitedError) as caught:
        engine.job_status("anything")
    assert caught.value.concurrency_limit is False


# Retries --------------------------------------------------------------------------------------------------------


def test_server_errors_are_retried_with_growing_delays_until_one_succeeds(emulator, engine, sleeps, recording):
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
    emulator.inject_fault("GET", r"^/v1/job/", status=503, times=3)

    assert engine.job_status(submission.job_id).status is JobStatus.SCHEDULED
    assert len(emulator.requests_to("GET", "/v1/job/")) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_backoff_delays_are_capped(emulator, sleeps, recording):
    engine = make_engine(emulator, sleeps, max_attempts=6, backoff=Backoff(base=0.5, cap=1.5))
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
    emulator.inject_fault("GET", r"^/v1/job/", status=500, times=5)

    assert engine.job_status(submission.job_id).status is JobStatus.SCHEDULED
    assert sleeps == [0.5, 1.0, 1.5, 1.5, 1.5]


def test_jitter_never_exceeds_the_capped_exponential_bound():

    backoff = Backoff(base=0.5, cap=4.0)
    rng = random.Random(7)  # noqa: S311 - jitter, not cryptography
    for attempt in range(1, 10):
        bound = min(4.0, 0.5 * 2 ** (attempt - 1))
        delays = [backoff.delay(attempt, rng) for _ in range(200)]
        assert all(0.0 <= d <= bound for d in delays)
        assert max(delays) > bound / 2  # full jitter spreads over the whole range


def test_persistent_server_errors_give_up_after_the_attempt_budget(emulator, engine, sleeps):
    emulator.inject_fault("GET", r"^/v1/job/", status=500, times=100)

    with pytest.raises(ServerError) as caught:
        engine.job_status("some-job")

    assert caught.value.status == 500
    assert caught.value.server_message == "Injected fault."
    assert caught.value.retryable
    assert len(emulator.requests_to("GET", "/v1/job/")) == 4
    assert len(sleeps) == 3


def test_a_slow_answer_times_out_and_is_retried(emulator, sleeps, recording):
    engine = make_engine(emulator, sleeps, timeout=(2.0, 0.3))
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
    emulator.inject_fault("GET", r"^/v1/job/", status=0, delay=1.0)  # status 0: a normal answer, but late

    assert engine.job_status(submission.job_id).status is JobStatus.SCHEDULED
    assert sleeps == [0.5]


def test_an_unreachable_server_is_a_timeout_error_after_the_retries(sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before use: nothing listens there
    engine = SymblEngine(f"http://127.0.0.1:{port}", "id", "secret", sleep=sleeps, rng=MaxJitter(), timeout=(1, 1))

    with pytest.raises(EngineTimeoutError) as caught:
        engine.job_status("job")

    assert caught.value.retryable
    assert "secret" not in str(caught.value)
    assert sleeps == [0.5, 1.0, 2.0]


# Tokens ---------------------------------------------------------------------------------------------------------


def test_the_token_is_generated_once_and_reused(emulator, engine, recording):
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
    for _ in range(3):
        engine.job_status(submission.job_id)

    token_request = only(emulator.requests_to("POST", "/oauth2/token:generate"))
    assert token_request.json == {"type": "application", "appId": "test-app-id", "appSecret": "test-app-secret"}
    assert "Authorization" not in token_request.headers
    assert emulator.tokens_issued == 1


def test_the_token_is_renewed_shortly_before_it_expires(emulator, sleeps, recording):
    now = [1000.0]
    engine = make_engine(emulator, sleeps, clock=lambda: now[0])
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))  # expiresIn 86400: renew after 86340 s

    now[0] += 86339
    engine.job_status(submission.job_id)
    assert len(emulator.requests_to("POST", "/oauth2/token:generate")) == 1
    now[0] += 2
    engine.job_status(submission.job_id)
    assert len(emulator.requests_to("POST", "/oauth2/token:generate")) == 2


def test_a_short_lived_token_is_replaced_before_a_call_can_fail(sleeps, recording):
    with SymblEmulator(token_ttl=1) as emulator:
        engine = make_engine(emulator, sleeps)
        submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
        time.sleep(1.05)

        assert engine.job_status(submission.job_id).status is JobStatus.SCHEDULED

        assert emulator.tokens_issued == 2
        assert len(emulator.requests_to("GET", "/v1/job/")) == 1  # no 401 and retry: renewed ahead of time
        assert sleeps == []


def test_a_revoked_token_is_renewed_once_and_the_call_repeated(emulator, engine, sleeps, recording):
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
    emulator.expire_tokens()

    assert engine.job_status(submission.job_id).status is JobStatus.SCHEDULED

    first, second = emulator.requests_to("GET", "/v1/job/")
    assert first.headers["Authorization"] != second.headers["Authorization"]
    assert emulator.tokens_issued == 2
    assert sleeps == []


def test_an_upload_is_resent_with_a_fresh_token_after_a_401(emulator, engine, recording):
    engine.submit(MediaFile(recording, MediaKind.AUDIO))
    emulator.expire_tokens()

    submission = engine.submit(MediaFile(recording, MediaKind.AUDIO))

    assert emulator.uploaded_bytes[submission.conversation_id] == len(RECORDING)
    assert [r.body_size for r in emulator.requests_to("POST", "/v1/process/audio")] == [len(RECORDING)] * 3


def test_a_401_after_renewing_is_an_auth_error_without_looping(emulator, engine, sleeps):
    emulator.inject_fault("GET", r"^/v1/job/", status=401, times=5, body={"message": "Token validation failed."})

    with pytest.raises(AuthError) as caught:
        engine.job_status("job")

    assert caught.value.status == 401
    assert len(emulator.requests_to("GET", "/v1/job/")) == 2
    assert sleeps == []


def test_wrong_credentials_are_an_auth_error_naming_the_settings(emulator, sleeps):
    engine = SymblEngine(emulator.url, "test-app-id", "wrong", sleep=sleeps)

    with pytest.raises(AuthError) as caught:
        engine.job_status("job")

    assert "SYMBL_APP_SECRET" in str(caught.value)
    assert "wrong" not in str(caught.value)
    assert caught.value.status == 401
    assert emulator.requests_to("GET", "/v1/job/") == []


def test_concurrent_first_calls_share_one_token(emulator, engine, recording):
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
    emulator.expire_tokens()
    fresh = SymblEngine(emulator.url, emulator.app_id, emulator.app_secret)
    results: list[JobStatus] = []
    threads = [
        threading.Thread(target=lambda: results.append(fresh.job_status(submission.job_id).status)) for _ in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [JobStatus.SCHEDULED] * 12
    assert emulator.tokens_issued == 2  # the first engine's, then exactly one for all twelve threads


# Job status -----------------------------------------------------------------------------------------------------


def test_job_status_follows_the_job_to_completion(emulator, engine, recording):
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
    assert engine.job_status(submission.job_id).status is JobStatus.SCHEDULED
    emulator.advance(submission.job_id)
    assert engine.job_status(submission.job_id).status is JobStatus.IN_PROGRESS
    emulator.advance(submission.job_id)
    assert engine.job_status(submission.job_id).status is JobStatus.COMPLETED


def test_a_failed_job_reports_failed(emulator, engine, recording):
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
    emulator.fail(submission.job_id)
    state = engine.job_status(submission.job_id)
    assert state.status is JobStatus.FAILED
    assert state.status.is_terminal
    assert state.failure_reason is None  # Symbl never says why


def test_an_undocumented_status_is_an_unexpected_response_naming_it(emulator, engine, recording):
    submission = engine.submit(MediaFile(recording, MediaKind.VIDEO))
    emulator.force_status(submission.job_id, "queued")

    with pytest.raises(UnexpectedResponseError, match="queued"):
        engine.job_status(submission.job_id)


def test_an_unknown_job_is_not_found(engine):
    with pytest.raises(NotFoundError):
        engine.job_status("00000000-0000-4000-8000-000000000000")


def test_a_retry_after_header_sets_the_wait_but_never_beyond_a_minute():
    def answer(status: int, retry_after: str | None) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = b'{"message": "slow down"}'
        if retry_after is not None:
            response.headers["Retry-After"] = retry_after
        return response

    backoff, rng = Backoff(base=0.5, cap=8.0), MaxJitter()
    assert retry_delay(error_for(answer(429, "3"), "GET", "/v1/job/x"), 1, backoff, rng) == 3.0
    assert retry_delay(error_for(answer(503, "3600"), "GET", "/v1/job/x"), 1, backoff, rng) == 60.0
    assert retry_delay(error_for(answer(503, "soon"), "GET", "/v1/job/x"), 2, backoff, rng) == 1.0
    assert retry_delay(error_for(answer(500, None), "GET", "/v1/job/x"), 3, backoff, rng) == 2.0


def test_a_malformed_api_url_is_a_configuration_problem(sleeps):
    engine = SymblEngine("api.symbl.ai", "id", "secret", sleep=sleeps)
    with pytest.raises(ConfigError, match="SYMBL_API_URL"):
        engine.job_status("job")
    assert sleeps == []


def test_a_redirect_is_not_followed_or_mistaken_for_success(emulator, engine, sleeps):
    emulator.inject_fault("GET", r"^/v1/job/", status=302, body={"message": "Moved"})

    with pytest.raises(UnexpectedResponseError) as caught:
        engine.job_status("job")

    assert caught.value.status == 302
    assert len(emulator.requests_to("GET", "/v1/job/")) == 1
    assert sleeps == []
