"""Which sheet of a workbook holds the episodes (issue 14, item 5).

Each workbook carries the shipped episode table on one sheet, and something else beside it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.errors import DataError, InputError
from dahpkg.package import open_package

from support.helpers import EPISODES_CSV

ROWS = list(csv.reader(EPISODES_CSV.read_text(encoding="utf-8").splitlines()))
PIVOT = [["diagnosis", "episodes"], ["GPA", 3], ["SLE", 5]]


def workbook(path: Path, sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


def test_a_pivot_sheet_named_data_is_not_taken_for_the_episodes(tmp_path: Path) -> None:
    # The case of issue 14: "Pivot data" was read ("1 episodes of 0 patients").
    path = workbook(tmp_path / "c.xlsx", {"Sheet1": ROWS, "Pivot data": PIVOT})
    report = dahpkg.validate(path)
    assert report.valid and (report.episodes, report.patients) == (12, 10)
    assert report.source.endswith("sheet 'Sheet1'")


def test_the_template_layout_reads_the_episodes_sheet(tmp_path: Path) -> None:
    # Sheets as the template has them: the hidden lists repeat most column names.
    lists = [[n for n in ROWS[0] if n not in ("patient_id", "episode")], ["F", "White"]]
    how_to = [["How to fill the episodes sheet"], ["column", "label"], *[[n] for n in ROWS[0]]]
    path = workbook(
        tmp_path / "t.xlsx",
        {"how to fill": how_to, "lists": lists, "episodes": ROWS},
        hidden=("lists",),
    )
    assert open_package(path).table().sheet == "episodes"
    assert dahpkg.validate(path).valid


def test_a_sheet_named_is_read_and_the_one_with_the_columns_named(tmp_path: Path) -> None:
    path = workbook(tmp_path / "c.xlsx", {"Sheet1": ROWS, "Pivot data": PIVOT})
    report = dahpkg.validate(open_package(path, sheet="Pivot data"))
    assert not report.valid and report.source.endswith("sheet 'Pivot data'")
    missing = [f for f in report.findings if f.rule == "schema-fields-present"]
    [absent] = [r.failed for r in report.results if r.rule.id == "schema-fields-present"]
    assert absent == len(ROWS[0]) - 1 and missing  # all but diagnosis
    hint = "the sheet 'Sheet1' has them: give --sheet \"Sheet1\" to read it instead"
    assert all(f.message.endswith(hint) for f in missing)
    with pytest.raises(DataError, match=hint):
        dahpkg.load(open_package(path, sheet="Pivot data"))


def test_a_sheet_that_is_not_there_lists_the_sheets(tmp_path: Path) -> None:
    path = workbook(tmp_path / "c.xlsx", {"Sheet1": ROWS, "Pivot data": PIVOT})
    with pytest.raises(InputError) as refused:
        open_package(path, sheet="Sheet 1").table()
    assert str(refused.value) == (
        f"{path} has no sheet named 'Sheet 1'; its sheets are 'Sheet1', 'Pivot data': give one "
        "of them to --sheet"
    )
    with pytest.raises(InputError, match="--sheet is for a workbook"):
        open_package(EPISODES_CSV, sheet="Sheet1")
    with pytest.raises(InputError, match=r"--sheet is for a workbook: the episodes of .* are CSV"):
        open_package(EPISODES_CSV.parent.parent, sheet="Sheet1")


def test_a_partial_sheet_is_chosen_over_one_with_fewer_columns(tmp_path: Path) -> None:
    # No sheet has every column: the one with the most is read, and its gaps reported.
    partial = [row[:-1] for row in ROWS]
    path = workbook(tmp_path / "c.xlsx", {"Notes": [["read me"]], "Sheet2": partial})
    report = dahpkg.validate(path)
    assert report.source.endswith("sheet 'Sheet2'")
    [missing] = [f for f in report.findings if f.rule == "schema-fields-present"]
    assert missing.column == ROWS[0][-1] and "--sheet" not in missing.message


def test_the_cli_takes_sheet(tmp_path: Path) -> None:
    path = workbook(tmp_path / "c.xlsx", {"Sheet1": ROWS, "Pivot data": PIVOT})
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "-q", str(path), "--sheet", "Pivot data"])
    assert result.exit_code == 1 and '--sheet "Sheet1"' in result.output
    result = runner.invoke(main, ["validate", "-q", str(path), "--sheet", "Nope"])
    assert result.exit_code == 2 and "its sheets are 'Sheet1', 'Pivot data'" in result.stderr
    assert "Traceback" not in result.output
