"""What a refused cell's message tells a centre to write instead (issue 14, item 3).

Every case edits one cell of a copy of the shipped episodes; the accepted spellings and the
categories come from the shipped Table Schema, never from the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import dahpkg
from dahpkg.package import shipped_schema

from support.helpers import EPISODES_CSV, read_rows, row_of, write_rows


def one_finding(tmp_path: Path, column: str, written: str, patient: int = 3):
    header, rows = read_rows(EPISODES_CSV)
    row_of(rows, patient, 1)[column] = written
    path = tmp_path / "centre.csv"
    write_rows(path, header, rows)
    report = dahpkg.validate(path)
    assert not report.valid
    [finding] = report.findings
    key = written if column == "patient_id" else patient  # an unreadable id: as written
    assert (finding.patient_id, finding.column, finding.value) == (key, column, written)
    return finding


def test_a_refused_yes_no_lists_the_spellings_the_schema_accepts(tmp_path: Path) -> None:
    fever = shipped_schema().field("fever")
    finding = one_finding(tmp_path, "fever", "Talvez")
    assert finding.rule == "schema-type"
    first = f"write one of {fever.true_values[0]}, {fever.false_values[0]}"
    assert f"Fever: 'Talvez' is not yes or no; {first} (also accepted: " in finding.message
    others = [v for v in (*fever.true_values, *fever.false_values) if v not in ("Yes", "No")]
    assert finding.message.endswith(f"(also accepted: {', '.join(others)})")
    assert "Sim" in others and "Não" in others  # what a Portuguese centre types


@pytest.mark.parametrize(
    ("column", "written", "shown", "meant", "rule"),
    [
        ("diagnosis", "sle", "sle", "SLE", "schema-category"),
        ("diagnosis", "GPA ", "GPA\u2423", "GPA", "schema-category"),
        ("race", "\twhite", "\u21e5white", "White", "schema-category"),
        ("fever", "true ", "true\u2423", "true", "schema-type"),
        ("cough", "Sim ", "Sim\u2423", "Sim", "schema-type"),
        ("icu", "SIm", "SIm", "Sim", "schema-type"),
        ("patient_id", "3 ", "3\u2423", "3", "schema-type"),
        ("age_at_dah", "\u00a052", "\u237d52", "52", "schema-type"),
    ],
)
def test_a_near_miss_gets_did_you_mean(
    tmp_path: Path, column: str, written: str, shown: str, meant: str | None, rule: str
) -> None:
    finding = one_finding(tmp_path, column, written)
    assert finding.rule == rule
    assert f"'{shown}'" in finding.message  # the space a reader cannot see, shown
    if meant is None:  # a no-break space is not a blank pyarrow or frictionless trims
        assert "did you mean" not in finding.message
    else:
        assert f"did you mean {meant}?" in finding.message
        spaces = written != written.strip()
        assert ("without the spaces around it" in finding.message) is spaces


def test_an_id_with_a_space_is_refused_as_a_category_with_one_is(tmp_path: Path) -> None:
    # Both errors, so that "7 " is no longer silently read as patient 7.
    header, rows = read_rows(EPISODES_CSV)
    row_of(rows, 3, 1)["patient_id"] = "3 "
    row_of(rows, 4, 1)["diagnosis"] = "GPA "
    path = tmp_path / "centre.csv"
    write_rows(path, header, rows)
    report = dahpkg.validate(path)
    assert {(f.rule, f.severity, f.column) for f in report.findings} == {
        ("schema-type", "error", "patient_id"),
        ("schema-category", "error", "diagnosis"),
    }


def test_the_shipped_episodes_stay_valid() -> None:
    report = dahpkg.validate()
    assert report.valid and (report.episodes, report.patients) == (12, 10)


def test_a_clean_file_read_typed_still_refuses_a_spaced_number(tmp_path: Path) -> None:
    # A schema with the parser's own yes/no spellings is read typed by pyarrow, which trims
    # numbers: the file is scanned for a blank beside a delimiter first.
    import json
    import shutil

    from support.helpers import REPO

    target = tmp_path / "pkg"
    (target / "data").mkdir(parents=True)
    schema = json.loads((REPO / "schema" / "episodes.schema.json").read_text(encoding="utf-8"))
    for item in schema["fields"]:
        item.pop("trueValues", None)
        item.pop("falseValues", None)
    (target / "schema").mkdir()
    (target / "schema" / "episodes.schema.json").write_text(json.dumps(schema), "utf-8")
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "episodes"]
    (target / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    shutil.copy(EPISODES_CSV, target / "data" / "episodes.csv")
    assert dahpkg.validate(target).valid
    header, rows = read_rows(EPISODES_CSV)
    row_of(rows, 3, 1)["age_at_dah"] = " 52"
    write_rows(target / "data" / "episodes.csv", header, rows)
    [finding] = dahpkg.validate(target).findings
    assert (finding.rule, finding.value) == ("schema-type", " 52")
    assert "did you mean 52?" in finding.message


def test_a_repeated_key_is_quoted_with_its_spaces_shown(tmp_path: Path) -> None:
    header, rows = read_rows(EPISODES_CSV)
    row = row_of(rows, 3, 1)
    row["patient_id"] = "3 "
    rows.append(dict(row))  # the same row twice
    path = tmp_path / "centre.csv"
    write_rows(path, header, rows)
    [repeated] = [f for f in dahpkg.validate(path).findings if f.rule == "schema-primary-key"]
    assert repeated.message.startswith("Patient 3\u2423, ")
