"""A ``requests`` transport adapter that checks where a host resolves and then connects to exactly that address.

Why: checking a name and then letting the HTTP library resolve it again leaves a gap a hostile DNS server can use
(DNS rebinding: a public answer for the check, 127.0.0.1 for the connection). Here the check and the connection
use the same answer. Each request's host is resolved once with ``resolve_and_check``; the urllib3 connection then
dials the first checked address, while the ``Host`` header, TLS SNI and certificate verification still use the
host name from the URL, so HTTPS works unchanged.

The adapter never uses a proxy (a proxy would resolve the name itself); sessions from :func:`safe_session` also
ignore proxy and ``.netrc`` settings from the environment.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from bot.net.addresses import Resolver, resolve_and_check

USER_AGENT = "symbl-slack-bot/0.1 (recording fetcher)"


class _PinnedMixin:
    """Keeps the URL's host name for HTTP and TLS while the socket goes to the checked address."""

    def __init__(self, *args: Any, pinned_ip: str, **kwargs: Any) -> None:
        self._pinned_ip = pinned_ip
        super().__init__(*args, **kwargs)

    @property
    def host(self) -> str:
        return self._host_name.rstrip(".")

    @host.setter
    def host(self, value: str) -> None:
        # urllib3 dials ``_dns_host``; http.client and TLS read ``host``.
        self._host_name = value
        self._dns_host = self._pinned_ip


class PinnedHTTPConnection(_PinnedMixin, HTTPConnection):
    """An HTTP connection that dials its pinned address."""


class PinnedHTTPSConnection(_PinnedMixin, HTTPSConnection):
    """An HTTPS connection that dials its pinned address and verifies the certificate for the host name."""


class _PinnedHTTPPool(HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class _PinnedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class PinnedAdapter(HTTPAdapter):
    """Resolves and checks each request's host, then connects only to a checked address."""

    def __init__(self, *, allow_private: bool = False, resolver: Resolver | None = None, **kwargs: Any) -> None:
        if not hasattr(HTTPAdapter, "get_connection_with_tls_context"):
            # requests < 2.32.2 never calls the hook below, so the pin would silently not apply.
            raise RuntimeError("bot.net.pinning needs requests >= 2.32.2")
        self._allow_private = allow_private
        self._resolver = resolver
        self._pools: dict[tuple, HTTPConnectionPool] = {}
        self._pools_lock = threading.Lock()
        super().__init__(**kwargs)

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: dict[str, str] | None = None,
        cert: Any = None,
    ) -> HTTPConnectionPool:
        """A connection pool bound to a freshly checked address of the request's host (proxies are ignored)."""
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        scheme = host_params["scheme"]
        host = host_params["host"]
        port = host_params["port"] or (443 if scheme == "https" else 80)
        ip = str(resolve_and_check(host, port, allow_private=self._allow_private, resolver=self._resolver)[0])
        tls = pool_kwargs if scheme == "https" else {}
        key = (scheme, host, port, ip, tuple(sorted(tls.items())))
        with self._pools_lock:
            pool = self._pools.get(key)
            if pool is None:
                cls = _PinnedHTTPSPool if scheme == "https" else _PinnedHTTPPool
                pool = cls(host, port, maxsize=self._pool_maxsize, block=self._pool_block, pinned_ip=ip, **tls)
                self._pools[key] = pool
        return pool

    def request_url(self, request: requests.PreparedRequest, proxies: dict[str, str] | None) -> str:
        """The origin-form path: never the absolute form a proxy would need, since none is used."""
        return request.path_url

    def close(self) -> None:
        """Close every pinned pool."""
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
        super().close()


def safe_session(*, allow_private: bool = False, resolver: Resolver | None = None) -> requests.Session:
    """A session whose http and https requests go only to checked addresses, with no proxy or netrc from env."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = USER_AGENT
    adapter = PinnedAdapter(allow_private=allow_private, resolver=resolver)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
