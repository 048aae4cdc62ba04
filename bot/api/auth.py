"""Client credentials and access tokens, as Symbl's ``POST /oauth2/token:generate`` hands them out.

Clients are configured as ``API_CLIENTS="appId:appSecret,appId2:appSecret2"``. A token is the client's id and its
expiry signed with HMAC-SHA256, so any server (or web worker) holding the same key accepts it without a shared
table. Like Symbl, a client asking again while its token is valid gets the same token with its remaining lifetime;
here that holds per process (another worker hands out a token of its own, equally valid).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass

from bot.errors import ConfigError

# A token is renewed by the SDK exactly when it expires (symbl-api.md §6.2), so a cached token with only a moment
# left would fail the client's next call: below this many seconds a fresh token is issued instead.
MIN_REMAINING_SECONDS = 60


def parse_clients(raw: str) -> dict[str, str]:
    """``{app_id: app_secret}`` from ``id1:secret1,id2:secret2``; ``ConfigError`` for a malformed pair."""
    clients: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        app_id, sep, secret = pair.partition(":")
        if not sep or not app_id.strip() or not secret.strip():
            raise ConfigError("API_CLIENTS must be appId:appSecret pairs separated by commas.")
        clients[app_id.strip()] = secret.strip()
    return clients


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


class TokenAuthority:
    """Checks credentials, issues tokens and tells which client a token belongs to."""

    def __init__(self, clients: dict[str, str], *, lifetime_seconds: int, key: str = "", clock=time.time):
        self.clients = clients
        self.lifetime_seconds = lifetime_seconds
        # Derived from the clients when not set, so servers configured alike agree without another secret to share
        self._key = (key or "symbl-api:" + ",".join(f"{k}:{v}" for k, v in sorted(clients.items()))).encode()
        self._clock = clock
        self._issued: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def issue(self, app_id: str, app_secret: str) -> IssuedToken | None:
        """A token for these credentials (the cached one while it lasts), or None when they are wrong."""
        expected = self.clients.get(app_id)
        if expected is None or not hmac.compare_digest(expected.encode(), app_secret.encode()):
            return None
        now = self._clock()
        with self._lock:
            cached = self._issued.get(app_id)
            if cached and cached[1] - now >= MIN_REMAINING_SECONDS:
                return IssuedToken(cached[0], int(cached[1] - now))
            expires = now + self.lifetime_seconds
            token = self._sign(app_id, int(expires))
            self._issued[app_id] = (token, int(expires))
        return IssuedToken(token, self.lifetime_seconds)

    def client_of(self, token: str) -> str | None:
        """The client a valid, unexpired token was issued to; None for anything else."""
        try:
            payload_b64, signature = token.split(".", 1)
            payload = base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)).decode()
            app_id, expires = payload.rsplit(".", 1)
            if not hmac.compare_digest(self._signature(payload_b64), signature):
                return None
            if int(expires) <= self._clock() or app_id not in self.clients:
                return None
        except (ValueError, UnicodeDecodeError):
            return None
        return app_id

    def _sign(self, app_id: str, expires: int) -> str:
        payload_b64 = base64.urlsafe_b64encode(f"{app_id}.{expires}".encode()).decode().rstrip("=")
        return f"{payload_b64}.{self._signature(payload_b64)}"

    def _signature(self, payload_b64: str) -> str:
        digest = hmac.new(self._key, payload_b64.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def bearer_token(headers: dict[str, str]) -> str | None:
    """The token of ``Authorization: Bearer …`` (the documented header) or ``x-api-key`` (what the SDK sends)."""
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return headers.get("x-api-key", "").strip() or None
