"""DataCite XML against the DataCite kernel-4.7 XSD (lxml, offline): written only once the DOI
it requires is known, and then valid; before that, not written and said why."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from metadata_bundles import DOI, copy_package

from dahpkg.cli import main
from dahpkg.export import prepare
from dahpkg.export.metadata import build, datacite, withheld

from support.helpers import ACCEPT, CONSENT, REPO

XSD = REPO / "tests" / "schemas" / "datacite-kernel-4.7" / "metadata.xsd"
WHY = "DataCite requires the data set's DOI"


@pytest.fixture(scope="module")
def xsd():
    from lxml import etree

    # no_network: the include/ files and the xml.xsd import are read from the copy, or fail
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD), parser))


def errors(xsd, data: bytes) -> list[str]:
    from lxml import etree

    document = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    xsd.validate(document)
    return [f"line {e.line}: {e.message}" for e in xsd.error_log]


def test_the_record_without_a_doi_is_what_the_xsd_refuses(xsd) -> None:
    prepared = prepare(None, risk_accepted=CONSENT)
    assert prepared.facts.dataset_doi == ""  # publication.toml ships empty
    found = errors(xsd, datacite.datacite_xml(datacite.record(prepared, prepared.facts)).encode())
    assert len(found) == 1 and "Missing child element" in found[0] and "identifier" in found[0]


def test_without_a_doi_datacite_xml_is_not_written_and_the_reason_is_given(released) -> None:
    assert "datacite.xml" not in released.files
    assert "datacite.json" in released.files  # its JSON Schema lets the DOI wait
    [note] = released.notes
    assert note.startswith(f"datacite.xml not written: {WHY}")
    assert "publication.toml [dataset] doi" in note and "deposit" in note
    readme = released.files["README.md"].decode()
    assert "datacite.xml" not in readme and "`datacite.json`" in readme
    assert "datacite.xml" not in released.files["MANIFEST-sha256.txt"].decode()


def test_the_cli_says_which_file_was_not_written_and_why(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["export", "metadata", *ACCEPT, "-o", str(tmp_path / "m")])
    assert result.exit_code == 0, result.stderr
    assert f"datacite.xml not written: {WHY}" in result.stdout
    assert not (tmp_path / "m" / "datacite.xml").exists()
    assert (tmp_path / "m" / "datacite.json").is_file()
    result = runner.invoke(main, ["export", "supplement", *ACCEPT, "-o", str(tmp_path / "s.zip")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().splitlines()[-1].startswith(f"datacite.xml not written: {WHY}")


@pytest.mark.parametrize("bundle", ["cited", "deposited"])
def test_with_the_doi_the_xml_validates_against_the_kernel(xsd, bundle, request) -> None:
    """The DOI from publication.toml (cited), or the one a deposit reserved (deposited)."""
    supplement = request.getfixturevalue(bundle)
    data = supplement.files["datacite.xml"]
    assert errors(xsd, data) == []
    assert f'<identifier identifierType="DOI">{DOI}</identifier>'.encode() in data
    assert supplement.notes == ()
    assert "- `datacite.xml`: " in supplement.files["README.md"].decode()
    assert "  datacite.xml\n" in supplement.files["MANIFEST-sha256.txt"].decode()


def test_the_authors_facts_are_in_the_valid_record(xsd, cited) -> None:
    data = cited.files["datacite.xml"].decode()
    assert 'nameIdentifierScheme="ORCID"' in data and "0000-0002-1825-0097" in data
    assert 'relationType="IsSupplementTo"' in data and "10.1234/example.letter" in data


def test_an_invalid_record_is_caught(xsd, cited) -> None:
    """The check can fail: a record with a resource type DataCite does not know."""
    broken = cited.files["datacite.xml"].replace(b'resourceTypeGeneral="Dataset"',
                                                 b'resourceTypeGeneral="Case series"')  # fmt: skip
    assert any("resourceTypeGeneral" in e for e in errors(xsd, broken))


def test_a_doi_given_later_makes_it_written(tmp_path: Path) -> None:
    prepared = prepare(copy_package(tmp_path / "pkg"), risk_accepted=CONSENT)
    assert set(withheld(prepared)) == {"datacite.xml"}
    prepared.facts = dataclasses.replace(prepared.facts, dataset_doi=DOI)
    assert withheld(prepared) == {}
    assert "datacite.xml" in build(prepared).files
