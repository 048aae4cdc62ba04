"""What is tried again, and how long to wait: one policy for the pipeline, the digests, the Symbl client and the CLI.

Each boundary turns the errors of the library below it into the project's own (``bot/slack_io.py``: slack_sdk and
requests -> ``SlackError``; ``bot/engines/symbl_http.py``: HTTP statuses and dropped connections -> ``EngineError``
subclasses; ``bot/net/`` and the downloads: ``DownloadError``), each with ``retryable`` set where the failure may
pass (a timeout, a dropped connection, a 5xx, a rate limit). Callers ask :func:`is_retryable` and nothing else, so
a bug (any error that is not a ``BotError``) is never retried: it fails at once with its traceback in the log.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.errors import BotError


def is_retryable(error: BaseException) -> bool:
    """Whether the same step may succeed if made again later (the boundary that raised the error said so)."""
    return isinstance(error, BotError) and error.retryable


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter: failure n waits min(cap, base * 2**(n-1)) times uniform(floor, 1).

    ``floor`` 0 is full jitter (the Symbl client's quick in-call retries); 0.5 keeps at least half the delay (jobs
    and digests, retried over minutes to hours, where a near-zero wait would only hit the same outage again).
    """

    base: float = 0.5
    cap: float = 8.0
    floor: float = 0.0

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1-based)."""
        exponent = min(max(failures, 1) - 1, 32)  # 2**32 is past any cap; larger only risks overflow
        return min(self.cap, self.base * 2**exponent) * (rng or _rng).uniform(self.floor, 1.0)


_rng = random.Random()  # noqa: S311 - jitter, not cryptography

# A job step: 1-2 s after the first failure, doubling to 5 minutes, until the job's deadline.
JOB_STEP = Backoff(base=2.0, cap=300.0, floor=0.5)
# A digest post: 5-10 s after the first failure, doubling to 10 minutes, for a few attempts.
DIGEST_POST = Backoff(base=10.0, cap=600.0, floor=0.5)
# Background work kept in rows (forget and erasure steps): 2 s after the first failure, doubling to 5 minutes.
BACKGROUND_STEP = Backoff(base=2.0, cap=300.0, floor=1.0)
# A channel's consent note (the bot may not be in the channel yet): doubling from 2 s up to hourly.
CONSENT_NOTE = Backoff(base=2.0, cap=3600.0, floor=1.0)
