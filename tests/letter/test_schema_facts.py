"""Facts about the fields come from the Table Schema: what describes the patient, and the
disease groups. Changing them in a copy of the package changes what the letter's stages do."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import dahpkg
from dahpkg import privacy
from dahpkg.package import shipped_schema
from dahpkg.validation.rules import rule


def edit_schema(package: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema), encoding="utf-8")
    return package


def field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def test_a_summary_line_counts_on_the_level_its_field_declares(package: Path) -> None:
    shipped = dahpkg.summarise().line("Tobacco exposure")
    assert (shipped.unit, shipped.cells["Overall"].denominator) == ("patients", 10)
    edit_schema(package, lambda s: field(s, "tobacco_exposure").__setitem__("level", "episode"))
    line = dahpkg.summarise(package).line("Tobacco exposure")
    assert (line.unit, line.cells["Overall"].denominator) == ("episodes", 12)


def test_disease_groups_are_the_schemas(package: Path) -> None:
    assert dahpkg.summarise().groups == ("AAV", "SLE", "Overall")

    def regroup(schema: dict[str, Any]) -> None:
        for category in field(schema, "diagnosis")["categories"]:
            category["group"] = {"EGPA": "EGPA", "SLE": "CTD"}.get(category["value"], "AAV")

    edit_schema(package, regroup)
    table = dahpkg.summarise(package)
    assert table.groups == ("AAV", "EGPA", "CTD", "Overall")
    assert (table.patients["AAV"], table.patients["EGPA"], table.patients["CTD"]) == (4, 1, 5)
    claims = {r.claim.id: r for r in dahpkg.reproduce(package).results}
    assert claims["aav-patients"].observed == "4 of 10 patients"  # AAV as this schema says


def test_the_privacy_check_counts_patient_fields_once_per_patient(package: Path) -> None:
    frame = dahpkg.load()
    _, attributes, _ = privacy.patient_table(frame, shipped_schema())
    assert attributes["Age at diagnosis"] == ["age_at_diagnosis"]
    assert attributes["Age at DAH"] == ["age_at_dah #1", "age_at_dah #2"]
    edit_schema(package, lambda s: field(s, "age_at_diagnosis").__setitem__("level", "episode"))
    schema = dahpkg.open(package).schema
    _, attributes, _ = privacy.patient_table(frame, schema)
    assert attributes["Age at diagnosis"] == ["age_at_diagnosis #1", "age_at_diagnosis #2"]


def test_the_patient_constant_rule_reads_the_dictionarys_patient_fields() -> None:
    columns = rule("patient-constant").columns
    assert columns == (*shipped_schema().patient_attributes, "patient_id", "episode")


def test_a_schema_without_levels_or_groups_takes_the_dictionarys(package: Path) -> None:
    # A package made before dahpkg declared them reads as it did then.
    def strip(schema: dict[str, Any]) -> None:
        for item in schema["fields"]:
            item.pop("level", None)
            for category in item.get("categories", []):
                category.pop("group", None)

    edit_schema(package, strip)
    shipped = dahpkg.summarise()
    assert replace(dahpkg.summarise(package), source=shipped.source) == shipped
    claims = dahpkg.reproduce(package).to_dict()["claims"]
    assert claims == dahpkg.reproduce().to_dict()["claims"]
    mine, theirs = dahpkg.disclosure_risk(package).to_dict(), dahpkg.disclosure_risk().to_dict()
    assert (mine["risk"], mine["drivers"]) == (theirs["risk"], theirs["drivers"])


def test_summary_by_diagnosis_keeps_the_schemas_order() -> None:
    assert dahpkg.summarise(by="diagnosis").groups == ("GPA", "MPA", "EGPA", "SLE", "Overall")
