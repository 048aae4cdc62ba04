"""Drive the official Symbl SDK (symbl 2.0.6) against ``symbl-bot api``, in a process of its own.

Run as ``python -m tests.api.sdk_driver <api-url> <media-dir> <media-url> <webhook-url> <result.json>``. The SDK
keeps its host and token in import-time globals (symbl-api.md §6.1), hence a fresh interpreter. Every result is
written as plain JSON for the test to assert on.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any

# The same calls the emulator's SDK driver makes: the server must answer what the emulator answers.
from tests.fakes.symbl_emulator_sdk_driver import plain, read_everything
from tests.fakes.symbl_emulator_sdk_driver import summary as ids

CREDENTIALS = {"app_id": "sdk-client", "app_secret": "sdk-secret"}
POLL_SECONDS = 0.5


def main(api_url: str, media: Path, media_url: str, webhook_url: str, result_path: Path) -> None:
    logging.basicConfig(level=logging.WARNING)  # the SDK's basicConfig(level=NOTSET) then does nothing
    import symbl_rest

    configuration = symbl_rest.Configuration()
    configuration.host = api_url
    symbl_rest.Configuration.set_default(configuration)  # before `import symbl` (§6.1)

    import symbl
    from symbl.Conversations import Conversation

    Conversation._Conversation__INTERVAL_TIME_IN_SECONDS = POLL_SECONDS  # the SDK's first poll is 30 s otherwise
    results: dict[str, Any] = {}

    video = symbl.Video.process_file(
        str(media / "first.mp4"),
        credentials=CREDENTIALS,
        parameters={
            "name": "Stand-up, part one",
            "enableSpeakerDiarization": True,
            "diarizationSpeakerCount": 2,
            "channelMetadata": [
                {"channel": 1, "speaker": {"name": "Alice Smith", "email": "alice@example.com"}},
                {"channel": 2, "speaker": {"name": "Bob Jones", "email": "bob@example.com"}},
            ],
        },
    )
    results["video_file"] = {**ids(video), **read_everything(video)}

    audio = symbl.Audio.process_file(
        str(media / "second.wav"), credentials=CREDENTIALS, parameters={"name": "Part two"}
    )
    results["audio_file"] = {**ids(audio), **read_everything(audio)}

    appended = symbl.Audio.append_file(str(media / "second.wav"), video.get_conversation_id(), credentials=CREDENTIALS)
    results["audio_append_file"] = {**ids(appended), "messages": plain(appended.get_messages())}

    by_url = symbl.Audio.process_url({"url": f"{media_url}/second.wav", "name": "From a link"})
    results["audio_url"] = {**ids(by_url), **read_everything(by_url)}
    appended_url = symbl.Video.append_url({"url": f"{media_url}/first.mp4"}, by_url.get_conversation_id())
    results["video_append_url"] = {**ids(appended_url), "messages": plain(appended_url.get_messages())}

    finished = threading.Event()
    background = symbl.Video.process_file(
        str(media / "first.mp4"), credentials=CREDENTIALS, wait=False, parameters={"webhookUrl": webhook_url}
    )
    background.on_complete(lambda conversation: finished.set())
    results["background"] = {"returned_status": background.get_job_status(), "callback": finished.wait(240)}
    results["background"].update(ids(background))
    results["background"]["action_items"] = plain(background.get_action_items())

    results["unknown_conversation"] = {"messages": plain(Conversation("1000000000000000").get_messages())}
    result_path.write_text(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4], Path(sys.argv[5]))
