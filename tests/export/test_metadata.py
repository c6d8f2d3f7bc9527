"""FAIR metadata: every format derived from the package, each checked by a real validator."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.export import prepare
from dahpkg.export.metadata import FILES, Facts, build, orcid_checksum_ok

from support.helpers import ACCEPT, CONSENT, REPO

SCHEMAS = REPO / "tests" / "support" / "schemas"
FACTS = """
[dataset]
doi = "10.5281/zenodo.1234567"
licence = "CC-BY-4.0"
zenodo_community = "rheumatology"
[article]
doi = "10.1234/example.letter"
journal = "Example Journal of Rheumatology"
[orcid]
Abreu = "0000-0002-1825-0097"
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def shipped() -> dict[str, bytes]:
    return build(
        prepare(None, risk_accepted=CONSENT), {"data/episodes.csv": 2183, "episodes.sav": 7488}
    ).files


@pytest.fixture
def with_facts(package: Path) -> dict[str, bytes]:
    (package / "publication.toml").write_text(FACTS)
    return build(prepare(package, risk_accepted=CONSENT), {"data/episodes.csv": 2183}).files


def test_every_format_is_written(tmp_path: Path) -> None:
    code, out, err = run("export", "metadata", *ACCEPT, "--output", str(tmp_path / "meta"))
    assert code == 0, err
    # datacite.xml waits for the DOI (tests/export/metadata/test_datacite_xml.py)
    written = sorted(p.name for p in (tmp_path / "meta").iterdir())
    assert written == sorted(set(FILES) - {"datacite.xml"})
    assert "unknown, left out: the data set's DOI" in out


def test_datacite_validates_with_the_datacite_schema(shipped, with_facts) -> None:
    from datacite import schema45

    for files in (shipped, with_facts):
        record = json.loads(files["datacite.json"])
        errors = [e.message for e in schema45.validator.iter_errors(record)]
        assert errors == []
    assert "datacite.xml" not in shipped  # no DOI: not written (the XSD requires one)
    assert "doi" not in json.loads(shipped["datacite.json"])  # unknown: left out, not invented
    record = json.loads(with_facts["datacite.json"])
    assert record["doi"] == "10.5281/zenodo.1234567"
    assert record["relatedIdentifiers"][0]["relationType"] == "IsSupplementTo"
    assert record["creators"][0]["nameIdentifiers"][0]["nameIdentifier"].endswith(
        "0000-0002-1825-0097"
    )
    assert (
        b'<identifier identifierType="DOI">10.5281/zenodo.1234567</identifier>'
        in with_facts["datacite.xml"]
    )
    subjects = {s.get("valueUri") for s in record["subjects"]}
    assert "http://purl.obolibrary.org/obo/HP_0025420" in subjects


def schema_org_loader():
    """Serve schema.org's context offline: its vocabulary, as the rocrate package ships it."""
    from importlib.resources import files

    from pyld.documentloader.frozen import FrozenDocumentLoader

    context = {"@context": {"@vocab": "http://schema.org/", "schema": "http://schema.org/",
                            **{p: {"@id": f"schema:{p}", "@type": "@id"}
                               for p in ("url", "sameAs", "license")}}}  # fmt: skip
    crate_context = json.loads((files("rocrate") / "data" / "ro-crate.jsonld").read_text())
    urls = ["https://schema.org/", "https://schema.org", "http://schema.org/", "http://schema.org"]
    documents = {u: context for u in urls}
    documents["https://w3id.org/ro/crate/1.3/context"] = crate_context
    return FrozenDocumentLoader(documents)


def schema_org_terms() -> set[str]:
    from importlib.resources import files

    graph = json.loads((files("rocrate") / "data" / "schema.jsonld").read_text())["@graph"]
    return {node["@id"].removeprefix("schema:") for node in graph}


def test_schema_org_is_json_ld_with_what_search_engines_use(shipped) -> None:
    from pyld import jsonld

    document = json.loads(shipped["schema-org.jsonld"])
    for key in (
        "name",
        "description",
        "creator",
        "license",
        "keywords",
        "variableMeasured",
        "distribution",
        "isAccessibleForFree",
        "citation",
    ):
        assert document[key], key
    assert len(document["description"]) >= 50
    assert len(document["variableMeasured"]) == 31
    expanded = jsonld.expand(document, {"documentLoader": schema_org_loader()})
    quads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    assert quads.count("\n") > 200
    used = set(re.findall(r"<http://schema.org/(\w+)>", quads))
    assert used <= schema_org_terms(), used - schema_org_terms()


def test_citation_cff_follows_the_cff_schema(shipped, with_facts) -> None:
    schema = json.loads((SCHEMAS / "cff-1.2.0.schema.json").read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for files in (shipped, with_facts):
        cff = yaml.safe_load(files["CITATION.cff"])
        assert [e.message for e in validator.iter_errors(cff)] == []
    cff = yaml.safe_load(with_facts["CITATION.cff"])
    assert cff["doi"] == "10.5281/zenodo.1234567"
    assert cff["references"][0]["journal"] == "Example Journal of Rheumatology"
    assert cff["authors"][0]["orcid"] == "https://orcid.org/0000-0002-1825-0097"
    bad = dict(cff, type="datasett")
    assert list(validator.iter_errors(bad))


def test_ro_crate_is_written_by_rocrate_and_lists_the_files(shipped) -> None:
    from pyld import jsonld

    crate = json.loads(shipped["ro-crate-metadata.json"])
    assert crate["@context"] == "https://w3id.org/ro/crate/1.3/context"
    graph = {node["@id"]: node for node in crate["@graph"]}
    assert graph["ro-crate-metadata.json"]["conformsTo"]["@id"] == "https://w3id.org/ro/crate/1.3"
    root = graph["./"]
    assert {p["@id"] for p in root["hasPart"]} == {"data/episodes.csv", "episodes.sav"}
    assert root["datePublished"] == "2026-11-25"
    assert graph["data/episodes.csv"]["encodingFormat"] == "text/csv"
    assert jsonld.expand(crate, {"documentLoader": schema_org_loader()})


def zenodo_validator() -> jsonschema.Draft4Validator:
    schema = copy.deepcopy(json.loads((SCHEMAS / "zenodo-legacyrecord.json").read_text()))
    # What the API accepts besides the form schema, and what it requires (zenodo-api.md §2).
    schema["properties"].update({"version": {"type": "string"}, "language": {"type": "string"}})
    schema["required"] = ["upload_type", "title", "creators", "description", "access_right"]
    return jsonschema.Draft4Validator(schema)


def test_zenodo_metadata_follow_the_deposit_schema_and_rules(shipped, with_facts) -> None:
    validator = zenodo_validator()
    for files in (shipped, with_facts):
        metadata = json.loads(files["zenodo.json"])["metadata"]
        assert [e.message for e in validator.iter_errors(metadata)] == []
        assert metadata["upload_type"] == "dataset" and len(metadata["title"]) >= 3
        assert len(metadata["description"]) >= 3 and metadata["creators"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", metadata["publication_date"])
        assert metadata["access_right"] == "open" and metadata["license"] == "cc-by-4.0"
        for creator in metadata["creators"]:
            assert re.fullmatch(r"[^,]+(, .+)?", creator["name"])
    metadata = json.loads(with_facts["zenodo.json"])["metadata"]
    assert metadata["related_identifiers"] == [
        {"identifier": "10.1234/example.letter", "relation": "isSupplementTo", "scheme": "doi"}
    ]
    assert metadata["communities"] == [{"identifier": "rheumatology"}]
    assert metadata["creators"][0] == {
        "name": "Abreu, Catarina",
        "orcid": "0000-0002-1825-0097",
        "affiliation": "Rheumatology Department, Hospital Garcia de Orta, Unidade Local de "
        "Saúde Almada-Seixal, Almada, Portugal",
    }


def test_nothing_is_invented(shipped) -> None:
    text = b"".join(shipped.values()).decode()
    assert "orcid.org" not in text
    assert not re.search(r"10\.\d{4,9}/", text)
    facts = Facts.read(REPO)
    assert facts == Facts()  # publication.toml ships empty


@pytest.mark.parametrize(("line", "message"), [
    ('[orcid]\nAbreu = "0000-0002-1825-0098"', "ORCID iD of Abreu"),
    ('[organisation]\nror = "0abcdef12"', "[organisation] ror '0abcdef12' is not written as"),
    ('[organisation]\nemail = "research at hospital"', "[organisation] email"),
    ("[organisation]\nurl = \"hospital.example\"", "[organisation] url"),
    ('[article]\ndoi = "doi.org/10.1/x"', "is not a DOI"),
    ("[dataset\n", "not valid TOML"),
])  # fmt: skip
def test_bad_facts_are_input_errors(package: Path, tmp_path: Path, line: str,
                                    message: str) -> None:  # fmt: skip
    (package / "publication.toml").write_text(line + "\n")
    code, _, err = run("export", "metadata", *ACCEPT, str(package), "--output", str(tmp_path / "m"))
    assert code == 2 and message in err


def test_orcid_checksum() -> None:
    assert orcid_checksum_ok("0000-0002-1825-0097")
    assert orcid_checksum_ok("0000-0001-5109-3700")
    assert not orcid_checksum_ok("0000-0001-5109-3701")
