"""The fake Slack, driven by a real ``slack_sdk.WebClient``, ``requests`` and urllib over loopback HTTP.

These tests pin the behaviour other tests rely on: what Slack accepts, what it refuses and with which error,
and what the fake records.
"""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_action_body, event_body, sign, slash_command_body


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack):
    return WebClient(token=slack.bot_token, base_url=slack.api_url, timeout=10)


def section(text: str, block_id: str | None = None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def api_error(call) -> dict:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response


# -- messages, threads, edits, reactions -----------------------------------------------------------------------


def test_post_thread_update_and_react_round_trip(slack, client):
    parent = client.chat_postMessage(channel="C111", text="⏳ Processing…")
    reply = client.chat_postMessage(channel="C111", thread_ts=parent["ts"], text="done", blocks=[section("*Actions*")])
    client.chat_update(channel="C111", ts=parent["ts"], text="✅ Done", blocks=[section("Finished")])
    client.reactions_add(channel="C111", timestamp=parent["ts"], name="white_check_mark")

    assert parent["channel"] == "C111"
    assert parent["message"]["text"] == "⏳ Processing…"
    assert float(reply["ts"]) > float(parent["ts"])
    stored = slack.messages["C111"]
    assert [m.ts for m in stored] == [parent["ts"], reply["ts"]]
    assert stored[0].text == "✅ Done"
    assert stored[0].blocks == [section("Finished")]
    assert stored[0].edits == 1
    assert stored[0].user == "UBOT"
    assert [m.text for m in slack.thread("C111", parent["ts"])] == ["done"]
    assert slack.reactions[("C111", parent["ts"])] == {"white_check_mark"}
    assert slack.warnings == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_update_keeps_fields_it_was_not_given(slack, client):
    posted = client.chat_postMessage(channel="C111", text="fallback", blocks=[section("one")])
    client.chat_update(channel="C111", ts=posted["ts"], text="new fallback")
    assert slack.message("C111", posted["ts"]).blocks == [section("one")]
    client.chat_update(channel="C111", ts=posted["ts"], blocks=[])
    assert slack.message("C111", posted["ts"]).blocks == []
    assert slack.message("C111", posted["ts"]).text == "new fallback"


def test_update_refuses_unknown_and_foreign_messages(slack, client):
    assert (
        api_error(lambda: client.chat_update(channel="C111", ts="1.000001", text="x"))["error"] == "message_not_found"
    )
    event = slack.post_user_message("C111", text="a human wrote this")
    error = api_error(lambda: client.chat_update(channel="C111", ts=event["ts"], text="hijack"))["error"]
    assert error == "cant_update_message"
    assert slack.message("C111", event["ts"]).text == "a human wrote this"


def test_reactions_follow_slack_errors(slack, client):
    event = slack.post_user_message("C111", text="see https://example.com/a.mp3")
    client.reactions_add(channel="C111", timestamp=event["ts"], name="eyes")
    assert api_error(lambda: client.reactions_add(channel="C111", timestamp=event["ts"], name="eyes"))["error"] == (
        "already_reacted"
    )
    assert api_error(lambda: client.reactions_add(channel="C111", timestamp=event["ts"], name=":eyes:"))["error"] == (
        "invalid_name"
    )
    assert api_error(lambda: client.reactions_add(channel="C111", timestamp="", name="eyes"))["error"] == (
        "no_item_specified"
    )
    assert api_error(lambda: client.reactions_add(channel="C111", timestamp="9.000009", name="eyes"))["error"] == (
        "message_not_found"
    )
    client.reactions_remove(channel="C111", timestamp=event["ts"], name="eyes")
    assert slack.reactions[("C111", event["ts"])] == set()
    assert api_error(lambda: client.reactions_remove(channel="C111", timestamp=event["ts"], name="eyes"))["error"] == (
        "no_reaction"
    )


def test_ephemeral_messages_are_kept_apart_and_cannot_be_edited(slack, client):
    answer = client.chat_postEphemeral(channel="C111", user="U222", text="only you can see this")
    assert slack.ephemerals[0].recipient == "U222"
    assert slack.ephemerals[0].ts == answer["message_ts"]
    assert "C111" not in slack.messages
    error = api_error(lambda: client.chat_update(channel="C111", ts=answer["message_ts"], text="edit"))["error"]
    assert error == "message_not_found"


def test_permalinks_point_at_the_message_and_its_thread(slack, client):
    parent = client.chat_postMessage(channel="C111", text="parent")
    reply = client.chat_postMessage(channel="C111", text="reply", thread_ts=parent["ts"])
    assert client.chat_getPermalink(channel="C111", message_ts=parent["ts"])["permalink"] == (
        f"https://example.slack.com/archives/C111/p{parent['ts'].replace('.', '')}"
    )
    assert client.chat_getPermalink(channel="C111", message_ts=reply["ts"])["permalink"].endswith(
        f"?thread_ts={parent['ts']}&cid=C111"
    )
    assert api_error(lambda: client.chat_getPermalink(channel="C111", message_ts="1.000002"))["error"] == (
        "message_not_found"
    )


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_message_content_rules(slack, client):
    assert api_error(lambda: client.chat_postMessage(channel="C111", text=""))["error"] == "no_text"
    assert api_error(lambda: client.chat_postMessage(channel="C111", text="x" * 40_001))["error"] == "msg_too_long"
    assert api_error(lambda: client.chat_postMessage(channel="#general", text="hi"))["error"] == "channel_not_found"
    client.chat_postMessage(channel="C111", text="x" * 40_000)
    assert len(slack.messages["C111"]) == 1


def test_blocks_without_text_fallback_are_counted(slack, client):
    with pytest.warns(UserWarning):  # slack_sdk itself warns, as Slack's docs ask for a fallback
        client.chat_postMessage(channel="C111", blocks=[section("no fallback")])
    client.chat_postMessage(channel="C111", blocks=[section("with fallback")], text="fallback")
    assert slack.missing_text_fallbacks == 1


def test_reply_to_an_unknown_parent_is_accepted_but_flagged(slack, client):
    client.chat_postMessage(channel="C111", thread_ts="1600000000.000100", text="lost reply")
    assert slack.warnings == ["chat.postMessage: thread_ts 1600000000.000100 is not a message in C111"]


def test_timestamps_stay_unique_under_concurrent_posts(slack, client):
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda i: client.chat_postMessage(channel="C111", text=f"m{i}"), range(40)))
    stamps = [a["ts"] for a in answers]
    assert len(set(stamps)) == 40
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)
    stored = [m.ts for m in slack.messages["C111"]]
    assert stored == sorted(stored, key=float)
    assert len(slack.calls_to("chat.postMessage")) == 40


def test_registered_channels_enforce_membership(slack, client):
    slack.add_channel("C111", members=("U111",))
    slack.add_channel("C222", bot_is_member=False)
    client.chat_postMessage(channel="C111", text="ok")
    assert api_error(lambda: client.chat_postMessage(channel="C222", text="x"))["error"] == "not_in_channel"
    assert api_error(lambda: client.chat_postMessage(channel="C999", text="x"))["error"] == "channel_not_found"
    assert client.conversations_members(channel="C111")["members"] == ["U111", "UBOT"]
    slack.add_channel_member("C111", "U333")
    client.chat_postEphemeral(channel="C111", user="U333", text="now a member")
    error = api_error(lambda: client.chat_postEphemeral(channel="C111", user="U444", text="x"))["error"]
    assert error == "user_not_in_channel"


def test_history_and_replies_return_what_was_posted(slack, client):
    parent = client.chat_postMessage(channel="C111", text="parent")
    client.chat_postMessage(channel="C111", text="reply", thread_ts=parent["ts"])
    later = client.chat_postMessage(channel="C111", text="later")
    history = client.conversations_history(channel="C111")["messages"]
    assert [m["text"] for m in history] == ["later", "parent"]
    assert history[1]["reply_count"] == 1
    replies = client.conversations_replies(channel="C111", ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply"]
    assert [m["ts"] for m in client.conversations_history(channel="C111", oldest=parent["ts"])["messages"]] == [
        later["ts"]
    ]


# -- Block Kit ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "detail"),
    [
        ([section("x" * 3001)], "3000"),
        ([section(f"block {i}") for i in range(51)], "no more than 50 items"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "150"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*bold*"}}], "plain_text"),
        ([{"type": "section", "text": "bare string"}], "text object"),
        ([section("a", "same"), section("b", "same")], "duplicate block_id"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}], "unsupported properties"),
        ([{"type": "sparkles"}], "unknown block type"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "10"),
    ],
)
def test_invalid_blocks_are_refused_with_a_readable_reason(slack, client, blocks, detail):
    response = api_error(lambda: client.chat_postMessage(channel="C111", text="fallback", blocks=blocks))
    assert response["error"] == "invalid_blocks"
    assert any(detail in message for message in response["response_metadata"]["messages"])
    assert "C111" not in slack.messages


def test_fifty_blocks_and_3000_chars_are_accepted(slack, client):
    blocks = [section("x" * 3000)] + [{"type": "divider"}] * 49
    client.chat_postMessage(channel="C111", text="fallback", blocks=blocks)
    assert len(slack.messages["C111"][0].blocks) == 50


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_update_and_ephemeral_validate_blocks_too(client):
    posted = client.chat_postMessage(channel="C111", text="ok")
    too_long = [section("x" * 3001)]
    assert api_error(lambda: client.chat_update(channel="C111", ts=posted["ts"], blocks=too_long))["error"] == (
        "invalid_blocks"
    )
    error = api_error(lambda: client.chat_postEphemeral(channel="C111", user="U1", text="t", blocks=too_long))
    assert error["error"] == "invalid_blocks"


def test_form_json_and_query_bodies_are_all_understood(slack):
    headers = {"Authorization": f"Bearer {slack.bot_token}"}
    form = requests.post(
        slack.api_url + "chat.postMessage",
        data={"channel": "C111", "text": "form", "blocks": json.dumps([section("as a JSON string")])},
        headers=headers,
        timeout=5,
    ).json()
    as_json = requests.post(
        slack.api_url + "chat.postMessage",
        json={"channel": "C111", "text": "json", "blocks": [section("as a list")]},
        headers=headers,
        timeout=5,
    ).json()
    query = requests.post(
        slack.api_url + "chat.postMessage", params={"channel": "C111", "text": "query"}, headers=headers, timeout=5
    ).json()
    assert (form["ok"], as_json["ok"], query["ok"]) == (True, True, True)
    assert [m.text for m in slack.messages["C111"]] == ["form", "json", "query"]
    assert slack.messages["C111"][0].blocks == [section("as a JSON string")]
    assert slack.calls_to("chat.postMessage")[1].args["blocks"] == [section("as a list")]


# -- auth ---------------------------------------------------------------------------------------------------------


def test_every_method_needs_the_bot_token(slack):
    no_token = WebClient(base_url=slack.api_url)
    wrong = WebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert api_error(lambda: no_token.chat_postMessage(channel="C111", text="x"))["error"] == "not_authed"
    assert api_error(lambda: wrong.chat_postMessage(channel="C111", text="x"))["error"] == "invalid_auth"
    assert api_error(wrong.auth_test)["error"] == "invalid_auth"
    in_query = requests.post(
        slack.api_url + "chat.postMessage", params={"token": slack.bot_token, "channel": "C111", "text": "x"}, timeout=5
    ).json()
    assert in_query == {"ok": False, "error": "not_authed"}
    in_body = requests.post(
        slack.api_url + "chat.postMessage", data={"token": slack.bot_token, "channel": "C111", "text": "x"}, timeout=5
    ).json()
    assert in_body["ok"] is True
    in_json = requests.post(
        slack.api_url + "chat.postMessage", json={"token": slack.bot_token, "channel": "C111", "text": "x"}, timeout=5
    ).json()
    assert in_json == {"ok": False, "error": "not_authed"}
    assert [c.token for c in slack.calls] == [None, "xoxb-wrong", "xoxb-wrong", None, slack.bot_token, None]
    assert all("token" not in c.args for c in slack.calls)


def test_auth_test_and_unknown_methods(slack, client):
    identity = client.auth_test()
    assert (identity["team_id"], identity["user_id"], identity["bot_id"]) == ("T0001", "UBOT", "BBOT")
    assert api_error(lambda: client.api_call("chat.postMesage", params={"channel": "C1"}))["error"] == "unknown_method"


def test_bots_info_names_the_apps_own_bot_only(slack, client):
    bot = client.bots_info(bot="BBOT")["bot"]
    assert (bot["id"], bot["app_id"], bot["user_id"]) == ("BBOT", "A111", "UBOT")
    assert api_error(lambda: client.bots_info(bot="BOTHER"))["error"] == "bot_not_found"


# -- faults -------------------------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(slack, client):
    slack.rate_limit("chat.postMessage", retry_after=7)
    response = api_error(lambda: client.chat_postMessage(channel="C111", text="x"))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response["error"] == "ratelimited"
    client.chat_postMessage(channel="C111", text="second try")
    assert [c.status for c in slack.calls] == [429, 200]


def test_rate_limit_retry_handler_waits_for_retry_after(slack):
    patient = WebClient(
        token=slack.bot_token, base_url=slack.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    slack.rate_limit("chat.postMessage", retry_after=1)
    patient.chat_postMessage(channel="C111", text="eventually")
    first, second = slack.calls_to("chat.postMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.ts - first.ts >= 1.0
    assert [m.text for m in slack.messages["C111"]] == ["eventually"]


def test_injected_failures_use_status_and_error(slack, client):
    slack.fail("chat.postMessage", error="not_in_channel")
    slack.fail("chat.update", error="internal_error", status=500)
    assert api_error(lambda: client.chat_postMessage(channel="C111", text="x"))["error"] == "not_in_channel"
    response = api_error(lambda: client.chat_update(channel="C111", ts="1.000001", text="x"))
    assert response.status_code == 500
    client.chat_postMessage(channel="C111", text="recovered")
    assert slack.messages["C111"][0].text == "recovered"


def test_wait_for_explains_what_did_arrive(slack, client):
    client.chat_postMessage(channel="C111", text="x")
    assert len(slack.wait_for("chat.postMessage", timeout=1)) == 1
    with pytest.raises(AssertionError, match=r"chat\.update.*chat\.postMessage\(ok\)"):
        slack.wait_for("chat.update", timeout=0.1)


# -- uploads ------------------------------------------------------------------------------------------------------


def test_files_upload_v2_into_a_thread(slack, client):
    parent = client.chat_postMessage(channel="C111", text="parent")
    transcript = "Speaker 1: hello\nSpeaker 2: hi\n" * 100
    done = client.files_upload_v2(
        channel="C111",
        thread_ts=parent["ts"],
        content=transcript,
        filename="transcript.txt",
        title="Transcript",
        initial_comment="Full transcript",
    )

    get_url, complete = (
        slack.calls_to("files.getUploadURLExternal")[0],
        slack.calls_to("files.completeUploadExternal")[0],
    )
    (post,) = slack.upload_posts
    assert get_url.seq < post.seq < complete.seq
    assert get_url.args["filename"] == "transcript.txt"
    assert int(get_url.args["length"]) == len(transcript.encode())
    (upload,) = slack.uploads
    assert upload.content == transcript.encode()
    assert (upload.filename, upload.title, upload.channel, upload.thread_ts) == (
        "transcript.txt",
        "Transcript",
        "C111",
        parent["ts"],
    )
    assert upload.initial_comment == "Full transcript"
    assert done["file"]["id"] == upload.file_id
    assert done["file"]["shares"]["public"]["C111"][0]["thread_ts"] == parent["ts"]
    (share,) = slack.thread("C111", parent["ts"])  # like Slack, the share is a message in the thread
    assert share.is_file_share
    assert share.text == "Full transcript"
    assert share.files[0]["id"] == upload.file_id
    assert client.files_info(file=upload.file_id)["file"]["title"] == "Transcript"


def test_upload_post_accepts_multipart(slack, client):
    ticket = client.files_getUploadURLExternal(filename="notes.txt", length=5)
    answer = requests.post(ticket["upload_url"], files={"file": ("notes.txt", b"hello")}, timeout=5)
    assert (answer.status_code, answer.text) == (200, "OK - 5")
    client.files_completeUploadExternal(files=[{"id": ticket["file_id"], "title": "Notes"}], channel_id="C111")
    assert slack.uploads[0].content == b"hello"


def test_completing_an_upload_needs_a_known_id_and_its_bytes(slack, client):
    ticket = client.files_getUploadURLExternal(filename="t.txt", length=3)
    unknown = api_error(lambda: client.files_completeUploadExternal(files=[{"id": "F404"}], channel_id="C111"))
    assert unknown["error"] == "file_not_found"
    no_bytes = api_error(lambda: client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}]))
    assert no_bytes["error"] == "file_not_found"
    assert "no bytes" in no_bytes["response_metadata"]["messages"][0]
    missing = api_error(lambda: client.api_call("files.getUploadURLExternal", params={"filename": "t.txt"}))
    assert missing["error"] == "invalid_arguments"
    assert slack.uploads == []


# -- downloads ----------------------------------------------------------------------------------------------------


def test_download_needs_the_bot_token_or_gets_the_login_page(slack):
    content = b"\x00\x00\x00\x18ftypmp42" + bytes(1000)
    file = slack.add_file(name="team call.mp4", content=content, mimetype="video/mp4")
    assert (
        file["url_private_download"] == f"{slack.files_host_url}/files-pri/T0001-{file['id']}/download/team%20call.mp4"
    )
    assert file["size"] == len(content)

    good = requests.get(file["url_private_download"], headers={"Authorization": f"Bearer {slack.bot_token}"}, timeout=5)
    assert good.content == content
    assert good.headers["Content-Type"] == "video/mp4"
    assert good.headers["Content-Length"] == str(len(content))
    for headers in ({}, {"Authorization": "Bearer xoxb-wrong"}):
        login = requests.get(file["url_private"], headers=headers, timeout=5)
        assert login.status_code == 200
        assert login.headers["Content-Type"].startswith("text/html")
        assert content not in login.content
    assert [(d.authorization is not None, d.served_bytes) for d in slack.downloads] == [
        (True, True),
        (False, False),
        (True, False),
    ]


def test_download_streams_from_disk(slack, tmp_path):
    path = tmp_path / "big.wav"
    with path.open("wb") as sparse:
        sparse.truncate(8 * 1024 * 1024)
    file = slack.add_file(name="big.wav", content_path=path, mimetype="audio/wav")
    with requests.get(
        file["url_private_download"], headers={"Authorization": f"Bearer {slack.bot_token}"}, stream=True, timeout=5
    ) as answer:
        received = sum(len(chunk) for chunk in answer.iter_content(256 * 1024))
    assert received == file["size"] == 8 * 1024 * 1024


def test_files_info_expands_a_slack_connect_stub(slack, client):
    file = slack.add_file(name="call.mp3", content=b"ID3", mimetype="audio/mpeg", file_id="F2147483862")
    stub = slack.file_stub("F2147483862")
    assert stub["mode"] == "file_access"
    assert "url_private_download" not in stub
    info = client.files_info(file=stub["id"])["file"]
    assert info == file
    assert info["url_private_download"].startswith(slack.files_host_url)
    assert api_error(lambda: client.files_info(file="F0"))["error"] == "file_not_found"


def test_redirect_to_another_host_requests_drops_the_token(slack):
    file = slack.add_file(name="call.mp4", content=b"video bytes", mimetype="video/mp4")
    slack.redirect_downloads_to_other_host()
    answer = requests.get(
        file["url_private_download"], headers={"Authorization": f"Bearer {slack.bot_token}"}, timeout=5
    )
    assert answer.headers["Content-Type"].startswith("text/html")  # no token went along, so: the login page
    assert answer.url.startswith(slack.other_host_url)
    first, second = slack.downloads
    assert (first.host, first.status, first.authorization) == ("files", 302, f"Bearer {slack.bot_token}")
    assert (second.host, second.authorization) == ("other", None)


def test_redirect_to_another_host_urllib_add_header_leaks_the_token(slack):
    file = slack.add_file(name="call.mp4", content=b"video bytes", mimetype="video/mp4")
    slack.redirect_downloads_to_other_host()
    leaky = urllib.request.Request(file["url_private_download"])
    leaky.add_header("Authorization", f"Bearer {slack.bot_token}")
    with urllib.request.urlopen(leaky, timeout=5) as answer:
        assert answer.read() == b"video bytes"  # the other host got the token and honoured it
    safe = urllib.request.Request(file["url_private_download"])
    safe.add_unredirected_header("Authorization", f"Bearer {slack.bot_token}")
    with urllib.request.urlopen(safe, timeout=5) as answer:
        assert answer.headers["Content-Type"].startswith("text/html")
    other_host = [d.authorization for d in slack.downloads if d.host == "other"]
    assert other_host == [f"Bearer {slack.bot_token}", None]


# -- users --------------------------------------------------------------------------------------------------------


def test_users_lookup_and_info(slack, client):
    slack.add_user("U222", email="Ada@Example.com", name="ada", tz="Europe/Paris")
    found = client.users_lookupByEmail(email="ada@example.com")["user"]
    assert found["id"] == "U222"
    info = client.users_info(user="U222")["user"]
    assert info["tz"] == "Europe/Paris"
    assert info["tz_offset"] in {3600, 7200}
    assert api_error(lambda: client.users_lookupByEmail(email="nobody@example.com"))["error"] == "users_not_found"
    assert api_error(lambda: client.users_info(user="U999"))["error"] == "user_not_found"


# -- inbound request helpers and response_url -----------------------------------------------------------------------


def test_response_url_records_posts_and_allows_five(slack):
    url = slack.response_url()
    assert url == f"{slack.url}/commands/T0001/1"
    webhook = WebhookClient(url)
    first = webhook.send(text="Queued", response_type="ephemeral")
    assert (first.status_code, first.body) == (200, "ok")
    assert slack.responses[0].body == {"text": "Queued", "response_type": "ephemeral"}
    for _ in range(4):
        assert webhook.send(text="again").status_code == 200
    assert webhook.send(text="sixth").status_code == 404
    assert webhook.send(blocks=[section("x" * 3001)], text="t").status_code == 404
    assert WebhookClient(slack.response_url()).send(blocks=[section("x" * 3001)], text="t").status_code == 400
    assert [r.accepted for r in slack.responses] == [True] * 5 + [False] * 3


def test_signed_requests_pass_slack_sdk_verification(slack):
    secret = "signing-secret"
    body = slash_command_body("process https://example.com/call.mp4", response_url=slack.response_url())
    headers = sign(secret, body)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    verifier = SignatureVerifier(secret)
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not verifier.is_valid(body + "&x=1", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    old = sign(secret, body, timestamp=int(time.time()) - 301)
    assert not verifier.is_valid(body, old["X-Slack-Request-Timestamp"], old["X-Slack-Signature"])

    form = {k: v[0] for k, v in parse_qs(body).items()}
    assert form["command"] == "/symbl"
    assert form["text"] == "process https://example.com/call.mp4"
    assert form["is_enterprise_install"] == "false"
    assert "%20" in body
    assert "+" not in body


def test_event_and_block_action_bodies(slack):
    event = slack.post_user_message(
        "C111", text="", files=[slack.add_file(name="a.mp3", content=b"x", mimetype="audio/mpeg")]
    )
    wrapped = json.loads(event_body(event, event_id="Ev1"))
    assert (wrapped["type"], wrapped["event_id"], wrapped["event"]["subtype"]) == (
        "event_callback",
        "Ev1",
        "file_share",
    )
    assert wrapped["authorizations"][0]["user_id"] == "UBOT"
    assert sign("s", event_body(event))["Content-Type"] == "application/json"
    assert json.loads(event_body(event))["event_id"] != json.loads(event_body(event))["event_id"]

    action = block_action_body("retry", value="job-1", response_url=slack.response_url(), message_ts=event["ts"])
    assert action.startswith("payload=")
    payload = json.loads(parse_qs(action)["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["actions"][0]["value"] == "job-1"
    assert payload["container"]["message_ts"] == event["ts"]


# -- views (modals) ---------------------------------------------------------------------------------------------


def _modal(**overrides) -> dict:
    view = {
        "type": "modal",
        "callback_id": "cb",
        "title": {"type": "plain_text", "text": "Snooze"},
        "submit": {"type": "plain_text", "text": "Save"},
        "private_metadata": '{"item":"x"}',
        "blocks": [
            {
                "type": "input",
                "block_id": "b",
                "label": {"type": "plain_text", "text": "For"},
                "element": {"type": "users_select", "action_id": "a"},
            }
        ],
    }
    view.update(overrides)
    return view


def test_views_open_takes_a_fresh_trigger_id_once(slack, client):
    trigger = slack.new_trigger_id()
    opened = client.views_open(trigger_id=trigger, view=_modal())["view"]
    assert opened["id"].startswith("V") and opened["private_metadata"] == '{"item":"x"}'
    assert slack.views == [opened]
    assert api_error(lambda: client.views_open(trigger_id=trigger, view=_modal()))["error"] == "exchanged_trigger_id"
    assert api_error(lambda: client.views_open(trigger_id="1.2.made-up", view=_modal()))["error"] == (
        "invalid_trigger_id"
    )
    stale = slack.new_trigger_id()
    slack.triggers[stale] -= 3.5  # issued 3.5 s ago
    assert api_error(lambda: client.views_open(trigger_id=stale, view=_modal()))["error"] == "expired_trigger_id"
    assert len(slack.views) == 1


@pytest.mark.parametrize(
    ("view", "detail"),
    [
        (_modal(type="home"), "view.type"),
        (_modal(title={"type": "plain_text", "text": "x" * 25}), "at most 24"),
        (_modal(private_metadata="m" * 3001), "private_metadata"),
        (_modal(blocks=[]), "view.blocks"),
        ({k: v for k, v in _modal().items() if k != "submit"}, "needs a submit"),
    ],
)
def test_views_open_refuses_what_slack_refuses(slack, client, view, detail):
    response = api_error(lambda: client.views_open(trigger_id=slack.new_trigger_id(), view=view))
    assert response["error"] == "invalid_arguments"
    assert detail in " ".join(response["response_metadata"]["messages"])
    assert slack.views == []


def test_replies_come_in_pages_of_the_limit_asked_for_with_a_cursor_to_the_next(slack, client):
    parent = client.chat_postMessage(channel="C111", text="parent")
    for n in range(4):
        client.chat_postMessage(channel="C111", text=f"reply {n}", thread_ts=parent["ts"])
    first = client.conversations_replies(channel="C111", ts=parent["ts"], limit=2)
    assert [m["text"] for m in first["messages"]] == ["parent", "reply 0"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_replies(channel="C111", ts=parent["ts"], limit=2, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["reply 1", "reply 2"]
    last = client.conversations_replies(
        channel="C111", ts=parent["ts"], limit=2, cursor=second["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in last["messages"]] == ["reply 3"]
    assert last["has_more"] is False and last["response_metadata"]["next_cursor"] == ""
    with pytest.raises(SlackApiError) as bad:
        client.conversations_replies(channel="C111", ts=parent["ts"], cursor="not a cursor")
    assert bad.value.response["error"] == "invalid_cursor"
