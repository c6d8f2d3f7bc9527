"""Careless or hostile input to a deposit: names that would climb out of their URL segment, a
``--base-url`` carrying a password or a token, a token file without end. Each fixture is made
by the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.deposit import run as run_module
from dahpkg.deposit.http import Retry, check_base_url, segment
from dahpkg.deposit.repository import Plan
from dahpkg.deposit.token import Token
from dahpkg.deposit.zenodo import ZenodoRepository, deposit, read_token, requests
from dahpkg.errors import InputError

from support.helpers import ACCEPT, CONSENT
from support.zenodo_double import TOKEN, ZenodoDouble

CLIMBER = "../../deposit/depositions/1000/actions/publish?x="


@pytest.fixture
def double() -> Iterator[ZenodoDouble]:
    server = ZenodoDouble().start()
    yield server
    server.stop()


def paths(double: ZenodoDouble, method: str) -> list[str]:
    return [r.path for r in double.requests if r.method == method]


# --- 1. every value in a URL's path is one quoted segment ----------------------------------


def test_a_name_cannot_climb_out_of_its_segment(double: ZenodoDouble) -> None:
    repository = ZenodoRepository(double.url, Token(TOKEN, "t"), retry=Retry(attempts=1))
    try:
        published = repository.create({"title": "a published one"})
        double.depositions[int(published.id)].submitted = True  # what the climber aims at
        draft = repository.create({"title": "the draft"})
        bucket = draft.raw["links"]["bucket"].rsplit("/", 1)[1]
        name = f"{CLIMBER}-0.1.0-supplement.zip"
        repository.upload(draft, name, b"data")
        repository.delete(draft, "..")  # a dot segment would name the bucket's parent
        assert repository.get(f"../{published.id}/actions/publish") is None
        assert repository.get(".") is None
    finally:
        repository.close()
    assert paths(double, "PUT") == [f"/api/files/{bucket}/{quote(name, safe='')}"]
    assert paths(double, "DELETE") == [f"/api/files/{bucket}/%2E%2E"]
    assert paths(double, "GET") == [
        f"/api/deposit/depositions/..%2F{published.id}%2Factions%2Fpublish",
        "/api/deposit/depositions/%2E",
    ]
    assert not any("/actions/" in p for p in paths(double, "POST"))
    assert list(double.depositions[int(draft.id)].files) == [name]  # one file of that name


def test_a_deposit_with_a_climbing_name_sends_it_as_one_segment(
    double: ZenodoDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The package layer refuses such a name before a deposit starts; this holds without it.
    upload_set = run_module.upload_set

    def climbing(supplement: Any) -> dict[str, bytes]:
        files = upload_set(supplement)
        files[f"{CLIMBER}-0.1.0-supplement.zip"] = files.pop(supplement.name)
        return files

    monkeypatch.setattr(run_module, "upload_set", climbing)
    outcome = deposit(base_url=double.url, token=Token(TOKEN, "t"), risk_accepted=CONSENT,
                      state_file=tmp_path / "s.json")  # fmt: skip
    assert f"{CLIMBER}-0.1.0-supplement.zip" in outcome.uploaded
    assert all(p.startswith("/api/files/") and p.count("/") == 4 for p in paths(double, "PUT")
               if "/files/" in p)  # fmt: skip
    assert not any(p.endswith("/actions/publish") for p in paths(double, "POST"))
    assert not double.live()[0].submitted


def test_the_dry_run_shows_the_same_quoted_segments() -> None:
    plan = Plan(resume="../1000", marker="m", parent=None, title="t",
                uploads={f"{CLIMBER}.zip": (1, "00")}, version="1", fields=1,
                publish=False)  # fmt: skip
    lines = requests(plan, "https://zenodo.example/api")
    assert lines[0].startswith("GET    https://zenodo.example/api/deposit/depositions/..%2F1000 ")
    assert f"PUT    {{links.bucket}}/{quote(CLIMBER, safe='')}.zip  1 bytes" in "\n".join(lines)
    assert segment("..") == "%2E%2E" and segment(1234) == "1234"
    with pytest.raises(InputError, match="an empty name or id"):
        segment("")


# --- 3. --base-url: no password, no query, no fragment -------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://user:pAsSwOrD@zenodo.example/api",
         "the deposit API address must be https://HOST/PATH (or http:// to this machine for a "
         "local test server), without a user name or password (it has an '@'): pass the token "
         "with --token-file or the repository's token variable instead"),
        ("https://zenodo.example/api?access_token=pAsSwOrD",
         "the deposit API address must be https://HOST/PATH (or http:// to this machine for a "
         "local test server), without a query ('?...'), which would be sent with every request "
         "and kept in the state file: give 'https://zenodo.example/api' and pass the token "
         "with --token-file or the repository's token variable instead"),
        ("https://zenodo.example/api#pAsSwOrD",
         "without a fragment ('#...')"),
        ("https://us/er:pAs?SwOrD@zenodo.example/api", "(it has an '@')"),
    ],
)  # fmt: skip
def test_a_base_url_with_a_secret_is_refused_without_repeating_it(
    double: ZenodoDouble, tmp_path: Path, url: str, message: str
) -> None:
    state = tmp_path / "s.json"
    for extra in (["--dry-run"], []):
        result = CliRunner(env={"ZENODO_TOKEN": TOKEN}).invoke(main, [
            "deposit", "zenodo", "--base-url", url, "--state-file", str(state), *ACCEPT,
            *extra])  # fmt: skip
        assert result.exit_code == 2
        assert result.stderr.startswith("Error: ") and message in result.stderr
        assert "pAs" not in result.stdout + result.stderr and "SwOrD" not in result.stderr
    with pytest.raises(InputError) as raised:  # the Python API refuses it the same way
        deposit(base_url=url, token=Token(TOKEN, "t"), state_file=state, dry_run=True)
    assert "pAs" not in str(raised.value)
    assert not state.exists() and double.requests == []


def test_the_base_url_check_keeps_what_was_allowed() -> None:
    assert check_base_url("https://zenodo.org/api/") == "https://zenodo.org/api"
    assert check_base_url("http://127.0.0.1:8080/api") == "http://127.0.0.1:8080/api"
    for url in ("https://zenodo.org:x/api", "https://zen odo.org/api", "https:///api",
                "https://zenodo.org/a\x1bpi", "http://zenodo.org/api"):  # fmt: skip
        with pytest.raises(InputError, match="must be https://HOST/PATH"):
            check_base_url(url)


# --- 4. a token file without end -----------------------------------------------------------


def test_a_token_file_without_end_is_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge"
    with huge.open("wb") as handle:  # 10 GB, sparse: nothing written to disk
        handle.truncate(10 * 10**9)
    for source in ("/dev/zero", str(huge)):
        result = CliRunner(env={"ZENODO_TOKEN": None}).invoke(main, [
            "deposit", "zenodo", "--token-file", source, "--state-file",
            str(tmp_path / "s.json"), *ACCEPT])  # fmt: skip
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"Error: the token file {source}: the size of a token file exceeds dahpkg's limit "
            "of 4,096 bytes (a token is one line of tens of characters: is it the file?). If "
            "the file is trusted and the machine has the memory, raise it with "
            "DAHPKG_MAX_TOKEN_BYTES=N\n"
        )
    (tmp_path / "t").write_text("x" * 4096)  # at the limit: read, then judged
    assert read_token(tmp_path / "t").value == "x" * 4096


# --- the state file ------------------------------------------------------------------------


def test_a_state_file_nested_10000_deep_is_refused(double: ZenodoDouble, tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    deep = '{"deposits": ' + "[" * 10_000 + "]" * 10_000 + "}"
    state.write_text(deep)
    result = CliRunner(env={"ZENODO_TOKEN": TOKEN}).invoke(main, [
        "deposit", "zenodo", "--base-url", double.url, "--state-file", str(state),
        *ACCEPT])  # fmt: skip
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "the nesting of JSON objects and lists exceeds" in result.stderr
    assert "move it away" in result.stderr and double.requests == []
    assert state.read_text() == deep  # left as it was
