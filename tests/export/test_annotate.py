"""The annotated workbook: the centre's cells as written, each finding on its cell, every finding
listed with a link to it, row numbers as in the input, the input untouched."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from dahpkg.errors import InputError
from dahpkg.export import look
from dahpkg.export.annotate import FINDINGS_HEADER, FINDINGS_SHEET, annotate
from dahpkg.package import shipped_schema

from support.helpers import EPISODES_CSV, Edit, Rows, row_of


def _damage(header: list[str], rows: Rows) -> None:
    """Five kinds of mistake a hand-typed file has, each on a known row of the file."""
    row_of(rows, 1, 1)["sex"] = "female"  # row 2: not a category
    row_of(rows, 3, 1)["age_at_diagnosis"] = "=1+1"  # row 4: a formula, not a number
    row_of(rows, 4, 1)["diagnosis"] = "sle"  # row 5: case near-miss
    row_of(rows, 5, 1)["survival_1y"] = ""  # row 6: a required cell left blank
    row_of(rows, 7, 2)["ivig"] = "maybe"  # row 9: not yes or no


def _sheet_cells(path: Path) -> tuple[object, object]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return book.worksheets[0], book[FINDINGS_SHEET]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_csv_comes_back_with_each_finding_on_its_cell(
    broken: Callable[[Edit], Path], tmp_path: Path
) -> None:
    package = broken(_damage)
    source = package / "data" / "episodes.csv"
    before = _digest(source)
    out = tmp_path / "checked.xlsx"
    report = annotate(source, out)
    assert _digest(source) == before, "the original file is only read"
    data, listing = _sheet_cells(out)
    assert [c.value for c in data[1]] == list(shipped_schema().names)
    names = list(shipped_schema().names)

    def cell(row: int, column: str) -> object:
        return data.cell(row, names.index(column) + 1)

    for row, column, text in ((2, "sex", "'female'"), (4, "age_at_diagnosis", "'=1+1'"),
                              (5, "diagnosis", "did you mean SLE"), (6, "survival_1y", "required"),
                              (9, "ivig", "'maybe'")):  # fmt: skip
        marked = cell(row, column)
        assert marked.comment is not None and text in marked.comment.text, (row, column)
        assert marked.comment.text.startswith("error (")
        assert marked.fill.fgColor.rgb.endswith(look.FILLS["error"].lstrip("#"))
    formula = cell(4, "age_at_diagnosis")
    assert formula.value == "=1+1" and formula.data_type == "s", "written as text, not run"
    assert cell(2, "patient_id").value == "1" and cell(2, "patient_id").comment is None
    assert cell(3, "sex").fill.fgColor.rgb in ("00000000", None)
    # Every finding of the report is listed once, its row a link to its cell.
    header_row = next(r for r in listing.iter_rows() if r[0].value == "row")
    assert [c.value for c in header_row] == FINDINGS_HEADER
    listed = [r for r in listing.iter_rows(min_row=header_row[0].row + 1) if r[0].value]
    assert len(listed) == len(report.findings) == report.count("error") >= 5
    for row in listed:
        link = row[0].hyperlink
        assert link is not None and link.location.startswith("'episodes'!")
        target = link.location.split("!")[1]
        assert row[0].value == target.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), "rows as in the file"
        assert data[target].comment is not None
    assert not any("Not every finding" in str(c.value) for c in listing["A"][:3])


def test_every_finding_is_listed_beyond_the_report_s_cap(
    broken: Callable[[Edit], Path], tmp_path: Path
) -> None:
    def many(header: list[str], rows: Rows) -> None:
        for row in rows:
            row["sex"] = "female"

    source = broken(many) / "data" / "episodes.csv"
    report = annotate(source, tmp_path / "checked.xlsx")
    assert report.result("schema-category").failed == 12
    assert sum(f.rule == "schema-category" for f in report.findings) == 12
    data, _ = _sheet_cells(tmp_path / "checked.xlsx")
    assert sum(1 for c in data["C"][1:] if c.comment is not None) == 12


def test_findings_without_a_cell_go_on_the_row_or_the_header(
    broken: Callable[[Edit], Path], tmp_path: Path
) -> None:
    def drop_and_blank(header: list[str], rows: Rows) -> str:
        kept = [h for h in header if h != "cough"]
        lines = [",".join(kept)] + [",".join(r[h] for h in kept) for r in rows]
        lines.insert(3, "")  # a blank line: row 4 of the file
        lines.insert(4, ",,,")
        return "\n".join(lines) + "\n"

    source = broken(drop_and_blank) / "data" / "episodes.csv"
    annotate(source, tmp_path / "checked.xlsx")
    data, _ = _sheet_cells(tmp_path / "checked.xlsx")
    assert "cough" in data["A1"].comment.text, "a missing column is noted on the header"
    notes = {c.coordinate: c.comment.text for row in data.iter_rows() for c in row if c.comment}
    assert any("empty" in text for where, text in notes.items() if where.startswith("A")
               and where != "A1")  # fmt: skip


def test_a_workbook_comes_back_with_its_own_row_numbers(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    header, *rows = EPISODES_CSV.read_text(encoding="utf-8").splitlines()
    sheet.append(header.split(","))
    for line in rows:
        sheet.append([int(v) if v.isdigit() else {"true": "Yes", "false": "No"}.get(v, v)
                      for v in line.split(",")])  # fmt: skip
    sheet["D7"] = "Martian"  # race of the sixth episode: row 7 of the sheet
    source = tmp_path / "ours.xlsx"
    book.save(source)
    before = _digest(source)
    annotate(source, tmp_path / "checked.xlsx")
    assert _digest(source) == before
    data, listing = _sheet_cells(tmp_path / "checked.xlsx")
    assert data.title == "Sheet1"
    assert data["D7"].value == "Martian" and "'Martian'" in data["D7"].comment.text
    assert data["A7"].value == "6", "cells come back as written, as text"
    links = [r[0].hyperlink.location for r in listing.iter_rows() if r[0].hyperlink]
    assert links == ["'Sheet1'!D7"]


def test_a_valid_file_comes_back_clean(tmp_path: Path) -> None:
    report = annotate(EPISODES_CSV, tmp_path / "checked.xlsx")
    assert report.valid
    data, listing = _sheet_cells(tmp_path / "checked.xlsx")
    assert data.max_row == 13 and not any(c.comment for row in data.iter_rows() for c in row)
    assert "valid (0 errors" in listing["A1"].value


def test_the_input_is_never_the_output_and_an_existing_file_needs_force(
    broken: Callable[[Edit], Path], tmp_path: Path
) -> None:
    source = broken(_damage) / "data" / "episodes.csv"
    before = _digest(source)
    with pytest.raises(InputError, match="is the file being checked"):
        annotate(source, source)
    with pytest.raises(InputError, match="Excel file"):
        annotate(source, tmp_path / "checked.csv")
    out = tmp_path / "checked.xlsx"
    out.write_bytes(b"mine")
    with pytest.raises(InputError, match="add --force"):
        annotate(source, out)
    assert out.read_bytes() == b"mine" and _digest(source) == before
    annotate(source, out, force=True)
    assert out.read_bytes()[:2] == b"PK"


def test_two_runs_give_the_same_bytes(broken: Callable[[Edit], Path], tmp_path: Path) -> None:
    source = broken(_damage) / "data" / "episodes.csv"
    annotate(source, tmp_path / "one.xlsx")
    annotate(source, tmp_path / "two.xlsx")
    assert _digest(tmp_path / "one.xlsx") == _digest(tmp_path / "two.xlsx")


def test_a_confirmed_exception_is_marked_apart_with_its_reason(
    broken: Callable[[Edit], Path], tmp_path: Path
) -> None:
    def ivig_in_gpa(header: list[str], rows: Rows) -> None:
        row_of(rows, 2, 1)["ivig"] = "true"  # row 3: patient 2 has GPA

    source = broken(ivig_in_gpa) / "data" / "episodes.csv"
    confirmations = tmp_path / "confirmations.csv"
    confirmations.write_text(
        "patient_id,episode,rule,reason\n2,1,ivig-sle-aps,IVIg given for refractory disease\n",
        encoding="utf-8",
    )
    report = annotate(source, tmp_path / "checked.xlsx", confirmations=confirmations)
    assert report.valid
    data, listing = _sheet_cells(tmp_path / "checked.xlsx")
    marked = data.cell(3, list(shipped_schema().names).index("ivig") + 1)
    assert marked.comment.text.startswith("confirmed (ivig-sle-aps)")
    assert "refractory disease" in marked.comment.text
    assert marked.fill.fgColor.rgb.endswith(look.FILLS["confirmed"].lstrip("#"))
    rows = [[c.value for c in r] for r in listing.iter_rows() if r[4].value == "ivig-sle-aps"]
    assert len(rows) == 1 and rows[0][6] == "yes: IVIg given for refractory disease"
