"""Vendor and Slack faults: the meeting waits, retries or says why; it is never lost and never posted twice."""

from __future__ import annotations

import json
import urllib.request

from tests.e2e.conftest import wait_until
from tests.e2e.harness import CHANNEL
from tests.e2e.test_slack_flows import assert_one_outcome, bot_replies, share_file, wait_for_results


def test_at_symbls_concurrency_limit_a_recording_waits_its_turn_instead_of_failing(make_stack):
    stack = make_stack(auto_advance=None)
    stack.symbl.concurrency_limit = 1
    _, first = share_file(stack, "first.mp4", "video/mp4")
    stack.app.event(first)
    job_id = wait_until(lambda: list(stack.symbl.jobs), 10, "the first Symbl job")[0]
    _, second = share_file(stack, "second.mp4", "video/mp4")
    stack.app.event(second)
    busy = wait_until(
        lambda: [m for m in bot_replies(stack.slack, second["ts"]) if "busy" in str(m.blocks)], 15, "a busy note"
    )
    assert "queued" in str(busy[0].blocks)
    refused = [r for r in stack.symbl.requests if r.method == "POST" and r.path.startswith("/v1/process")]
    assert len(refused) >= 2  # the second submit was tried and refused with the concurrency 429
    stack.symbl.complete(job_id)
    wait_for_results(stack, first["ts"])
    second_job = wait_until(lambda: [j for j in stack.symbl.jobs if j != job_id], 30, "the second submit")[0]
    stack.symbl.complete(second_job)
    wait_for_results(stack, second["ts"])
    assert "x" not in stack.slack.reactions.get((CHANNEL, second["ts"]), set())


def test_symbl_server_errors_and_slow_answers_are_retried(stack):
    stack.symbl.inject_fault("GET", r"^/v1/job/", status=503, times=3)
    stack.symbl.inject_fault("GET", r"^/v1/conversations/[^/]+/action-items$", status=502, times=2)
    _, event = share_file(stack, "flaky.mp4", "video/mp4")
    stack.app.event(event)
    wait_for_results(stack, event["ts"], timeout=40)
    assert_one_outcome(stack, event["ts"])


def finished_at_symbl_with_slack_faulty(make_stack, arm_fault):
    """A recording whose Symbl job completes only once ``arm_fault(slack)`` is armed: the fault meets the notes."""
    stack = make_stack(auto_advance=None)
    _, event = share_file(stack, "posting-later.mp4", "video/mp4")
    stack.app.event(event)
    job_id = wait_until(lambda: list(stack.symbl.jobs), 10, "a Symbl job")[0]
    wait_until(lambda: stack.symbl.requests_to("GET", f"/v1/job/{job_id}"), 10, "the first poll")
    arm_fault(stack.slack)
    stack.symbl.complete(job_id)
    return stack, event


def test_slacks_rate_limit_is_waited_out_and_the_notes_are_posted_once(make_stack):
    stack, event = finished_at_symbl_with_slack_faulty(
        make_stack, lambda slack: slack.rate_limit("chat.postMessage", times=2, retry_after=1)
    )
    wait_for_results(stack, event["ts"], timeout=40)
    assert_one_outcome(stack, event["ts"])
    limited = [c for c in stack.slack.calls_to("chat.postMessage") if c.status == 429]
    assert len(limited) == 2
    answered = [c for c in stack.slack.calls_to("chat.postMessage") if c.ok and c.seq > limited[0].seq]
    assert answered and answered[0].ts - limited[0].ts >= 1.0  # Retry-After was honoured


def test_a_notes_post_slack_refuses_for_a_while_is_retried_later_and_never_lost(make_stack):
    # ok:false answers are not retried by slack_sdk; the job itself waits and tries again (results are stored).
    stack, event = finished_at_symbl_with_slack_faulty(
        make_stack, lambda slack: slack.fail("chat.postMessage", error="internal_error", times=4)
    )
    wait_for_results(stack, event["ts"], timeout=60)
    assert len([c for c in stack.slack.calls_to("chat.postMessage") if c.error == "internal_error"]) == 4
    assert_one_outcome(stack, event["ts"])


def test_a_job_stuck_past_its_deadline_ends_with_a_clear_message(make_stack):
    stack = make_stack(auto_advance=None, JOB_DEADLINE_SECONDS="3")
    _, event = share_file(stack, "stuck.mp4", "video/mp4")
    stack.app.event(event)
    note = wait_until(
        lambda: [m for m in bot_replies(stack.slack, event["ts"]) if "took longer than" in str(m.blocks)],
        20,
        "the deadline note",
    )
    assert "stopped waiting" in str(note[0].blocks)
    wait_until(lambda: "x" in stack.slack.reactions.get((CHANNEL, event["ts"]), set()), 5, "❌")


def test_the_webhook_is_idempotent(make_stack):
    from tests.e2e.harness import free_port

    port = free_port()
    stack = make_stack(auto_advance=None, port=port, POLL_INTERVAL_SECONDS="60", PUBLIC_URL=f"http://127.0.0.1:{port}")
    _, event = share_file(stack, "hooked.mp4", "video/mp4")
    stack.app.event(event)
    job_id = wait_until(lambda: list(stack.symbl.jobs), 10, "a Symbl job")[0]
    webhook = stack.symbl.requests_to("POST", "/v1/process/video")[0].query["webhookUrl"][0]
    stack.symbl.complete(job_id)  # sends the webhook once
    body = json.dumps({"jobId": job_id, "status": "completed"}).encode()
    for _ in range(3):  # and Symbl (or an attacker who knows the secret) sends it again
        request = urllib.request.Request(webhook, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
    wait_for_results(stack, event["ts"], timeout=15)
    wait_until(lambda: [u for u in stack.slack.uploads if u.thread_ts == event["ts"]], 10)
    assert_one_outcome(stack, event["ts"])
