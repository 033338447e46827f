"""Outbound HTTP to webhook endpoints, refusing private addresses (SSRF).

A URL's host is resolved once; every address it resolves to must be public (not private, loopback, link-local,
multicast, reserved or unspecified: `ipaddress.is_global`), loopback excepted when `settings.loopback_webhooks()`
(the local stack and the tests). The connection then goes to the address that was checked (the Host header and
TLS name stay the URL's), so a DNS answer that changes between the check and the call (rebinding) cannot send it
elsewhere. Redirects are not followed: a 3xx is a failed attempt.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..core.errors import ValidationFailed
from ..core.settings import get_settings

MAX_READ = 4096


class Refused(Exception):
    """The URL may not be called (a private address, a bad scheme); the message says why."""


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def check_url(url: str, field: str = "body.url") -> None:
    """At creation: an http(s) URL whose host is not a literal private address (names are resolved at each delivery)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationFailed.field(field, f"is not a URL: {exc}", "url_invalid") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed.field(field, "must be an http:// or https:// URL with a host", "url_invalid")
    if parts.username or parts.password:
        raise ValidationFailed.field(field, "must not carry credentials", "url_invalid")
    del port
    host = parts.hostname
    literal = _literal(host)
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        literal = ipaddress.ip_address("127.0.0.1")
    if literal is not None:
        problem = _refusal(literal)
        if problem:
            raise ValidationFailed.field(field, problem, "url_refused")


def resolve(url: str) -> tuple[str, int, str]:
    """(host, port, the address to connect to), or Refused."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme not in ("http", "https") or not host:
        raise Refused("not an http(s) URL")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"{host} does not resolve: {exc.strerror}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    for address in addresses:
        problem = _refusal(ipaddress.ip_address(address.split("%")[0]))
        if problem:
            raise Refused(f"{host} resolves to {address}: {problem}")
    return host, port, addresses[0]


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST `body` to the URL; never raises (a refusal, a timeout, a reset are failed outcomes)."""
    began = time.perf_counter()
    try:
        host, port, address = resolve(url)
        parts = urlsplit(url)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = _PinnedHttps(host, port, address, timeout)
        else:
            connection = _PinnedHttp(host, port, address, timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
            answer = connection.getresponse()
            answer.read(MAX_READ)
            status = answer.status
        finally:
            connection.close()
        error = None if 200 <= status < 300 else f"answered {status}"
        return Outcome(status, error, _ms(began))
    except Refused as exc:
        return Outcome(None, f"refused: {exc}", _ms(began))
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:300], _ms(began))


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        if get_settings().loopback_webhooks():
            return None
        return "a loopback address is refused (LEARNLOOP_WEBHOOK_ALLOW_LOOPBACK allows it on the local stack)"
    if not address.is_global or address.is_multicast:
        return "a private, link-local or reserved address is refused"
    return None


def _ms(began: float) -> float:
    return round((time.perf_counter() - began) * 1000, 3)


class _PinnedHttp(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHttps(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
