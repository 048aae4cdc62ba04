"""The error for a link the app refuses to fetch because of where it points."""

from __future__ import annotations

from bot.errors import DownloadError


class UnsafeURLError(DownloadError):
    """The link is malformed, uses a scheme other than http(s), or points at a private or internal address.

    A ``DownloadError``, so ``bot.errors.user_text`` shows its message as it is; messages are written for users.
    """
