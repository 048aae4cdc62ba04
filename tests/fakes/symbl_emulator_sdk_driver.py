"""Drive the official Symbl SDK (symbl 2.0.6 / symbl_rest 1.0.14) against an emulator, in its own process.

Run as `python -m tests.fakes.symbl_emulator_sdk_driver <emulator-url> <workdir> <result.json> <webhook-url>`.
The SDK keeps its token, host and logging in import-time globals (symbl-api.md §6.1–6.2), so it gets a fresh
interpreter rather than sharing pytest's. Every SDK call's result is written to <result.json> as plain JSON for the
test to assert on.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any

CREDENTIALS = {"app_id": "test-app-id", "app_secret": "test-app-secret"}
POLL_SECONDS = 0.05


def plain(value: Any) -> Any:
    """SDK return values (swagger models, lists of them, dicts with datetimes) as JSON-ready data."""
    if hasattr(value, "to_dict"):
        return plain(value.to_dict())
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def read_everything(conversation: Any) -> dict[str, Any]:
    """Call every `get_*` of the SDK's Conversation that sends a request."""
    return {
        "messages": plain(conversation.get_messages(parameters={"verbose": True, "sentiment": True})),
        "topics": plain(conversation.get_topics(parameters={"sentiment": True, "parentRefs": True})),
        "action_items": plain(conversation.get_action_items()),
        "follow_ups": plain(conversation.get_follow_ups()),
        "questions": plain(conversation.get_questions()),
        "members": plain(conversation.get_members()),
        "conversation": plain(conversation.get_conversation()),
        "trackers": plain(conversation.get_trackers()),
        "entities": plain(conversation.get_entities()),
        "analytics": plain(conversation.get_analytics()),
    }


def summary(conversation: Any) -> dict[str, Any]:
    """Ids and final status of an SDK Conversation returned by a submit call."""
    return {
        "conversation_id": conversation.get_conversation_id(),
        "job_id": conversation.get_job_id(),
        "status": conversation.get_job_status(),
    }


def main(url: str, workdir: Path, result_path: Path, webhook_url: str) -> None:
    """Point the SDK at `url`, run every submit/append/get the SDK has, and write the results."""
    # The SDK calls basicConfig(level=NOTSET); configuring the root logger first turns that into a no-op.
    logging.basicConfig(level=logging.WARNING)

    import symbl_rest

    configuration = symbl_rest.Configuration()
    configuration.host = url
    symbl_rest.Configuration.set_default(configuration)  # before `import symbl`: its singletons copy it (§6.1)

    import symbl
    from symbl.Conversations import Conversation

    Conversation._Conversation__INTERVAL_TIME_IN_SECONDS = POLL_SECONDS  # the SDK's first poll is 30 s otherwise
    mp4, wav = workdir / "meeting.mp4", workdir / "meeting.wav"
    results: dict[str, Any] = {}

    video = symbl.Video.process_file(
        str(mp4),
        credentials=CREDENTIALS,
        parameters={
            "name": "Weekly sync",
            "detectPhrases": True,
            "detectEntities": True,
            "enableAllTrackers": True,
            "confidenceThreshold": 0.6,
        },
    )
    results["video_file"] = {**summary(video), **read_everything(video)}

    audio = symbl.Audio.process_file(
        str(wav), credentials=CREDENTIALS, parameters={"enableSpeakerDiarization": True, "diarizationSpeakerCount": 3}
    )
    results["audio_file"] = {**summary(audio), "members": plain(audio.get_members())}

    garbled = symbl.Audio.process_file(
        str(wav), credentials=CREDENTIALS, parameters={"customVocabulary": ["Platform", "Roadmap"]}
    )
    results["audio_vocabulary"] = {**summary(garbled), "action_items": plain(garbled.get_action_items())}

    video_url = symbl.Video.process_url(
        {"url": "https://media.example.com/meeting.mp4", "name": "URL video", "detectEntities": True},
        credentials=CREDENTIALS,
        parameters={"enableSpeakerDiarization": True, "diarizationSpeakerCount": 2},
    )
    results["video_url"] = {**summary(video_url), **read_everything(video_url)}

    audio_url = symbl.Audio.process_url({"url": "https://media.example.com/meeting.mp3", "name": "URL audio"})
    results["audio_url"] = {**summary(audio_url), "questions": plain(audio_url.get_questions())}

    conversation_id = video.get_conversation_id()
    appends = {
        "video_append_file": symbl.Video.append_file(str(mp4), conversation_id, credentials=CREDENTIALS),
        "audio_append_file": symbl.Audio.append_file(str(wav), conversation_id, credentials=CREDENTIALS),
        "video_append_url": symbl.Video.append_url({"url": "https://media.example.com/part3.mp4"}, conversation_id),
        "audio_append_url": symbl.Audio.append_url({"url": "https://media.example.com/part4.mp3"}, conversation_id),
    }
    results.update({name: summary(conversation) for name, conversation in appends.items()})
    results["after_appends"] = {"messages": plain(video.get_messages())}

    text = symbl.Text.process(
        {
            "name": "Chat",
            "messages": [
                {
                    "payload": {"content": "Marco will send the budget by Friday.", "contentType": "text/plain"},
                    "from": {"name": "Priya Raman", "userId": "priya@example.com"},
                }
            ],
        },
        credentials=CREDENTIALS,
    )
    results["text"] = {**summary(text), "action_items": plain(text.get_action_items())}

    finished = threading.Event()
    background = symbl.Video.process_file(
        str(mp4), credentials=CREDENTIALS, wait=False, parameters={"webhookUrl": webhook_url}
    )
    background.on_complete(lambda conversation: finished.set())
    results["background"] = {"returned_status": background.get_job_status(), "callback": finished.wait(30)}
    results["background"].update(summary(background))

    results["unknown_conversation"] = {"messages": plain(Conversation("1000000000000000").get_messages())}
    result_path.write_text(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
