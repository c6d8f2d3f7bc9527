"""Differential test: every error frictionless reports, dahpkg reports at the same row and field.

A corpus of copies of the real episode table, each broken in one way, is validated by both.
frictionless (the reference implementation of the Table Schema) reports structural errors
only; dahpkg must report each of them under the matching rule, at the same row and column,
and nothing structural that frictionless does not. Clinical rules come on top.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import dahpkg

from support.helpers import EPISODES_CSV, REPO

LINES = EPISODES_CSV.read_text(encoding="utf-8").splitlines()
HEADER = LINES[0].split(",")

# frictionless error type (and constraint, for constraint errors) -> dahpkg rule.
RULE_OF = {
    "type-error": "schema-type",
    "constraint-error:required": "schema-required",
    "constraint-error:enum": "schema-category",
    "constraint-error:minimum": "schema-range",
    "constraint-error:maximum": "schema-range",
    "primary-key": "schema-primary-key",
    "blank-row": "schema-blank-row",
    "extra-cell": "schema-extra-cell",
    "missing-cell": "schema-missing-cell",
    "extra-label": "schema-no-unknown-fields",
    "missing-label": "schema-fields-present",
}
STRUCTURAL = set(RULE_OF.values())


def cell(line: str, column: str, value: str) -> str:
    cells = line.split(",")
    cells[HEADER.index(column)] = value
    return ",".join(cells)


def edit_line(number: int, change: Callable[[str], str]) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        lines[number] = change(lines[number])
        return lines

    return edit


def columns(change: Callable[[list[str]], list[str]]) -> Callable[[list[str]], list[str]]:
    """Apply ``change`` to the cells of every line (header included)."""
    return lambda lines: [",".join(change(line.split(","))) for line in lines]


def swap(a: str, b: str) -> Callable[[list[str]], list[str]]:
    i, j = HEADER.index(a), HEADER.index(b)

    def change(cells: list[str]) -> list[str]:
        cells[i], cells[j] = cells[j], cells[i]
        return cells

    return change


CORPUS: dict[str, Callable[[list[str]], list[str]]] = {
    "type-boolean": edit_line(3, lambda line: cell(line, "icu", "maybe")),
    "type-integer": edit_line(5, lambda line: cell(line, "age_at_dah", "forty")),
    "type-decimal": edit_line(6, lambda line: cell(line, "age_at_diagnosis", "20.5")),
    "out-of-range": edit_line(2, lambda line: cell(line, "age_at_diagnosis", "130")),
    "below-minimum": edit_line(4, lambda line: cell(line, "episode", "0")),
    "category": edit_line(7, lambda line: cell(line, "sex", "X")),
    "missing-required": edit_line(9, lambda line: cell(line, "survival_1y", "")),
    "duplicate-key": lambda lines: [*lines, lines[3]],
    "extra-column": columns(lambda cells: [*cells, "x"]),
    "missing-column": columns(lambda cells: cells[:28] + cells[29:]),
    "blank-line": lambda lines: [*lines[:4], "", *lines[4:]],
    "blank-cells": lambda lines: [*lines[:6], "," * (len(HEADER) - 1), *lines[6:]],
    "extra-cells": edit_line(8, lambda line: line + ",x,y"),
    "missing-cells": edit_line(10, lambda line: line.rsplit(",", 3)[0]),
    "header-order": columns(swap("sex", "race")),
    "key-missing": edit_line(4, lambda line: cell(cell(line, "patient_id", ""), "episode", "")),
    "boolean-case": edit_line(5, lambda line: cell(cell(line, "fever", "TRUE"), "cough", "tRuE")),
    "integer-blanks": edit_line(6, lambda line: cell(line, "age_at_dah", " 26 ")),
    "integer-plus": edit_line(7, lambda line: cell(line, "age_at_dah", "+52")),
    "missing-diagnosis": edit_line(3, lambda line: cell(cell(line, "diagnosis", ""), "aps", "")),
    "missing-episode": edit_line(8, lambda line: cell(line, "episode", "")),
    "comma-line": lambda lines: [*lines[:4], ",", *lines[4:]],
    "space-line": lambda lines: [*lines[:4], "   ", *lines[4:]],
    "long-cell": edit_line(5, lambda line: cell(line, "race", "x" * 3_000_000)),
    "long-extra-cell": edit_line(6, lambda line: line + "," + "y" * 200_000),
    "all-at-once": lambda lines: [
        *edit_line(3, lambda line: cell(cell(line, "icu", "maybe"), "sex", "X"))(lines)[:6],
        "",
        *lines[6:10],
        lines[10] + ",x",
        *lines[11:],
        lines[2],
    ],
}


def package(tmp_path: Path, edit: Callable[[list[str]], list[str]], newline: str = "\n") -> Path:
    """An episodes-only copy of the shipped package with an edited episode table."""
    target = tmp_path / "pkg"
    (target / "data").mkdir(parents=True)
    shutil.copytree(REPO / "schema", target / "schema")
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "episodes"]
    (target / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    lines = edit(list(LINES))
    text = newline.join(lines) + newline
    (target / "data" / "episodes.csv").write_bytes(text.encode("utf-8"))
    return target


def frictionless_errors(path: Path) -> set[tuple[str, int | None, str]]:
    """(dahpkg rule, row, column) of every error frictionless reports."""
    from frictionless import Package

    report = Package(str(path / "datapackage.json")).validate()
    errors = set()
    for task in report.tasks:
        for error in task.errors:
            kind = error.type
            if kind == "constraint-error":
                kind += ":" + error.note.split('"')[1]
            column = getattr(error, "field_name", None)
            if kind == "extra-cell":
                column = f"(cell {error.field_number})"
            elif kind == "extra-label":
                column = error.label
            row = getattr(error, "row_number", None)
            errors.add((RULE_OF[kind], row, column or None))
    return errors


def dahpkg_errors(path: Path) -> set[tuple[str, int | None, str | None]]:
    report = dahpkg.validate(path, max_examples=1000)
    # A row-level rule names no column in frictionless' report.
    row_level = {"schema-primary-key", "schema-blank-row"}
    return {
        (f.rule, f.row, None if f.rule in row_level else f.column)
        for f in report.findings
        if f.rule in STRUCTURAL
    }


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_dahpkg_reports_what_frictionless_reports(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if case.startswith("long"):
        # Cells longer than a parser block: past Excel's limit, which dahpkg refuses by default.
        monkeypatch.setenv("DAHPKG_MAX_CELL_CHARS", "10000000")
    path = package(tmp_path, CORPUS[case])
    expected = frictionless_errors(path) | DELIBERATE.get(case, set())
    assert dahpkg_errors(path) == expected


# Where dahpkg reports more than frictionless, on purpose: a number with spaces around it is a
# finding, as "GPA " is (issue 14), where frictionless trims it.
DELIBERATE = {"integer-blanks": {("schema-type", 7, "age_at_dah")}}


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_endings_of_any_spreadsheet(tmp_path: Path, newline: str) -> None:
    path = package(tmp_path, edit_line(3, lambda line: cell(line, "icu", "maybe")), newline)
    assert dahpkg_errors(path) == frictionless_errors(path) == {("schema-type", 4, "icu")}


def test_the_corpus_breaks_something_in_every_case(tmp_path: Path) -> None:
    # Columns are matched by name (fieldsMatch "equal"); blanks and a sign around integers
    # and the spellings TRUE/True/true are allowed.
    quiet = {"header-order", "integer-blanks", "integer-plus"}
    for case, edit in CORPUS.items():
        errors = frictionless_errors(package(tmp_path / case, edit))
        assert bool(errors) is (case not in quiet), case


def test_clinical_rules_come_on_top(tmp_path: Path) -> None:
    path = package(tmp_path, edit_line(2, lambda line: cell(line, "ivig", "true")))
    assert frictionless_errors(path) == set()
    assert [f.rule for f in dahpkg.validate(path).findings] == ["ivig-sle-aps"]
