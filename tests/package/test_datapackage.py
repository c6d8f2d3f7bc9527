"""The Frictionless Data Package: descriptor, Table Schema, metadata and the data contract."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from support.helpers import REPO

PROFILES = REPO / "src" / "dahpkg" / "package" / "profiles"
DESCRIPTOR = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
SCHEMA = json.loads((REPO / "schema" / "episodes.schema.json").read_text(encoding="utf-8"))

# The data dictionary of issue 2: these names, in this order, are the contract.
CONTRACT = [
    "patient_id",
    "episode",
    "sex",
    "race",
    "tobacco_exposure",
    "diagnosis",
    "aps",
    "age_at_diagnosis",
    "age_at_dah",
    "dah_inaugural",
    "fever",
    "dyspnoea",
    "haemoptysis",
    "cough",
    "chest_pain",
    "haemoglobin_drop",
    "polyneuropathy",
    "mononeuropathy_multiplex",
    "proteinuria",
    "rpgn",
    "sars_cov2_infection",
    "mas",
    "oral_gc",
    "iv_gc",
    "cyclophosphamide",
    "plasma_exchange",
    "ivig",
    "imv",
    "icu",
    "antibiotics",
    "survival_1y",
]


def profile(name: str) -> dict:
    return json.loads((PROFILES / name).read_text(encoding="utf-8"))


def test_frictionless_validates_the_package() -> None:
    from frictionless import Package

    report = Package(str(REPO / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])
    assert {t.name: t.stats["rows"] for t in report.tasks} == {
        "episodes": 12,
        "inferences": 15,
        "table1": 12,
    }


def test_descriptor_and_schemas_follow_the_v2_profiles() -> None:
    assert DESCRIPTOR["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    jsonschema.validate(DESCRIPTOR, profile("datapackage.json"))
    for resource in DESCRIPTOR["resources"]:
        schema = json.loads((REPO / resource["schema"]).read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://datapackage.org/profiles/2.0/tableschema.json"
        jsonschema.validate(schema, profile("tableschema.json"))


def test_episodes_resource_points_to_its_schema_by_path() -> None:
    [episodes] = [r for r in DESCRIPTOR["resources"] if r["name"] == "episodes"]
    assert episodes["path"] == "data/episodes.csv"
    assert episodes["schema"] == "schema/episodes.schema.json"


def test_the_data_dictionary_is_the_contract() -> None:
    assert [f["name"] for f in SCHEMA["fields"]] == CONTRACT
    assert SCHEMA["primaryKey"] == ["patient_id", "episode"]
    types = {f["name"]: f["type"] for f in SCHEMA["fields"]}
    assert {n for n, t in types.items() if t == "integer"} == {
        "patient_id",
        "episode",
        "age_at_diagnosis",
        "age_at_dah",
    }
    assert {n for n, t in types.items() if t == "string"} == {"sex", "race", "diagnosis"}
    optional = {f["name"] for f in SCHEMA["fields"] if not f.get("constraints", {}).get("required")}
    assert optional == {"age_at_dah", "haemoglobin_drop"}


@pytest.mark.parametrize("field", SCHEMA["fields"], ids=lambda f: f["name"])
def test_every_field_is_documented(field: dict) -> None:
    assert field["title"] and len(field["description"]) > 20
    if "categories" in field:
        values = [c["value"] for c in field["categories"]]
        assert all(c["label"] for c in field["categories"])
        # frictionless 5.21 ignores categories: the enum is what it enforces.
        assert field["constraints"]["enum"] == values


def test_categories_match_the_dictionary() -> None:
    cats = {
        f["name"]: [c["value"] for c in f["categories"]]
        for f in SCHEMA["fields"]
        if "categories" in f
    }
    assert cats == {
        "sex": ["F", "M"],
        "race": ["White", "Black", "Asian"],
        "diagnosis": ["GPA", "MPA", "EGPA", "SLE"],
    }


def test_missing_values_carry_labels() -> None:
    assert SCHEMA["missingValues"] == [{"value": "", "label": "not recorded"}]


def test_metadata_names_the_letter_and_its_authors() -> None:
    for key in ("name", "title", "description", "version", "created", "licenses", "keywords"):
        assert DESCRIPTOR[key], key
    families = [c["familyName"] for c in DESCRIPTOR["contributors"]]
    assert families == ["Abreu", "Fraga", "Morais Castro", "Sousa", "Duarte", "Santos"]
    affiliation = (
        "Rheumatology Department, Hospital Garcia de Orta, Unidade Local de Saúde "
        "Almada-Seixal, Almada, Portugal"
    )
    assert all(
        c["organization"] == affiliation and "creator" in c["roles"]
        for c in DESCRIPTOR["contributors"]
    )
    [source] = DESCRIPTOR["sources"]
    assert (
        "Management and outcome of immune-mediated diffuse alveolar hemorrhage" in source["title"]
    )
    # The letter prints no DOI of its own: none may appear in the metadata.
    assert not re.search(r"10\.\d{4,9}/", json.dumps(DESCRIPTOR))
    assert "doi.org" not in json.dumps(DESCRIPTOR)
