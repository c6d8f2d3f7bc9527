"""Awkward input a partner centre may send: each is reported, never lost or crashed on."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main

from support.helpers import EPISODES_CSV, read_rows, row_of, write_rows


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def csv_with(tmp_path: Path, edit) -> Path:
    header, rows = read_rows(EPISODES_CSV)
    edit(header, rows)
    path = tmp_path / "centre.csv"
    write_rows(path, header, rows)
    return path


@pytest.mark.parametrize("written", ["\u0665\u0662", "\uff15\uff12", "52.0", "1e2"])
def test_non_ascii_or_decimal_digits_are_type_errors(tmp_path: Path, written: str) -> None:
    path = csv_with(tmp_path, lambda h, rows: row_of(rows, 3, 1).update(age_at_diagnosis=written))
    report = dahpkg.validate(path)
    [finding] = [f for f in report.findings if f.rule == "schema-type"]
    assert (finding.patient_id, finding.column, finding.value) == (3, "age_at_diagnosis", written)
    assert not report.valid


@pytest.mark.parametrize("written", [" 52", "52 ", "52\t"])
def test_an_integer_with_spaces_around_it_is_a_finding(tmp_path: Path, written: str) -> None:
    # Treated as "GPA " is (issue 14), where frictionless would trim it silently.
    path = csv_with(tmp_path, lambda h, rows: row_of(rows, 3, 1).update(age_at_diagnosis=written))
    report = dahpkg.validate(path)
    [finding] = report.findings
    assert (finding.rule, finding.patient_id, finding.value) == ("schema-type", 3, written)
    assert "did you mean 52?" in finding.message and not report.valid


@pytest.mark.parametrize("written", ["052", "+52"])
def test_integers_read_as_frictionless_reads_them(tmp_path: Path, written: str) -> None:
    path = csv_with(tmp_path, lambda h, rows: row_of(rows, 3, 1).update(age_at_diagnosis=written))
    assert dahpkg.validate(path).valid
    assert (
        dahpkg.load(path).set_index(["patient_id", "episode"]).loc[(3, 1), "age_at_diagnosis"] == 52
    )


def test_rows_with_extra_or_missing_cells_are_findings(tmp_path: Path) -> None:
    lines = EPISODES_CSV.read_text().splitlines()
    lines[1] += ",x,y"  # patient 1: two cells too many
    lines[5] = lines[5].rsplit(",", 2)[0]  # patient 5: two cells too few
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n")
    report = dahpkg.validate(path)
    extra = [
        (f.row, f.patient_id, f.column) for f in report.findings if f.rule == "schema-extra-cell"
    ]
    short = [
        (f.row, f.patient_id, f.column) for f in report.findings if f.rule == "schema-missing-cell"
    ]
    assert extra == [(2, 1, "(cell 32)"), (2, 1, "(cell 33)")]
    assert short == [(6, 5, "antibiotics"), (6, 5, "survival_1y")]
    # The other cells of those rows are still checked: patient 5 was not given IVIg.
    assert report.result("ivig-sle-aps").failed == 0
    assert report.result("schema-required").failed == 2


def test_oversized_integer_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    path = csv_with(tmp_path, lambda h, rows: row_of(rows, 3, 1).update(patient_id="9" * 20))
    code, out, err = run("validate", str(path), "--format", "json")
    assert code == 1, err
    [finding] = [f for f in json.loads(out)["findings"] if f["rule"] == "schema-type"]
    assert "more than 18 digits" in finding["message"]
    assert finding["patient_id"] == "9" * 20  # as written, since it cannot be a number


def test_header_only_file_has_no_episodes(tmp_path: Path) -> None:
    path = tmp_path / "template.csv"
    path.write_text(EPISODES_CSV.read_text().splitlines()[0] + "\n")
    code, _, err = run("validate", str(path))
    assert code == 2 and "has a header row but no episodes" in err


def test_duplicated_and_blank_column_names(tmp_path: Path) -> None:
    lines = EPISODES_CSV.read_text().splitlines()
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([lines[0].replace("race", "sex"), *lines[1:]]) + "\n")
    code, _, err = run("validate", str(path))
    assert code == 2 and "'sex' appears twice (columns 3 and 4)" in err

    path = tmp_path / "trailing.csv"
    path.write_text("\n".join(line + "," for line in lines) + "\n")
    report = dahpkg.validate(path)
    [finding] = [f for f in report.findings if f.rule == "schema-no-unknown-fields"]
    assert finding.column == "(unnamed column 32)"


def test_semicolon_csv_from_a_spreadsheet(tmp_path: Path) -> None:
    header, rows = read_rows(EPISODES_CSV)
    row_of(rows, 2, 1)["ivig"] = "true"
    lines = [";".join(header)] + [";".join(r[c] for c in header) for r in rows]
    path = tmp_path / "centre.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run("validate", str(path), "--format", "json")
    assert code == 1
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["ivig-sle-aps"]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def episode_rows() -> list[list[object]]:
    header, rows = read_rows(EPISODES_CSV)
    return [header] + [[r[c] for c in header] for r in rows]


def test_xlsx_data_sheet_is_found_and_named(tmp_path: Path) -> None:
    path = workbook(tmp_path / "c.xlsx", {"Notes": [["read me"]], "Episodes 2024": episode_rows()})
    code, out, _ = run("validate", str(path))
    assert code == 0, out
    assert "sheet 'Episodes 2024'" in " ".join(out.split())  # the report is wrapped


def test_xlsx_formula_is_reported_not_dropped(tmp_path: Path) -> None:
    rows = episode_rows()
    rows[10][rows[0].index("age_at_dah")] = "=28+0"
    path = workbook(tmp_path / "f.xlsx", {"episodes": rows})
    report = dahpkg.validate(path)
    [finding] = [f for f in report.findings if f.rule == "schema-type"]
    assert finding.row == 11 and "formula" in finding.message


def test_empty_sheet_is_unreadable(tmp_path: Path) -> None:
    path = workbook(tmp_path / "e.xlsx", {"episodes": []})
    code, _, err = run("validate", str(path))
    assert code == 2 and "sheet 'episodes' is empty" in err


def test_unwritable_output_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run("validate", "--output", str(blocker / "report.txt"))
    assert code == 2 and err.startswith("Error: cannot write")


def schema_edit(package: Path, edit) -> Path:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text())
    edit(schema)
    path.write_text(json.dumps(schema))
    return package


def field(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.__setitem__("fields", ["patient_id"]), "does not follow the tableschema"),
        (lambda s: field(s, "sex").__setitem__("constraints", "required"), "fields/2"),
        (lambda s: s.__setitem__("missingValues", None), "at missingValues"),
        (lambda s: field(s, "icu").__setitem__("trueValues", "true"), "trueValues"),
        (
            lambda s: field(s, "age_at_dah")["constraints"].__setitem__("minimum", "0"),
            "age_at_dah has a minimum or maximum that is not a number",
        ),
        (lambda s: s.__setitem__("primaryKey", ["patient"]), "undeclared field(s) patient"),
        (lambda s: field(s, "icu").__setitem__("type", "date"), "cannot check: date"),
    ],
)
def test_malformed_schema_exits_2(package: Path, edit, message: str) -> None:
    code, out, err = run("validate", str(schema_edit(package, edit)))
    assert code == 2, out + err
    assert message in err and err.count("\n") == 1


def test_a_rule_column_of_another_type_skips_the_rule(package: Path) -> None:
    schema_edit(package, lambda s: field(s, "ivig").__setitem__("type", "string"))
    report = dahpkg.validate(package)
    result = report.result("ivig-sle-aps")
    assert result.status == "not checked" and "ivig as boolean, not string" in result.skipped
    assert not report.valid
    assert "1 rules not checked" in report.headline()


def test_multipart_path_is_explained(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["resources"][0]["path"] = ["data/episodes.csv"]
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    code, _, err = run("validate", str(package))
    assert code == 2 and "has several parts; dahpkg reads a single file" in err
