"""The Dataverse deposit, end to end, against a local Dataverse served over real HTTP on 127.0.0.1
(tests/support/dataverse_double.py).

Faults are injected in the server, never in the client: 429 with Retry-After, an HTML 504 after
the action happened, a connection reset after an add, and a crash of the client between two
requests. The double's traps (tabular ingest, -1 renames, unpacked zips, locks, minor first
publication, 401) are checked on the double itself, then shown to be avoided by the client.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.deposit.dataverse import deposit
from dahpkg.deposit.http import Retry
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.run import upload_set
from dahpkg.deposit.token import Token
from dahpkg.errors import DepositError
from dahpkg.export import build_supplement, prepare

from support.dataverse_double import (
    COLLECTION,
    GUEST_TOKEN,
    INSTALLATION,
    TOKEN,
    Dataset,
    DataverseDouble,
)
from support.helpers import CONSENT


@pytest.fixture
def double() -> Iterator[DataverseDouble]:
    server = DataverseDouble(lock_seconds=0.05).start()
    yield server
    server.stop()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run_deposit(
    double: DataverseDouble,
    state: Path,
    sleeps: Sleeps | None = None,
    path: Path | None = None,
    token: str = TOKEN,
    **options: Any,
) -> Outcome:
    return deposit(
        path, base_url=double.url, token=Token(token, "a test"), risk_accepted=CONSENT,
        collection=COLLECTION, state_file=state,
        retry=Retry(attempts=4, base=0.01, cap=5.0,
                    sleep=sleeps if sleeps is not None else Sleeps()),
        **options,
    )  # fmt: skip


def only(double: DataverseDouble) -> Dataset:
    (dataset,) = double.datasets.values()
    return dataset


def creates(double: DataverseDouble) -> int:
    return sum(1 for r in double.requests if r.method == "POST" and r.path.endswith("/datasets"))


def adds(double: DataverseDouble) -> int:
    return sum(1 for r in double.requests if r.method == "POST" and r.path.endswith("/add"))


def local_files(doi: str, package: Path | None = None) -> dict[str, str]:
    # The bundle names the installation as publisher by the name the double gives it.
    prepared = prepare(package, risk_accepted=CONSENT).deposited_in(INSTALLATION)
    prepared = prepared.citing(doi, "the test")
    files = upload_set(build_supplement(prepared))
    return {n: hashlib.md5(d).hexdigest() for n, d in files.items()}


def server_files(dataset: Dataset) -> dict[str, str]:
    """What a download of each file gives, hashed: the deposited bytes themselves."""
    return {f.label: hashlib.md5(f.data).hexdigest() for f in dataset.latest.files}


def fields(dataset: Dataset) -> dict[str, Any]:
    block = dataset.latest.metadata["metadataBlocks"]["citation"]["fields"]
    return {f["typeName"]: f["value"] for f in block}


# --- the double's traps, as the reference describes them --------------------------------------


def _version() -> dict[str, Any]:
    from dahpkg.deposit.dataverse.citation import dataset_version, metadata
    from dahpkg.export import Supplement
    from dahpkg.export.metadata import build

    files = build(prepare(None, risk_accepted=CONSENT)).files
    return dataset_version(metadata(Supplement("", b"", files)))


def test_the_double_ingests_renames_unpacks_locks_and_answers_401(double: DataverseDouble) -> None:
    with httpx.Client(base_url=double.url, headers={"X-Dataverse-key": TOKEN}) as http:
        assert http.get("/info/version", headers={"X-Dataverse-key": "bad"}).status_code == 401
        guest = http.post(f"/dataverses/{COLLECTION}/datasets", json={"datasetVersion": _version()},
                          headers={"X-Dataverse-key": GUEST_TOKEN})  # fmt: skip
        assert guest.status_code == 401 and "not permitted" in guest.json()["message"]
        made = http.post(f"/dataverses/{COLLECTION}/datasets", json={"datasetVersion": _version()})
        assert made.status_code == 201  # not the 200 the guide says
        add = f"/datasets/{made.json()['data']['id']}/add"
        csv = b"a,b\n1,2\n"
        ingested = http.post(add, files={"file": ("episodes.csv", csv)}).json()["data"]["files"][0]
        assert ingested["label"] == "episodes.tab"  # converted, renamed
        assert ingested["dataFile"]["checksum"]["value"] == hashlib.md5(csv).hexdigest()
        publish = f"/datasets/{made.json()['data']['id']}/actions/:publish?type=major"
        locked = http.post(publish)
        assert locked.status_code == 403 and "Ingest" in locked.json()["message"]
        assert http.post(add, files={"file": ("y.txt", b"y")}).status_code == 403  # locked too
        time.sleep(0.1)  # the ingest lock is lifted
        off = {"jsonData": (None, json.dumps({"tabIngest": "false"}))}
        twice = [http.post(add, files={"file": ("x.csv", csv), **off}) for _ in range(2)]
        assert [t.json()["data"]["files"][0]["label"] for t in twice] == ["x.csv", "x-1.csv"]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("one.txt", "1")
            archive.writestr("two.txt", "2")
        unpacked = http.post(add, files={"file": ("b.zip", buffer.getvalue()), **off})
        assert [f["label"] for f in unpacked.json()["data"]["files"]] == ["one.txt", "two.txt"]
        minor = http.post(publish.replace("major", "minor"))
        assert minor.status_code == 403  # locked, or minor first: both refused


# --- the whole run ----------------------------------------------------------------------------


def test_dataset_files_verified_citation_block_then_publish(double: DataverseDouble,
                                                            tmp_path: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    first = run_deposit(double, state)
    dataset = only(double)
    doi = dataset.pid.removeprefix("doi:")
    assert first.deposition == dataset.id and not first.published
    assert first.reserved_doi == doi and first.cited_doi == doi
    # the bundle's names and bytes, nothing ingested to .tab, the zip kept as one file
    assert server_files(dataset) == local_files(doi)
    assert not any(f.original for f in dataset.latest.files)
    sent = fields(dataset)
    assert sent["title"].startswith("Immune-mediated diffuse alveolar haemorrhage")
    assert sent["subject"] == ["Medicine, Health and Life Sciences"]
    authors = sent["author"]
    assert authors[0]["authorName"]["value"] == "Abreu, Catarina"
    assert "Hospital Garcia de Orta" in authors[0]["authorAffiliation"]["value"]
    contact = sent["datasetContact"][0]["datasetContactEmail"]["value"]
    assert contact == "catarina.abreu@live.com.pt"
    assert "diffuse alveolar haemorrhage" in [k["keywordValue"]["value"] for k in sent["keyword"]]
    assert "version 0.1.0." in sent["notesText"]
    assert dataset.latest.metadata["license"]["name"] == "CC BY 4.0"

    second = run_deposit(double, state, publish=True)
    assert second.resumed and second.published and second.uploaded == []
    assert second.doi == doi and dataset.latest.number == (1, 0)  # major, as the first must be
    assert creates(double) == 1

    before = len(double.requests)
    third = run_deposit(double, state, publish=True)  # the same version again: nothing sent
    assert third.published and len(double.requests) == before
    other = run_deposit(double, tmp_path / "lost.json", publish=True)  # a lost state file
    assert other.published and creates(double) == 1 and len(double.datasets) == 1


def test_the_token_only_in_its_header(double: DataverseDouble, tmp_path: Path) -> None:
    run_deposit(double, tmp_path / "state.json", publish=True)
    assert all(r.headers.get("x-dataverse-key") == TOKEN for r in double.requests)
    assert not any(TOKEN in r.query or TOKEN in r.path for r in double.requests)
    assert TOKEN not in (tmp_path / "state.json").read_text()


def test_a_server_echoing_the_token_never_shows_it(double: DataverseDouble, tmp_path: Path) -> None:
    double.inject("POST", r"/add$", "echo")
    state = tmp_path / "state.json"
    code, out, err = cli(double, state, "--collection", COLLECTION)
    assert code == 3 and "uploading" in err and "500" in err and "[redacted]" in err
    assert TOKEN not in out + err + state.read_text() and "Traceback" not in err


def test_429_is_waited_out_as_retry_after_asks(double: DataverseDouble, tmp_path: Path) -> None:
    double.inject("POST", r"/add$", "429", times=2)
    sleeps = Sleeps()
    outcome = run_deposit(double, tmp_path / "state.json", sleeps, publish=True)
    assert outcome.published and sleeps.count(1.0) >= 2
    assert len(only(double).latest.files) == 19


@pytest.mark.parametrize("kind", ["504-after", "reset-after", "reset", "502"])
def test_lost_answers_are_reconciled_never_repeated(double: DataverseDouble, tmp_path: Path,
                                                    kind: str) -> None:  # fmt: skip
    double.inject("POST", rf"/dataverses/{COLLECTION}/datasets$", kind)
    double.inject("POST", r"/add$", kind)
    double.inject("POST", r"/actions/:publish$", kind)
    outcome = run_deposit(double, tmp_path / "state.json", publish=True)
    dataset = only(double)  # one dataset, whether the lost request had acted or not
    assert outcome.published and creates(double) == (1 if kind.endswith("after") else 2)
    assert dataset.latest.number == (1, 0) and len(dataset.versions) == 1
    labels = [f.label for f in dataset.latest.files]
    assert len(labels) == 19 and not any("-1." in n for n in labels)  # no second copy


def test_a_corrupted_upload_is_replaced_not_renamed(
    double: DataverseDouble, tmp_path: Path
) -> None:
    double.corrupt.append("episodes.sav")
    outcome = run_deposit(double, tmp_path / "state.json", publish=True)
    dataset = only(double)
    assert outcome.published and adds(double) == 20  # episodes.sav twice
    assert server_files(dataset) == local_files(dataset.pid.removeprefix("doi:"))


def test_lost_state_with_a_later_draft_finds_the_published_version(
    double: DataverseDouble, tmp_path: Path, package: Path
) -> None:
    first = run_deposit(double, tmp_path / "state.json", publish=True)
    run_deposit(double, tmp_path / "state.json", path=bump(package, "0.2.0"),
                new_version_of=first.deposition)  # fmt: skip
    again = run_deposit(double, tmp_path / "lost.json", publish=True)  # version 0.1.0
    assert again.published and again.deposition == first.deposition
    assert creates(double) == 1 and len(double.datasets) == 1


def test_an_upload_lost_on_every_attempt_is_an_error(
    double: DataverseDouble, tmp_path: Path
) -> None:
    double.inject("POST", r"/add$", "502", times=10)
    with pytest.raises(DepositError, match="lost on every attempt"):
        run_deposit(double, tmp_path / "state.json")


class CrashAfter(httpx.BaseTransport):
    """Pass requests to the real transport; after the matching one, the client 'dies'."""

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


def test_crash_mid_upload_then_rerun_finishes_without_a_duplicate(
    double: DataverseDouble, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    with (
        pytest.raises(KeyboardInterrupt),
        httpx.Client(transport=CrashAfter("POST", "/add", after=7)) as client,
    ):
        run_deposit(double, state, http=client)
    dataset = only(double)
    assert len(dataset.latest.files) == 7
    outcome = run_deposit(double, state, publish=True)
    assert outcome.resumed and outcome.published and creates(double) == 1
    assert len(outcome.kept) == 7 and len(outcome.uploaded) == 12
    assert server_files(dataset) == local_files(dataset.pid.removeprefix("doi:"))


def test_crash_after_create_then_rerun_resumes(double: DataverseDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with (
        pytest.raises(KeyboardInterrupt),
        httpx.Client(transport=CrashAfter("POST", f"/dataverses/{COLLECTION}/datasets")) as client,
    ):
        run_deposit(double, state, http=client)
    outcome = run_deposit(double, state, publish=True)
    assert outcome.resumed and outcome.published and creates(double) == 1


def bump(package: Path, version: str) -> Path:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["created"] = "2026-12-01T00:00:00Z"
    descriptor["version"] = version
    path.write_text(json.dumps(descriptor, indent=2))
    return package


def test_new_version_replaces_changed_files_and_publishes(
    double: DataverseDouble, tmp_path: Path, package: Path
) -> None:
    state = tmp_path / "state.json"
    first = run_deposit(double, state, publish=True)
    new = run_deposit(double, state, path=bump(package, "0.2.0"),
                      new_version_of=first.deposition, publish=True)  # fmt: skip
    dataset = only(double)
    assert new.published and new.deposition == first.deposition and creates(double) == 1
    assert [v.number for v in dataset.versions] == [(1, 0), (2, 0)]
    assert "im-dah-case-series-0.1.0-supplement.zip" in new.removed
    assert "LICENSE" in new.kept
    assert server_files(dataset) == local_files(dataset.pid.removeprefix("doi:"), package)
    assert "version 0.2.0." in fields(dataset)["notesText"]
    again = run_deposit(double, state, path=package, new_version_of=first.deposition,
                        publish=True)  # fmt: skip
    assert again.published and len(dataset.versions) == 2


def test_new_version_crash_then_rerun(double: DataverseDouble, tmp_path: Path,
                                      package: Path) -> None:  # fmt: skip
    state = tmp_path / "state.json"
    first = run_deposit(double, state, publish=True)
    with (
        pytest.raises(KeyboardInterrupt),
        httpx.Client(transport=CrashAfter("PUT", "/versions/:draft")) as client,
    ):
        run_deposit(double, state, path=bump(package, "0.2.0"), http=client,
                    new_version_of=first.deposition)  # fmt: skip
    new = run_deposit(double, state, path=package, new_version_of=first.deposition, publish=True)
    assert new.published and [v.number for v in only(double).versions] == [(1, 0), (2, 0)]


def test_a_collection_requiring_more_fields_stops_before_anything_is_made(
    double: DataverseDouble, tmp_path: Path
) -> None:
    # validateDatasetJson answers 200 whether the metadata passes or not, the verdict in its
    # message (IQSS/dataverse DataverseServiceBean.isDatasetJsonValid; DatasetsIT asserts 200).
    double.required = (*double.required, "productionDate", "grantNumber")
    with pytest.raises(DepositError) as caught:
        run_deposit(double, tmp_path / "state.json")
    assert str(caught.value).splitlines() == [
        "checking the metadata against the collection dah: Dataverse found the metadata "
        "invalid for this collection:",
        "  #/datasetVersion/metadataBlocks/citation/fields: required field productionDate missing",
        "  #/datasetVersion/metadataBlocks/citation/fields: required field grantNumber missing",
        "Correct these in datapackage.json or publication.toml (a collection may require more "
        "than Dataverse's own fields) and run again.",
    ]
    assert creates(double) == 0 and not double.datasets


def test_a_licence_the_installation_lacks_is_refused_by_the_parser(
    double: DataverseDouble, tmp_path: Path
) -> None:
    # The schema check passes it; the parser refuses it on create, 400 (Dataverses.parseDataset).
    double.licenses.pop("CC BY 4.0")
    with pytest.raises(DepositError) as caught:
        run_deposit(double, tmp_path / "state.json")
    assert str(caught.value).splitlines() == [
        "creating the dataset in the collection dah: Dataverse answered 400 Bad Request: Error "
        "parsing Json",
        "  Invalid or unsupported license: CC BY 4.0",
        "Correct these in datapackage.json or publication.toml and run again.",
    ]
    assert not double.datasets


def test_a_validation_failure_is_a_403_said_one_line_per_reason(double: DataverseDouble) -> None:
    from dahpkg.deposit.dataverse import explain

    version = _version()
    contact = next(f for f in version["metadataBlocks"]["citation"]["fields"]
                   if f["typeName"] == "datasetContact")  # fmt: skip
    contact["value"][0]["datasetContactEmail"]["value"] = "nobody"
    version["metadataBlocks"]["citation"]["fields"] = [
        f for f in version["metadataBlocks"]["citation"]["fields"] if f["typeName"] != "title"
    ]
    with httpx.Client(base_url=double.url, headers={"X-Dataverse-key": TOKEN}) as http:
        answer = http.post(f"/dataverses/{COLLECTION}/datasets", json={"datasetVersion": version})
    # An IllegalCommandException (AbstractDatasetCommand.validateOrDie): 403, not 400.
    assert answer.status_code == 403
    assert explain("creating the dataset", answer).splitlines() == [
        "creating the dataset: Dataverse answered 403 Forbidden: Validation Failed",
        "  title is required. (Invalid value:edu.harvard.iq.dataverse.DatasetField[ id=null ])",
        "  nobody is not a valid email address. (Invalid value:nobody).",
        "Correct these in datapackage.json or publication.toml and run again.",
    ]


def test_a_publication_a_workflow_finishes_is_waited_for(double: DataverseDouble,
                                                         tmp_path: Path) -> None:  # fmt: skip
    # 202 {"status": "WORKFLOW_IN_PROGRESS"} (Datasets.publishDataset, AbstractApiBean.accepted)
    double.workflow = True
    done = run_deposit(double, tmp_path / "state.json", publish=True)
    assert done.published and done.doi == only(double).pid.removeprefix("doi:")
    assert any(r.status == 202 for r in double.requests)
    assert [v.number for v in only(double).versions] == [(1, 0)]


def test_a_lock_no_wait_lifts_is_said_at_once(double: DataverseDouble, tmp_path: Path) -> None:
    sleeps = Sleeps()
    state = tmp_path / "state.json"
    run_deposit(double, state)
    only(double).locks["InReview"] = float("inf")  # submitted for review on Dataverse
    with pytest.raises(DepositError, match="waits for a curator") as caught:
        run_deposit(double, state, sleeps, publish=True)
    assert str(caught.value).startswith("setting the metadata: dataset 41 is locked (InReview)")
    assert sleeps == []  # not waited out for 300 s


# --- the command ------------------------------------------------------------------------------


def cli(double: DataverseDouble, state: Path, *args: str,
        token: str | None = TOKEN) -> tuple[int, str, str]:  # fmt: skip
    env = {"DATAVERSE_TOKEN": token}
    result = CliRunner(env=env).invoke(main, ["deposit", "dataverse", "--base-url", double.url,
                                              "--state-file", str(state), "--risk-accepted",
                                              CONSENT, *args])  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def test_cli_deposits_and_exit_codes(double: DataverseDouble, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    code, out, err = cli(double, state, "--collection", COLLECTION, "--dry-run")
    assert code == 0 and "dataverses/dah/datasets" in out and "tabIngest false" in out
    assert double.requests == []
    code, out, err = cli(double, state, "--collection", COLLECTION, token=GUEST_TOKEN)
    assert code == 3 and "401" in err and "permission" in err and "Traceback" not in err
    code, out, err = cli(double, state, "--collection", COLLECTION, "--publish", token=None)
    assert code == 2 and "DATAVERSE_TOKEN" in err
    code, out, err = cli(double, state, "--collection", COLLECTION, "--publish")
    assert code == 0, err
    assert "Published: DOI 10.5072/FK2/" in out and "every checksum matches" in out
    code, out, err = cli(double, state, "--collection", COLLECTION, "--publish")
    assert code == 0 and "already published" in out  # the state file: nothing is sent
    code, out, err = cli(double, state, "--publish")
    assert code == 2 and "--collection" in err
