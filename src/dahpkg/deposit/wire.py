"""What crosses the wire, bounded: a total deadline per request, and answers read only up to a
size limit.

httpx's timeouts are between two reads: a server that sends one byte every few seconds keeps a
request waiting for ever, headers included. Within `deadline`, every socket operation of the
clients `http_client` makes waits at most for the time left, so the whole exchange (connect,
send, headers, body) ends when the deadline does. `read_answer` reads an answer whole but stops
past `max_answer_bytes` (a Content-Length above it is refused before anything is read) and
inflates a compressed answer only up to that size, so that a 10 GB or endless answer, or a
small gzip bomb, costs no more memory than the limit.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any

from dahpkg.deposit.redact import server_text
from dahpkg.limits import limit

if TYPE_CHECKING:
    import ssl

    import httpcore
    import httpx

# The deadline of the request being made in this thread (time.monotonic()), if any.
_deadline: ContextVar[float | None] = ContextVar("dahpkg_request_deadline", default=None)


class TooLarge(Exception):
    """The answer is larger than the limit (``announced``: its Content-Length, if it gave one)."""

    def __init__(self, announced: int | None = None) -> None:
        super().__init__(announced)
        self.announced = announced


class Overdue(Exception):
    """The request went past its deadline."""


class Garbled(Exception):
    """The answer's encoding is one dahpkg did not ask for, or is damaged."""


@contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Bound every socket operation in the block by a deadline ``seconds`` away (yielded)."""
    at = time.monotonic() + seconds
    token = _deadline.set(at)
    try:
        yield at
    finally:
        _deadline.reset(token)


def overdue(at: float) -> bool:
    # A socket's timeout cut to the time left fires at the deadline, give or take the clock's
    # grain; the slack keeps that from reading as an ordinary timeout.
    return time.monotonic() >= at - 0.05


def http_client() -> httpx.Client:
    """An httpx client whose sockets keep to `deadline`: its connection pools' network backend
    is wrapped. httpx offers no public way to pass one, hence the private names; if they ever
    move, the deadline still holds between the chunks of a body (`read_answer`), and the test
    that trickles headers fails."""
    import httpx

    backend, _ = _classes()
    client = httpx.Client(timeout=httpx.Timeout(120.0, connect=15.0))
    transports = [client._transport, *client._mounts.values()]  # proxies from the environment
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if inner is not None:
            pool._network_backend = backend(inner)  # type: ignore[union-attr]
    return client


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout``, cut to the time left before the deadline; ``error`` once it has passed."""
    at = _deadline.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("dahpkg's deadline for this request has passed")
    return left if timeout is None else min(timeout, left)


@cache
def _classes() -> tuple[type[Any], type[Any]]:
    """The network backend and stream that keep to the deadline, made on first use so that
    importing this module does not import httpcore."""
    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self.inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self.inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self.inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

        def close(self) -> None:
            self.inner.close()

        def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                      timeout: float | None = None) -> httpcore.NetworkStream:  # fmt: skip
            wait = _left(timeout, httpcore.ConnectTimeout)
            return Stream(self.inner.start_tls(ssl_context, server_hostname, wait))

        def get_extra_info(self, info: str) -> Any:
            return self.inner.get_extra_info(info)

    class Backend(httpcore.NetworkBackend):
        def __init__(self, inner: httpcore.NetworkBackend) -> None:
            self.inner = inner

        def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                        local_address: str | None = None,
                        socket_options: Iterable[Any] | None = None
                        ) -> httpcore.NetworkStream:  # fmt: skip
            wait = _left(timeout, httpcore.ConnectTimeout)
            return Stream(self.inner.connect_tcp(host, port, wait, local_address, socket_options))

        def connect_unix_socket(self, path: str, timeout: float | None = None,
                                socket_options: Iterable[Any] | None = None
                                ) -> httpcore.NetworkStream:  # fmt: skip
            wait = _left(timeout, httpcore.ConnectTimeout)
            return Stream(self.inner.connect_unix_socket(path, wait, socket_options))

        def sleep(self, seconds: float) -> None:
            self.inner.sleep(seconds)

    return Backend, Stream


def read_answer(response: httpx.Response, at: float) -> bytes:
    """The body of ``response`` (opened with ``stream=True``), decoded: `TooLarge` past
    ``max_answer_bytes``, `Overdue` past ``at``, `Garbled` for an encoding dahpkg cannot read."""
    bound = limit("max_answer_bytes").value()
    announced = response.headers.get("Content-Length", "").strip()
    if announced.isdigit() and int(announced) > bound:
        raise TooLarge(int(announced))  # refused before a byte of it is read
    body = bytearray()
    for chunk in response.iter_raw():  # as sent: decoding is bounded below
        body += chunk
        if len(body) > bound:
            raise TooLarge()
        if time.monotonic() > at:  # also for a client without the deadline's backend
            raise Overdue()
    return _decoded(bytes(body), response.headers.get("Content-Encoding", ""), bound)


def answered(response: httpx.Response, body: bytes) -> httpx.Response:
    """``response`` with ``body`` (as `read_answer` read and decoded it) as its content."""
    import httpx

    skip = ("content-encoding", "content-length", "transfer-encoding")
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in skip]
    kept = {k: v for k, v in response.extensions.items() if k in ("reason_phrase", "http_version")}
    return httpx.Response(response.status_code, headers=headers, content=body,
                          request=response.request, extensions=kept)  # fmt: skip


def _decoded(body: bytes, encoding: str, bound: int) -> bytes:
    """``body`` inflated (gzip or deflate, the encodings a server may send although asked for
    none) up to ``bound`` bytes; `TooLarge` beyond."""
    codings = [c.strip().lower() for c in encoding.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return body
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise Garbled(
            f"it came in an encoding dahpkg did not ask for ({server_text(encoding, 40)})"
        )
    # gzip's header (31), else zlib's (15), else raw deflate (-15), which servers also send.
    for wbits in (31,) if codings[0] != "deflate" else (15, -15):
        inflater = zlib.decompressobj(wbits)
        try:
            data = inflater.decompress(body, bound + 1)
        except zlib.error:
            continue
        if len(data) > bound:
            raise TooLarge()
        return data
    raise Garbled(f"its {codings[0]} compression is damaged")
