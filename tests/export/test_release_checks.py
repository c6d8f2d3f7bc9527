"""What goes into a release is checked first: every table against its own schema, column names
that every exported format takes, no live formula, a date a zip can hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dahpkg.cli import main

from support.helpers import ACCEPT, read_rows, write_rows


def export(package: Path) -> tuple[int, str, Path]:
    output = package.parent / "out.zip"
    result = CliRunner().invoke(
        main, ["export", "supplement", str(package), "--output", str(output), *ACCEPT]
    )
    return result.exit_code, result.stderr, output


def inferences(package: Path, edit) -> Path:
    path = package / "data" / "inferences.csv"
    header, rows = read_rows(path)
    edit(header, rows)
    write_rows(path, header, rows)
    return package


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda h, rows: rows[2].update(patient_id="seven"),
            "patient_id: Patient: 'seven' is not a whole number",
        ),
        (lambda h, rows: [h.append("note"), rows[0].update(note="x")], "note"),
        (lambda h, rows: rows[0].update(basis=""), "row 2"),
    ],
    ids=["non-numeric patient id", "undeclared column", "required value missing"],
)
def test_a_companion_table_breaking_its_schema_is_refused(package: Path, edit, message) -> None:
    code, err, output = export(inferences(package, edit))
    assert code == 1, err
    assert "data/inferences.csv (the 'inferences' table) goes into the release" in err
    assert "does not follow its Table Schema (1 problem(s))" in err
    assert message in err and not output.exists()


def test_a_formula_cell_in_a_companion_table_is_refused(package: Path) -> None:
    code, err, output = export(inferences(package, lambda h, rows: rows[4].update(basis="=1+2")))
    assert code == 1, err
    assert "1 cell(s) of column basis (row(s) 6) start with =, +, -, @" in err
    assert not output.exists()


def test_table_one_prints_a_dash_that_is_no_formula(package: Path) -> None:
    code, err, output = export(package)
    assert code == 0, err and output.is_file()


def rename_field(package: Path, old: str, new: str) -> Path:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == old)["name"] = new
    path.write_text(json.dumps(schema), encoding="utf-8")
    header, rows = read_rows(package / "data" / "episodes.csv")
    for row in rows:
        row[new] = row.pop(old)
    write_rows(package / "data" / "episodes.csv", [new if h == old else h for h in header], rows)
    return package


@pytest.mark.parametrize("name", ["=1+2", "a" * 41, "with space", "TO", "1st_episode", "fièvre"])
def test_a_column_name_no_format_takes_is_refused(package: Path, name: str) -> None:
    code, err, output = export(rename_field(package, "fever", name))
    assert code == 2, err
    assert "1 column name(s) cannot be used in every exported format" in err
    assert repr(name[:40]) in err and "Traceback" not in err
    assert not output.exists()


@pytest.mark.parametrize(
    ("created", "message"),
    [
        ("2150-01-01T00:00:00Z", "outside the years 1980 to 2107"),
        ("1970-01-01T00:00:00Z", "outside the years 1980 to 2107"),
        ("yesterday", "is not a date and time"),
    ],
)
def test_a_creation_date_no_zip_can_hold_is_refused(package: Path, created, message) -> None:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["created"] = created
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    code, err, output = export(package)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert not output.exists()
