"""A hostile deposit server, built by each test: answers too large, too slow, too deep, or echoing
the token. dahpkg stops each one with exit 3 and a message that says what to do, reads at most
its limit, never retries it, and never prints or keeps the token.

The server here speaks raw HTTP over 127.0.0.1, so that it can send what a well-behaved server
never would: a 10 GB Content-Length, a body without end, headers one byte at a time.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import zlib
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
GB10 = 10 * 10**9


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


def zeros_until_hung_up(handler: BaseHTTPRequestHandler, chunked: bool, stop: threading.Event,
                        cap: int = 4 * 10**9) -> None:  # fmt: skip
    block = b"0" * 65536
    frame = b"10000\r\n" + block + b"\r\n" if chunked else block
    for _ in range(cap // len(block)):
        if stop.is_set():
            return
        handler.wfile.write(frame)  # OSError once the client has hung up


# --- too large ------------------------------------------------------------------------------


def test_a_10_gb_content_length_is_refused_before_reading(hostile: Any, tmp_path: Path) -> None:
    server: Hostile

    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, "200 OK", "Content-Type: application/json", f"Content-Length: {GB10}")
        zeros_until_hung_up(h, False, server.stop)

    server = hostile(answer)
    code, _, err = deposit_cli(server.url, tmp_path)
    assert code == 3
    assert err.startswith(
        "Error: looking for an earlier deposition of this version: Zenodo's answer went past "
        "dahpkg's limit of 4,194,304 bytes on the size of a server's answer (it announced "
        "10,000,000,000 bytes), and was not read further. "
    )
    assert "raise the limit with DAHPKG_MAX_ANSWER_BYTES=N" in err
    assert len(server.requests) == 1  # not retried: the same answer would come again


def test_an_endless_chunked_answer_is_cut_at_the_limit(hostile: Any, tmp_path: Path) -> None:
    server: Hostile

    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, "200 OK", "Content-Type: application/json", "Transfer-Encoding: chunked")
        zeros_until_hung_up(h, True, server.stop)

    server = hostile(answer)
    code, _, err = deposit_cli(server.url, tmp_path, DAHPKG_MAX_ANSWER_BYTES="1000000")
    assert code == 3 and "went past dahpkg's limit of 1,000,000 bytes" in err
    assert "(it announced" not in err and len(server.requests) == 1


def test_a_gzip_bomb_is_inflated_only_up_to_the_limit(hostile: Any, tmp_path: Path) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    bomb = b"".join(packer.compress(block) for _ in range(64)) + packer.flush()  # 64 MB inflated
    assert len(bomb) < 100_000

    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, "200 OK", "Content-Type: application/json", "Content-Encoding: gzip",
             f"Content-Length: {len(bomb)}")  # fmt: skip
        h.wfile.write(bomb)

    server = hostile(answer)
    code, _, err = deposit_cli(server.url, tmp_path)
    assert code == 3 and "went past dahpkg's limit of 4,194,304 bytes" in err
    assert server.requests[0][2]["Accept-Encoding"] == "identity"  # it was asked for none


def test_an_encoding_not_asked_for_is_refused(hostile: Any, tmp_path: Path) -> None:
    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, "200 OK", "Content-Type: application/json", "Content-Encoding: br",
             "Content-Length: 4")  # fmt: skip
        h.wfile.write(b"\x00\x01\x02\x03")

    code, _, err = deposit_cli(hostile(answer).url, tmp_path)
    assert code == 3 and "it came in an encoding dahpkg did not ask for (br)" in err


def test_a_gzip_answer_within_the_limit_is_read(hostile: Any, tmp_path: Path) -> None:
    body = gzip.compress(b'{"not": "a list"}')

    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, "200 OK", "Content-Type: application/json", "Content-Encoding: gzip",
             f"Content-Length: {len(body)}")  # fmt: skip
        h.wfile.write(body)

    code, _, err = deposit_cli(hostile(answer).url, tmp_path)
    assert code == 3 and "did not answer with a list of depositions" in err  # read, then judged


# --- too slow -------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_server_sending_a_byte_at_a_time_meets_the_deadline(
    hostile: Any, tmp_path: Path, where: str
) -> None:
    server: Hostile

    def answer(h: BaseHTTPRequestHandler) -> None:
        if where == "headers":
            head_start, rest = b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 400 + b"\r\n\r\n[]"
        else:
            head_start, rest = b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n", b" " * 400
        h.wfile.write(head_start)
        for byte in rest:  # every 0.25 s: httpx's 120 s between reads never fires
            if server.stop.wait(0.25):
                return
            h.wfile.write(bytes([byte]))
            h.wfile.flush()

    server = hostile(answer)
    started = time.monotonic()
    code, _, err = deposit_cli(server.url, tmp_path, DAHPKG_MAX_REQUEST_SECONDS="2")
    took = time.monotonic() - started
    assert code == 3
    assert ("looking for an earlier deposition of this version: the request went past dahpkg's "
            "limit of 2 seconds on the time one request to a server takes, and was "
            "stopped.") in err  # fmt: skip
    assert "DAHPKG_MAX_REQUEST_SECONDS=N" in err
    assert len(server.requests) == 1
    assert took < 2 + 15  # the deadline, plus building the bundle before the first request


# --- too deep -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["200 OK", "400 Bad Request"])
def test_json_nested_10000_deep_is_refused_not_a_crash(hostile: Any, tmp_path: Path,
                                                       status: str) -> None:  # fmt: skip
    body = b"[" * 10_000 + b"]" * 10_000

    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, status, "Content-Type: application/json", f"Content-Length: {len(body)}")
        h.wfile.write(body)

    code, _, err = deposit_cli(hostile(answer).url, tmp_path)
    assert code == 3
    if status.startswith("200"):
        assert ("Zenodo's answer went past dahpkg's limit of 64 levels on the nesting of JSON "
                "objects and lists") in err  # fmt: skip
    else:  # an error's body that cannot be read: the status alone, and what to do
        assert "Zenodo answered 400 Bad Request\n" in err


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


# --- the memory it costs --------------------------------------------------------------------


PEAK = """
import resource, sys
from dahpkg.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    print("exit", exit.code, file=sys.stderr)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB on Linux")
def test_a_10_gb_answer_costs_well_under_1_gb(hostile: Any, tmp_path: Path) -> None:
    server: Hostile

    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, "200 OK", "Content-Type: application/json", f"Content-Length: {GB10}")
        zeros_until_hung_up(h, False, server.stop)

    server = hostile(answer)
    done = subprocess.run(
        [sys.executable, "-c", PEAK, "deposit", "zenodo", "--base-url", server.url,
         "--state-file", str(tmp_path / "s.json"), *ACCEPT],
        env={**os.environ, "ZENODO_TOKEN": TOKEN}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "exit 3" in done.stderr and "went past dahpkg's limit" in done.stderr
    peak_mib = int(done.stdout.split()[-1]) / 1024
    print(f"peak memory with a 10 GB answer: {peak_mib:.0f} MiB")
    assert peak_mib < 1024
