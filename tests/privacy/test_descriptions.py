"""The package's own words are published with its data: direct identifiers written in the
titles, descriptions and notes of the descriptor or of a Table Schema are found, reported by
file and JSON path without being quoted, and block a release as identifiers in cells do. The
publication's authors and references, which are there legitimately, are not searched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dahpkg import privacy
from dahpkg.cli import main

from support.helpers import ACCEPT

# What a description must never say: a name, a record (or phone) number and a birth date.
PATIENT = "as for patient João Silva, NHS number 943 476 5919, born 12/03/1961"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def edit_json(path: Path, change: Any) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


def found(package: Path, **options: Any) -> set[tuple[str, str, str]]:
    """(file relative to the package, JSON path, kind) of every identifier in metadata."""
    report = privacy.check(package, **options)
    return {(Path(i.file).relative_to(package).as_posix(), i.json_path or "", i.kind)
            for i in report.identifiers if i.in_metadata}  # fmt: skip


def test_a_field_description_naming_a_patient_is_caught(package: Path) -> None:
    def describe(schema: dict[str, Any]) -> None:
        schema["fields"][3]["description"] += " " + PATIENT

    edit_json(package / "schema" / "episodes.schema.json", describe)
    where = ("schema/episodes.schema.json", "fields[3].description")
    assert found(package) == {(*where, privacy.DATE), (*where, privacy.PHONE),
                              (*where, privacy.NAME)}  # fmt: skip
    code, out, err = run("privacy", str(package))
    assert code == 1, err
    line = (f"ERROR  {package / 'schema' / 'episodes.schema.json'}, fields[3].description: "
            "the text looks like it holds a full date (only the year may be released)")  # fmt: skip
    assert line in out
    assert "FAIL        No date element other than the year: found" in out
    for secret in ("Silva", "943", "5919", "1961"):
        assert secret not in out + err


def test_an_inline_schema_and_the_descriptor_are_searched(package: Path, tmp_path: Path) -> None:
    """A schema written in the descriptor is reported at its path there; the package's and a
    resource's titles, descriptions and keywords are searched as well."""
    schema = json.loads((package / "schema" / "episodes.schema.json").read_text())
    schema["fields"][3]["description"] = "Ask maria.garcia@hospital.example about this one."

    def inline(descriptor: dict[str, Any]) -> None:
        descriptor["resources"][0]["schema"] = schema
        descriptor["description"] += " Call +351 912 345 678 for the originals."
        descriptor["resources"][2]["title"] = "Maria Garcia Lopez"
        descriptor["keywords"].append("seen by John Smith")

    edit_json(package / "datapackage.json", inline)
    assert found(package) == {
        ("datapackage.json", "description", privacy.PHONE),
        ("datapackage.json", "keywords[10]", privacy.NAME),
        ("datapackage.json", "resources[0].schema.fields[3].description", privacy.EMAIL),
        ("datapackage.json", "resources[2].title", privacy.NAME),
    }
    target = tmp_path / "s.zip"
    code, _, err = run("export", "supplement", str(package), *ACCEPT, "--output", str(target))
    assert code == 1 and not target.exists()
    assert "4 direct identifier(s) found: nothing may leave the machine" in err
    assert "datapackage.json, resources[0].schema.fields[3].description: the text looks " in err
    assert "Remove them from the package's titles, descriptions and notes (" in err
    assert "maria.garcia" not in err and "912" not in err and "Lopez" not in err


def test_the_publications_people_and_references_are_not_searched(package: Path) -> None:
    """Contributors (the letter's authors, with a contact e-mail and phone), the sources cited
    (with the dates the letter was submitted and accepted) and the licences name the
    publication, not a patient; an author named in a description is not a patient either."""

    def credit(descriptor: dict[str, Any]) -> None:
        descriptor["contributors"][1]["email"] = "v.fraga@hospital.example"
        descriptor["contributors"][1]["phone"] = "+351 212 940 294"
        descriptor["sources"][0]["note"] += " Revised on 2 May 2025."
        descriptor["resources"][2]["description"] += " Transcribed by Catarina Abreu."

    edit_json(package / "datapackage.json", credit)
    assert found(package) == set()
    assert run("privacy", str(package), "--min-k", "1")[0] == 0


@pytest.mark.parametrize(
    "text",
    ["Goodpasture Syndrome", "Recorded between May 2005 and June 2023", "Age at DAH (years)",
     "Plasma Exchange", "by Kawasaki Disease criteria", "Rituximab 375 mg/m2, 4 doses"],
)  # fmt: skip
def test_clinical_wording_in_a_description_is_not_an_identifier(package: Path, text: str) -> None:
    def describe(schema: dict[str, Any]) -> None:
        schema["fields"][8]["title"] = text
        schema["fields"][8]["description"] = text

    edit_json(package / "schema" / "episodes.schema.json", describe)
    assert found(package) == set()


def test_a_reviewed_text_is_cleared(package: Path) -> None:
    """An eponym read as a name is cleared by its whole text, as a cell is."""

    def describe(schema: dict[str, Any]) -> None:
        schema["fields"][0]["title"] = "Churg Strauss"

    edit_json(package / "schema" / "inferences.schema.json", describe)
    where = ("schema/inferences.schema.json", "fields[0].title")
    assert found(package) == {(*where, privacy.NAME)}
    assert found(package, not_identifiers=["churg  strauss"]) == set()


def test_the_json_report_gives_the_path(package: Path) -> None:
    def describe(schema: dict[str, Any]) -> None:
        schema["fields"][2]["description"] = "Born 1961-03-12."

    edit_json(package / "schema" / "table1.schema.json", describe)
    code, out, _ = run("privacy", str(package), "--format", "json")
    (entry,) = json.loads(out)["direct_identifiers"]
    assert code == 1 and entry["json_path"] == "fields[2].description"
    assert entry["file"].endswith("table1.schema.json") and entry["column"] is None
    assert (entry["kind"], entry["cells"], entry["in_column_name"]) == (privacy.DATE, 0, False)
