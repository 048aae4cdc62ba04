"""The emulator's own strictness and control hooks, exercised with plain `requests` over real HTTP."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.fakes.symbl_data import MESSAGES, ConversationData
from tests.fakes.symbl_emulator import SymblEmulator, WebhookReceiver

CREDENTIALS = {"type": "application", "appId": "test-app-id", "appSecret": "test-app-secret"}
NOT_FOUND = {"message": "The conversationId is either invalid or does not exist."}
LIST_ROUTES = {
    "messages": "messages",
    "topics": "topics",
    "action-items": "actionItems",
    "follow-ups": "followUps",
    "questions": "questions",
    "members": "members",
    "insights": "insights",
    "entities": "entities",
}


class Api:
    """A minimal client: one token, Bearer auth, helpers for the calls the tests repeat."""

    def __init__(self, emulator: SymblEmulator) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.token = token_for(emulator)

    @property
    def auth(self) -> dict[str, str]:
        """The Bearer header for the current token."""
        return {"Authorization": f"Bearer {self.token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send an authenticated request to the emulator."""
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return self.session.request(method, self.emulator.url + path, headers=headers, timeout=10, **kwargs)

    def submit_video(self, params: dict[str, str] | None = None, body: bytes = b"\x00" * 64) -> dict[str, str]:
        """POST a small mp4 and return the submit response body."""
        response = self.call(
            "POST", "/v1/process/video", params=params, data=body, headers={"Content-Type": "video/mp4"}
        )
        assert response.status_code == 201, response.text
        return response.json()


def token_for(emulator: SymblEmulator, body: dict[str, str] = CREDENTIALS) -> str:
    """Generate (or fetch the cached) access token."""
    response = requests.post(emulator.url + "/oauth2/token:generate", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["accessToken"]


@pytest.fixture
def emulator() -> Iterator[SymblEmulator]:
    """A manually driven emulator (which must not have hit an internal error)."""
    with SymblEmulator() as running:
        yield running
    assert running.internal_errors == []


@pytest.fixture
def api(emulator: SymblEmulator) -> Api:
    """A client holding a valid token for `emulator`."""
    return Api(emulator)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A loopback HTTP server that records every webhook POST."""
    with WebhookReceiver() as receiver:
        yield receiver


# -- authentication -----------------------------------------------------------------------------------------------


def test_token_is_cached_with_its_remaining_lifetime(emulator: SymblEmulator) -> None:
    """While a token is valid the same one comes back, with less than the full lifetime left."""
    emulator.token_ttl = 86400
    first = requests.post(emulator.url + "/oauth2/token:generate", json=CREDENTIALS, timeout=10).json()
    time.sleep(1.05)
    second = requests.post(emulator.url + "/oauth2/token:generate", json=CREDENTIALS, timeout=10).json()
    assert first["expiresIn"] == 86400
    assert second["accessToken"] == first["accessToken"]
    assert second["expiresIn"] < 86400
    assert emulator.tokens_issued == 1


def test_token_request_is_strict(emulator: SymblEmulator) -> None:
    """Wrong credentials give 401; a body without the JSON Content-Type gives 400."""
    wrong = requests.post(emulator.url + "/oauth2/token:generate", json={**CREDENTIALS, "appSecret": "x"}, timeout=10)
    assert wrong.status_code == 401
    assert "message" in wrong.json()
    untyped = requests.post(emulator.url + "/oauth2/token:generate", data=json.dumps(CREDENTIALS), timeout=10)
    assert untyped.status_code == 400
    assert emulator.tokens_issued == 0


def test_api_calls_need_a_valid_token_in_either_header(emulator: SymblEmulator) -> None:
    """No token -> 401 with the documented body; Bearer and x-api-key both work."""
    path = emulator.url + "/v1/job/unknown"
    missing = requests.get(path, timeout=10)
    assert missing.status_code == 401
    assert missing.json() == {"message": "Token validation failed for provided token."}
    assert requests.get(path, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    token = token_for(emulator)
    assert requests.get(path, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 404
    assert requests.get(path, headers={"x-api-key": token}, timeout=10).status_code == 404


def test_expired_tokens_get_401_until_a_new_one_is_generated(emulator: SymblEmulator) -> None:
    """A token stops working at its lifetime (and on expire_tokens); generating again gives a new one."""
    emulator.token_ttl = 0.3
    api = Api(emulator)
    assert api.call("GET", "/v1/job/x").status_code == 404
    time.sleep(0.4)
    assert api.call("GET", "/v1/job/x").status_code == 401
    api.token = token_for(emulator)
    assert api.call("GET", "/v1/job/x").status_code == 404
    emulator.expire_tokens()
    assert api.call("GET", "/v1/job/x").status_code == 401
    fresh = token_for(emulator)
    assert fresh != api.token
    assert emulator.tokens_issued == 3


# -- submit validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"detectPhrases": "True"}, 400),  # symbl-docs#222
        ({"detectPhrases": "true", "enableSummary": "false"}, 201),
        ({"customVocabulary": "Platform"}, 400),
        ({"customVocabulary": '["Platform", "Targets"]'}, 201),
        ({"channelMetadata": "[{'channel': 1}]"}, 400),
        ({"confidenceThreshold": "1.5"}, 400),
        ({"confidenceThreshold": "0.7"}, 201),
        ({"diarizationSpeakerCount": "two"}, 400),
        ({"languageCode": "xx-XX"}, 400),
        ({"someFutureOption": "whatever"}, 201),
    ],
)
def test_query_options_are_validated(api: Api, params: dict[str, str], status: int) -> None:
    """Booleans must be lowercase, lists JSON, numbers in range; unknown options pass."""
    response = api.call("POST", "/v1/process/video", params=params, data=b"x", headers={"Content-Type": "video/mp4"})
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["message"]


@pytest.mark.parametrize(
    ("path", "content_type", "status"),
    [
        ("/v1/process/video", "video/mp4", 201),
        ("/v1/process/video", "video/quicktime", 400),
        ("/v1/process/video", None, 400),
        ("/v1/process/audio", None, 201),
        ("/v1/process/audio", "", 201),  # what the SDK sends
        ("/v1/process/audio", "audio/mpeg", 201),
        ("/v1/process/audio", "audio/ogg", 400),
        ("/v1/process/audio", "video/mp4", 400),
    ],
)
def test_file_content_types(api: Api, path: str, content_type: str | None, status: int) -> None:
    """Video must be video/mp4; audio may omit the type, send it empty, or use a documented audio type."""
    request = requests.Request("POST", api.emulator.url + path, data=b"RIFF....WAVE", headers=api.auth).prepare()
    request.headers.pop("Content-Type", None)
    if content_type is not None:
        request.headers["Content-Type"] = content_type
    response = api.session.send(request, timeout=10)
    assert response.status_code == status, response.text


def test_empty_upload_is_rejected(api: Api) -> None:
    """A file route without a body is a 400."""
    response = api.call("POST", "/v1/process/audio", data=b"")
    assert response.status_code == 400
    assert not api.emulator.conversations


def test_url_routes_need_json_with_a_url(api: Api) -> None:
    """URL submits: JSON Content-Type and `url` required; options in the body, diarization also in the query."""
    missing = api.call("POST", "/v1/process/audio/url", json={"name": "No url"})
    assert missing.status_code == 400
    assert "url" in missing.json()["message"]
    not_json = api.call("POST", "/v1/process/audio/url", data="url=https://x.example/a.mp3")
    assert not_json.status_code == 400
    bad_bool = api.call(
        "POST", "/v1/process/audio/url", json={"url": "https://x.example/a.mp3", "detectPhrases": "yes"}
    )
    assert bad_bool.status_code == 400
    ok = api.call(
        "POST",
        "/v1/process/video/url",
        params={"enableSpeakerDiarization": "true", "diarizationSpeakerCount": "2"},
        json={"url": "https://x.example/a.mp4", "name": "Board call", "enableSummary": True},
    )
    assert ok.status_code == 201
    record = api.emulator.conversations[ok.json()["conversationId"]]
    assert record.name == "Board call"
    assert record.options["enableSpeakerDiarization"] is True
    assert record.options["diarizationSpeakerCount"] == 2


def test_submit_returns_symbl_shaped_ids(api: Api) -> None:
    """201 with a 16-digit numeric conversationId and a UUID4 jobId; the name defaults to the conversationId."""
    submitted = api.submit_video()
    assert len(submitted["conversationId"]) == 16
    assert submitted["conversationId"].isdigit()
    assert submitted["jobId"][14] == "4"
    assert api.emulator.job_status_of(submitted["jobId"]) == "scheduled"
    api.emulator.complete(submitted["jobId"])
    body = api.call("GET", f"/v1/conversations/{submitted['conversationId']}").json()
    assert body["name"] == submitted["conversationId"]


# -- jobs, appends, concurrency, webhooks -----------------------------------------------------------------------------


def test_unknown_ids_give_404_with_a_json_message(api: Api) -> None:
    """Unknown job, unknown conversation (every route, and append) and a deleted conversation are 404s."""
    assert api.call("GET", "/v1/job/00000000-0000-4000-8000-000000000000").status_code == 404
    for suffix in ["", *LIST_ROUTES, "summary", "analytics", "trackers", "trackers-detected"]:
        response = api.call("GET", f"/v1/conversations/1234567890123456/{suffix}".rstrip("/"))
        assert (response.status_code, response.json()) == (404, NOT_FOUND), suffix
    append = api.call("PUT", "/v1/process/video/1234567890123456", data=b"x", headers={"Content-Type": "video/mp4"})
    assert (append.status_code, append.json()) == (404, NOT_FOUND)
    submitted = api.submit_video()
    deleted = api.call("DELETE", f"/v1/conversations/{submitted['conversationId']}")
    assert deleted.json() == {"message": "successfully deleted the conversation"}
    assert api.call("GET", f"/v1/conversations/{submitted['conversationId']}/messages").status_code == 404


def test_concurrency_limit_gives_the_documented_429(emulator: SymblEmulator) -> None:
    """Jobs that are not finished count against the limit; finishing one frees a slot."""
    emulator.concurrency_limit = 2
    api = Api(emulator)
    first = api.submit_video()
    api.submit_video()
    refused = api.call("POST", "/v1/process/video", data=b"x", headers={"Content-Type": "video/mp4"})
    assert refused.status_code == 429
    assert refused.json()["statusCode"] == 429
    assert "maximum of `2` number of concurrent jobs" in refused.json()["message"]
    emulator.fail(first["jobId"])
    api.submit_video()


def test_appends_keep_the_conversation_and_finish_in_fifo_order(api: Api) -> None:
    """PUT returns the same conversationId and a new jobId; a later job cannot finish before an earlier one."""
    first = api.submit_video()
    cid = first["conversationId"]
    second = api.call("PUT", f"/v1/process/audio/{cid}", data=b"RIFF", headers={"Content-Type": "audio/wav"}).json()
    third = api.call("PUT", f"/v1/process/audio/url/{cid}", json={"url": "https://x.example/3.mp3"}).json()
    assert second["conversationId"] == third["conversationId"] == cid
    assert len({first["jobId"], second["jobId"], third["jobId"]}) == 3
    assert api.emulator.conversations[cid].appended_media_count == 2
    api.emulator.complete(second["jobId"])
    assert api.emulator.job_status_of(first["jobId"]) == "completed"
    assert api.emulator.job_status_of(third["jobId"]) == "scheduled"
    messages = api.call("GET", f"/v1/conversations/{cid}/messages").json()["messages"]
    assert len(messages) == 2 * len(MESSAGES)


def test_time_driven_jobs_step_through_every_status_in_order() -> None:
    """With auto_advance_seconds, jobs move on their own and an append waits for the job before it."""
    with SymblEmulator(auto_advance_seconds=0.05) as timed:
        api = Api(timed)
        first = api.submit_video()
        append = api.call(
            "PUT", f"/v1/process/video/{first['conversationId']}", data=b"x", headers={"Content-Type": "video/mp4"}
        ).json()
        deadline = time.monotonic() + 5
        while timed.job_status_of(append["jobId"]) != "completed" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert timed.jobs[first["jobId"]].history == ["scheduled", "in_progress", "completed"]
        assert timed.jobs[append["jobId"]].history == ["scheduled", "in_progress", "completed"]
        seen = api.call("GET", f"/v1/job/{append['jobId']}").json()
        assert seen == {"id": append["jobId"], "status": "completed"}


def test_webhooks_are_posted_on_every_transition(api: Api, webhook_receiver: WebhookReceiver) -> None:
    """in_progress then completed (or failed) are POSTed as JSON {jobId, status} to the job's webhookUrl."""
    url = webhook_receiver.url
    done = api.submit_video(params={"webhookUrl": url})
    broken = api.call("POST", "/v1/process/audio/url", json={"url": "https://x.example/a.mp3", "webhookUrl": url})
    broken_job = broken.json()["jobId"]
    assert api.emulator.advance(done["jobId"]) == "in_progress"
    api.emulator.complete(done["jobId"])
    api.emulator.fail(broken_job)
    assert api.emulator.wait_for_webhooks(3)
    expected = [
        {"jobId": done["jobId"], "status": "in_progress"},
        {"jobId": done["jobId"], "status": "completed"},
        {"jobId": broken_job, "status": "failed"},
    ]
    assert [payload for _, payload in api.emulator.webhook_deliveries] == expected
    assert webhook_receiver.wait_for(3)
    assert webhook_receiver.received == [("application/json", payload) for payload in expected]


def test_force_status_serves_an_undocumented_string(api: Api) -> None:
    """The hook lets a client test its handling of statuses the SDK would crash on."""
    submitted = api.submit_video()
    api.emulator.force_status(submitted["jobId"], "queued")
    assert api.call("GET", f"/v1/job/{submitted['jobId']}").json()["status"] == "queued"


# -- faults -----------------------------------------------------------------------------------------------------------


def test_injected_faults_hit_the_next_matching_requests_only(api: Api) -> None:
    """`times` matching requests get the status (and custom body); the next one is normal."""
    submitted = api.submit_video()
    api.emulator.inject_fault("GET", r"^/v1/job/", status=503, times=2, body={"message": "busy"})
    path = f"/v1/job/{submitted['jobId']}"
    assert [api.call("GET", path).status_code for _ in range(3)] == [503, 503, 200]
    api.emulator.inject_fault("POST", r"/v1/process/video$", status=500)
    failed = api.call("POST", "/v1/process/video", data=b"x", headers={"Content-Type": "video/mp4"})
    assert (failed.status_code, failed.json()) == (500, {"message": "Injected fault."})
    assert len(api.emulator.conversations) == 1


def test_delay_only_faults_and_latency_slow_responses_down(api: Api) -> None:
    """status=0 with a delay answers normally but late; set_latency delays every matching request."""
    submitted = api.submit_video()
    path = f"/v1/job/{submitted['jobId']}"
    api.emulator.inject_fault("GET", r"^/v1/job/", status=0, delay=0.3)
    started = time.monotonic()
    assert api.call("GET", path).status_code == 200
    assert time.monotonic() - started >= 0.3
    api.emulator.set_latency(0.2, r"^/v1/conversations/")
    started = time.monotonic()
    assert api.call("GET", f"/v1/conversations/{submitted['conversationId']}/members").status_code == 200
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    api.call("GET", path)
    assert time.monotonic() - started < 0.2


# -- conversation data ------------------------------------------------------------------------------------------------


def test_wrapper_keys_are_present_even_before_completion(api: Api) -> None:
    """Every list route keeps its wrapper key (empty list), trackers is a bare array, summary is 404 meanwhile."""
    cid = api.submit_video()["conversationId"]
    for suffix, key in LIST_ROUTES.items():
        assert api.call("GET", f"/v1/conversations/{cid}/{suffix}").json() == {key: []}, suffix
    assert api.call("GET", f"/v1/conversations/{cid}/trackers-detected").json() == []
    assert api.call("GET", f"/v1/conversations/{cid}/analytics").json() == {"metrics": [], "members": []}
    assert api.call("GET", f"/v1/conversations/{cid}/summary").status_code == 404


def test_completed_conversation_carries_the_insights_a_user_sees(api: Api) -> None:
    """Action items (definitive with assignee+dueBy, tentative without), follow-ups, questions, duration."""
    submitted = api.submit_video(params={"name": "Launch review"})
    api.emulator.complete(submitted["jobId"])
    cid = submitted["conversationId"]
    definitive, tentative = api.call("GET", f"/v1/conversations/{cid}/action-items").json()["actionItems"]
    assert definitive["assignee"] == {
        "id": definitive["assignee"]["id"],
        "name": "Marco Rossi",
        "email": "marco@example.com",
    }
    assert definitive["dueBy"] == "2026-03-06T07:00:00.000Z"
    assert tentative["definitive"] is False
    assert "assignee" not in tentative
    assert len(api.call("GET", f"/v1/conversations/{cid}/follow-ups").json()["followUps"]) == 1
    assert len(api.call("GET", f"/v1/conversations/{cid}/questions").json()["questions"]) == 2
    insights = api.call("GET", f"/v1/conversations/{cid}/insights").json()["insights"]
    assert sorted({item["type"] for item in insights}) == ["action_item", "follow_up", "question"]
    meta = api.call("GET", f"/v1/conversations/{cid}").json()
    assert (meta["name"], meta["startTime"], meta["endTime"]) == (
        "Launch review",
        "2026-03-02T15:00:00.000Z",
        "2026-03-02T15:00:40.000Z",
    )


def test_message_and_topic_flags_are_honoured(api: Api) -> None:
    """verbose adds words, sentiment adds sentiment, parentRefs fills the hierarchy; phrases need detectPhrases."""
    submitted = api.submit_video()
    api.emulator.complete(submitted["jobId"])
    cid = submitted["conversationId"]
    plain = api.call("GET", f"/v1/conversations/{cid}/messages").json()["messages"]
    assert "words" not in plain[0]
    assert "sentiment" not in plain[0]
    assert plain[1]["phrases"] == []
    assert {"from", "startTime", "endTime", "timeOffset", "duration"} <= plain[0].keys()
    rich = api.call("GET", f"/v1/conversations/{cid}/messages", params={"verbose": "true", "sentiment": "true"}).json()
    assert [w["word"] for w in rich["messages"][0]["words"]][:2] == ["Good", "morning"]
    assert rich["messages"][6]["sentiment"] == {"polarity": {"score": 0.8}, "suggested": "positive"}
    flat = api.call("GET", f"/v1/conversations/{cid}/topics").json()["topics"]
    assert all(topic["parentRefs"] == [] for topic in flat)
    nested = api.call("GET", f"/v1/conversations/{cid}/topics", params={"parentRefs": "true"}).json()["topics"]
    assert {t["text"]: t["parentRefs"] for t in nested}["budget"] == [{"type": "topic", "text": "launch plan"}]


def test_topic_sentiment_only_when_asked_for_and_never_with_the_hierarchy(api: Api) -> None:
    """sentiment=true adds it as topics_sentiment.json has it; parentRefs "does not support sentiment" (§4.2)."""
    submitted = api.submit_video()
    api.emulator.complete(submitted["jobId"])
    topics = f"/v1/conversations/{submitted['conversationId']}/topics"
    assert all("sentiment" not in t for t in api.call("GET", topics).json()["topics"])
    rated = {t["text"]: t for t in api.call("GET", topics, params={"sentiment": "true"}).json()["topics"]}
    assert rated["push notifications"]["sentiment"] == {"polarity": {"score": -0.45}, "suggested": "negative"}
    assert rated["mobile app"]["sentiment"] == {"polarity": {"score": 0.4}, "suggested": "positive"}
    assert rated["budget"]["sentiment"]["suggested"] == "neutral"
    both = api.call("GET", topics, params={"sentiment": "true", "parentRefs": "true"}).json()["topics"]
    assert all("sentiment" not in t for t in both)
    assert {t["text"]: t["parentRefs"] for t in both}["budget"] == [{"type": "topic", "text": "launch plan"}]
    assert api.call("GET", topics, params={"sentiment": "false"}).json()["topics"][0].keys() == rated[
        "mobile app"
    ].keys() - {"sentiment"}


def test_summary_needs_enable_summary_or_refresh(api: Api) -> None:
    """After completion: empty without enableSummary, filled with it or with refresh=true."""
    plain = api.submit_video()
    enabled = api.submit_video(params={"enableSummary": "true"})
    api.emulator.complete_all()
    summary_of = f"/v1/conversations/{plain['conversationId']}/summary"
    assert api.call("GET", summary_of).json() == {"summary": []}
    assert len(api.call("GET", summary_of, params={"refresh": "true"}).json()["summary"]) == 2
    assert len(api.call("GET", f"/v1/conversations/{enabled['conversationId']}/summary").json()["summary"]) == 2


def test_diarization_and_member_updates(api: Api) -> None:
    """Diarized jobs have `Speaker N` members without email; PUT members renames them everywhere."""
    submitted = api.submit_video(params={"enableSpeakerDiarization": "true"})
    api.emulator.complete(submitted["jobId"])
    cid = submitted["conversationId"]
    members = api.call("GET", f"/v1/conversations/{cid}/members").json()["members"]
    assert [m["name"] for m in members] == ["Speaker 1", "Speaker 2", "Speaker 3"]
    assert all("email" not in m for m in members)
    marco = members[1]["id"]
    update = {"id": marco, "name": "Marco Rossi", "email": "marco@example.com"}
    assert api.call("PUT", f"/v1/conversations/{cid}/members/{marco}", json=update).status_code == 200
    message = api.call("GET", f"/v1/conversations/{cid}/messages").json()["messages"][1]
    assert message["from"] == update


def test_channel_metadata_names_the_speakers(api: Api) -> None:
    """With per-channel recognition, channelMetadata (a JSON string in the query) names each channel's speaker."""
    metadata = [{"channel": 2, "speaker": {"name": "Marco R.", "email": "mr@example.com"}}]
    submitted = api.submit_video(
        params={"enableSeparateRecognitionPerChannel": "true", "channelMetadata": json.dumps(metadata)}
    )
    api.emulator.complete(submitted["jobId"])
    members = api.call("GET", f"/v1/conversations/{submitted['conversationId']}/members").json()["members"]
    assert [(m["name"], m["email"]) for m in members][:2] == [
        ("Priya Raman", "priya@example.com"),
        ("Marco R.", "mr@example.com"),
    ]


def test_same_seed_gives_the_same_ids_and_data() -> None:
    """Two emulators answer the same submit sequence with identical ids and payloads."""
    answers = []
    for _ in range(2):
        with SymblEmulator() as fresh:
            api = Api(fresh)
            submitted = api.submit_video()
            fresh.complete(submitted["jobId"])
            items = api.call("GET", f"/v1/conversations/{submitted['conversationId']}/action-items").json()
            answers.append((submitted, items))
    assert answers[0] == answers[1]


def test_entities_and_trackers_need_their_submit_flags(api: Api) -> None:
    """detectEntities and enableAllTrackers at submit turn on entities and trackers."""
    bare = api.submit_video()
    flagged = api.submit_video(params={"detectEntities": "true", "enableAllTrackers": "true"})
    api.emulator.complete_all()
    assert api.call("GET", f"/v1/conversations/{bare['conversationId']}/entities").json() == {"entities": []}
    assert api.call("GET", f"/v1/conversations/{bare['conversationId']}/trackers").json() == []
    entities = api.call("GET", f"/v1/conversations/{flagged['conversationId']}/entities").json()["entities"]
    assert {e["type"] for e in entities} == {"person", "date", "custom"}
    assert all(e["messageRefs"] for e in entities)
    trackers = api.call("GET", f"/v1/conversations/{flagged['conversationId']}/trackers-detected").json()
    assert trackers[0]["name"] == "PricingMention"


def test_data_overrides_are_served_verbatim(emulator: SymblEmulator) -> None:
    """A test can serve odd payloads (here: a message missing `from`, no wrapper key for members)."""
    emulator.data = ConversationData(overrides={"messages": {"messages": [{"id": "1", "text": "hi"}]}, "members": {}})
    api = Api(emulator)
    cid = api.submit_video()["conversationId"]
    assert api.call("GET", f"/v1/conversations/{cid}/messages").json() == {"messages": [{"id": "1", "text": "hi"}]}
    assert api.call("GET", f"/v1/conversations/{cid}/members").json() == {}


# -- uploads ----------------------------------------------------------------------------------------------------------


def test_requests_are_recorded_with_query_headers_and_size(api: Api) -> None:
    """Inspection: method, path, parsed query (blank values kept), case-insensitive headers, body size, JSON."""
    api.call("POST", "/v1/process/video?name=&detectPhrases=true", data=b"abc", headers={"Content-Type": "video/mp4"})
    api.call("POST", "/v1/process/audio/url", json={"url": "https://x.example/a.mp3"})
    upload, url_submit = api.emulator.requests_to("POST", "/v1/process/")
    assert upload.query == {"name": [""], "detectPhrases": ["true"]}
    assert upload.headers["content-type"] == "video/mp4"
    assert (upload.body_size, upload.json) == (3, None)
    assert url_submit.json == {"url": "https://x.example/a.mp3"}


def test_chunked_uploads_are_counted_not_buffered(api: Api) -> None:
    """A 32 MiB upload of unknown length (Transfer-Encoding: chunked) is counted while memory stays flat."""
    block = b"\x00" * (1024 * 1024)

    def stream() -> Iterator[bytes]:
        for _ in range(32):
            yield block

    tracemalloc.start()
    try:
        response = api.call("POST", "/v1/process/video", data=stream(), headers={"Content-Type": "video/mp4"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 201
    [upload] = api.emulator.requests_to("POST", "/v1/process/video")
    assert upload.headers["Transfer-Encoding"] == "chunked"
    assert api.emulator.uploaded_bytes[response.json()["conversationId"]] == 32 * len(block)
    assert peak < 8 * len(block)


def test_rejected_uploads_are_drained_so_the_client_sees_the_status(api: Api) -> None:
    """A 4 MiB body with a bad option still gets its 400 (not a reset connection), and the connection is reusable."""
    response = api.call(
        "POST",
        "/v1/process/video",
        params={"detectPhrases": "True"},
        data=b"\x00" * (4 * 1024 * 1024),
        headers={"Content-Type": "video/mp4"},
    )
    assert response.status_code == 400
    assert api.call("GET", "/v1/job/none").status_code == 404
