"""Named crash points for fault-injection tests: a no-op unless ``BOT_FAILPOINT`` names one.

The crash-safety tests start the app with ``BOT_FAILPOINT=<name>`` and check that after the crash and a restart
every job still ends with exactly one result and one transcript. Reaching the named point kills the app's whole
process group with SIGKILL, as a power cut would: no cleanup, no flushing, no graceful shutdown.

Points (see ``bot/pipeline.py``): ``after_<stage>`` once a stage's outcome is saved (``after_fetching`` is after the
download, ``after_submitting`` after the submit, ``after_collecting`` after the insights are fetched),
``before_saving_<stage>`` once a stage has done its work but before its outcome is saved (as when the database
goes away then: at ``before_saving_submitting`` the engine holds a submit the job row does not know of),
``while_polling``, ``before_<role>_post`` / ``after_<role>_post`` around the parent, status, notes and failure
messages, ``between_notes_and_pointer`` (the notes' ts saved, the status message not yet pointing to them) and
``between_result_and_transcript``; ``forget_after_engine`` (``bot/forget.py``) once the engine has forgotten a
meeting and before the request's next step is saved.
"""

from __future__ import annotations

import os
import signal

_ARMED = os.environ.get("BOT_FAILPOINT", "")


def hit(name: str) -> None:
    """Crash here if the tests armed this point."""
    if _ARMED and name == _ARMED:
        os.killpg(os.getpgid(0), signal.SIGKILL)
