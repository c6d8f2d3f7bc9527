"""CITATION.cff against the Citation File Format 1.2.0 JSON Schema (the one cffconvert 2.0.0
ships), checked with jsonschema directly: cffconvert 2.x pins jsonschema < 4."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from metadata_bundles import DOI, ORCIDS

from support.helpers import REPO

SCHEMA = REPO / "tests" / "support" / "schemas" / "cff-1.2.0.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def problems(validator: jsonschema.Draft7Validator, cff: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(cff)]


@pytest.mark.parametrize("bundle", ["released", "cited", "deposited"])
def test_citation_cff_follows_the_schema_with_and_without_a_doi(validator, bundle,
                                                                request) -> None:  # fmt: skip
    cff = yaml.safe_load(request.getfixturevalue(bundle).files["CITATION.cff"])
    assert problems(validator, cff) == []
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    if bundle == "released":
        assert "doi" not in cff and "identifiers" not in cff  # unknown: left out
    else:
        assert cff["doi"] == DOI


def test_the_authors_orcid_ids_are_cited(cited) -> None:
    cff = yaml.safe_load(cited.files["CITATION.cff"])
    assert [a["orcid"] for a in cff["authors"]] == [
        f"https://orcid.org/{o}" for o in ORCIDS.values()
    ]


@pytest.mark.parametrize(("key", "value", "where"), [
    ("doi", "zenodo.1234567", "doi"),
    ("type", "datasett", "type"),
    ("date-released", "25/11/2026", "date-released"),
])  # fmt: skip
def test_a_wrong_value_is_caught(validator, cited, key, value, where) -> None:
    """The check can fail: the file with a DOI, type or date the schema refuses."""
    cff = dict(yaml.safe_load(cited.files["CITATION.cff"]), **{key: value})
    assert any(p.startswith(where) for p in problems(validator, cff))
