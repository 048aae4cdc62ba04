"""The project's error tree, and the one place where an error becomes text a user reads.

    BotError                     anything this app raises on purpose
    ├── ConfigError              a setting is missing or malformed (one line per problem)
    ├── LimitError               a person has too many recordings waiting already
    ├── SlackError               Slack refused a Web API call (``code``: Slack's error code) or could not be
    │                            reached; mapped from slack_sdk and requests in bot/slack_io.py only  [retryable unless
    │                            the code is one no retry can fix: not_in_channel, invalid_auth…]
    ├── MediaError               the recording itself is unusable
    │   ├── UnsupportedMediaError    not audio or video we can process
    │   ├── MediaTooLargeError       over MAX_FILE_MB
    │   ├── MediaTooLongError        over MAX_DURATION_MINUTES (offline engine), told by the container's header
    │   ├── EmptyMediaError          zero bytes
    │   ├── TranscriptFileError      a .vtt/.srt transcript that cannot be read (not VTT/SRT, no cues, bad times)
    │   └── DownloadError            could not fetch it (HTML login page, HTTP error, blocked URL…)
    └── EngineError              the speech/insights engine refused or failed; ``status`` and ``server_message``
        ├── AuthError                credentials rejected (401/403)
        ├── BadRequestError          the engine rejected the request (400/413)
        ├── NotFoundError            unknown conversation or job (404)
        ├── RateLimitedError         429; ``concurrency_limit`` when it is the per-account job limit   [retryable]
        ├── ServerError              5xx                                                               [retryable]
        ├── EngineTimeoutError       no answer in time, or the connection failed                       [retryable]
        ├── JobFailedError           the job ended in ``failed``
        └── UnexpectedResponseError  an answer outside the contract (e.g. an unknown job status)

Retryable errors carry ``retryable = True``. Each boundary maps the errors of the library below it to these
(``bot/slack_io.py`` for Slack, ``bot/engines/symbl_http.py`` for Symbl, ``bot/net/`` for links), the way httpx
maps httpcore's; ``bot.retry`` is the one reader of the flag, for the pipeline, the digests, the Symbl client and
the CLI. Anything that is not a ``BotError`` is a bug and is never retried.
"""

from __future__ import annotations

import errno

DISK_FULL_TEXT = "The server is out of disk space; try again later."


def is_disk_full(error: BaseException) -> bool:
    """ENOSPC (and EDQUOT, a full quota): the disk, not the recording, is the problem."""
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


class BotError(Exception):
    """Base of every error this app raises on purpose."""

    retryable: bool = False


class ConfigError(BotError):
    """Configuration is missing or malformed. The message has one line per problem."""


class LimitError(BotError):
    """Too many recordings waiting for one person; the message says how many and what to do."""


class SlackError(BotError):
    """Slack refused a call (``code`` is Slack's error code, e.g. ``not_in_channel``) or could not be reached
    (``code`` is ``connection_error``). ``retryable`` says whether the same call may succeed later."""

    def __init__(self, message: str, *, code: str, retryable: bool, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.status = status


class MediaError(BotError):
    """The recording cannot be used as it is."""


class UnsupportedMediaError(MediaError):
    """Not a format the engines accept."""


class MediaTooLargeError(MediaError):
    """Larger than the configured MAX_FILE_MB."""


class MediaTooLongError(MediaError):
    """Longer than MAX_DURATION_MINUTES, as the container's header says (refused before decoding)."""


class EmptyMediaError(MediaError):
    """The recording has no bytes."""


class TranscriptFileError(MediaError):
    """A shared transcript file (WebVTT or SRT) that cannot be read; the message says what is wrong with it."""


class DownloadError(MediaError):
    """Fetching the recording failed (HTTP error, HTML instead of media, a blocked address…).

    ``retryable`` for failures that may pass (a timeout, a dropped connection); the rest are final.
    """

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


class EngineError(BotError):
    """The engine refused or failed. ``server_message`` is the engine's own words, when it gave any."""

    def __init__(self, message: str, *, status: int | None = None, server_message: str | None = None):
        super().__init__(message)
        self.status = status
        self.server_message = server_message


class AuthError(EngineError):
    """The engine rejected our credentials."""


class BadRequestError(EngineError):
    """The engine rejected the request as malformed or too large."""


class NotFoundError(EngineError):
    """No such conversation or job."""


class RateLimitedError(EngineError):
    """Too many requests, or too many concurrent jobs on the account; try again later."""

    retryable = True

    def __init__(self, message: str, *, concurrency_limit: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        self.concurrency_limit = concurrency_limit


class ServerError(EngineError):
    """The engine failed on its side (5xx)."""

    retryable = True


class EngineTimeoutError(EngineError):
    """No answer in time, or the connection could not be made."""

    retryable = True


class JobFailedError(EngineError):
    """The engine's job ended in the ``failed`` state."""


class UnexpectedResponseError(EngineError):
    """The engine answered outside its documented contract."""


def user_text(error: BaseException, *, gave_up: bool = False) -> str:  # noqa: PLR0912 - one case per kind of error
    """What to tell a person about this error, in one or two plain sentences.

    This is the only place an error becomes user-facing text. Unknown errors get a generic line; their
    details belong in the log (with the traceback), never in the channel. ``gave_up``: a passing problem was
    retried until the job's deadline, so the text must not promise another try.
    """
    if gave_up:
        match error:
            case SlackError():
                return "Slack kept refusing my messages until the deadline, so I stopped trying. Share it again later."
            case _:
                return "The transcription service kept failing until the deadline, so I stopped trying. Try later."
    if is_disk_full(error):
        return DISK_FULL_TEXT
    match error:
        case ConfigError():
            return f"The app is not configured correctly: {error}"
        case LimitError():
            return str(error)
        case TranscriptFileError():
            return f"I couldn't read that transcript: {error}"
        case MediaError():
            return str(error)
        case AuthError():
            return "The transcription service rejected the app's credentials. Ask an admin to check them."
        case NotFoundError():
            return "I couldn't find that conversation. Check the id, or process the recording again."
        case RateLimitedError(concurrency_limit=True):
            return "The transcription service is busy with other recordings; yours is queued and will start soon."
        case RateLimitedError():
            return "The transcription service is rate-limiting us; I'll keep trying."
        case BadRequestError():
            detail = f" ({error.server_message})" if error.server_message else ""
            return f"The transcription service refused this recording{detail}."
        case JobFailedError(server_message=str(reason)) if reason:
            return f"Processing failed: {reason}"
        case JobFailedError():
            return "Processing failed on the transcription service's side. Try again, or try another file."
        case ServerError() | EngineTimeoutError():
            return "The transcription service is not answering right now. I'll retry for a while."
        case EngineError():
            return f"The transcription service answered unexpectedly: {error}"
        case SlackError(code=code):
            if code in {"not_in_channel", "channel_not_found"}:
                return "I can't post in this channel. Invite me with `/invite @symbl` and try again."
            if code in {"file_not_found", "file_deleted"}:  # files.info: the share was deleted, or is not ours to see
                return "Slack won't show me that file: it was deleted, or it isn't shared with me."
            return f"Slack refused my message ({code})."
        case _:
            return "Something went wrong on my side. The details are in the app's log."
