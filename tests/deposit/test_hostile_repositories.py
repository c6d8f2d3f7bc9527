"""Hostile servers for the InvenioRDM and Dataverse deposits, as test_hostile_server.py attacks
Zenodo's: answers too large, too deep, not JSON, too slow, redirected elsewhere, echoing the
token; then the repository doubles made to fail (429, 5xx, a connection dropped mid-upload, a
listing that lies). Each ends in exit 3 (or resumes to success), with a message that says what
to do, no traceback, and the token nowhere: not in stdout, stderr, the state file or the
exception's text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_hostile_server import GB10, head, hostile, zeros_until_hung_up

from dahpkg.cli import main

from support import dataverse_double, invenio_double
from support.dataverse_double import DataverseDouble
from support.helpers import ACCEPT
from support.invenio_double import InvenioDouble

__all__ = ["hostile"]  # the fixture, shared with test_hostile_server.py


@dataclass(frozen=True)
class Repo:
    name: str
    title: str
    variable: str
    token: str
    args: tuple[str, ...]


INVENIO = Repo("invenio", "InvenioRDM", "INVENIO_TOKEN", invenio_double.TOKEN,
               ("--publisher", "Local InvenioRDM"))  # fmt: skip
DATAVERSE = Repo("dataverse", "Dataverse", "DATAVERSE_TOKEN", dataverse_double.TOKEN,
                 ("--collection", dataverse_double.COLLECTION))  # fmt: skip
REPOS = pytest.mark.parametrize("repo", [INVENIO, DATAVERSE], ids=lambda r: r.name)


def cli(repo: Repo, url: str, tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """``dahpkg deposit REPO`` against ``url``; the token checked absent from all it left."""
    state = tmp_path / "state.json"
    result = CliRunner(env={repo.variable: repo.token, **env}).invoke(main, [
        "deposit", repo.name, "--base-url", url, "--state-file", str(state), *ACCEPT,
        *repo.args, *args])  # fmt: skip
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown and repo.token not in shown
    assert repo.token not in str(result.exception or "")
    assert not state.exists() or repo.token not in state.read_text()
    return result.exit_code, result.stdout, result.stderr


def first_line(err: str) -> str:
    return err.splitlines()[0]


# --- a raw server: what no well-behaved server sends ------------------------------------------

# The first request of each run: looking for an earlier deposition of this version.
LOOKING = "looking for an earlier deposition of this version"
FIRST = {"invenio": LOOKING, "dataverse": "listing the datasets of the collection dah"}


def answer_with(status: str, kind: str, body: bytes) -> Any:
    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, status, f"Content-Type: {kind}", f"Content-Length: {len(body)}")
        h.wfile.write(body)

    return answer


@REPOS
def test_a_10_gb_answer_is_refused_before_reading(repo: Repo, hostile: Any,
                                                  tmp_path: Path) -> None:  # fmt: skip
    server: Any

    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, "200 OK", "Content-Type: application/json", f"Content-Length: {GB10}")
        zeros_until_hung_up(h, False, server.stop)

    server = hostile(answer)
    code, _, err = cli(repo, server.url, tmp_path)
    assert code == 3 and len(server.requests) == 1  # not retried: it would come again
    assert first_line(err) == (
        f"Error: {FIRST[repo.name]}: {repo.title}'s answer went past dahpkg's limit of "
        "4,194,304 bytes on the size of a server's answer (it announced 10,000,000,000 bytes), "
        f"and was not read further. Is {server.url.removesuffix('/api')} a {repo.title} deposit "
        "API? Check --base-url. What was done is kept: run the same command again to resume; "
        "if the server is trusted, raise the limit with DAHPKG_MAX_ANSWER_BYTES=N."
    )


@REPOS
@pytest.mark.parametrize(
    ("body", "kind", "said"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "application/json", "limit of 64 levels on the nesting"),
        (b"<html><body>Welcome to nginx!</body></html>", "text/html",
         "answered 200 OK (an HTML page) with something other than JSON"),
    ],
    ids=["nested-10000-deep", "not-json"],
)  # fmt: skip
def test_an_answer_that_cannot_be_read_stops_the_run(
    repo: Repo, hostile: Any, tmp_path: Path, body: bytes, kind: str, said: str
) -> None:
    server = hostile(answer_with("200 OK", kind, body))
    code, _, err = cli(repo, server.url, tmp_path)
    assert code == 3 and said in first_line(err) and "Check --base-url" in err


@REPOS
def test_a_server_a_byte_at_a_time_meets_the_deadline(repo: Repo, hostile: Any,
                                                      tmp_path: Path) -> None:  # fmt: skip
    server: Any

    def answer(h: BaseHTTPRequestHandler) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n")
        for _ in range(400):  # every 0.25 s: httpx's 120 s between reads never fires
            if server.stop.wait(0.25):
                return
            h.wfile.write(b" ")
            h.wfile.flush()

    server = hostile(answer)
    code, _, err = cli(repo, server.url, tmp_path, DAHPKG_MAX_REQUEST_SECONDS="2")
    assert code == 3 and len(server.requests) == 1
    assert first_line(err).startswith(
        f"Error: {FIRST[repo.name]}: the request went past dahpkg's limit of 2 seconds"
    )


@REPOS
def test_a_redirect_to_another_server_is_not_followed(repo: Repo, hostile: Any,
                                                      tmp_path: Path) -> None:  # fmt: skip
    other = hostile(answer_with("200 OK", "application/json", b"{}"))

    def answer(h: BaseHTTPRequestHandler) -> None:
        head(h, "302 Found", f"Location: {other.url}/steal", "Content-Length: 0")

    server = hostile(answer)
    code, _, err = cli(repo, server.url, tmp_path)
    assert code == 3 and other.requests == []  # the token never went there
    assert first_line(err) == f"Error: {FIRST[repo.name]}: {repo.title} answered 302 Found"


@REPOS
def test_an_error_echoing_the_token_is_shown_redacted(repo: Repo, hostile: Any,
                                                      tmp_path: Path) -> None:  # fmt: skip
    def answer(h: BaseHTTPRequestHandler) -> None:
        sent = h.headers.get("Authorization") or h.headers.get("X-Dataverse-key", "")
        bare = sent.removeprefix("Bearer ")
        body = json.dumps(
            {
                "status": "ERROR",
                "message": f"{bare} refused; header {sent}",
                "errors": [{"field": "x", "messages": [f"key={bare}"]}],
            }
        ).encode()
        head(h, f"400 Bad {bare}", "Content-Type: application/json",
             f"Content-Length: {len(body)}")  # fmt: skip
        h.wfile.write(body)

    server = hostile(answer)
    code, _, err = cli(repo, server.url, tmp_path)  # the token: checked absent there
    sent = server.requests[0][2]
    assert repo.token in (sent.get("Authorization", "") + sent.get("X-Dataverse-key", ""))
    assert code == 3 and "[redacted]" in first_line(err)
    assert repo.token not in server.requests[0][1]  # nor in the URL


# --- the doubles, failing -------------------------------------------------------------------


@pytest.fixture
def invenio() -> Iterator[InvenioDouble]:
    server = InvenioDouble().start()
    yield server
    server.stop()


@pytest.fixture
def dataverse() -> Iterator[DataverseDouble]:
    server = DataverseDouble(lock_seconds=0.05).start()
    yield server
    server.stop()


def doubles(repo: Repo, invenio: InvenioDouble, dataverse: DataverseDouble) -> Any:
    return invenio if repo is INVENIO else dataverse


def uploads(repo: Repo, double: Any) -> int:
    end = "/content" if repo is INVENIO else "/add"
    return sum(1 for r in double.requests if r.method in ("PUT", "POST") and r.path.endswith(end))


def depositions(repo: Repo, double: Any) -> int:
    return len(double.records if repo is INVENIO else double.datasets)


# A file of the upload set, and where its upload goes.
README = "README.md"
UPLOAD = {"invenio": ("PUT", r"README\.md/content$"), "dataverse": ("POST", r"/add$")}


@REPOS
def test_429_and_5xx_are_waited_out_then_the_run_succeeds(
    repo: Repo, invenio: InvenioDouble, dataverse: DataverseDouble, tmp_path: Path
) -> None:
    double = doubles(repo, invenio, dataverse)
    method, path = UPLOAD[repo.name]
    double.inject(method, path, "429")  # with Retry-After: 1
    double.inject("GET", r"/files$", "502")  # a proxy's HTML page, then the real answer
    double.inject("GET", r"/files$", "504")
    code, _, err = cli(repo, double.url, tmp_path, "--publish")
    assert code == 0, err
    statuses = [r.status for r in double.requests]
    assert 429 in statuses and any(s in (502, 503, 504) for s in statuses)
    assert depositions(repo, double) == 1


@REPOS
def test_a_connection_dropped_mid_upload_then_a_rerun_without_duplicate(
    repo: Repo, invenio: InvenioDouble, dataverse: DataverseDouble, tmp_path: Path
) -> None:
    double = doubles(repo, invenio, dataverse)
    method, path = UPLOAD[repo.name]
    double.inject(method, path, "reset", times=99)  # every attempt, half the body sent
    code, _, err = cli(repo, double.url, tmp_path, "--publish")
    assert code == 3 and first_line(err).startswith("Error: uploading ")
    double.faults.clear()
    code, _, err = cli(repo, double.url, tmp_path, "--publish")
    assert code == 0, err
    assert depositions(repo, double) == 1  # resumed, not made again
    if repo is DATAVERSE:  # no file renamed -1: none was added twice
        (dataset,) = dataverse.datasets.values()
        assert not any("-1." in f.label for f in dataset.latest.files)


@REPOS
@pytest.mark.parametrize("lie", ["other-md5", "left-out"])
def test_a_listing_that_contradicts_the_upload_stops_before_publishing(
    repo: Repo, invenio: InvenioDouble, dataverse: DataverseDouble, tmp_path: Path, lie: str
) -> None:
    double = doubles(repo, invenio, dataverse)
    if lie == "other-md5":
        double.listing_md5[README] = "0" * 32
        said = f"{README}: md5 {'0' * 32} on the server"
    else:
        double.hidden.add(README)
        said = f"{README}: md5 missing on the server"
    code, _, err = cli(repo, double.url, tmp_path, "--publish")
    assert code == 3, err
    assert first_line(err).startswith("Error: checking the uploaded files: ") and said in err
    published = (
        any(r.published for r in invenio.live())
        if repo is INVENIO
        else any(v.number for d in dataverse.datasets.values() for v in d.versions)
    )
    assert not published  # fmt: skip
