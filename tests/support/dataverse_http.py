"""The Dataverse double's HTTP side: real sockets on 127.0.0.1, the token (in
``X-Dataverse-key`` or ``?key=``), the request log, and faults injected like the Zenodo double's:
429 with Retry-After, an HTML 502/504 before or after the action, a connection reset during the
request or after the action, a slow answer, an error page echoing the token. What the API does
with a request is `support.dataverse_double`'s (`HttpDouble.handle`).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>502</body></html>"
HTML_504 = b"<html><head><title>504 Gateway Time-out</title></head><body>504</body></html>"


@dataclass
class Fault:
    method: str
    path: str  # a regular expression searched in the request path
    kind: str  # 429, 502, 504, 504-after, reset, reset-after, delay, 500, echo
    times: int = 1
    after: int = 0  # matching requests let through first


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    status: int = 0


class Reply(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(status)
        self.status, self.body = status, {"status": "ERROR", "message": message, **extra}


class HttpDouble:
    """A server on 127.0.0.1 that hands each request with a known token to `handle` (the API),
    once the faults injected for it have had their turn."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens  # token -> user
        self.delay = 3.0  # seconds, for the "delay" fault
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, method: str, path: str, query: dict[str, list[str]],
               headers: dict[str, str], body: bytes, user: str) -> tuple[int, Any]:  # fmt: skip
        """The status and the answer's ``data``; `Reply` for an error."""
        raise NotImplementedError

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def url(self) -> str:
        return f"{self.root}/api"

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def inject(self, method: str, path: str, kind: str, times: int = 1, after: int = 0) -> None:
        with self.lock:
            self.faults.append(Fault(method, path, kind, times, after))

    def _fault(self, method: str, path: str) -> str | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.search(fault.path, path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    return fault.kind
        return None


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    """The form's parts: name -> (file name, bytes)."""
    if not content_type.startswith("multipart/form-data"):
        raise Reply(400, "Content-Type must be multipart/form-data")
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        parts[name] = (part.get_filename() or "", part.get_payload(decode=True) or b"")
    return parts


def _handler(double: HttpDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = Recorded(method, parts.path, parts.query, headers)
            with double.lock:
                double.requests.append(record)
            fault = double._fault(method, parts.path)
            length = int(headers.get("content-length", "0") or 0)
            if fault == "reset":
                self.rfile.read(length // 2)
                return self._reset()
            body = self.rfile.read(length) if length else b""
            if fault == "delay":
                time.sleep(double.delay)
            if fault == "429":
                return self._send(record, 429, {"status": "ERROR", "message": "Too many API "
                                  "calls"}, {"Retry-After": "1"})  # fmt: skip
            if fault in ("502", "504"):
                return self._send(record, int(fault), HTML_502 if fault == "502" else HTML_504)
            if fault == "500":
                return self._send(record, 500, {"status": "ERROR", "message":
                                  "OptimisticLockException"})  # fmt: skip
            query = parse_qs(parts.query)
            token = headers.get("x-dataverse-key") or query.get("key", [""])[0]
            if fault == "echo":  # an error page quoting the request, the token included
                echoed = f"Internal error for {token}; request had X-Dataverse-key: {token}"
                return self._send(record, 500, {"status": "ERROR", "message": echoed})
            try:
                if token not in double.tokens:
                    raise Reply(401, "Bad API key")
                with double.lock:
                    status, payload = double.handle(method, parts.path, query, headers, body,
                                                    double.tokens[token])  # fmt: skip
            except Reply as reply:
                return self._send(record, reply.status, reply.body)
            if fault == "504-after":
                return self._send(record, 504, HTML_504)
            if fault == "reset-after":
                return self._reset()
            kind = "WORKFLOW_IN_PROGRESS" if status == 202 else "OK"  # AbstractApiBean
            return self._send(record, status, {"status": kind, "data": payload})

        def _reset(self) -> None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def _send(self, record: Recorded, status: int, payload: Any,
                  headers: dict[str, str] | None = None) -> None:  # fmt: skip
            record.status = status
            if isinstance(payload, bytes):
                data, kind = payload, "text/html"
            else:
                data, kind = json.dumps(payload).encode(), "application/json"
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            try:
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler
