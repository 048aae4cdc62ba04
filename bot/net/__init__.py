"""Network access on behalf of users: fetching user-supplied links safely (see ``bot.net.safe_fetch``)."""

from bot.net.addresses import resolve_and_check
from bot.net.errors import UnsafeURLError
from bot.net.pinning import PinnedAdapter, safe_session
from bot.net.safe_fetch import FetchResult, fetch_to_file, validate_url

__all__ = [
    "FetchResult",
    "PinnedAdapter",
    "UnsafeURLError",
    "fetch_to_file",
    "resolve_and_check",
    "safe_session",
    "validate_url",
]
