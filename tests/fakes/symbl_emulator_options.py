"""Validation of Async API submit options, as strict as the real server is documented to be (symbl-api.md §2.2–2.3).

Choices where the docs are silent, made so that the real SDK's documented wire behaviour still works:

* Booleans in the query must be exactly `true`/`false` (symbl-docs#222: Python's `True` got a 400). In a JSON body they
  must be JSON booleans.
* List and object options in the query must be ONE JSON string (the docs' curl example). A repeated key is the `qs`
  array encoding of the docs' Node examples; it is accepted only where a list of strings is valid, i.e. for
  `customVocabulary`. The SDK's garbled `customVocabulary=%5B&customVocabulary=%22&...` (§6.3) therefore arrives as a
  vocabulary of single characters: accepted, silently useless, which is the most plausible behaviour of an Express
  server that validated "array of strings". Any other repeated key is a 400.
* `confidenceThreshold` must be a number in 0..1 (the older, wider documented range), `diarizationSpeakerCount` a
  positive integer, `languageCode` one of the documented codes, `mode` `default` or `phone`, `webhookUrl` an http(s)
  URL. Unknown option names are accepted and ignored.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlsplit

BOOLEAN_OPTIONS = frozenset(
    {
        "detectPhrases",
        "detectEntities",
        "enableSeparateRecognitionPerChannel",
        "enableSpeakerDiarization",
        "enableAllTrackers",
        "enableSummary",
    }
)
LIST_OPTIONS = frozenset({"customVocabulary", "entities", "channelMetadata", "trackers"})
OBJECT_OPTIONS = frozenset({"features", "metadata"})
STRING_LIST_OPTIONS = frozenset({"customVocabulary"})
LANGUAGES = frozenset(
    {
        *("en-US", "en-GB", "en-AU", "en-IE", "en-IN", "en-ZA", "ru-RU", "fr-CA", "fr-FR", "de-DE"),
        *("it-IT", "nl-NL", "ja-JP", "es-US", "es-ES", "ar-SA", "hi-IN", "pt-BR", "pt-PT", "fa-IR"),
    }
)
MODES = frozenset({"default", "phone"})


class BadRequest(Exception):
    """A request the real API would answer with 400; the text becomes the `message` of the body."""


def options_from_query(query: dict[str, list[str]]) -> dict[str, Any]:
    """Decode and validate options sent in a query string (file routes, and diarization flags on URL routes)."""
    options: dict[str, Any] = {}
    for key, values in query.items():
        if len(values) > 1:
            if key not in STRING_LIST_OPTIONS:
                raise BadRequest(f"Query parameter '{key}' was given more than once.")
            options[key] = list(values)
            continue
        options[key] = _decode_query_value(key, values[0])
    return validate_options(options)


def _decode_query_value(key: str, raw: str) -> Any:
    if key in BOOLEAN_OPTIONS:
        if raw not in {"true", "false"}:
            raise BadRequest(f"'{key}' must be a boolean (true or false), got '{raw}'.")
        return raw == "true"
    if key in LIST_OPTIONS or key in OBJECT_OPTIONS:
        try:
            return json.loads(raw)
        except ValueError:
            raise BadRequest(f"'{key}' must be a JSON-encoded value.") from None
    if key in {"confidenceThreshold", "timezoneOffset"}:
        try:
            return float(raw)
        except ValueError:
            raise BadRequest(f"'{key}' must be a number.") from None
    if key == "diarizationSpeakerCount":
        try:
            return int(raw)
        except ValueError:
            raise BadRequest(f"'{key}' must be an integer.") from None
    return raw


def validate_options(options: dict[str, Any]) -> dict[str, Any]:
    """Type- and range-check decoded options (from the query or a JSON body); returns them unchanged."""
    for key, value in options.items():
        if key in BOOLEAN_OPTIONS and not isinstance(value, bool):
            raise BadRequest(f"'{key}' must be a boolean.")
        if key in LIST_OPTIONS and not isinstance(value, list):
            raise BadRequest(f"'{key}' must be an array.")
        if key in OBJECT_OPTIONS and not isinstance(value, dict):
            raise BadRequest(f"'{key}' must be an object.")
    _check_lists(options)
    _check_scalars(options)
    return options


def _check_lists(options: dict[str, Any]) -> None:
    if not all(isinstance(word, str) for word in options.get("customVocabulary", [])):
        raise BadRequest("'customVocabulary' must be an array of strings.")
    for entity in options.get("entities", []):
        if not isinstance(entity, dict) or not isinstance(entity.get("text"), str):
            raise BadRequest("Each of 'entities' must be an object with 'customType' and 'text'.")
    for tracker in options.get("trackers", []):
        if (
            not isinstance(tracker, dict)
            or not isinstance(tracker.get("name"), str)
            or not isinstance(tracker.get("vocabulary"), list)
        ):
            raise BadRequest("Each of 'trackers' must be an object with 'name' and 'vocabulary'.")
    for channel in options.get("channelMetadata", []):
        if not isinstance(channel, dict) or not isinstance(channel.get("channel"), int):
            raise BadRequest("Each of 'channelMetadata' must be an object with an integer 'channel'.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_scalars(options: dict[str, Any]) -> None:
    if "confidenceThreshold" in options:
        threshold = options["confidenceThreshold"]
        if not _is_number(threshold) or not 0.0 <= threshold <= 1.0:
            raise BadRequest("'confidenceThreshold' must be a number between 0 and 1.")
    if "timezoneOffset" in options and not _is_number(options["timezoneOffset"]):
        raise BadRequest("'timezoneOffset' must be a number.")
    if "diarizationSpeakerCount" in options:
        count = options["diarizationSpeakerCount"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise BadRequest("'diarizationSpeakerCount' must be a positive integer.")
    if "languageCode" in options and options["languageCode"] not in LANGUAGES:
        raise BadRequest(f"'languageCode' {options['languageCode']!r} is not supported.")
    if "mode" in options and options["mode"] not in MODES:
        raise BadRequest("'mode' must be 'default' or 'phone'.")
    if "name" in options and not isinstance(options["name"], str):
        raise BadRequest("'name' must be a string.")
    if "webhookUrl" in options and not is_http_url(options["webhookUrl"]):
        raise BadRequest("'webhookUrl' must be an http(s) URL.")


def is_http_url(value: Any) -> bool:
    """True for an absolute http:// or https:// URL with a host."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)
