"""A hostile deposit server, built by each test: here, one echoing the token. dahpkg never prints
or keeps the token.

The server here speaks raw HTTP over 127.0.0.1, so that it can send what a well-behaved server
never would.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.deposit.redact import redact, server_text

from support.helpers import ACCEPT
from support.zenodo_double import TOKEN, ZenodoDouble

Answer = Callable[[BaseHTTPRequestHandler], None]


class Hostile:
    """A server that answers every request with ``answer(handler)``, writing raw bytes."""

    def __init__(self, answer: Answer) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.stop = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def serve(self) -> None:
                owner.requests.append((self.command, self.path, dict(self.headers.items())))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with contextlib.suppress(OSError):  # the client hung up, as it should
                    answer(self)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api"

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile() -> Iterator[Callable[[Answer], Hostile]]:
    made: list[Hostile] = []

    def make(answer: Answer) -> Hostile:
        made.append(Hostile(answer))
        return made[-1]

    yield make
    for server in made:
        server.close()


def deposit_cli(url: str, tmp_path: Path, **env: str) -> tuple[int, str, str]:
    result = CliRunner(env={"ZENODO_TOKEN": TOKEN, **env}).invoke(main, [
        "deposit", "zenodo", "--base-url", url, "--state-file", str(tmp_path / "s.json"),
        *ACCEPT])  # fmt: skip
    assert "Traceback" not in result.stdout + result.stderr
    assert not isinstance(result.exception, RecursionError | MemoryError)
    return result.exit_code, result.stdout, result.stderr


def head(handler: BaseHTTPRequestHandler, status: str, *headers: str) -> None:
    lines = [f"HTTP/1.1 {status}", *headers, "", ""]
    handler.wfile.write("\r\n".join(lines).encode("latin-1"))
    handler.wfile.flush()


# --- the token echoed back -----------------------------------------------------------------


def test_a_server_echoing_the_token_is_printed_redacted(hostile: Any, tmp_path: Path) -> None:
    def answer(h: BaseHTTPRequestHandler) -> None:
        auth = h.headers.get("Authorization", "")
        bare = auth.removeprefix("Bearer ")
        messages = [f"token={bare} is unknown", f"X-Dataverse-key: {bare}"]
        body = json.dumps(
            {
                "status": 400,
                "message": f"header Authorization: {auth} refused",
                "errors": [{"field": "request", "messages": messages}],
            }
        ).encode()
        head(h, f"400 Bad {auth}", "Content-Type: application/json",
             f"Content-Length: {len(body)}")  # fmt: skip
        h.wfile.write(body)

    server = hostile(answer)
    code, out, err = deposit_cli(server.url, tmp_path)
    assert server.requests[0][2]["Authorization"] == f"Bearer {TOKEN}"  # what it echoed
    assert code == 3 and TOKEN not in out + err
    assert err.splitlines()[:3] == [
        "Error: looking for an earlier deposition of this version: Zenodo answered 400 Bad "
        "Bearer [redacted]: header Authorization: [redacted] refused",
        "  request: token=[redacted] is unknown; X-Dataverse-key: [redacted]",
        "Nothing is lost: check the draft on Zenodo if the reason asks for it, then run the "
        "same command again to resume.",
    ]


def test_links_with_the_token_are_shown_and_kept_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = ZenodoDouble.dump

    def leaky(self: ZenodoDouble, d: Any) -> dict[str, Any]:
        answer = dump(self, d)
        answer["links"]["html"] += f"?access_token={TOKEN}\x1b[2J"  # and a terminal escape
        return answer

    monkeypatch.setattr(ZenodoDouble, "dump", leaky)
    double = ZenodoDouble().start()
    try:
        code, out, err = deposit_cli(double.url, tmp_path)
    finally:
        double.stop()
    assert code == 0, err
    assert TOKEN not in out + err and "\x1b" not in out
    assert "?access_token=[redacted]?[2J" in out
    assert TOKEN not in (tmp_path / "s.json").read_text()


def test_redact_the_forms_a_secret_takes() -> None:
    assert redact(f"x {TOKEN} y") == "x [redacted] y"  # the token itself, in any text
    assert redact("Authorization: Bearer abc.def") == "Authorization: [redacted]"
    assert redact('{"Authorization": "Basic dXNlcjpwYXNz"}') == '{"Authorization": "[redacted]"}'
    assert redact("?access_token=abc&token=def&key=ghi&api_key=jkl") == (
        "?access_token=[redacted]&token=[redacted]&key=[redacted]&api_key=[redacted]"
    )
    assert redact("X-Dataverse-key: 1234-5678") == "X-Dataverse-key: [redacted]"
    assert redact('{"password": "p w", "keywords": "k"}') == (
        '{"password": "[redacted]", "keywords": "k"}'
    )
    advice = "Check the token: raise it with DAHPKG_MAX_TOKEN_BYTES=N or --token-file FILE"
    assert redact(advice) == advice and redact(redact("Bearer x")) == "Bearer [redacted]"
    assert server_text("a\nb\x1b[31mc\u202e", 80) == "a b?[31mc?"
    assert len(server_text("x" * 10**6)) == 500
