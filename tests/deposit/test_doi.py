"""The DOI inside the deposit: the draft reserves it, the bundle is built citing it, and the
bundle uploaded is that bundle; a rerun after a crash keeps it; a DOI given by hand in
publication.toml that is not the draft's is refused. Against the local Zenodo test double,
reading the files as the double stored them."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.deposit.http import Retry
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.token import Token
from dahpkg.deposit.zenodo import deposit
from dahpkg.errors import DepositError, InputError

from support.helpers import ACCEPT, CONSENT, REPO
from support.zenodo_double import TOKEN, ZenodoDouble

BUNDLE = "im-dah-case-series-0.1.0-supplement.zip"
DATACITE = "{http://datacite.org/schema/kernel-4}"
SCHEMAS = REPO / "tests" / "schemas"


@pytest.fixture
def double() -> Iterator[ZenodoDouble]:
    server = ZenodoDouble().start()
    yield server
    server.stop()


def run(double: ZenodoDouble, state: Path, path: Path | None = None, **options: Any) -> Outcome:
    return deposit(
        path,
        base_url=double.url,
        token=Token(TOKEN, "a test"),
        risk_accepted=CONSENT,
        state_file=state,
        retry=Retry(attempts=4, base=0.01, cap=5.0, sleep=lambda _: None),
        **options,
    )


def cli(double: ZenodoDouble, state: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"ZENODO_TOKEN": TOKEN}).invoke(
        main,
        ["deposit", "zenodo", "--base-url", double.url, "--state-file", str(state), *ACCEPT, *args],
    )
    return result.exit_code, result.stdout, result.stderr


def stored_bundle(double: ZenodoDouble, dep_id: int, name: str = BUNDLE) -> dict[str, bytes]:
    """The files of the bundle's zip as the double stored it, by their path in the bundle."""
    with zipfile.ZipFile(io.BytesIO(double.depositions[dep_id].files[name])) as archive:
        return {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}


def dois_inside(files: dict[str, bytes]) -> dict[str, str]:
    """The data set's DOI as each file of the bundle states it, read as its readers would."""
    cff = yaml.safe_load(files["CITATION.cff"])
    xml = ElementTree.fromstring(files["datacite.xml"])
    identifiers = xml.findall(f"{DATACITE}identifier[@identifierType='DOI']")
    crate = json.loads(files["ro-crate-metadata.json"])
    (root,) = [e for e in crate["@graph"] if e["@id"] == "./"]
    readme = files["README.md"].decode()
    how_to_cite = readme.split("## How to cite", 1)[1].split("\n## ", 1)[0]
    cited = re.findall(r"https://doi\.org/(10\.5072/\S+)", how_to_cite)
    return {
        "CITATION.cff doi": str(cff["doi"]),
        "datacite.xml identifier": " ".join(i.text or "" for i in identifiers),
        "datacite.json doi": json.loads(files["datacite.json"])["doi"],
        "schema-org.jsonld identifier": json.loads(files["schema-org.jsonld"])["identifier"],
        # a URL, or a reference to the entity (a PropertyValue) the DOI's URL names
        "ro-crate-metadata.json identifier": crate_id(root["identifier"]),
        "README.md how to cite": " ".join(cited),
        "zenodo.json doi": json.loads(files["zenodo.json"])["metadata"]["doi"],
    }


def crate_id(identifier: Any) -> str:
    return str(identifier["@id"] if isinstance(identifier, dict) else identifier)


def expected(doi: str) -> dict[str, str]:
    url = f"https://doi.org/{doi}"
    return {
        "CITATION.cff doi": doi,
        "datacite.xml identifier": doi,
        "datacite.json doi": doi,
        "schema-org.jsonld identifier": url,
        "ro-crate-metadata.json identifier": url,
        "README.md how to cite": doi,
        "zenodo.json doi": doi,
    }


def test_the_deposited_bundle_cites_the_doi_its_draft_reserved(
    double: ZenodoDouble, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    code, out, err = cli(double, state)
    assert code == 0, err
    (dep,) = double.live()
    doi = f"10.5072/zenodo.{dep.id}"  # the double's reservation for this deposition
    assert f"every file of the bundle cites the DOI {doi}" in out
    files = stored_bundle(double, dep.id)
    assert dois_inside(files) == expected(doi)
    # The bundle uploaded is the one built for the deposit: its hash as printed, its loose
    # copies the same bytes as inside it, and every file as its manifest says.
    sha256 = hashlib.sha256(dep.files[BUNDLE]).hexdigest()
    assert f"bundle {BUNDLE}, sha256 {sha256}" in out
    assert json.loads(state.read_text())["deposits"].popitem()[1]["bundle_sha256"] == sha256
    loose = {n: b for n, b in dep.files.items() if n != BUNDLE}
    assert loose and all(files[n] == b for n, b in loose.items())
    manifest = dict(
        reversed(line.split("  ")) for line in files["MANIFEST-sha256.txt"].decode().splitlines()
    )
    assert manifest == {
        n: hashlib.sha256(b).hexdigest() for n, b in files.items() if n != "MANIFEST-sha256.txt"
    }
    assert dep.metadata["doi"] == doi  # what Zenodo is told, as zenodo.json says

    code, out, err = cli(double, state, "--publish")  # the same bundle, published
    assert code == 0, err
    assert f"Published: DOI {doi} " in out and "kept 19 already there" in out
    assert dep.doi == doi and dois_inside(stored_bundle(double, dep.id)) == expected(doi)


def test_the_deposited_metadata_are_valid_under_their_official_schemas(
    double: ZenodoDouble, tmp_path: Path
) -> None:
    from lxml import etree

    outcome = run(double, tmp_path / "state.json")
    files = stored_bundle(double, int(outcome.deposition or 0))
    xsd = etree.XMLSchema(etree.parse(str(SCHEMAS / "datacite-kernel-4.7" / "metadata.xsd")))
    record = etree.fromstring(files["datacite.xml"])
    assert xsd.validate(record), xsd.error_log  # the identifier the XSD requires is there
    cff = json.loads((REPO / "tests" / "support" / "schemas" / "cff-1.2.0.schema.json").read_text())
    checker = jsonschema.Draft7Validator(cff, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in checker.iter_errors(yaml.safe_load(files["CITATION.cff"]))] == []
    # Broken on purpose: without its identifier the record is refused, so the check can fail.
    identifier = record.find(f"{DATACITE}identifier")
    assert identifier is not None
    record.remove(identifier)
    assert not xsd.validate(record)


class CrashAfter(httpx.BaseTransport):
    """Pass requests to the real transport; after the one that matches, the client 'dies'."""

    def __init__(self, method: str, path: str) -> None:
        self.inner, self.method, self.path = httpx.HTTPTransport(), method, path

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == self.method and request.url.path.endswith(self.path):
            response.read()
            raise KeyboardInterrupt("killed")
        return response


def test_a_deposit_resumed_after_a_crash_keeps_the_same_doi(
    double: ZenodoDouble, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    with (
        pytest.raises(KeyboardInterrupt),
        httpx.Client(transport=CrashAfter("PUT", "/codebook.html")) as client,
    ):
        run(double, state, http=client)
    (dep,) = double.live()
    doi = f"10.5072/zenodo.{dep.id}"
    first = set(dep.files)
    assert "codebook.html" in first and "zenodo.json" not in first
    assert json.loads(state.read_text())["deposits"].popitem()[1]["reserved_doi"] == doi
    outcome = run(double, state, publish=True)
    assert outcome.resumed and outcome.deposition == dep.id and len(double.live()) == 1
    assert outcome.cited_doi == outcome.reserved_doi == outcome.doi == doi
    assert set(outcome.kept) == first and not outcome.removed  # rebuilt the same, byte for byte
    assert dois_inside(stored_bundle(double, dep.id)) == expected(doi)


def test_a_new_version_cites_its_own_doi(
    double: ZenodoDouble, tmp_path: Path, package: Path
) -> None:
    state = tmp_path / "state.json"
    first = run(double, state, package, publish=True)
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["version"] = "0.2.0"
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    second = run(double, state, package, new_version_of=first.deposition, publish=True)
    assert second.deposition != first.deposition
    doi = f"10.5072/zenodo.{second.deposition}"
    assert second.cited_doi == second.doi == doi != first.doi
    files = stored_bundle(
        double, int(second.deposition or 0), "im-dah-case-series-0.2.0-supplement.zip"
    )
    assert dois_inside(files) == expected(doi)


def publication_toml(package: Path, doi: str) -> None:
    (package / "publication.toml").write_text(f'[dataset]\ndoi = "{doi}"\n', encoding="utf-8")


def test_a_hand_given_doi_that_is_not_the_drafts_is_refused(
    double: ZenodoDouble, tmp_path: Path, package: Path
) -> None:
    state = tmp_path / "state.json"
    publication_toml(package, "10.5281/zenodo.1234567")
    code, _, err = cli(double, state, str(package))
    assert code == 2 and "Traceback" not in err
    assert (
        "gives the data set's DOI 10.5281/zenodo.1234567, but a new draft on Zenodo gets a "
        "DOI of its own"
    ) in " ".join(err.split())
    assert double.live() == []  # refused before a draft was made
    (package / "publication.toml").unlink()
    draft = run(double, state, package)  # the draft reserves its DOI
    puts = sum(1 for r in double.requests if r.method == "PUT")
    publication_toml(package, "10.5281/zenodo.7654321")
    with pytest.raises(
        InputError,
        match=r"10\.5281/zenodo\.7654321, but Zenodo's draft \d+ has "
        rf"the DOI {re.escape(draft.reserved_doi)}",
    ):
        run(double, state, package)
    assert sum(1 for r in double.requests if r.method == "PUT") == puts  # nothing sent
    # The draft's own DOI written into publication.toml is accepted: the same bundle.
    publication_toml(package, draft.reserved_doi)
    again = run(double, state, package, publish=True)
    assert again.resumed and again.deposition == draft.deposition and again.uploaded == []
    assert again.cited_doi == again.doi == draft.reserved_doi


def test_the_dry_run_says_which_doi_the_bundle_would_cite(
    double: ZenodoDouble, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    code, out, err = cli(double, state, "--dry-run")
    assert code == 0, err and double.requests == []
    assert "DOI the bundle would cite: none yet. Zenodo reserves one when the draft" in out
    assert "datacite.xml" not in out  # written only with the DOI
    draft = run(double, state)
    code, out, err = cli(double, state, "--dry-run")
    assert code == 0, err
    assert f"DOI the bundle would cite: {draft.reserved_doi}" in out
    md5 = hashlib.md5(double.depositions[int(draft.deposition or 0)].files[BUNDLE]).hexdigest()
    assert f"{BUNDLE}  " in out and f"md5 {md5}" in out  # the very bundle the draft holds


def test_a_reserved_doi_that_is_not_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = ZenodoDouble.dump

    def odd(self: ZenodoDouble, d: Any) -> dict[str, Any]:
        answer = dump(self, d)
        answer["metadata"]["prereserve_doi"]["doi"] = '10.5072/x"\n<identifier>'
        return answer

    monkeypatch.setattr(ZenodoDouble, "dump", odd)
    double = ZenodoDouble().start()
    try:
        with pytest.raises(DepositError, match="which is not a DOI: is it a Zenodo deposit API"):
            run(double, tmp_path / "s.json")
        assert not any(r.method == "PUT" for r in double.requests)
    finally:
        double.stop()
