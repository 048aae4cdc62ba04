"""Fidelity proof: the REAL official SDK (symbl 2.0.6 + symbl_rest 1.0.14) works end to end against the emulator.

The SDK runs in a subprocess (`symbl_emulator_sdk_driver`) because its host, token and logging are import-time
globals; the emulator runs here, so the test can inspect both what the SDK got back and what it sent on the wire.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.symbl_data import MESSAGES
from tests.fakes.symbl_emulator import SymblEmulator, WebhookReceiver

REPO_ROOT = Path(__file__).resolve().parents[2]
SDK_ERROR = {"message": "The conversationId is either invalid or does not exist."}
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8
WAV_BYTES = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(1000)


@pytest.fixture(scope="module")
def sdk_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SymblEmulator, dict[str, Any]]]:
    """Run the SDK driver once against a time-driven emulator; yield the emulator and the SDK's results."""
    pytest.importorskip("symbl_rest")
    workdir = tmp_path_factory.mktemp("sdk")
    (workdir / "meeting.mp4").write_bytes(MP4_BYTES)
    (workdir / "meeting.wav").write_bytes(WAV_BYTES)
    result_path = workdir / "result.json"
    with SymblEmulator(auto_advance_seconds=0.05) as emulator, WebhookReceiver() as receiver:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.fakes.symbl_emulator_sdk_driver",
                emulator.url,
                str(workdir),
                str(result_path),
                receiver.url,
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        assert receiver.wait_for(2)
        results = json.loads(result_path.read_text())
        results["webhooks_received"] = receiver.received
        yield emulator, results
        assert emulator.internal_errors == []


def test_every_submit_and_append_completes_with_symbl_ids(sdk_run: tuple[SymblEmulator, dict[str, Any]]) -> None:
    """process_file/process_url (audio and video) and every append finish `completed`; appends keep the conversation."""
    _, results = sdk_run
    submits = ["video_file", "audio_file", "audio_vocabulary", "video_url", "audio_url"]
    appends = ["video_append_file", "audio_append_file", "video_append_url", "audio_append_url"]
    for name in submits + appends:
        assert results[name]["status"] == "completed", name
        assert len(results[name]["conversation_id"]) == 16
        assert results[name]["conversation_id"].isdigit()
    assert {results[name]["conversation_id"] for name in appends} == {results["video_file"]["conversation_id"]}
    assert len({results[name]["job_id"] for name in submits + appends}) == len(submits + appends)


def test_every_get_returns_real_data_not_the_sdk_error_dict(sdk_run: tuple[SymblEmulator, dict[str, Any]]) -> None:
    """Each SDK `get_*` parses the emulator's JSON; the unknown-conversation control shows what failure looks like."""
    _, results = sdk_run
    for source in ("video_file", "video_url"):
        for name, value in results[source].items():
            assert value != SDK_ERROR, f"{source}.{name}"
    assert results["unknown_conversation"]["messages"] == SDK_ERROR


def test_action_items_follow_ups_and_questions_reach_the_sdk(sdk_run: tuple[SymblEmulator, dict[str, Any]]) -> None:
    """A definitive action item with assignee and due date, a tentative one without, a follow-up, two questions."""
    _, results = sdk_run
    video = results["video_file"]
    definitive, tentative = video["action_items"]["action_items"]
    assert definitive["text"] == "Marco will send the updated budget to finance by Friday."
    assert definitive["definitive"] is True
    assert definitive["assignee"]["name"] == "Marco Rossi"
    assert definitive["assignee"]["email"] == "marco@example.com"
    assert definitive["due_by"].startswith("2026-03-06")
    assert tentative["definitive"] is False
    assert tentative["assignee"] is None
    [follow_up] = video["follow_ups"]["follow_ups"]
    assert follow_up["text"].startswith("Follow up with the design team")
    assert [q["text"] for q in video["questions"]["questions"]] == [
        "Do we have sign-off from legal on the new privacy policy?",
        "What is the price of the premium analytics tier?",
    ]
    assert video["questions"]["questions"][0]["_from"]["name"] == "Dana Lee"


def test_transcript_topics_and_metadata_reach_the_sdk(sdk_run: tuple[SymblEmulator, dict[str, Any]]) -> None:
    """Messages (with verbose words and sentiment), topic hierarchy, members and the conversation's name and times."""
    _, results = sdk_run
    video = results["video_file"]
    messages = video["messages"]["messages"]
    assert [m["text"] for m in messages] == [m.text for m in MESSAGES]
    assert messages[1]["_from"] == {
        "id": messages[1]["_from"]["id"],
        "name": "Marco Rossi",
        "email": "marco@example.com",
    }
    assert messages[1]["start_time"] == "2026-03-02 15:00:04.800000+00:00"
    assert messages[0]["words"][0]["word"] == "Good"
    assert messages[0]["sentiment"]["suggested"] == "positive"
    assert messages[1]["phrases"] == [{"type": "action_phrase", "text": "send the updated budget"}]
    topics = {t["text"]: t for t in video["topics"]["topics"]}
    assert topics["launch plan"]["parent_refs"] == [{"type": "topic", "text": "mobile app"}]
    assert [m["name"] for m in video["members"]["members"]] == ["Priya Raman", "Marco Rossi", "Dana Lee"]
    conversation = video["conversation"]
    assert conversation["name"] == "Weekly sync"
    assert (conversation["start_time"], conversation["end_time"]) == (
        "2026-03-02 15:00:00+00:00",
        "2026-03-02 15:00:40+00:00",
    )


def test_trackers_entities_and_analytics_reach_the_sdk(sdk_run: tuple[SymblEmulator, dict[str, Any]]) -> None:
    """Trackers (bare array), legacy-shape entities and analytics all parse in the SDK's models."""
    _, results = sdk_run
    video = results["video_file"]
    assert [t["name"] for t in video["trackers"]] == ["PricingMention"]
    assert {e["text"] for e in video["entities"]["entities"]} == {"Marco", "Friday", "premium analytics tier"}
    metrics = {m["type"]: m for m in video["analytics"]["metrics"]}
    assert metrics["total_talk_time"]["seconds"] > 0
    assert [m["name"] for m in video["analytics"]["members"]] == ["Priya Raman", "Marco Rossi", "Dana Lee"]


def test_diarized_submits_give_speaker_members(sdk_run: tuple[SymblEmulator, dict[str, Any]]) -> None:
    """enableSpeakerDiarization (file: query; URL: query beside the JSON body) gives `Speaker N` members."""
    _, results = sdk_run
    assert [m["name"] for m in results["audio_file"]["members"]["members"]] == ["Speaker 1", "Speaker 2", "Speaker 3"]
    assert all(m["email"] is None for m in results["audio_file"]["members"]["members"])
    assert results["video_url"]["messages"]["messages"][0]["_from"]["name"] == "Speaker 1"
    assert results["video_url"]["conversation"]["name"] == "URL video"


def test_appends_grow_the_transcript(sdk_run: tuple[SymblEmulator, dict[str, Any]]) -> None:
    """Four appends (file and URL, audio and video) each add their media's transcript to the conversation."""
    emulator, results = sdk_run
    conversation = emulator.conversations[results["video_file"]["conversation_id"]]
    assert conversation.appended_media_count == 4
    assert len(results["after_appends"]["messages"]["messages"]) == 5 * len(MESSAGES)
    assert emulator.uploaded_bytes[conversation.id] == 2 * len(MP4_BYTES) + len(WAV_BYTES)


def test_sdk_wire_quirks_are_accepted(sdk_run: tuple[SymblEmulator, dict[str, Any]]) -> None:
    """x-api-key auth, one token for the whole run, the empty audio Content-Type and the garbled customVocabulary."""
    emulator, results = sdk_run
    api_calls = [r for r in emulator.requests if r.path.startswith("/v1/")]
    assert api_calls
    assert all(r.headers.get("x-api-key") and "Authorization" not in r.headers for r in api_calls)
    assert emulator.tokens_issued == 1
    audio_posts = emulator.requests_to("POST", "/v1/process/audio")
    file_posts = [r for r in audio_posts if r.path == "/v1/process/audio"]
    assert file_posts
    assert all("Content-Type" in r.headers and r.headers["Content-Type"] == "" for r in file_posts)
    video_posts = [r for r in emulator.requests_to("POST", "/v1/process/video") if r.path == "/v1/process/video"]
    assert len(video_posts) == 2  # the blocking and the background submit
    assert all(r.headers["Content-Type"] == "video/mp4" and r.body_size == len(MP4_BYTES) for r in video_posts)
    garbled = emulator.conversations[results["audio_vocabulary"]["conversation_id"]].options["customVocabulary"]
    assert garbled == list(json.dumps(["Platform", "Roadmap"]))
    [url_post] = emulator.requests_to("POST", "/v1/process/video/url")
    assert url_post.json == {
        "url": "https://media.example.com/meeting.mp4",
        "name": "URL video",
        "detectEntities": True,
    }
    assert url_post.query == {"enableSpeakerDiarization": ["true"], "diarizationSpeakerCount": ["2"]}


def test_text_submit_and_background_wait_work(sdk_run: tuple[SymblEmulator, dict[str, Any]]) -> None:
    """Text.process completes; wait=False returns at once, fires on_complete, and the webhook sees each transition."""
    _, results = sdk_run
    assert results["text"]["status"] == "completed"
    assert results["text"]["action_items"]["action_items"][0]["definitive"] is True
    background = results["background"]
    assert background["returned_status"] == "in_progress"  # the SDK's local status before its first poll
    assert background["callback"] is True
    assert background["status"] == "completed"
    assert results["webhooks_received"] == [
        ("application/json", {"jobId": background["job_id"], "status": "in_progress"}),
        ("application/json", {"jobId": background["job_id"], "status": "completed"}),
    ]
