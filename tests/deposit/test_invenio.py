"""The InvenioRDM deposit, end to end, against a local InvenioRDM served over real HTTP on
127.0.0.1 (tests/support/invenio_double.py), faults injected in the server, never the client."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.deposit.http import Retry
from dahpkg.deposit.invenio import INVENIO
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.run import deposit, upload_set
from dahpkg.deposit.token import Token
from dahpkg.errors import DepositError
from dahpkg.export import build_supplement, prepare

from support.helpers import ACCEPT, CONSENT, REPO
from support.invenio_double import TOKEN, InvenioDouble

PUBLISHER = "Local InvenioRDM"  # --publisher: the double registers DOIs, which need one


@pytest.fixture
def double() -> Iterator[InvenioDouble]:
    server = InvenioDouble().start()
    yield server
    server.stop()


def run(double: InvenioDouble, state: Path, path: Path | None = None,
        **options: Any) -> Outcome:  # fmt: skip
    own = {"publisher": PUBLISHER, **options.pop("options", {})}
    return deposit(INVENIO, path, base_url=double.url, token=Token(TOKEN, "a test"),
                   risk_accepted=CONSENT, state_file=state, options=own,
                   retry=Retry(attempts=4, base=0.01, cap=5.0, sleep=lambda _: None),
                   **options)  # fmt: skip


def local_files(doi: str, path: Path | None = None) -> dict[str, str]:
    prepared = prepare(path, risk_accepted=CONSENT)
    # The bundle names the repository as publisher: --publisher, as `run` passes it.
    files = upload_set(build_supplement(prepared.deposited_in(PUBLISHER).citing(doi, "the test")))
    return {n: hashlib.md5(d).hexdigest() for n, d in files.items()}


def server_files(double: InvenioDouble, record_id: Any) -> dict[str, str]:
    record = double.records[str(record_id)]
    return {n: hashlib.md5(b).hexdigest() for n, b in record.files.items()}


def count(double: InvenioDouble, method: str, pattern: str) -> int:
    import re

    return sum(1 for r in double.requests if r.method == method and re.fullmatch(pattern, r.path))


def new_package(tmp_path: Path, version: str) -> Path:
    package = tmp_path / "package"
    package.mkdir()
    for part in ("datapackage.json", "publication.toml"):
        shutil.copy2(REPO / part, package / part)
    for part in ("schema", "data"):
        shutil.copytree(REPO / part, package / part)
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["version"] = version
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    return package


def test_draft_doi_files_metadata_then_publish(double: InvenioDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = run(double, state)
    record = double.records[str(first.deposition)]
    doi = f"10.5072/invenio.{record.id}"
    assert not first.published and first.reserved_doi == doi == first.cited_doi
    # every file committed, with the md5 of the bundle built citing the reserved DOI
    assert server_files(double, record.id) == local_files(doi) and record.committed == set(
        record.files
    )
    sent = record.metadata
    assert sent["resource_type"] == {"id": "dataset"} and sent["version"] == "0.1.0"
    assert all(set(r) == {"id"} for r in sent["rights"])  # by id alone
    assert sent["creators"][0]["person_or_org"]["family_name"]
    assert sent["additional_descriptions"][0]["type"] == {"id": "other"}
    assert count(double, "POST", r"/api/records/.*/draft/pids/doi") == 1

    second = run(double, state, publish=True)
    assert second.resumed and second.published and second.doi == doi
    assert second.uploaded == [] and len(second.kept) == len(local_files(doi))
    assert record.published and count(double, "POST", "/api/records") == 1

    before = len(double.requests)
    third = run(double, state, publish=True)
    assert third.published and len(double.requests) == before  # nothing sent

    state.unlink()  # and without the state file: found on the server, nothing created
    fourth = run(double, state, publish=True)
    assert fourth.published and "already published" in fourth.notes[-1]
    assert count(double, "POST", "/api/records") == 1 and len(double.live()) == 1


def test_lost_answers_to_create_and_publish(double: InvenioDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    double.inject("POST", r"^/api/records$", "504-after")
    double.inject("POST", r"/draft/actions/publish$", "reset-after")
    done = run(double, state, publish=True)
    assert done.published and len(double.live()) == 1
    assert count(double, "POST", "/api/records") == 1
    assert count(double, "POST", r"/api/records/.*/draft/actions/publish") == 1


def test_crash_during_upload_resumed_without_duplicate(double: InvenioDouble,
                                                       tmp_path: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    # the content of one file never arrives: the run fails with that file pending
    double.inject("PUT", r"episodes\.sav/content$", "reset", times=9)
    with pytest.raises(DepositError):
        run(double, state)
    (record,) = double.live()
    assert "episodes.sav" in record.files and "episodes.sav" not in record.committed
    double.faults.clear()
    done = run(double, state, publish=True)
    assert done.resumed and done.published and "episodes.sav" in done.removed
    assert len(double.live()) == 1 and record.committed == set(record.files)


def test_corrupted_upload_is_caught_and_resent(double: InvenioDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    double.inject("PUT", r"README\.md/content$", "corrupt")
    done = run(double, state)
    record = double.records[str(done.deposition)]
    assert server_files(double, record.id) == local_files(done.reserved_doi)
    assert count(double, "PUT", r".*/README\.md/content") == 2


def test_new_version_imports_files_and_replaces_changed(double: InvenioDouble,
                                                        tmp_path: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    first = run(double, state, publish=True)
    package = new_package(tmp_path, "0.2.0")
    second = run(double, state, package, publish=True, new_version_of=first.deposition)
    assert second.published and second.deposition != first.deposition
    new = double.records[str(second.deposition)]
    assert new.parent == double.records[str(first.deposition)].parent and new.index == 2
    assert count(double, "POST", r"/api/records/.*/draft/actions/files-import") == 1
    # the files the new DOI changed were replaced; what did not change was imported, not sent
    assert server_files(double, new.id) == local_files(second.doi, package)
    old_zip = "im-dah-case-series-0.1.0-supplement.zip"
    assert set(second.removed) <= {*second.uploaded, old_zip} and old_zip in second.removed
    assert set(second.kept) == set(local_files(second.doi, package)) - set(second.uploaded)
    # the server dropped these on /versions: sent again
    assert new.metadata["version"] == "0.2.0" and new.metadata["publication_date"]
    before = len(double.live())
    again = run(double, state, package, publish=True, new_version_of=first.deposition)
    assert again.published and len(double.live()) == before


def test_draft_errors_are_failures_one_line_per_field(double: InvenioDouble,
                                                      tmp_path: Path) -> None:  # fmt: skip
    from dahpkg.deposit.invenio.api import InvenioAPI

    api = InvenioAPI(double.url, Token(TOKEN, "a test"))
    with pytest.raises(DepositError) as raised:
        api.create({"metadata": {"title": "ab", "rights": [{"id": "cc-by-4.0", "title": "x"}]}})
    text = str(raised.value)
    assert "metadata.title: Shorter than minimum length 3." in text
    assert "metadata.rights.0: Only an existing id" in text
    with pytest.raises(DepositError, match="Not a valid value"):
        api.create({"metadata": {"rights": [{"id": "no-such-licence"}]}})


def test_cli_and_token(double: InvenioDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    args = [
        "deposit",
        "invenio",
        "--base-url",
        double.url,
        "--state-file",
        str(state),
        *ACCEPT,
        "--publisher",
        PUBLISHER,
    ]
    result = CliRunner(env={"INVENIO_TOKEN": TOKEN}).invoke(main, [*args, "--publish"])
    assert result.exit_code == 0, result.stderr
    assert "Published: DOI 10.5072/invenio." in result.stdout
    for request in double.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in request.path + request.query
    assert TOKEN not in state.read_text()
    result = CliRunner(env={"INVENIO_TOKEN": None}).invoke(main, args)
    assert result.exit_code == 2 and "INVENIO_TOKEN" in result.stderr
    fresh = [*args[:5], str(tmp_path / "fresh.json"), *args[6:]]
    sent = len(double.requests)
    dry = CliRunner(env={"INVENIO_TOKEN": None}).invoke(main, [*fresh, "--dry-run"])
    assert dry.exit_code == 0 and "POST   {draft}/pids/doi  reserve its DOI" in dry.stdout
    assert "POST   {draft}/actions/publish  publish" not in dry.stdout  # no --publish
    assert len(double.requests) == sent  # the dry run sent nothing
    double.inject("GET", r"/api/records/", "502", times=99)
    state.unlink()
    failed = CliRunner(env={"INVENIO_TOKEN": "wrong"}).invoke(main, args)
    assert failed.exit_code == 3 and "Traceback" not in failed.stderr + failed.stdout


def test_cli_new_version_of_a_text_id(double: InvenioDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = run(double, state, publish=True)
    assert isinstance(first.deposition, str) and not first.deposition.isdigit()  # "baabc-10001"
    package = new_package(tmp_path, "0.2.0")
    result = CliRunner(env={"INVENIO_TOKEN": TOKEN}).invoke(main, [
        "deposit", "invenio", str(package), "--base-url", double.url, "--state-file", str(state),
        *ACCEPT, "--publisher", PUBLISHER, "--new-version-of", first.deposition])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "(new draft)" in result.stdout and len(double.live()) == 2


def test_429_waits_as_asked_and_other_origins_are_refused(double: InvenioDouble,
                                                          tmp_path: Path) -> None:  # fmt: skip
    waits: list[float] = []
    double.inject("PUT", r"README\.md/content$", "429")
    done = deposit(INVENIO, None, base_url=double.url, token=Token(TOKEN, "a test"),
                   risk_accepted=CONSENT, state_file=tmp_path / "a.json", options={},
                   retry=Retry(attempts=4, base=0.01, cap=5.0, sleep=waits.append))  # fmt: skip
    assert done.deposition is not None and waits and max(waits) >= 1.0  # Retry-After: 1
    double.doi_link_root = "http://localhost:9"  # the token must not follow the link there
    with pytest.raises(DepositError, match="another server"):
        run(double, tmp_path / "b.json", new_package(tmp_path, "0.3.0"))
    assert not any("localhost" in r.headers.get("host", "") for r in double.requests)


def test_community_asked_to_include_the_published_record(double: InvenioDouble,
                                                         tmp_path: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    with pytest.raises(DepositError, match="no community 'nobody'"):
        run(double, tmp_path / "x.json", publish=True, options={"community": "nobody"})
    assert not any(r.published for r in double.live())  # refused before publishing
    args = ["deposit", "invenio", "--base-url", double.url, "--state-file", str(state), *ACCEPT,
            "--publisher", PUBLISHER, "--community", "dah-registry", "--publish"]  # fmt: skip
    dry = CliRunner(env={"INVENIO_TOKEN": None}).invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0 and "POST   {record}/communities" in dry.stdout
    result = CliRunner(env={"INVENIO_TOKEN": TOKEN}).invoke(main, args)
    assert result.exit_code == 0, result.stderr
    (published,) = [r for r in double.live() if r.published]
    assert double.inclusions == [(published.id, double.communities["dah-registry"])]


def test_publish_without_a_publisher_says_how(double: InvenioDouble, tmp_path: Path) -> None:
    with pytest.raises(DepositError) as raised:
        run(double, tmp_path / "s.json", publish=True, options={"publisher": ""})
    text = str(raised.value)
    assert "metadata.publisher: Missing publisher field required for DOI registration." in text
    assert "Pass --publisher NAME" in text and not any(r.published for r in double.live())


def test_lost_answers_to_new_version_and_import(double: InvenioDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = run(double, state, publish=True)
    double.inject("POST", r"/versions$", "504-after")
    double.inject("POST", r"/files-import$", "reset-after")
    package = new_package(tmp_path, "0.2.0")
    second = run(double, state, package, publish=True, new_version_of=first.deposition)
    assert second.published and len(double.live()) == 2  # one new version, not two
    assert count(double, "POST", r"/api/records/.*/versions") == 1
    assert second.kept  # the import happened although its answer was lost


def test_an_instance_without_a_doi_provider(tmp_path: Path) -> None:
    double = InvenioDouble(doi_provider=False).start()
    try:
        done = run(double, tmp_path / "s.json", publish=True, options={"publisher": ""})
    finally:
        double.stop()
    assert done.published and not done.cited_doi and not done.reserved_doi
    assert any("reserved no DOI" in note for note in done.notes)
    assert count(double, "POST", r"/api/records/.*/draft/pids/doi") == 0


def test_a_lost_inclusion_answer_is_not_a_refusal(double: InvenioDouble, tmp_path: Path) -> None:
    # The request was made, its answer lost: sent again, it is refused as already open
    # (invenio-rdm-records RecordCommunitiesService.add), which means done.
    double.inject("POST", r"/api/records/[^/]+/communities$", "504-after")
    done = run(double, tmp_path / "s.json", publish=True, options={"community": "dah-registry"})
    assert done.published
    assert count(double, "POST", r"/api/records/[^/]+/communities") == 2
    assert double.inclusions == [(str(done.deposition), double.communities["dah-registry"])]


def test_a_community_refusing_the_record_is_said(double: InvenioDouble, tmp_path: Path) -> None:
    # Nothing made: InvenioRDM answers 400, listing why by community (not by field).
    community = double.communities["dah-registry"]
    double.closed.add(community)
    with pytest.raises(DepositError) as raised:
        run(double, tmp_path / "s.json", publish=True, options={"community": "dah-registry"})
    (published,) = [r for r in double.live() if r.published]
    assert str(raised.value).splitlines() == [
        f"record {published.id} was published (DOI {published.doi}), but the community "
        "'dah-registry' refused the request to include it:",
        f"  community {community}: Submission to this community is only allowed to community "
        "members.",
        "Ask for its inclusion on the record's page.",
    ]
