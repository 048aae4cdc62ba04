"""``SubmitOptions`` to Symbl's wire form (symbl-api.md §2.2–§2.3).

File routes take every option in the query string: camelCase names, lowercase ``true``/``false`` (the real
API answered 400 to Python's ``True``), lists and objects as a JSON string, numbers as plain decimals.
URL routes take a JSON body with ``url`` and the options, except the two diarization flags, which go in
the query string as the tutorials and the SDK send them. ``enableSummary`` goes in both: the summary tutorial
passes it in the query "even for text" while the reference lists it with the body's options (symbl-api.md §2.2,
open question 6), and without it the summary endpoint stays empty.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from bot.models import SubmitOptions

QUERY_ONLY_FOR_URLS = ("enableSpeakerDiarization", "diarizationSpeakerCount")
QUERY_AND_BODY_FOR_URLS = ("enableSummary",)


def camel_case(name: str) -> str:
    """``detect_entities`` -> ``detectEntities``; names already in camelCase are left alone."""
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def option_values(options: SubmitOptions | None) -> dict[str, Any]:
    """Every option that is set, by its Symbl name, as a Python value (``extra`` wins over a typed field)."""
    if options is None:
        return {}
    typed = {
        "name": options.name,
        "webhookUrl": options.webhook_url,
        "languageCode": options.language_code,
        "customVocabulary": list(options.custom_vocabulary) or None,
        "confidenceThreshold": options.confidence_threshold,
        "detectPhrases": options.detect_phrases,
        "enableSpeakerDiarization": options.enable_speaker_diarization,
        "diarizationSpeakerCount": options.diarization_speaker_count,
        "enableSummary": options.enable_summary,
    }
    values = {key: value for key, value in typed.items() if value is not None}
    values.update({camel_case(key): value for key, value in options.extra.items() if value is not None})
    return values


def query_value(value: Any) -> str:
    """One option as a query-string value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr() may give "1e-05"; Symbl expects a plain decimal.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list | tuple | dict):
        return json.dumps(list(value) if isinstance(value, tuple) else value, separators=(",", ":"))
    return str(value)


def file_query(options: SubmitOptions | None) -> dict[str, str]:
    """The query string of a file submit or append."""
    return {key: query_value(value) for key, value in option_values(options).items()}


def url_request(url: str, options: SubmitOptions | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON body and query string of a URL submit or append."""
    values = option_values(options)
    query = {key: query_value(values.pop(key)) for key in QUERY_ONLY_FOR_URLS if key in values}
    query.update({key: query_value(values[key]) for key in QUERY_AND_BODY_FOR_URLS if key in values})
    body = {key: list(value) if isinstance(value, tuple) else value for key, value in values.items()}
    return {**body, "url": url}, query
