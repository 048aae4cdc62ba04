"""End-to-end: signed Slack requests into the real app, results out through the fake Slack.

Each test asserts what a user would see in the channel: one status message that tells how the work goes and ends
as a one-line pointer, the notes (or a failure note) as a new message that notifies the thread, one transcript file,
the right reactions, and clear words when something goes wrong.
"""

from __future__ import annotations

import time

from tests.e2e.conftest import wait_quiescent, wait_until
from tests.e2e.harness import CHANNEL, TEAM_ID, command_answer

ACTION_ITEM = "Marco will send the updated budget to finance by Friday"
SUMMARY = "Priya opened the review of the mobile app launch plan"  # the emulator's summary, when asked for


def bot_replies(slack, thread_ts):
    """The bot's text messages in a thread (the transcript upload shows up as a separate file message)."""
    return [m for m in slack.thread(CHANNEL, thread_ts) if m.user != "U111" and not m.files]


def notes_in(slack, thread_ts):
    """The notes messages in a thread (those holding the meeting's action item)."""
    return [m for m in bot_replies(slack, thread_ts) if ACTION_ITEM in str(m.blocks)]


def wait_for_results(stack, thread_ts, timeout=20.0):
    """The thread's notes messages, once they are posted and the transcript is uploaded."""

    def done():
        uploads = [u for u in stack.slack.uploads if u.thread_ts == thread_ts]
        return (notes := notes_in(stack.slack, thread_ts)) and uploads and notes

    return wait_until(done, timeout, f"results in thread {thread_ts}")


def assert_one_outcome(stack, thread_ts):
    """The thread holds exactly one notes message and one status message pointing to it, nothing more."""
    notes = notes_in(stack.slack, thread_ts)
    assert len(notes) == 1, f"{len(notes)} notes messages"
    others = [m for m in bot_replies(stack.slack, thread_ts) if m.ts != notes[0].ts]
    assert len(others) == 1, f"one status message besides the notes, not {[m.text for m in others]}"
    assert "below" in others[0].text and ACTION_ITEM not in str(others[0].blocks)
    assert float(others[0].ts) < float(notes[0].ts), "the status message points down to the notes"
    assert len([u for u in stack.slack.uploads if u.thread_ts == thread_ts]) == 1
    return notes[0]


def share_file(stack, name, mimetype, content=b"\x00" * 4096, thread_ts=None):
    file = stack.slack.add_file(name=name, mimetype=mimetype, content=content)
    event = stack.slack.post_user_message(CHANNEL, files=[file], thread_ts=thread_ts)
    return file, event


def test_shared_video_gets_a_status_message_then_the_notes_as_a_new_message_and_a_transcript(stack):
    _file, event = share_file(stack, "weekly-sync.mp4", "video/mp4")
    status, _, seconds = stack.app.event(event)
    assert status == 200
    assert seconds < 3

    wait_for_results(stack, event["ts"])
    notes = assert_one_outcome(stack, event["ts"])
    # A new message, not an edit (Slack notifies the thread of a new message only), posted once the job finished.
    assert notes.edits == 0
    posts = [c for c in stack.slack.calls_to("chat.postMessage") if c.ok]
    assert ACTION_ITEM in str(posts[-1].args.get("blocks")), "the notes are the thread's last post"
    pointer = next(m for m in bot_replies(stack.slack, event["ts"]) if m.ts != notes.ts)
    assert pointer.edits >= 3  # queued -> uploading -> processing -> the pointer
    assert pointer.text.startswith("✅") and "weekly-sync.mp4" in pointer.text
    # Symbl was asked for its summary, and the notes show it.
    assert stack.symbl.requests_to("POST", "/v1/process/video")[0].query["enableSummary"] == ["true"]
    assert SUMMARY in str(notes.blocks)
    wait_until(lambda: "white_check_mark" in stack.slack.reactions.get((CHANNEL, event["ts"]), set()), 5, "✅")
    assert "hourglass_flowing_sand" not in stack.slack.reactions[(CHANNEL, event["ts"])]
    uploads = [u for u in stack.slack.uploads if u.thread_ts == event["ts"]]
    assert len(uploads) == 1
    assert b"Marco" in uploads[0].content
    # The video went to Symbl's video route, streamed whole, with the file's name.
    submits = stack.symbl.requests_to("POST", "/v1/process/video")
    assert len(submits) == 1
    assert submits[0].headers["Content-Type"] == "video/mp4"
    assert submits[0].body_size == 4096
    # The bot token went to the files host, and nowhere else.
    assert all(d.authorization == f"Bearer {stack.slack.bot_token}" for d in stack.slack.downloads)


def test_shared_audio_goes_to_the_audio_route(stack):
    _, event = share_file(stack, "standup.mp3", "audio/mpeg")
    stack.app.event(event)
    wait_for_results(stack, event["ts"])
    assert len(stack.symbl.requests_to("POST", "/v1/process/audio")) == 1
    assert not stack.symbl.requests_to("POST", "/v1/process/video")


def test_media_link_in_a_message_goes_to_the_url_api(stack):
    url = "https://media.example.com/calls/retro.mp3"
    event = stack.slack.post_user_message(CHANNEL, text=f"recording: <{url}>")
    stack.app.event(event)
    wait_for_results(stack, event["ts"])
    submits = stack.symbl.requests_to("POST", "/v1/process/audio/url")
    assert [s.json["url"] for s in submits] == [url]


def test_documents_and_images_are_left_alone(stack):
    _, event = share_file(stack, "notes.pdf", "application/pdf")
    stack.app.event(event)
    event2 = stack.slack.post_user_message(CHANNEL, text="see <https://example.com/page.html>")
    stack.app.event(event2)
    stack.app.command(stack.slack, "help")  # a request after them, so the two events were surely handled
    assert not stack.slack.calls_to("chat.postMessage")
    assert not stack.symbl.requests_to("POST", "/v1/process")


def test_unsupported_video_format_gets_a_clear_note_in_the_thread(stack):
    _, event = share_file(stack, "call.mov", "video/quicktime")
    stack.app.event(event)
    note = wait_until(lambda: bot_replies(stack.slack, event["ts"]), 10, "a note")[0]
    assert "MP4" in note.text
    wait_until(lambda: "x" in stack.slack.reactions.get((CHANNEL, event["ts"]), set()), 5, "❌")
    assert not stack.symbl.requests_to("POST", "/v1/process")


def test_process_command_posts_a_parent_message_and_results_in_its_thread(stack):
    status, body, seconds = stack.app.command(stack.slack, "process https://media.example.com/all-hands.mp4 All hands")
    assert status == 200
    assert seconds < 3
    assert "On it" in body
    parent = wait_until(
        lambda: [m for m in stack.slack.messages.get(CHANNEL, []) if not m.is_reply], 10, "the parent message"
    )[0]
    assert "All hands" in parent.text
    assert "Results will follow" in parent.text
    wait_for_results(stack, parent.ts)
    assert_one_outcome(stack, parent.ts)
    submit = stack.symbl.requests_to("POST", "/v1/process/video/url")[0]
    assert submit.json["url"] == "https://media.example.com/all-hands.mp4"
    assert submit.json["name"] == "All hands"
    assert submit.query["enableSummary"] == ["true"]  # the summary tutorial's place; the body has it too
    assert submit.json["enableSummary"] is True
    # Once the notes are there, the parent no longer promises them: it says where they are.
    parent = wait_until(
        lambda: "Results will follow" not in (m := stack.slack.message(CHANNEL, parent.ts)).text and m, 10, "parent"
    )
    assert "notes are in this thread" in parent.text and "All hands" in parent.text


def test_a_failed_command_says_so_in_its_parent_message_and_in_a_new_message(make_stack):
    stack = make_stack(auto_advance=None)
    stack.app.command(stack.slack, "process https://media.example.com/broken.mp4 Broken call")
    job_id = wait_until(lambda: list(stack.symbl.jobs), 10, "a Symbl job")[0]
    parent = next(m for m in stack.slack.messages.get(CHANNEL, []) if not m.is_reply)
    stack.symbl.fail(job_id)
    wait_until(lambda: "could not be processed" in stack.slack.message(CHANNEL, parent.ts).text, 10, "the parent")
    assert "Results will follow" not in stack.slack.message(CHANNEL, parent.ts).text
    failures = [m for m in bot_replies(stack.slack, parent.ts) if "couldn't process" in m.text and m.edits == 0]
    assert len(failures) == 1 and "see below" not in failures[0].text


def test_append_command_sends_media_into_the_conversation_and_updates_its_thread(stack):
    stack.app.command(stack.slack, "process https://media.example.com/part1.mp3 Planning")
    parent = wait_until(lambda: [m for m in stack.slack.messages.get(CHANNEL, []) if not m.is_reply], 10)[0]
    wait_for_results(stack, parent.ts)
    conversation_id = stack.symbl.requests_to("GET", "/v1/conversations/")[0].path.split("/")[3]

    _status, body, _ = stack.app.command(stack.slack, f"append {conversation_id} https://media.example.com/part2.mp3")
    assert "Adding it" in body
    appends = wait_until(lambda: stack.symbl.requests_to("PUT", "/v1/process/audio/url/"), 10, "the append")
    assert appends[0].path.endswith(conversation_id)
    wait_until(lambda: len(notes_in(stack.slack, parent.ts)) == 2, 20, "a second notes message in the thread")
    wait_until(lambda: len([u for u in stack.slack.uploads if u.thread_ts == parent.ts]) == 2, 10)
    assert len(bot_replies(stack.slack, parent.ts)) == 4  # each recording: its status pointer and its notes


def test_append_to_an_unknown_or_foreign_conversation_is_not_found(stack):
    _, answer = command_answer(stack.app, stack.slack, "append 5815170693595136 https://media.example.com/x.mp3")
    assert "couldn't find" in answer["text"]
    # Another workspace cannot make one here: its requests are refused before any work.
    status, _, _ = stack.app.command(stack.slack, "process https://media.example.com/theirs.mp3", team="T0002")
    assert status == 403
    wait_quiescent(stack.slack, stack.app.env["DATABASE_URL"])
    assert not stack.symbl.requests_to("POST", "/v1/process")
    assert not stack.symbl.requests_to("PUT", "/v1/process")


def test_recording_shared_in_a_meeting_thread_is_appended(stack):
    _, first = share_file(stack, "part1.mp4", "video/mp4")
    stack.app.event(first)
    wait_for_results(stack, first["ts"])
    _, reply = share_file(stack, "part2.mp4", "video/mp4", thread_ts=first["ts"])
    stack.app.event(reply)
    appends = wait_until(lambda: stack.symbl.requests_to("PUT", "/v1/process/video/"), 10, "an append")
    conversation_id = stack.symbl.requests_to("POST", "/v1/process/video")[0]
    assert len(appends) == 1
    assert len(stack.symbl.conversations) == 1, f"no second conversation ({conversation_id.path})"
    wait_until(lambda: len(notes_in(stack.slack, first["ts"])) == 2, 20, "the notes of both recordings")


def test_help_and_bad_input_show_usage(stack):
    _, body, _ = stack.app.command(stack.slack, "help")
    assert "/symbl process" in body
    _, body, _ = stack.app.command(stack.slack, "dance <!channel>")
    assert "don't know the command" in body
    assert "<!channel>" not in body  # user text is escaped, never a ping
    _, body, _ = stack.app.command(stack.slack, "process ftp://example.com/a.mp3")
    assert "can't use that link" in body
    assert not stack.slack.calls_to("chat.postMessage")


def test_replayed_event_and_file_shared_make_exactly_one_job(stack):
    file, event = share_file(stack, "sync.mp4", "video/mp4")
    stack.app.event(event, event_id="EvREPLAY1")
    stack.app.event(event, event_id="EvREPLAY1")  # Slack's retry of the same delivery
    stack.app.event(event, event_id="EvREPLAY2")  # the same message, delivered again under a new id
    file_shared = {"type": "file_shared", "channel_id": CHANNEL, "file_id": file["id"], "user_id": "U111"}
    stack.app.event({**file_shared, "file": {"id": file["id"]}, "event_ts": event["ts"]})
    wait_for_results(stack, event["ts"])
    stack.app.command(stack.slack, "status")
    assert len(stack.symbl.requests_to("POST", "/v1/process/video")) == 1
    assert_one_outcome(stack, event["ts"])
    assert len(stack.slack.uploads) == 1


def test_failed_job_becomes_a_clear_new_message(make_stack):
    stack = make_stack(auto_advance=None)
    _, event = share_file(stack, "broken.mp4", "video/mp4")
    stack.app.event(event)
    job_id = wait_until(lambda: list(stack.symbl.jobs), 10, "a Symbl job")[0]
    stack.symbl.fail(job_id)
    reply = wait_until(
        lambda: [m for m in bot_replies(stack.slack, event["ts"]) if "failed" in m.text.lower()], 10, "a failure"
    )[0]
    assert "Try again" in reply.text
    assert reply.edits == 0, "a new message, which notifies the person who shared the recording"
    wait_until(lambda: "x" in stack.slack.reactions.get((CHANNEL, event["ts"]), set()), 5, "❌")
    status = next(m for m in bot_replies(stack.slack, event["ts"]) if m.ts != reply.ts)
    wait_until(lambda: "see below" in stack.slack.message(CHANNEL, status.ts).text, 5, "the status pointing down")
    assert len(bot_replies(stack.slack, event["ts"])) == 2
    assert not stack.slack.uploads


def test_restart_while_processing_posts_results_exactly_once(make_stack):
    stack = make_stack(auto_advance=None)
    _, event = share_file(stack, "long-meeting.mp4", "video/mp4")
    stack.app.event(event)
    job_id = wait_until(lambda: list(stack.symbl.jobs), 10, "a Symbl job")[0]
    wait_until(lambda: stack.symbl.requests_to("GET", f"/v1/job/{job_id}"), 10, "the first poll")
    stack.app.kill()  # SIGKILL mid-processing: no clean shutdown
    stack.symbl.complete(job_id)
    stack.app.restart()
    wait_for_results(stack, event["ts"])
    stack.app.command(stack.slack, "status")
    assert_one_outcome(stack, event["ts"])
    assert len(stack.slack.uploads) == 1
    assert len(stack.symbl.requests_to("POST", "/v1/process/video")) == 1


def test_download_redirected_to_another_host_never_carries_the_token(stack):
    stack.slack.redirect_downloads_to_other_host()
    _, event = share_file(stack, "redirected.mp4", "video/mp4")
    stack.app.event(event)
    wait_until(lambda: [d for d in stack.slack.downloads if d.host == "other"], 10, "the redirected download")
    assert all(d.authorization is None for d in stack.slack.downloads if d.host == "other")
    wait_until(
        lambda: [m for m in bot_replies(stack.slack, event["ts"]) if "login page" in m.text], 10, "a clear failure"
    )


def test_bad_signature_and_stale_timestamp_are_rejected(stack):
    event = stack.slack.post_user_message(CHANNEL, text="<https://example.com/a.mp3>")
    from tests.fakes.slack_requests import event_body

    body = event_body(event, team_id=TEAM_ID)
    status, _, _ = stack.app.post_signed(body, "application/json", secret="not-the-secret")
    assert status == 401

    status, _, _ = stack.app.post_signed(body, "application/json", timestamp=int(time.time()) - 301)
    assert status == 401
    assert not stack.symbl.requests_to("POST", "/v1/process")


def test_action_item_owner_becomes_a_slack_mention_when_their_email_is_known(stack):
    stack.slack.add_user("U0MARCO", email="marco@example.com", name="marco")
    _, event = share_file(stack, "owners.mp4", "video/mp4")
    stack.app.event(event)
    wait_for_results(stack, event["ts"])
    notes = assert_one_outcome(stack, event["ts"])
    assert "<@U0MARCO>" in str(notes.blocks)
    # Posted with the mention in it (an edit adding one would ping nobody).
    post = next(c for c in stack.slack.calls_to("chat.postMessage") if ACTION_ITEM in str(c.args.get("blocks")))
    assert "<@U0MARCO>" in str(post.args.get("blocks"))


def test_status_lists_this_channels_jobs_in_progress(make_stack):
    stack = make_stack(auto_advance=None)
    _, event = share_file(stack, "in-progress.mp4", "video/mp4")
    stack.app.event(event)
    wait_until(lambda: stack.symbl.jobs, 10, "a Symbl job")
    _, body, _ = stack.app.command(stack.slack, "status")
    assert "in-progress.mp4" in body
    _, other_channel, _ = stack.app.command(stack.slack, "status", channel="C999")
    assert "in-progress.mp4" not in other_channel


def test_webhook_finishes_a_job_without_waiting_for_the_next_poll(make_stack):
    from tests.e2e.harness import free_port

    port = free_port()
    # Polling every 60 s: only the webhook can finish this job within the test's wait.
    public = f"http://127.0.0.1:{port}"
    stack = make_stack(auto_advance=None, port=port, POLL_INTERVAL_SECONDS="60", PUBLIC_URL=public)
    _, event = share_file(stack, "webhook.mp4", "video/mp4")
    stack.app.event(event)
    job_id = wait_until(lambda: list(stack.symbl.jobs), 10, "a Symbl job")[0]
    submit = stack.symbl.requests_to("POST", "/v1/process/video")[0]
    assert submit.query["webhookUrl"][0].startswith(f"{public}/symbl/webhook/")
    stack.symbl.complete(job_id)
    wait_for_results(stack, event["ts"], timeout=15)
    assert len(stack.symbl.requests_to("GET", f"/v1/job/{job_id}")) <= 2  # finished by the webhook, not polling


def test_webhook_with_a_wrong_secret_is_refused(stack):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{stack.app.url}/symbl/webhook/not-the-secret",
        data=b'{"jobId": "x", "status": "completed"}',
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=5)
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 404


def test_bots_and_edits_are_ignored(stack):
    url = "https://media.example.com/from-a-bot.mp3"
    bot_message = {
        **stack.slack.post_user_message(CHANNEL, text=f"<{url}>"),
        "bot_id": "B999",
        "subtype": "bot_message",
    }
    stack.app.event(bot_message)
    original = stack.slack.post_user_message(CHANNEL, text="no link yet")
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel": CHANNEL,
        "ts": original["ts"],
        "message": {**original, "text": f"<{url}>"},
    }
    stack.app.event(edit)
    stack.app.command(stack.slack, "help")
    assert not stack.symbl.requests_to("POST", "/v1/process")
    assert not stack.slack.calls_to("chat.postMessage")


def test_a_file_over_the_size_limit_gets_a_clear_note_and_is_not_downloaded(make_stack):
    stack = make_stack(MAX_FILE_MB="1")
    _, event = share_file(stack, "huge.mp4", "video/mp4", content=b"\0" * (2 * 1024 * 1024))
    stack.app.event(event)
    note = wait_until(
        lambda: [m for m in bot_replies(stack.slack, event["ts"]) if "MAX_FILE_MB" in m.text], 10, "a size note"
    )[0]
    assert "limit is 1 MB" in note.text
    assert not stack.slack.downloads
    assert not stack.symbl.requests_to("POST", "/v1/process")


def test_the_log_never_holds_tokens_secrets_or_transcript_text(stack):
    from tests.e2e.harness import SIGNING_SECRET

    _, event = share_file(stack, "private.mp4", "video/mp4")
    stack.app.event(event)
    wait_for_results(stack, event["ts"])
    stack.app.stop()
    log = stack.app.log_path.read_text()
    assert "symbl job submitted" in log  # the log is really there and written
    for secret in (stack.slack.bot_token, SIGNING_SECRET, "test-app-secret"):
        assert secret not in log
    for spoken in ("updated budget to finance", "premium analytics tier", "onboarding screens"):
        assert spoken not in log


def test_a_command_in_a_channel_the_bot_cannot_post_to_answers_the_user_privately(stack):
    stack.slack.add_channel("CPRIVATE", members=("U111",), bot_is_member=False)
    stack.slack.add_channel(CHANNEL, members=("U111",))
    stack.app.command(stack.slack, "process https://media.example.com/secret.mp3", channel="CPRIVATE")
    answer = wait_until(lambda: stack.slack.responses, 15, "a private answer")[0]
    assert "/invite @symbl" in str(answer.body)
    assert not stack.symbl.requests_to("POST", "/v1/process")


def test_a_person_with_too_many_recordings_waiting_is_told_so_and_nothing_is_queued(make_stack):
    stack = make_stack(auto_advance=None, MAX_PENDING_PER_USER="2")
    for n in (1, 2):
        _, body, _ = stack.app.command(stack.slack, f"process https://media.example.com/call{n}.mp3")
        assert "On it" in body
    _, body, _ = stack.app.command(stack.slack, "process https://media.example.com/call3.mp3")
    assert "already have 2 recordings waiting" in body
    _, event = share_file(stack, "call4.mp4", "video/mp4")
    stack.app.event(event)
    note = wait_until(lambda: stack.slack.ephemerals, 10, "a note only the sharer sees")[0]
    assert "already have 2 recordings waiting" in note.text and note.recipient == "U111"
    _, other_person, _ = stack.app.command(stack.slack, "process https://media.example.com/x.mp3", user="U222")
    assert "On it" in other_person  # the limit is per person


def test_at_capacity_the_next_recording_waits_with_a_note_until_one_finishes(make_stack):
    stack = make_stack(auto_advance=None, MAX_RUNNING="1")
    _, first = share_file(stack, "first.mp4", "video/mp4")
    stack.app.event(first)
    job_id = wait_until(lambda: list(stack.symbl.jobs), 10, "the first Symbl job")[0]
    _, second = share_file(stack, "second.mp4", "video/mp4")
    stack.app.event(second)
    waiting = wait_until(
        lambda: [m for m in bot_replies(stack.slack, second["ts"]) if "Waiting" in str(m.blocks)], 10, "a note"
    )
    assert "being processed first" in str(waiting[0].blocks)
    assert len(stack.symbl.requests_to("POST", "/v1/process/video")) == 1  # the second one has not started
    stack.symbl.complete(job_id)
    wait_for_results(stack, first["ts"])
    wait_until(lambda: len(stack.symbl.requests_to("POST", "/v1/process/video")) == 2, 30, "the second one starting")


def test_a_burst_from_one_person_with_nobody_else_waiting_is_not_held_to_their_share(make_stack):
    stack = make_stack(auto_advance=None, MAX_RUNNING_PER_USER="1", MAX_RUNNING_PER_CHANNEL="1")
    for n in range(4):
        stack.app.event(share_file(stack, f"part-{n}.mp4", "video/mp4")[1])
    wait_until(lambda: len(stack.symbl.requests_to("POST", "/v1/process/video")) == 4, 20, "all four at the engine")


def test_a_5000_character_title_is_cut_and_the_recording_processed(stack):
    """PostgreSQL refuses a name wider than its column: the title is cut, the recording is never dropped."""
    title = "Quarterly planning " + "t" * 4981
    file = stack.slack.add_file(name="planning.mp4", mimetype="video/mp4", content=b"\x00" * 4096)
    stack.slack.files[file["id"]].info["title"] = title
    event = stack.slack.post_user_message(CHANNEL, files=[{**file, "title": title}])
    status, _, _ = stack.app.event(event)
    assert status == 200
    replies = wait_for_results(stack, event["ts"])
    assert "Quarterly planning ttt" in str(replies[0].blocks) + replies[0].text
