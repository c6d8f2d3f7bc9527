"""Every table dahpkg writes validates with no error when it holds valid data: the template
filled in, `dahpkg export xlsx` and `dahpkg export csv`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.export.template import DATA_SHEET
from dahpkg.package import shipped_schema

from support.helpers import ACCEPT, EPISODES_CSV, read_rows


def _validate(path: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["validate", str(path), "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["errors"] == 0 and report["episodes"] == 12 and report["patients"] == 10
    return report


def _typed(value: str, kind: str) -> object:
    """A cell as a person fills the template: numbers typed, yes/no picked from the list."""
    if value == "":
        return None
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return {"true": "Yes", "false": "No"}[value]
    return value


def test_the_template_filled_with_the_shipped_episodes_validates(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    template = tmp_path / "template.xlsx"
    assert CliRunner().invoke(main, ["template", "--output", str(template)]).exit_code == 0
    book = load_workbook(template)
    sheet = book[DATA_SHEET]
    names = [c.value for c in sheet[1]]
    kinds = {f.name: f.type for f in shipped_schema().fields}
    _, rows = read_rows(EPISODES_CSV)
    for row in rows:
        sheet.append([_typed(row[n], kinds[n]) for n in names])
    assert {sheet.cell(2, names.index("ivig") + 1).value, "Yes", "No"} == {"Yes", "No"}
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    report = _validate(filled)
    assert report["warnings"] == 0
    import dahpkg

    # The how-to sheet is read by the privacy check too: none of its text looks like a name.
    assert dahpkg.disclosure_risk(filled).identifiers == ()


def test_the_csv_template_under_the_shipped_rows_validates(tmp_path: Path) -> None:
    template = tmp_path / "entry.csv"
    result = CliRunner().invoke(main, ["template", "--format", "csv", "--output", str(template)])
    assert result.exit_code == 0, result.output
    with template.open(encoding="utf-8", newline="") as handle:
        (header,) = list(csv.reader(handle))
    _, rows = read_rows(EPISODES_CSV)
    with template.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # as the template's header row ends
        writer.writerows([row[n] for n in header] for row in rows)
    _validate(template)


def test_dahpkg_s_own_xlsx_export_validates(tmp_path: Path) -> None:
    exported = tmp_path / "episodes.xlsx"
    result = CliRunner().invoke(main, ["export", "xlsx", "--output", str(exported), *ACCEPT])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    data = load_workbook(exported).worksheets[0]
    assert {c.value for c in next(data.iter_cols(min_col=28, max_col=28, min_row=2))} <= {
        "Yes",
        "No",
    }, "the export writes yes/no as Yes/No, the spelling the reader must accept"
    _validate(exported)


def test_dahpkg_s_own_csv_export_validates(tmp_path: Path) -> None:
    exported = tmp_path / "episodes.csv"
    result = CliRunner().invoke(main, ["export", "csv", "--output", str(exported), *ACCEPT])
    assert result.exit_code == 0, result.output
    _validate(exported)


def test_the_annotated_workbook_corrected_in_place_validates(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from support.helpers import row_of, write_rows

    header, rows = read_rows(EPISODES_CSV)
    row_of(rows, 1, 1)["sex"] = "female"
    source = tmp_path / "ours.csv"
    write_rows(source, header, rows)
    checked = tmp_path / "checked.xlsx"
    result = CliRunner().invoke(main, ["validate", str(source), "-q", "--annotate", str(checked)])
    assert result.exit_code == 1
    book = load_workbook(checked)
    cell = book.worksheets[0].cell(2, header.index("sex") + 1)
    assert cell.value == "female" and cell.comment is not None
    cell.value = "F"  # the centre corrects the marked cell in the annotated copy
    fixed = tmp_path / "fixed.xlsx"
    book.save(fixed)
    _validate(fixed)
