"""SubmitOptions to Symbl's query strings and JSON bodies (symbl-api.md §2.2–§2.3)."""

from __future__ import annotations

import json

from bot.engines.symbl_options import camel_case, file_query, query_value, url_request
from bot.models import SubmitOptions

OPTIONS = SubmitOptions(
    name="Weekly sync",
    webhook_url="https://bot.example.com/symbl/webhook/abc",
    custom_vocabulary=("Platform", "Discussion"),
    confidence_threshold=0.65,
    detect_phrases=True,
    enable_speaker_diarization=True,
    diarization_speaker_count=3,
    enable_summary=False,
    extra={"detect_entities": True, "trackers": [{"name": "Price", "vocabulary": ["cost"]}], "mode": "phone"},
)


def test_file_query_uses_camel_case_lowercase_booleans_json_lists_and_plain_numbers():
    assert file_query(OPTIONS) == {
        "name": "Weekly sync",
        "webhookUrl": "https://bot.example.com/symbl/webhook/abc",
        "customVocabulary": '["Platform","Discussion"]',
        "confidenceThreshold": "0.65",
        "detectPhrases": "true",
        "enableSpeakerDiarization": "true",
        "diarizationSpeakerCount": "3",
        "enableSummary": "false",
        "detectEntities": "true",
        "trackers": '[{"name":"Price","vocabulary":["cost"]}]',
        "mode": "phone",
    }


def test_unset_options_are_left_out():
    assert file_query(None) == {}
    assert file_query(SubmitOptions()) == {}


def test_url_body_has_the_url_and_native_json_types_while_diarization_goes_in_the_query():
    body, query = url_request("https://media.example.com/call.mp4", OPTIONS)
    assert query == {"enableSpeakerDiarization": "true", "diarizationSpeakerCount": "3", "enableSummary": "false"}
    assert body["enableSummary"] is False  # in both: the tutorial reads the query, the reference the body
    assert body["url"] == "https://media.example.com/call.mp4"
    assert body["customVocabulary"] == ["Platform", "Discussion"]
    assert body["detectPhrases"] is True
    assert body["confidenceThreshold"] == 0.65
    assert "enableSpeakerDiarization" not in body
    assert json.loads(json.dumps(body)) == body


def test_an_extra_url_key_cannot_replace_the_recording_url():
    body, _ = url_request("https://media.example.com/a.mp3", SubmitOptions(extra={"url": "https://evil.example"}))
    assert body["url"] == "https://media.example.com/a.mp3"


def test_numbers_never_use_exponent_notation():
    assert query_value(1e-05) == "0.00001"
    assert query_value(2.0) == "2.0"
    assert query_value(False) == "false"
    assert camel_case("enable_all_trackers") == "enableAllTrackers"
    assert camel_case("enableAllTrackers") == "enableAllTrackers"
