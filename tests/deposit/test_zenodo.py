"""The Zenodo deposit, end to end, against a local Zenodo served over real HTTP on 127.0.0.1.

Faults are injected in the server (tests/zenodo_double.py), never in the client: 429 with its
rate-limit headers, an HTML 504 after the action succeeded, a connection reset mid-upload, a
corrupted upload, and a crash of the client between two requests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.deposit.http import Retry
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.run import upload_set
from dahpkg.deposit.token import Token
from dahpkg.deposit.zenodo import deposit, explain, read_token
from dahpkg.errors import DepositError, InputError
from dahpkg.export import Supplement, build_supplement, prepare

from support.helpers import ACCEPT, CONSENT
from support.zenodo_double import TOKEN, WRITE_ONLY_TOKEN, ZenodoDouble


@pytest.fixture
def double() -> Iterator[ZenodoDouble]:
    server = ZenodoDouble().start()
    yield server
    server.stop()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def run_deposit(double: ZenodoDouble, state: Path, sleeps: Sleeps | None = None,
                path: Path | None = None, **options: Any) -> Outcome:  # fmt: skip
    return deposit(
        path, base_url=double.url, token=Token(TOKEN, "a test"), risk_accepted=CONSENT,
        state_file=state, retry=Retry(attempts=4, base=0.01, cap=5.0,
                                      sleep=sleeps if sleeps is not None else Sleeps()),
        **options,
    )  # fmt: skip


def creates(double: ZenodoDouble) -> int:
    return sum(1 for r in double.requests
               if r.method == "POST" and r.path == "/api/deposit/depositions")  # fmt: skip


def bundle(doi: str = "") -> Supplement:
    """The shipped package's bundle, built here, citing ``doi`` (a deposit's reserved DOI)."""
    prepared = prepare(None, risk_accepted=CONSENT)
    return build_supplement(prepared.citing(doi, "the test") if doi else prepared)


def reserved(dep_id: int | str | None) -> str:
    return f"10.5072/zenodo.{dep_id}"  # the DOI the double reserves for a deposition


def local_files(doi: str = "") -> dict[str, str]:
    files = upload_set(bundle(doi))
    return {n: hashlib.md5(d).hexdigest() for n, d in files.items()}


def expected_metadata(doi: str = "") -> dict[str, Any]:
    files = bundle(doi).files
    metadata: dict[str, Any] = json.loads(files["zenodo.json"])["metadata"]
    return metadata


def server_files(double: ZenodoDouble, dep_id: int) -> dict[str, str]:
    return {n: hashlib.md5(b).hexdigest() for n, b in double.depositions[dep_id].files.items()}


NO_TOKEN: dict[str, str | None] = {"ZENODO_TOKEN": None}  # removed from the environment


def cli(double: ZenodoDouble, state: Path, *args: str,
        env: dict[str, str | None] | None = None) -> tuple[int, str, str]:  # fmt: skip
    result = CliRunner(env={"ZENODO_TOKEN": TOKEN} if env is None else env).invoke(
        main, ["deposit", "zenodo", "--base-url", double.url, "--state-file", str(state), *args]
    )
    return result.exit_code, result.stdout, result.stderr


# --- the whole run --------------------------------------------------------------------------


def test_draft_upload_verify_metadata_then_publish(double: ZenodoDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = run_deposit(double, state)
    assert not first.published and first.deposition is not None and not first.resumed
    dep = double.depositions[first.deposition]
    assert dep.state == "unsubmitted"
    doi = reserved(first.deposition)
    # every file, every md5, of the bundle built citing the DOI the draft reserved
    assert server_files(double, first.deposition) == local_files(doi)
    # datacite.xml is written only with a DOI: the deposit's bundle has one file more
    assert len(first.uploaded) == len(local_files(doi)) == len(local_files()) + 1 == 19
    assert "im-dah-case-series-0.1.0-supplement.zip" in first.uploaded
    sent = dep.metadata
    # as zenodo.json in the bundle, nothing added or lost
    assert sent == expected_metadata(doi) and sent["doi"] == doi
    assert sent["title"].startswith("Immune-mediated diffuse alveolar haemorrhage")
    assert sent["version"] == "0.1.0" and sent["upload_type"] == "dataset"
    assert "dahpkg draft" not in sent["notes"] and CONSENT in sent["notes"]  # nonce replaced
    assert first.reserved_doi == f"10.5072/zenodo.{first.deposition}"

    second = run_deposit(double, state, publish=True)
    assert second.resumed and second.published and second.deposition == first.deposition
    assert second.uploaded == [] and len(second.kept) == 19
    assert second.doi == f"10.5072/zenodo.{first.deposition}"
    assert dep.state == "done" and dep.submitted
    assert creates(double) == 1 and len(double.live()) == 1

    third = run_deposit(double, state, publish=True)  # the same version again: nothing sent
    before = len(double.requests)
    assert third.published and third.doi == second.doi and "already published" in third.notes[0]
    assert len(double.requests) == before


def test_cli_run_and_exit_codes(double: ZenodoDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    code, out, err = cli(double, state)
    assert code == 1 and "--risk-accepted" in err and double.requests == []  # the gate first
    code, out, err = cli(double, state, *ACCEPT)
    assert code == 0, err
    assert "uploaded 19 file(s)" in out and "every checksum matches" in out
    assert f"Draft left unpublished (check it, then rerun with --publish): {double.root}" in out
    code, out, err = cli(double, state, *ACCEPT, "--publish")
    assert code == 0, err
    assert "(resumed)" in out and "kept 19 already there" in out
    assert "Published: DOI 10.5072/zenodo." in out
    code, _, err = cli(double, state, *ACCEPT, env=NO_TOKEN)
    assert code == 2 and "no Zenodo token in ZENODO_TOKEN" in err
    code, _, err = cli(double, state, *ACCEPT, "--sandbox")
    assert code == 2 and "either --sandbox or --base-url" in err
    for url in ("http://zenodo.example/api", "http://localhost@zenodo.example/api",
                "http://localhost.zenodo.example/api", "ftp://127.0.0.1/api"):  # fmt: skip
        result = CliRunner().invoke(main, ["deposit", "zenodo", "--base-url", url, *ACCEPT,
                                           "--dry-run"])  # fmt: skip
        assert result.exit_code == 2 and "must be https://HOST" in result.stderr, url


def test_dry_run_sends_nothing(double: ZenodoDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    code, out, err = cli(double, state, *ACCEPT, "--dry-run", "--publish", env=NO_TOKEN)
    assert code == 0, err  # no token needed
    assert double.requests == [] and not state.exists()
    assert f"POST   {double.url}/deposit/depositions  create a draft" in out
    assert out.count("PUT    {links.bucket}/") == len(local_files())
    assert "POST   {links.publish}  publish" in out
    sav = upload_set(bundle())["episodes.sav"]  # no DOI yet: the bundle as it is without one
    md5 = hashlib.md5(sav).hexdigest()
    assert f"PUT    {{links.bucket}}/episodes.sav  {len(sav):,} bytes, md5 {md5}" in out
    assert "DOI the bundle would cite: none yet. Zenodo reserves one when the draft is" in out


# --- the token ------------------------------------------------------------------------------


def test_token_only_in_the_authorization_header(double: ZenodoDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    double.inject("POST", r"/actions/publish$", "504-after")
    double.inject("PUT", r"/api/files/", "429")
    run_deposit(double, state, publish=True)
    assert double.requests
    for request in double.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in request.path and TOKEN not in request.query
        assert "access_token" not in request.query
        assert request.headers["user-agent"].startswith("dahpkg/")
    assert TOKEN not in state.read_text()


def test_token_never_printed_or_stored(double: ZenodoDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    texts = []
    for fault in ("429", "504", "reset", "corrupt"):
        double.inject("PUT", r"/api/files/.*README", fault, times=9)
        with pytest.raises(DepositError) as raised:
            run_deposit(double, state)
        texts += [str(raised.value), repr(raised.value)]
        double.faults.clear()
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    good = CliRunner(env=NO_TOKEN).invoke(main, [
        "deposit", "zenodo", "--base-url", double.url, "--state-file", str(state),
        "--token-file", str(token_file), *ACCEPT, "--publish"])  # fmt: skip
    assert good.exit_code == 0 and "Published" in good.stdout
    bad = CliRunner(env={"ZENODO_TOKEN": "not-" + TOKEN}).invoke(main, [
        "deposit", "zenodo", "--base-url", double.url, "--state-file", str(tmp_path / "s2"),
        *ACCEPT])  # fmt: skip
    assert bad.exit_code == 3 and "401" in bad.stderr and "Check the token" in bad.stderr
    texts += [good.stdout, good.stderr, bad.stdout, bad.stderr, repr(bad.exception),
              state.read_text()]  # fmt: skip
    assert len(texts) == 14
    for text in texts:
        assert TOKEN not in text
    assert TOKEN not in repr(Token(TOKEN, "x")) and TOKEN not in str(Token(TOKEN, "x"))


def test_token_sources(tmp_path: Path) -> None:
    assert read_token(environ={"ZENODO_TOKEN": " abc123 \n"}).value == "abc123"
    (tmp_path / "t").write_text("filetoken\n")
    token = read_token(tmp_path / "t", environ={"ZENODO_TOKEN": "envtoken"})
    assert token.value == "filetoken" and "envtoken" not in str(token)
    for content in ("", "two words\n", "caf\u00e9"):
        (tmp_path / "t").write_text(content)
        with pytest.raises(InputError) as raised:
            read_token(tmp_path / "t")
        assert content.strip() == "" or content.strip() not in str(raised.value)
    with pytest.raises(InputError, match="cannot read the token file"):
        read_token(tmp_path / "missing")
    with pytest.raises(InputError, match="no Zenodo token"):
        read_token(environ={})


# --- retries and reconciliation -------------------------------------------------------------


def test_429_waits_as_the_rate_limit_headers_ask(double: ZenodoDouble, tmp_path: Path,
                                                 sleeps: Sleeps) -> None:  # fmt: skip
    double.inject("POST", r"/api/deposit/depositions$", "429", times=2)
    double.inject("PUT", r"/api/files/.*episodes\.sav$", "429")
    outcome = run_deposit(double, tmp_path / "state.json", sleeps)
    assert sleeps == [1.0, 1.0, 1.0]  # Retry-After: 1, rather than the 0.01 s backoff
    assert creates(double) == 3 and len(double.live()) == 1  # two refused, one made
    assert server_files(double, outcome.deposition or 0) == local_files(
        reserved(outcome.deposition)
    )


def test_html_504_after_create_is_reconciled_not_repeated(double: ZenodoDouble,
                                                          tmp_path: Path) -> None:  # fmt: skip
    double.inject("POST", r"/api/deposit/depositions$", "504-after")
    outcome = run_deposit(double, tmp_path / "state.json")
    assert creates(double) == 1 and len(double.live()) == 1  # the lost answer was not retried
    assert outcome.deposition == double.live()[0].id
    assert any(r.method == "GET" and "sort=mostrecent" in r.query for r in double.requests)


def test_lost_answer_to_a_create_that_failed_is_sent_again(double: ZenodoDouble,
                                                           tmp_path: Path) -> None:  # fmt: skip
    double.inject("POST", r"/api/deposit/depositions$", "504")  # HTML 504, nothing created
    run_deposit(double, tmp_path / "state.json")
    assert creates(double) == 2 and len(double.live()) == 1


def test_html_504_after_publish_is_reconciled(double: ZenodoDouble, tmp_path: Path) -> None:
    double.inject("POST", r"/actions/publish$", "504-after")
    outcome = run_deposit(double, tmp_path / "state.json", publish=True)
    publishes = [r for r in double.requests if r.path.endswith("/actions/publish")]
    assert len(publishes) == 1 and outcome.published
    assert outcome.doi == f"10.5072/zenodo.{outcome.deposition}"


def test_reset_mid_upload_and_corrupted_upload_are_sent_again(
    double: ZenodoDouble, tmp_path: Path
) -> None:
    double.inject("PUT", r"/api/files/.*supplement\.zip$", "reset")
    double.inject("PUT", r"/api/files/.*codebook\.html$", "corrupt")
    outcome = run_deposit(double, tmp_path / "state.json")
    puts = [r.path.rsplit("/", 1)[1] for r in double.requests if r.method == "PUT"
            and r.path.startswith("/api/files/")]  # fmt: skip
    assert puts.count("im-dah-case-series-0.1.0-supplement.zip") == 2
    assert puts.count("codebook.html") == 2
    assert server_files(double, outcome.deposition or 0) == local_files(
        reserved(outcome.deposition)
    )


def test_a_file_that_stays_corrupted_fails_with_the_step(double: ZenodoDouble,
                                                         tmp_path: Path) -> None:  # fmt: skip
    double.inject("PUT", r"/api/files/.*LICENSE$", "corrupt", times=2)
    with pytest.raises(DepositError, match=r"uploading LICENSE: the server's md5 \(\w+\) differs"):
        run_deposit(double, tmp_path / "state.json")


class CrashAfter(httpx.BaseTransport):
    """Pass requests to the real transport; after the one that matches, the client 'dies'."""

    def __init__(self, method: str, path: str, after: int = 1) -> None:
        self.inner = httpx.HTTPTransport()
        self.method, self.path, self.left = method, path, after

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == self.method and request.url.path.endswith(self.path):
            self.left -= 1
            if self.left == 0:
                response.read()
                raise KeyboardInterrupt("killed")
        return response


def test_crash_after_create_then_rerun_resumes_the_same_draft(double: ZenodoDouble,
                                                              tmp_path: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    with (
        pytest.raises(KeyboardInterrupt),
        httpx.Client(transport=CrashAfter("POST", "/api/deposit/depositions")) as client,
    ):  # the draft exists, but the run dies before it can note its id
        run_deposit(double, state, http=client)
    assert len(double.live()) == 1 and json.loads(state.read_text())["deposits"]
    outcome = run_deposit(double, state, publish=True)
    assert outcome.resumed and outcome.published
    assert creates(double) == 1 and len(double.live()) == 1  # no second deposition


def test_crash_mid_upload_then_rerun_sends_only_the_rest(double: ZenodoDouble,
                                                         tmp_path: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    with (
        pytest.raises(KeyboardInterrupt),
        httpx.Client(transport=CrashAfter("PUT", "/episodes.dta")) as client,
    ):
        run_deposit(double, state, http=client)
    (dep,) = double.live()
    before = set(dep.files)
    assert "episodes.dta" in before and "zenodo.json" not in before
    dep.files["episodes.dta"] = dep.files["episodes.dta"][:100]  # as if cut short
    outcome = run_deposit(double, state, publish=True)
    assert outcome.resumed and outcome.deposition == dep.id and creates(double) == 1
    assert "episodes.dta" in outcome.removed and "episodes.dta" in outcome.uploaded
    assert set(outcome.kept) == before - {"episodes.dta"}
    assert server_files(double, dep.id) == local_files(reserved(dep.id)) and dep.submitted


def test_network_down_fails_with_exit_3_and_resumes(double: ZenodoDouble, tmp_path: Path,
                                                    sleeps: Sleeps) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    double.inject("PUT", r"/api/files/.*README\.md$", "reset", times=4)
    with pytest.raises(DepositError, match=r"uploading README\.md: Zenodo did not answer after 4"):
        run_deposit(double, state, sleeps)
    assert sleeps == [0.01, 0.02, 0.04]  # exponential backoff
    outcome = run_deposit(double, state)
    assert outcome.resumed and "README.md" in outcome.uploaded and creates(double) == 1


def test_a_draft_deleted_on_zenodo_is_replaced(double: ZenodoDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = run_deposit(double, state)
    double.depositions[first.deposition or 0].deleted = True
    second = run_deposit(double, state)
    assert second.deposition != first.deposition and "is gone from Zenodo" in second.notes[0]


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("legacy", [False, True])
def test_validation_errors_in_both_forms(tmp_path: Path, package: Path, legacy: bool) -> None:
    server = ZenodoDouble(legacy_errors=legacy).start()
    try:
        descriptor = json.loads((package / "datapackage.json").read_text())
        descriptor["title"] = "IM"
        (package / "datapackage.json").write_text(json.dumps(descriptor))
        result = CliRunner(env={"ZENODO_TOKEN": TOKEN}).invoke(main, [
            "deposit", "zenodo", str(package), "--base-url", server.url, "--state-file",
            str(tmp_path / "s.json"), *ACCEPT])  # fmt: skip
    finally:
        server.stop()
    assert result.exit_code == 3
    assert result.stderr.splitlines()[:3] == [
        "Error: creating the draft: Zenodo answered 400 Bad Request: "
        + ("Validation error." if legacy else "A validation error occurred."),
        "  metadata.title: Shorter than minimum length 3.",
        "Correct these in datapackage.json or publication.toml and run again.",
    ]


def test_explain_names_the_step_status_and_fields() -> None:
    def response(status: int, body: Any) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        kind = "text/html" if isinstance(body, bytes) else "application/json"
        return httpx.Response(status, content=content, headers={"Content-Type": kind})

    errors = [{"field": "metadata.license", "messages": ["Invalid license.", "Bad."]},
              {"field": "metadata.creators.0.name", "message": "Name is required."}]  # fmt: skip
    body = {"status": 400, "message": "A validation error occurred.", "errors": errors}
    text = explain("setting the metadata", response(400, body))
    assert text.splitlines() == [
        "setting the metadata: Zenodo answered 400 Bad Request: A validation error occurred.",
        "  metadata.license: Invalid license.; Bad.",
        "  metadata.creators.0.name: Name is required.",
        "Correct these in datapackage.json or publication.toml and run again.",
    ]
    assert explain("publishing", response(500, b"<html>oops</html>")).splitlines() == [
        "publishing: Zenodo answered 500 Internal Server Error (an HTML page)",
        "Nothing is lost: check the draft on Zenodo if the reason asks for it, then run the "
        "same command again to resume."]  # fmt: skip
    assert "deposit:actions" in explain("publishing", response(403, {"message": "Forbidden"}))


def test_missing_scope_is_explained(double: ZenodoDouble, tmp_path: Path) -> None:
    with pytest.raises(DepositError) as raised:
        deposit(base_url=double.url, token=Token(WRITE_ONLY_TOKEN, "t"), risk_accepted=CONSENT,
                state_file=tmp_path / "s.json", publish=True)  # fmt: skip
    message = str(raised.value)
    assert message.startswith("publishing: Zenodo answered 403") and "deposit:actions" in message
    assert WRITE_ONLY_TOKEN not in message


# --- new versions ---------------------------------------------------------------------------


def bump(package: Path, version: str, created: str = "2026-12-01T00:00:00Z") -> Path:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["created"] = created
    descriptor["version"] = version
    path.write_text(json.dumps(descriptor, indent=2))
    return package


def test_new_version(double: ZenodoDouble, tmp_path: Path, package: Path) -> None:
    state = tmp_path / "state.json"
    first = run_deposit(double, state, publish=True)
    same = run_deposit(double, tmp_path / "other.json", new_version_of=first.deposition)
    assert same.published and "already published on Zenodo" in same.notes[0]
    new = run_deposit(double, state, path=bump(package, "0.2.0"),
                      new_version_of=first.deposition, publish=True)  # fmt: skip
    assert new.published and new.deposition != first.deposition
    old, current = (
        double.depositions[first.deposition or 0],
        double.depositions[new.deposition or 0],
    )
    assert current.concept == old.concept and current.metadata["version"] == "0.2.0"
    # the draft started with the previous files: those that changed were replaced
    assert "im-dah-case-series-0.1.0-supplement.zip" in new.removed
    assert "im-dah-case-series-0.2.0-supplement.zip" in current.files
    assert "im-dah-case-series-0.1.0-supplement.zip" not in current.files
    assert "LICENSE" in new.kept  # unchanged files are not sent again
    assert current.metadata["publication_date"] == "2026-12-01"  # cleared, set from the package
    assert len([d for d in double.live() if d.concept == old.concept]) == 2


def test_new_version_waits_out_the_403_after_newversion(double: ZenodoDouble, tmp_path: Path,
                                                       package: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    first = run_deposit(double, state, publish=True)
    double.inject("DELETE", r"/api/files/", "403", times=2)
    new = run_deposit(double, state, path=bump(package, "0.2.0"),
                      new_version_of=first.deposition, publish=True)  # fmt: skip
    assert new.published
    assert [r.status for r in double.requests if r.method == "DELETE"][:3] == [403, 403, 204]
    double.inject("PUT", r"/api/files/", "403")  # in a first version's draft, 403 is final
    with pytest.raises(DepositError, match=r"uploading .*: Zenodo answered 403"):
        run_deposit(double, tmp_path / "other.json", path=bump(package, "0.3.0"))


def test_new_version_crash_and_rerun(double: ZenodoDouble, tmp_path: Path,
                                     package: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    first = run_deposit(double, state, publish=True)
    bump(package, "0.2.0")
    double.inject("POST", r"/actions/newversion$", "504-after")
    new = run_deposit(double, state, path=package, new_version_of=first.deposition)
    versions = [d for d in double.live() if d.concept == double.depositions[first.deposition or 0]
                .concept]  # fmt: skip
    assert len(versions) == 2 and new.deposition == versions[1].id
    again = run_deposit(double, state, path=package, new_version_of=first.deposition,
                        publish=True)  # fmt: skip
    assert again.resumed and again.deposition == new.deposition and again.published
    newversions = [r for r in double.requests if r.path.endswith("/actions/newversion")]
    assert len(newversions) == 1


def test_new_version_refuses_a_stranger_draft(double: ZenodoDouble, tmp_path: Path,
                                              package: Path) -> None:  # fmt: skip
    first = run_deposit(double, tmp_path / "a.json", publish=True)
    double._newversion(double.depositions[first.deposition or 0])  # made on the web site
    bump(package, "0.2.0")
    for _ in range(2):  # refused, and refused again: the refusal leaves nothing behind
        with pytest.raises(DepositError, match=r"a draft of a new version of \d+ already exists"):
            run_deposit(double, tmp_path / "b.json", path=package,
                        new_version_of=first.deposition)  # fmt: skip
    assert not (tmp_path / "b.json").exists()
    # this version's own draft, made by an earlier run, is recognised whatever the state file
    double.depositions[max(double.depositions)].deleted = True
    mine = run_deposit(double, tmp_path / "c.json", path=package, new_version_of=first.deposition)
    again = run_deposit(double, tmp_path / "d.json", path=package, new_version_of=first.deposition)
    assert again.resumed and again.deposition == mine.deposition


# --- found again without the state file, and other review findings ---------------------------


def test_a_lost_state_file_never_means_a_second_deposition(double: ZenodoDouble,
                                                           tmp_path: Path) -> None:  # fmt: skip
    first = run_deposit(double, tmp_path / "a.json")
    again = run_deposit(double, tmp_path / "b.json")  # another state file: the draft is found
    assert again.resumed and again.deposition == first.deposition and creates(double) == 1
    run_deposit(double, tmp_path / "c.json", publish=True)
    (tmp_path / "c.json").unlink()
    late = run_deposit(double, tmp_path / "c.json", publish=True)
    assert late.published and "already published on Zenodo" in late.notes[0]
    assert creates(double) == 1 and len(double.live()) == 1
    assert sum(1 for r in double.requests if r.path.endswith("/actions/publish")) == 1


def test_concurrent_runs_keep_each_others_state(tmp_path: Path) -> None:
    from dahpkg.deposit.state import DepositState

    path = tmp_path / "state.json"
    one, two = DepositState(path), DepositState(path)  # both read the file before either saved
    one.entry("server a 0.1.0")["deposition"] = 1
    one.save("server a 0.1.0")
    two.entry("server a 0.2.0")["deposition"] = 2
    two.save("server a 0.2.0")
    saved = json.loads(path.read_text())["deposits"]
    assert saved == {"server a 0.1.0": {"deposition": 1}, "server a 0.2.0": {"deposition": 2}}


def test_a_rerun_with_other_options_is_refused(double: ZenodoDouble, tmp_path: Path,
                                               package: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    first = run_deposit(double, state, publish=True)
    bump(package, "0.2.0")
    # A later version: the state file makes it the new version of the first deposition.
    draft = run_deposit(double, state, path=package)
    assert draft.deposition != first.deposition and not draft.published
    with pytest.raises(DepositError, match=rf"started a new version of {first.deposition}"):
        run_deposit(double, state, path=package, new_version_of=99999999, publish=True)
    assert sum(1 for d in double.live() if d.submitted) == 1


def test_new_version_of_an_old_version_names_the_latest(double: ZenodoDouble, tmp_path: Path,
                                                        package: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    first = run_deposit(double, state, publish=True)
    second = run_deposit(double, state, path=bump(package, "0.2.0"),
                         new_version_of=first.deposition, publish=True)  # fmt: skip
    with pytest.raises(DepositError, match=rf"the latest is {second.deposition}\)"):
        run_deposit(double, state, path=bump(package, "0.3.0"), new_version_of=first.deposition)


def test_rate_limit_reset_in_the_past_still_backs_off(double: ZenodoDouble, tmp_path: Path,
                                                      sleeps: Sleeps) -> None:  # fmt: skip
    double.inject("PUT", r"/api/files/.*LICENSE$", "429-reset-only", times=3)
    run_deposit(double, tmp_path / "state.json", sleeps)
    assert sleeps == [0.01, 0.02, 0.04]


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("text/html", b"<html></html>"),
        ("application/json", b"[1, 2]"),
        ("application/json", b'[{"metadata": null}]'),
    ],
)
def test_a_server_that_is_not_zenodo(tmp_path: Path, kind: str, body: bytes) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = CliRunner(env={"ZENODO_TOKEN": TOKEN}).invoke(main, [
            "deposit", "zenodo", "--base-url", f"http://127.0.0.1:{server.server_port}/api",
            "--state-file", str(tmp_path / "s.json"), *ACCEPT])  # fmt: skip
    finally:
        server.shutdown()
    assert result.exit_code == 3 and "Check --base-url" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_the_token_is_not_sent_to_another_server(double: ZenodoDouble, tmp_path: Path) -> None:
    other = ZenodoDouble().start()
    try:
        double.files_root = other.root  # a link in Zenodo's answer leads elsewhere
        with pytest.raises(DepositError, match="points to another server"):
            run_deposit(double, tmp_path / "state.json")
        assert other.requests == []
    finally:
        other.stop()


def test_a_refused_run_does_not_bind_the_next(double: ZenodoDouble, tmp_path: Path,
                                              package: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    first = run_deposit(double, state, publish=True)
    bump(package, "0.2.0")
    with pytest.raises(DepositError, match="does not exist"):
        run_deposit(double, state, path=package, new_version_of=99999)  # a typo
    plan = run_deposit(double, state, path=package, new_version_of=first.deposition, dry_run=True)
    assert any("actions/newversion" in line for line in plan.planned)
    new = run_deposit(double, state, path=package, new_version_of=first.deposition, publish=True)
    assert new.published and not new.resumed


def test_version_1_0_is_not_version_1_0_1(double: ZenodoDouble, tmp_path: Path,
                                          package: Path) -> None:  # fmt: skip
    run_deposit(double, tmp_path / "a.json", path=bump(package, "1.0.1"), publish=True)
    other = run_deposit(double, tmp_path / "b.json", path=bump(package, "1.0"))
    assert not other.resumed and not other.published and creates(double) == 2


def test_another_package_with_the_same_name_and_version_is_refused(
    double: ZenodoDouble, tmp_path: Path, package: Path
) -> None:
    run_deposit(double, tmp_path / "a.json")
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["title"] = "Another case series entirely"
    path.write_text(json.dumps(descriptor))
    with pytest.raises(DepositError, match="same name but another title"):
        run_deposit(double, tmp_path / "b.json", path=package)
    assert creates(double) == 1


def test_origins_compare_with_their_default_ports() -> None:
    from dahpkg.deposit.http import check_base_url
    from dahpkg.deposit.http import origin as _origin

    assert _origin("https://Zenodo.org/api") == _origin("https://zenodo.org:443/api/files/x")
    assert _origin("http://127.0.0.1/api") == _origin("http://127.0.0.1:80/x")
    assert _origin("https://zenodo.org/api") != _origin("http://zenodo.org/api")
    assert check_base_url("https://sandbox.zenodo.org/api/") == "https://sandbox.zenodo.org/api"


def test_a_damaged_state_file_is_an_input_error(tmp_path: Path) -> None:
    from dahpkg.deposit.state import DepositState

    for text in ("{", '{"deposits": {"k": 5}}', '{"deposits": {"k": {"files": []}}}', "[]"):
        (tmp_path / "s.json").write_text(text)
        with pytest.raises(InputError, match="move it away"):
            DepositState(tmp_path / "s.json")


def test_a_bug_in_dahpkg_is_not_reported_as_a_strange_server(
    double: ZenodoDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The defect: a catch-all turned any KeyError, TypeError or AttributeError of the run into
    # "is it a Zenodo deposit API?", hiding dahpkg's own bugs. Only answers are judged now.
    from dahpkg.deposit.run import Session

    def buggy(*args: Any) -> None:
        raise KeyError("a bug in dahpkg")

    monkeypatch.setattr(Session, "_sync_files", buggy)
    with pytest.raises(KeyError, match="a bug in dahpkg"):
        run_deposit(double, tmp_path / "state.json")


def test_a_deposition_without_its_page_is_not_zenodos(
    double: ZenodoDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = ZenodoDouble.dump

    def without_page(self: ZenodoDouble, d: Any) -> dict[str, Any]:
        answer = dump(self, d)
        answer["links"].pop("html")
        return answer

    monkeypatch.setattr(ZenodoDouble, "dump", without_page)
    with pytest.raises(DepositError, match=r"creating the draft: .* Check --base-url"):
        run_deposit(double, tmp_path / "state.json")
