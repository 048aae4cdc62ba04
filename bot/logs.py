"""JSON log lines carrying the Slack and job ids passed in ``extra=``; configured once by the entry point.

Messages are written by us, never from user content: tokens and transcript text are not logged anywhere, and
this formatter adds only the whitelisted id fields below.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

CONTEXT_FIELDS = ("team_id", "channel_id", "job_id", "stage", "event_id", "conversation_id", "engine_job_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the known id fields, and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            if (value := getattr(record, name, None)) is not None:
                entry[name] = value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: int = logging.INFO) -> None:
    """Send the app's logs to stderr as JSON; quieten libraries that log request details."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "slack_sdk", "slack_bolt", "apscheduler", "faster_whisper"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
