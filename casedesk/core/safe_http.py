"""Outbound HTTP POSTs to addresses a caller has checked (`public` tells which are safe to
reach): the connection goes to that address whatever the host name resolves to by then,
through no proxy, and a redirect is refused rather than followed (it could lead anywhere)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


def public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, also for the IPv4 address an IPv6 one carries (mapped,
    6to4, Teredo, NAT64), which a gateway would deliver to."""
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in NAT64_PREFIX:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return all(public(v4) for v4 in embedded if v4 is not None)
    return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect refused ({code})", headers, fp)


def _pinned(connection_class: type[http.client.HTTPConnection], address: str) -> Any:
    """Connections of `connection_class` that reach `address` (TLS still verifies the
    certificate against the host name)."""

    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        connection = connection_class(host, **kwargs)
        create = connection._create_connection  # type: ignore[attr-defined]

        def to_address(destination: tuple[str, int], *args: Any, **kw: Any) -> Any:
            return create((address, destination[1]), *args, **kw)

        connection._create_connection = to_address  # type: ignore[attr-defined]
        return connection

    return make


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPConnection, self.address), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(
            _pinned(http.client.HTTPSConnection, self.address),
            req,
            context=self._context,  # type: ignore[attr-defined]
        )


def opener(address: str) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirect, _PinnedHTTP(address), _PinnedHTTPS(address)
    )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, keyed with `secret`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post(url: str, *, address: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST `body` to `url` at `address` (an http or https URL the caller checked); the
    HTTP status. A redirect raises `urllib.error.HTTPError`."""
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))  # noqa: S310
    with opener(address).open(request, timeout=timeout) as response:
        return int(response.status)
