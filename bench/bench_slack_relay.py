"""Peak RSS of the app while it relays a 1 GiB Slack file to Symbl (download streamed to disk, upload streamed)."""

from __future__ import annotations

import time

from bench import Row
from bench.stack import jobs_pid, rss_mib, running_stack, web_pids
from tests.e2e.harness import CHANNEL

SIZE = 1 << 30
TARGET_MIB = 150.0


def run() -> list[Row]:
    with running_stack(MAX_FILE_MB="4096") as stack:
        source = stack.data_dir / "huge-source.mp4"
        with source.open("wb") as f:  # sparse: costs no disk until the app writes its own copy
            f.truncate(SIZE)
        stack.app.command(stack.slack, "help")  # warm-up: imports done, connections opened
        pid = jobs_pid(stack.app.process.pid)
        baseline = rss_mib(pid)
        file = stack.slack.add_file(name="all-hands.mp4", mimetype="video/mp4", content_path=source)
        stack.app.event(stack.slack.post_user_message(CHANNEL, files=[file]))
        started = time.monotonic()
        while time.monotonic() - started < 600:
            conv = next(iter(stack.symbl.uploaded_bytes.values()), 0)
            if conv >= SIZE:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        relayed = next(iter(stack.symbl.uploaded_bytes.values()), 0)
        peak = rss_mib(pid, "VmHWM")
        web_peak = max(rss_mib(p, "VmHWM") for p in web_pids(stack.app.process.pid))
    ok = relayed == SIZE and peak < TARGET_MIB and web_peak < TARGET_MIB
    return [
        Row(
            "app peak RSS relaying a 1 GiB Slack file to Symbl",
            f"< {TARGET_MIB:.0f} MiB",
            f"jobs process {peak:.0f} MiB peak (baseline {baseline:.0f}), web workers {web_peak:.0f} MiB; "
            f"{relayed / 2**30:.2f} GiB in {elapsed:.0f}s",
            ok,
        )
    ]
