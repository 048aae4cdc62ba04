"""A submit request's options, read the way Symbl reads them (symbl-api.md §2.2–§2.3), into ``SubmitOptions``.

File routes carry every option in the query string: lowercase ``true``/``false`` only (Python's ``True`` is a 400,
as on the real API), numbers as decimals, lists and objects as JSON strings. URL routes carry them in the JSON body
beside ``url``; the diarization flags may come in the query string instead, as the SDK sends them. A value of the
wrong type is refused with 400 before anything is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.engines.symbl_options import QUERY_ONLY_FOR_URLS
from bot.models import SubmitOptions

BOOLEAN_OPTIONS = frozenset(
    {
        "detectPhrases",
        "detectEntities",
        "enableSpeakerDiarization",
        "enableSeparateRecognitionPerChannel",
        "enableAllTrackers",
        "enableSummary",
    }
)
JSON_OPTIONS = frozenset({"customVocabulary", "channelMetadata", "entities", "trackers", "features", "metadata"})
STRING_OPTIONS = frozenset({"name", "webhookUrl", "languageCode", "mode", "conversationType"})
NUMBER_OPTIONS = frozenset({"confidenceThreshold", "diarizationSpeakerCount", "timezoneOffset"})
KNOWN_OPTIONS = BOOLEAN_OPTIONS | JSON_OPTIONS | STRING_OPTIONS | NUMBER_OPTIONS


class OptionError(ValueError):
    """A request option Symbl would refuse with 400; the message says which and why."""


@dataclass(frozen=True)
class RequestOptions:
    """What a submit asked for: the engine's options, and what only the API's answers use."""

    submit: SubmitOptions
    # channel number -> {"name", "email"}: who speaks as "Speaker <channel>" (channelMetadata)
    speakers: dict[int, dict[str, str | None]] = field(default_factory=dict)
    confidence_threshold: float | None = None
    detect_phrases: bool = False


def from_query(query: dict[str, list[str]]) -> RequestOptions:
    """The options of a file upload, from its query string."""
    values = {name: _query_value(name, raw) for name, raw in query.items() if name in KNOWN_OPTIONS}
    return _build(values)


def from_url_request(body: Any, query: dict[str, list[str]]) -> tuple[str, RequestOptions]:
    """The ``url`` and options of a URL submit: a JSON object body, diarization flags also from the query."""
    if not isinstance(body, dict):
        raise OptionError("The request body must be a JSON object.")
    url = body.get("url")
    if not isinstance(url, str) or not url.strip():
        raise OptionError("'url' is required and must be a string.")
    values = {name: _json_value(name, value) for name, value in body.items() if name in KNOWN_OPTIONS}
    for name in QUERY_ONLY_FOR_URLS:
        if name in query:
            values[name] = _query_value(name, query[name])
    return url.strip(), _build(values)


def _query_value(name: str, raw: list[str]) -> Any:
    if name == "customVocabulary":
        return _vocabulary(raw)
    text = raw[-1]
    if name in BOOLEAN_OPTIONS:
        if text not in {"true", "false"}:
            raise OptionError(f"'{name}' must be true or false (lowercase), not {text!r}.")
        return text == "true"
    if name in NUMBER_OPTIONS:
        try:
            return float(text)
        except ValueError:
            raise OptionError(f"'{name}' must be a number, not {text!r}.") from None
    if name in JSON_OPTIONS:
        try:
            return json.loads(text)
        except ValueError:
            raise OptionError(f"'{name}' must be a JSON value.") from None
    return text


def _vocabulary(raw: list[str]) -> list[str]:
    """``customVocabulary`` as a JSON string, as repeated keys, or as the SDK garbles it: one key per character."""
    if len(raw) > 1 and all(len(part) <= 1 for part in raw):
        raw = ["".join(raw)]  # the SDK 2.0.6's "multi" format split the JSON string into characters (§6.3)
    if len(raw) == 1 and raw[0].lstrip().startswith("["):
        try:
            terms = json.loads(raw[0])
        except ValueError:
            raise OptionError("'customVocabulary' must be a JSON list of strings.") from None
        return _strings("customVocabulary", terms)
    return [term for term in raw if term]


def _json_value(name: str, value: Any) -> Any:
    if name in BOOLEAN_OPTIONS:
        if not isinstance(value, bool):
            raise OptionError(f"'{name}' must be true or false.")
        return value
    if name in NUMBER_OPTIONS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise OptionError(f"'{name}' must be a number.")
        return float(value)
    if name in STRING_OPTIONS and not isinstance(value, str):
        raise OptionError(f"'{name}' must be a string.")
    if name == "customVocabulary":
        return _strings(name, value)
    return value


def _strings(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OptionError(f"'{name}' must be a list of strings.")
    return value


def _build(values: dict[str, Any]) -> RequestOptions:
    threshold = values.get("confidenceThreshold")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise OptionError("'confidenceThreshold' must be between 0.0 and 1.0.")
    count = values.get("diarizationSpeakerCount")
    if count is not None and (count != int(count) or count < 1):
        raise OptionError("'diarizationSpeakerCount' must be a positive whole number.")
    mode = values.get("mode")
    if mode is not None and mode not in {"default", "phone"}:
        raise OptionError("'mode' must be 'default' or 'phone'.")
    speakers = _channel_speakers(values.get("channelMetadata"))
    submit = SubmitOptions(
        name=values.get("name") or None,
        webhook_url=values.get("webhookUrl") or None,
        language_code=values.get("languageCode") or None,
        custom_vocabulary=tuple(values.get("customVocabulary") or ()),
        confidence_threshold=threshold,
        detect_phrases=values.get("detectPhrases"),
        enable_speaker_diarization=values.get("enableSpeakerDiarization"),
        diarization_speaker_count=int(count) if count is not None else None,
        enable_summary=values.get("enableSummary"),
        # Speaker names help the engine spell them when they are said in the meeting
        participant_names=tuple(s["name"] for s in speakers.values() if s.get("name")),
    )
    return RequestOptions(
        submit=submit,
        speakers=speakers,
        confidence_threshold=threshold,
        detect_phrases=bool(values.get("detectPhrases")),
    )


def _channel_speakers(metadata: Any) -> dict[int, dict[str, str | None]]:
    if metadata is None:
        return {}
    if not isinstance(metadata, list):
        raise OptionError("'channelMetadata' must be a list of {channel, speaker} objects.")
    speakers: dict[int, dict[str, str | None]] = {}
    for entry in metadata:
        channel = entry.get("channel") if isinstance(entry, dict) else None
        speaker = entry.get("speaker") if isinstance(entry, dict) else None
        if not isinstance(channel, int) or isinstance(channel, bool) or not isinstance(speaker, dict):
            raise OptionError("'channelMetadata' must be a list of {channel, speaker} objects.")
        name, email = speaker.get("name"), speaker.get("email")
        if not isinstance(name, str | None) or not isinstance(email, str | None):
            raise OptionError("'channelMetadata' speaker names and emails must be strings.")
        speakers[channel] = {"name": name, "email": email}
    return speakers
