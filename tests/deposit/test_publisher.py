"""The bundle's DataCite record names, as publisher, the repository the deposit went to: Zenodo
on Zenodo, an institution's InvenioRDM by the name the user gave (--publisher), a Dataverse by
the name it gives its installation, else either by the host of its address; never Zenodo for a
deposit elsewhere, never a made-up name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.deposit import get
from dahpkg.deposit.http import Retry
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.repository import NAMED_HOSTS
from dahpkg.deposit.run import deposit
from dahpkg.deposit.token import Token
from dahpkg.errors import InputError
from dahpkg.export import build_supplement, prepare

from support.dataverse_double import COLLECTION, DataverseDouble
from support.dataverse_double import TOKEN as DATAVERSE_TOKEN
from support.helpers import CONSENT
from support.invenio_double import TOKEN, InvenioDouble

DATACITE = "{http://datacite.org/schema/kernel-4}"
RDM = "https://rdm.example.org"
DATAVERSE = "https://dataverse.example.edu"


class Elsewhere(httpx.BaseTransport):
    """Requests to any address delivered to a double on 127.0.0.1, as if it served there."""

    def __init__(self, port: int) -> None:
        self.inner, self.port = httpx.HTTPTransport(), port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return self.inner.handle_request(request)


class RemoteInvenio(InvenioDouble):
    """The InvenioRDM double, its links naming https://rdm.example.org."""

    @property
    def root(self) -> str:
        return RDM


class RemoteDataverse(DataverseDouble):
    """The Dataverse double, its links naming https://dataverse.example.edu."""

    @property
    def root(self) -> str:
        return DATAVERSE


@pytest.fixture
def invenio() -> Iterator[InvenioDouble]:
    server = RemoteInvenio().start()
    yield server
    server.stop()


def publisher(files: dict[str, bytes]) -> tuple[str, str]:
    """The publisher datacite.xml and datacite.json name."""
    xml = ElementTree.fromstring(files["datacite.xml"]).find(f"{DATACITE}publisher")
    assert xml is not None
    return xml.text or "", json.loads(files["datacite.json"])["publisher"]["name"]


def deposit_to_rdm(double: InvenioDouble, tmp_path: Path, **own: str) -> dict[str, bytes]:
    with httpx.Client(transport=Elsewhere(double.server.server_port)) as http:
        outcome = deposit(get("invenio"), None, base_url=f"{RDM}/api", token=Token(TOKEN, "t"),
                          risk_accepted=CONSENT, state_file=tmp_path / "state.json",
                          options=own, http=http,
                          retry=Retry(attempts=3, base=0.01, sleep=lambda _: None))  # fmt: skip
    assert outcome.cited_doi and outcome.html.startswith(f"{RDM}/")
    return double.records[str(outcome.deposition)].files


def test_an_institutions_invenio_is_named_by_its_host_not_zenodo(
    invenio: InvenioDouble, tmp_path: Path
) -> None:
    files = deposit_to_rdm(invenio, tmp_path)
    assert publisher(files) == ("rdm.example.org", "rdm.example.org")


def test_the_name_given_with_publisher_is_the_one_in_the_record_and_the_bundle(
    invenio: InvenioDouble, tmp_path: Path
) -> None:
    name = "Example University Research Data"
    files = deposit_to_rdm(invenio, tmp_path, publisher=name)
    (record,) = invenio.records.values()
    assert publisher(files) == (name, name) == (record.metadata["publisher"],) * 2


def deposit_to_dataverse(
    double: DataverseDouble, tmp_path: Path
) -> tuple[Outcome, dict[str, bytes]]:
    with httpx.Client(transport=Elsewhere(double.server.server_port)) as http:
        outcome = deposit(get("dataverse"), None, base_url=f"{DATAVERSE}/api",
                          token=Token(DATAVERSE_TOKEN, "t"), risk_accepted=CONSENT,
                          state_file=tmp_path / "state.json", http=http,
                          options={"collection": COLLECTION},
                          retry=Retry(attempts=3, base=0.01, sleep=lambda _: None))  # fmt: skip
    (dataset,) = double.datasets.values()
    assert outcome.cited_doi
    return outcome, {f.label: f.data for f in dataset.latest.files}


@pytest.mark.parametrize(
    ("installation", "named"),
    [("Example University Dataverse", "Example University Dataverse"),
     (" Harvard Dataverse ", "Harvard Dataverse"),
     (None, "dataverse.example.edu"),  # an answer without it: the host, never a made-up name
     ("Ours\x1b[2J", "dataverse.example.edu"), ("x" * 201, "dataverse.example.edu")],
)  # fmt: skip
def test_a_dataverse_installation_is_named_as_it_names_itself_else_by_its_host(
    tmp_path: Path, installation: str | None, named: str
) -> None:
    double = RemoteDataverse(lock_seconds=0.01)
    double.installation = installation
    try:
        outcome, files = deposit_to_dataverse(double.start(), tmp_path)
    finally:
        double.stop()
    assert publisher(files) == (named, named)
    said = [n for n in outcome.notes if "cannot be a publisher's name" in n]
    assert bool(said) == (installation is not None and named != installation.strip())
    assert all("\x1b" not in n for n in outcome.notes)


def test_a_dataverse_dry_run_says_the_publisher_is_known_once_the_server_answers(
    tmp_path: Path,
) -> None:
    outcome = deposit(get("dataverse"), None, base_url=f"{DATAVERSE}/api", dry_run=True,
                      risk_accepted=CONSENT, state_file=tmp_path / "state.json",
                      options={"collection": COLLECTION})  # fmt: skip
    assert (
        "publisher the bundle names: the installation's name, as Dataverse gives it with the "
        "dataset, which a dry run does not ask for; without it, dataverse.example.edu (as here)"
    ) in outcome.notes


@pytest.mark.parametrize(
    ("server", "named"),
    [("https://zenodo.org/api", "Zenodo"), ("https://sandbox.zenodo.org/api", "Zenodo"),
     ("https://rdm.example.org/api", "rdm.example.org")],
)  # fmt: skip
def test_who_publishes_on_each_repository(server: str, named: str) -> None:
    # The legacy deposit API is Zenodo's own, wherever --base-url points (a local test server).
    assert get("zenodo").publisher_at("http://127.0.0.1:8000/api", {}) == "Zenodo"
    assert get("invenio").publisher_at(server, {}) == named
    assert get("dataverse").publisher_at(server.replace("zenodo", "dv"), {}) != "Zenodo"
    assert get("invenio").publisher_at(server, {"publisher": " Our RDM "}) == "Our RDM"
    # The name a server gives its installation comes after the user's and the repository's own.
    assert get("dataverse").publisher_at(server, {}, "Our Dataverse") == "Our Dataverse"
    assert get("invenio").publisher_at(server, {"publisher": "Ours"}, "Theirs") == "Ours"
    assert get("zenodo").publisher_at(server, {}, "Theirs") == "Zenodo"


@pytest.mark.parametrize("given", ["A\x00B", "two\nlines", "x" * 201])
def test_a_publisher_name_that_cannot_be_one_is_refused(given: str) -> None:
    with pytest.raises(InputError, match="--publisher: give the repository's name"):
        get("invenio").publisher_at("https://rdm.example.org/api", {"publisher": given})


def test_a_control_character_in_publisher_is_exit_2_before_anything_is_sent(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("INVENIO_TOKEN", "not-sent")
    result = CliRunner().invoke(main, ["deposit", "invenio", "--base-url", f"{RDM}/api",
                                       "--publisher", "Ours\x1b[2J", "--risk-accepted", CONSENT,
                                       "--state-file", str(tmp_path / "s.json")])  # fmt: skip
    assert result.exit_code == 2 and "--publisher: give the repository's name" in result.output
    assert not (tmp_path / "s.json").exists()


def test_a_bundle_exported_by_hand_still_names_zenodo() -> None:
    files = build_supplement(prepare(None, risk_accepted=CONSENT).citing("10.5072/x.1", "t")).files
    assert publisher(files) == ("Zenodo", "Zenodo")


def test_the_readme_says_each_repositorys_rule_as_the_code_applies_it() -> None:
    # The README's table is generated from these words (tests/test_docs.py keeps it current).
    assert get("zenodo").publisher_rule() == "Zenodo"
    assert get("invenio").publisher_rule() == (
        "`--publisher NAME`, else Zenodo on zenodo.org and sandbox.zenodo.org, else the host of "
        "its address"
    )
    assert get("dataverse").publisher_rule() == (
        "the installation's name, as Dataverse gives it with the dataset, else the host of its "
        "address"
    )


def test_the_publisher_option_says_the_rule_publisher_at_applies() -> None:
    result = CliRunner().invoke(main, ["deposit", "invenio", "--help"])
    said = " ".join(result.output.split())
    assert result.exit_code == 0
    assert (
        "Without it: Zenodo on zenodo.org and sandbox.zenodo.org; elsewhere the bundle names the "
        "host of its address"
    ) in said
    for host, name in NAMED_HOSTS.items():
        assert get("invenio").publisher_at(f"https://{host}/api", {}) == name and host in said
    assert get("invenio").publisher_at("https://rdm.example.org/api", {}) == "rdm.example.org"
    assert "the one the server sets" not in said  # the old default, which the bundle never took
