"""Columns of free text (issue 14): one the Table Schema does not declare blocks a release and
is named with what to do; a declared text field without categories or a pattern is listed for
the authors to read. Copies of the shipped package, broken on purpose."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from dahpkg import privacy
from dahpkg.cli import main
from dahpkg.errors import DataError
from dahpkg.privacy.freetext import TEXT

from support.helpers import EPISODES_CSV, Edit, Rows, read_rows, write_rows

NOTE = "Admitted to ICU with DAH; PLEX and IVIg given, SARS-CoV-2 negative"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def add(column: str, values: dict[int, str]) -> Edit:
    """A column after the last, holding values[n] on the n-th data row (row n + 2)."""

    def edit(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
        return [*header, column], [{**r, column: values.get(n, "")} for n, r in enumerate(rows)]

    return edit


def test_the_shipped_package_declares_every_column_and_lists_its_free_text() -> None:
    report = privacy.check()
    assert report.undeclared == ()
    assert [(f.file, f.column) for f in report.free_text] == [
        ("data/inferences.csv", "column"),
        ("data/inferences.csv", "value"),
        ("data/inferences.csv", "basis"),
        ("data/raw/table1.tsv", "Race"),
        ("data/raw/table1.tsv", "Diagnosis"),
        ("data/raw/table1.tsv", "Symptoms"),
        ("data/raw/table1.tsv", "Other relevant manifestations"),
    ]
    # Table I's "Other relevant manifestations" is filled on 8 of its 12 rows.
    manifestations = report.free_text[-1]
    assert (manifestations.cells, manifestations.rows[:3]) == (8, (2, 3, 4))
    text = privacy.render_text(report)
    assert "REVIEW data/raw/table1.tsv: free text in 'Race', 'Diagnosis'" in text
    assert "read them for names, initials, dates and places" in text


def test_an_undeclared_notes_column_blocks_and_says_what_to_do(
    broken: Callable[[Edit], Path],
) -> None:
    package = broken(add("notes", {0: NOTE, 3: "stable", 5: "72"}))
    report = privacy.check(package)
    assert report.identifiers == ()  # an initials-free clinical note
    # "72" is no text: two cells of the column hold text.
    assert [(f.file, f.column, f.cells, f.rows, f.declared) for f in report.undeclared] == [
        ("data/episodes.csv", "notes", 2, (2, 5), False)
    ]
    assert report.blocks and "free text not in the data dictionary" in report.headline()
    with pytest.raises(DataError, match="not in the data dictionary") as caught:
        privacy.gate(report, "consent")
    assert "Remove the column, or declare it in the Table Schema" in str(caught.value)
    code, out, err = run("privacy", str(package))
    assert code == 1 and "Traceback" not in err
    assert "ERROR  data/episodes.csv, column 'notes' is not in the data dictionary" in out
    assert "an unknown column never leaves the machine" in out
    assert "blocked until those columns are removed from the file or declared" in out
    code, out, _ = run("privacy", str(package), "--format", "json")
    assert json.loads(out)["free_text"][0] == {
        "file": "data/episodes.csv",
        "column": "notes",
        "declared": False,
        "cells": 2,
        "rows": [2, 5],
    }


@pytest.mark.parametrize(
    "values",
    [{0: "72", 1: "81.5"}, {0: "Y", 1: "N"}, {}, {0: "✓", 1: "X", 2: "-"}],
    ids=["numbers", "single letters", "empty", "marks"],
)
def test_an_unknown_column_without_text_is_no_free_text(
    broken: Callable[[Edit], Path], values: dict[int, str]
) -> None:
    report = privacy.check(broken(add("extra", values)))
    assert "extra" not in [f.column for f in report.free_text] and report.undeclared == ()


def test_a_loose_file_names_its_unknown_column(tmp_path: Path) -> None:
    header, rows = read_rows(EPISODES_CSV)
    path = tmp_path / "cases.csv"
    write_rows(path, [*header, "comentário"], [{**r, "comentário": "alta"} for r in rows])
    code, out, _ = run("privacy", str(path))
    assert code == 1
    assert f"{path}, column 'comentário' is not in the data dictionary, and 12 cell(s)" in out


def test_a_column_named_like_an_identifier_is_masked(broken: Callable[[Edit], Path]) -> None:
    report = privacy.check(broken(add("maria.silva@hospital.pt", {0: "called back"})))
    assert [f.column for f in report.undeclared] == ["m… (23 characters)"]
    assert "maria" not in privacy.render_text(report)


def test_an_unknown_column_of_a_companion_table_is_found(package: Path) -> None:
    path = package / "data" / "inferences.csv"
    header, rows = read_rows(path)
    write_rows(path, [*header, "comment"], [{**r, "comment": "checked"} for r in rows])
    report = privacy.check(package)
    assert [(f.file, f.column, f.cells) for f in report.undeclared] == [
        ("data/inferences.csv", "comment", len(rows))
    ]


def declare_notes(package: Path) -> None:
    """The episodes' Table Schema declares a free-text "notes" field."""
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"].append(
        {
            "name": "notes",
            "type": "string",
            "title": "Notes",
            "description": "Free text about the episode.",
        }
    )
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")


def test_a_declared_free_text_field_is_listed_for_review(package: Path) -> None:
    declare_notes(package)
    path = package / "data" / "episodes.csv"
    header, rows = read_rows(path)
    write_rows(
        path,
        [*header, "notes"],
        [{**r, "notes": NOTE if n == 2 else ""} for n, r in enumerate(rows)],
    )
    report = privacy.check(package, min_k=1)
    assert report.undeclared == () and not report.blocks
    assert ("data/episodes.csv", "notes", 1, (4,), True) in [
        (f.file, f.column, f.cells, f.rows, f.declared) for f in report.free_text
    ]
    code, out, _ = run("privacy", str(package), "--min-k", "1")
    assert code == 0 and "REVIEW data/episodes.csv: free text in 'notes' (1 cell(s)" in out
    # The same field with a patient's initials: a direct identifier, whatever the schema says.
    write_rows(
        path,
        [*header, "notes"],
        [{**r, "notes": "patient JMS" if n == 2 else ""} for n, r in enumerate(rows)],
    )
    code, out, _ = run("privacy", str(package), "--min-k", "1")
    assert code == 1 and "column 'notes': 1 cell(s) look like a person's initials (row 4;" in out


@pytest.fixture
def text_searches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The searches for text in pyarrow's regex engine, one entry per call."""
    calls: list[str] = []
    original = pc.match_substring_regex

    def counted(strings: Any, pattern: str, *args: Any, **kwargs: Any) -> Any:
        if pattern == TEXT:
            calls.append(pattern)
        return original(strings, pattern, *args, **kwargs)

    monkeypatch.setattr(pc, "match_substring_regex", counted)
    yield calls


def test_a_wide_file_of_text_is_searched_once(tmp_path: Path, text_searches: list[str]) -> None:
    header, rows = read_rows(EPISODES_CSV)
    extra = [f"note_{i}" for i in range(2000)]
    for n, row in enumerate(rows):
        row.update({label: f"text {i % 7}" if n == 0 else "" for i, label in enumerate(extra)})
    path = tmp_path / "wide.csv"
    write_rows(path, [*header, *extra], rows)
    report = privacy.check(path)
    assert text_searches == [TEXT]  # one search for the file, not one per column
    assert [(f.column, f.rows) for f in report.undeclared] == [(n, (2,)) for n in extra]
    text = privacy.render_text(report)
    assert "and 1980 more column(s) of text not in the data dictionary" in text
    assert text.count("is not in the data dictionary") == 20


def test_the_sheet_read_is_the_one_searched_for_unknown_columns(tmp_path: Path) -> None:
    import openpyxl

    header, rows = read_rows(EPISODES_CSV)
    book = openpyxl.Workbook()
    pivot = book.active
    pivot.title = "Pivot data"
    pivot.append(["diagnosis", "comment"])
    pivot.append(["GPA", "counted twice"])
    data = book.create_sheet("Sheet1")
    data.append(header)
    for row in rows:
        data.append([row[h] for h in header])
    path = tmp_path / "cases.xlsx"
    book.save(path)
    # The data sheet is found by its columns; the pivot sheet's are not the episodes'.
    assert privacy.check(path).undeclared == ()
    code, out, _ = run("privacy", str(path), "--sheet", "Pivot data")
    assert code == 1
    assert "sheet 'Pivot data', column 'comment' is not in the data dictionary" in out
    assert "Note: the quasi-identifier(s) Sex, Race, Age at diagnosis, Age at DAH are not " in out
    assert "name it with --sheet" in out
