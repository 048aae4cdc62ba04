"""The fake files.slack.com: hosted files, their Slack file objects, private downloads and upload URLs.

``FileHosting`` is a mixin for ``FakeSlack`` (which owns the lock, the counters and the listeners). Downloads
answer like Slack: the bytes with ``Authorization: Bearer <bot token>``, an HTML login page (HTTP 200) without.
Bytes registered with ``content_path`` are streamed from disk, so a 1 GiB file costs no memory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from tests.fakes.slack_http import FakeHandler, bearer_token, parse_multipart
from tests.fakes.slack_records import Download, HostedFile, UploadPost

LOGIN_PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><title>Slack</title></head>"
    b"<body><h1>Sign in to your workspace</h1><form action='/signin'></form></body></html>"
)
PRETTY_TYPES = {"mp4": "MPEG 4 Video", "mp3": "MP3", "m4a": "MPEG 4 Audio", "wav": "WAV", "text": "Plain Text"}


class FileHosting:
    """Hosted files and the files host's request handling (see ``FakeSlack`` for the shared attributes)."""

    def add_file(
        self,
        *,
        name: str,
        mimetype: str,
        content: bytes | None = None,
        content_path: Path | None = None,
        filetype: str | None = None,
        file_id: str | None = None,
        user: str = "U111",
        title: str | None = None,
    ) -> dict[str, Any]:
        """Host a file (bytes in memory, or streamed from ``content_path``); return its Slack file object."""
        if (content is None) == (content_path is None):
            raise ValueError("give exactly one of content and content_path")
        with self._lock:
            file_id = file_id or self._next_file_id()
            size = len(content) if content is not None else Path(content_path).stat().st_size
            info = self._file_object(
                file_id=file_id,
                name=name,
                title=title or name,
                size=size,
                mimetype=mimetype,
                filetype=filetype,
                user=user,
            )
            path = Path(content_path) if content_path is not None else None
            self.files[file_id] = HostedFile(file_id, info, content=content, content_path=path)
            return dict(info)

    def file_stub(self, file_id: str) -> dict[str, Any]:
        """The stub Slack sends for Slack Connect / restricted files: only ``files.info`` reveals the rest."""
        return {
            "id": file_id,
            "mode": "file_access",
            "file_access": "check_file_info",
            "created": 0,
            "timestamp": 0,
            "user": "",
        }

    def redirect_downloads_to_other_host(self, enabled: bool = True) -> None:
        """Make file GETs on the files host answer 302 to the same path on ``other_host_url``."""
        self._redirect_downloads = enabled

    def handle_download(self, handler: FakeHandler, host: str) -> None:
        """Serve a ``url_private(_download)`` GET: bytes with the bot token, Slack's login page without."""
        path = handler.path_only
        authorization = handler.headers.get("Authorization")
        hosted = self._file_for_path(path)
        if host == "files" and self._redirect_downloads:
            self._record_download(path, authorization, host, 302, served=False)
            handler.send_bytes(302, b"", "text/plain", {"Location": self.other_host_url + handler.path})
            return
        if hosted is None:
            self._record_download(path, authorization, host, 404, served=False)
            handler.send_bytes(404, b"<html><body>Not found</body></html>", "text/html; charset=utf-8")
            return
        # The unrelated host guards the bytes exactly like Slack does, so a test sees both sides: a client that
        # drops the token on the cross-host redirect gets the login page; one that leaks it gets the file.
        if bearer_token(authorization) != self.bot_token:
            self._record_download(path, authorization, host, 200, served=False)
            handler.send_bytes(200, LOGIN_PAGE, "text/html; charset=utf-8")
            return
        self._record_download(path, authorization, host, 200, served=True)
        headers = {"Content-Type": hosted.info["mimetype"], "Content-Length": str(hosted.size)}
        if "/download/" in path:
            headers["Content-Disposition"] = f'attachment; filename="{hosted.info["name"]}"'
        handler.send_stream(200, hosted.content, hosted.content_path, headers)

    def handle_upload_post(self, handler: FakeHandler, ticket: str) -> None:
        """Accept file bytes POSTed to an ``upload_url`` (raw body or multipart ``file`` part)."""
        body = handler.read_body()
        content_type = handler.headers.get("Content-Type")
        if (content_type or "").lower().startswith("multipart/form-data"):
            parts = [v for v in parse_multipart(body, content_type or "").values() if isinstance(v, bytes)]
            body = parts[0] if parts else b""
        with self._lock:
            pending = self.pending_uploads.get(ticket)
            if pending is None or pending.completed:
                handler.send_bytes(404, b"upload url not found", "text/plain")
                return
            pending.content = body
            self.upload_posts.append(
                UploadPost(self._next_seq(), pending.file_id, content_type, len(body), time.time())
            )
        handler.send_bytes(200, f"OK - {len(body)}".encode(), "text/plain; charset=utf-8")

    def _file_object(
        self,
        *,
        file_id: str,
        name: str,
        title: str,
        size: int,
        mimetype: str,
        filetype: str | None,
        user: str,
    ) -> dict[str, Any]:
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        filetype = filetype or ("text" if extension == "txt" else extension or "binary")
        created = int(time.time())
        quoted = quote(name)
        base = f"{self.files_host_url}/files-pri/{self.team_id}-{file_id}"
        info: dict[str, Any] = {
            "id": file_id,
            "created": created,
            "timestamp": created,
            "name": name,
            "title": title,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": PRETTY_TYPES.get(filetype, filetype.upper()),
            "user": user,
            "user_team": self.team_id,
            "editable": False,
            "size": size,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": True,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{base}/{quoted}",
            "url_private_download": f"{base}/download/{quoted}",
            "permalink": f"{self.url}/files/{user}/{file_id}/{quoted}",
            "permalink_public": f"{self.url}/{self.team_id}-{file_id}-{file_id.lower()}",
            "channels": [],
            "groups": [],
            "ims": [],
            "comments_count": 0,
            "shares": {},
        }
        if mimetype.startswith(("video/", "audio/")):
            info["media_display_type"] = mimetype.split("/", maxsplit=1)[0]
        return info

    def _file_for_path(self, path: str) -> HostedFile | None:
        """The hosted file a ``/files-pri/<TEAM>-<FILE>/[download/]<name>`` path names, if the name matches."""
        parts = path.split("/")
        if len(parts) < 4 or parts[1] != "files-pri":
            return None
        team, _, file_id = parts[2].partition("-")
        rest = parts[3:]
        if rest and rest[0] == "download":
            rest = rest[1:]
        if team != self.team_id or len(rest) != 1:
            return None
        with self._lock:
            hosted = self.files.get(file_id)
        if hosted is None or unquote(rest[0]) != hosted.info["name"]:
            return None
        return hosted

    def _record_download(self, path: str, authorization: str | None, host: str, status: int, *, served: bool) -> None:
        with self._lock:
            self.downloads.append(Download(self._next_seq(), path, authorization, host, status, served))
