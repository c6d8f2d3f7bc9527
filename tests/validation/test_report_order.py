"""Reports lead with what to fix: findings first, in file order, then the rules; text wrapped to
the terminal; an input that cannot be read still gets the report asked for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.validation.render import render_html, render_text

from support.helpers import Rows, row_of


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner(env=env).invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def four_mistakes(header: list[str], rows: Rows):
    """Mistakes written out of file order: a relapse (row 9), an age (row 7), IVIg and sex on
    row 3; and a column missing, which is the header's problem."""
    row_of(rows, 7, 2)["race"] = "Black"
    row_of(rows, 6, 1)["age_at_dah"] = "18"
    row_of(rows, 2, 1)["ivig"] = "true"
    row_of(rows, 2, 1)["sex"] = "X"
    for row in rows:
        del row["fever"]
    return [c for c in header if c != "fever"], rows


# (row, column) of each finding in the order a person reading the file meets them
FILE_ORDER = [(None, "fever"), (3, "sex"), (3, "ivig"), (7, "age_at_dah"), (9, "race")]


def test_findings_come_in_file_order_in_every_format(broken) -> None:
    path = broken(four_mistakes)
    report = dahpkg.validate(path)
    assert [(f.row, f.column) for f in report.findings] == FILE_ORDER

    code, out, _ = run("validate", str(path), "--format", "json")
    assert code == 1
    assert [(f["row"], f["column"]) for f in json.loads(out)["findings"]] == FILE_ORDER

    code, out, _ = run("validate", str(path))
    flat = " ".join(out.split())
    places = [flat.index(f"row {r}, patient") if r else flat.index("the column fever")
              for r, _ in FILE_ORDER[::2]]  # fmt: skip
    assert places == sorted(places)
    # the findings, every one of them, come before the summary of the rules
    assert flat.index("To fix") < flat.index("row 9, patient 7") < flat.index("Rules:")


def test_counts_stay_exact_when_examples_are_capped(broken) -> None:
    def ivig_for_every_aav_patient(header: list[str], rows: Rows) -> None:
        for row in rows:
            if row["diagnosis"] != "SLE":
                row["ivig"] = "true"

    code, out, _ = run("validate", str(broken(ivig_for_every_aav_patient)), "--max-examples", "2")
    assert code == 1 and "INVALID (5 errors, 0 warnings)" in out
    assert len(re.findall(r"ERROR\s+ivig-sle-aps", out)) == 2
    assert "Showing at most 2 findings per rule; ivig-sle-aps has 5." in " ".join(out.split())
    assert re.search(r"^ivig-sle-aps\s+error\s+12\s+5\s+failed", out, re.M)


@pytest.mark.parametrize("width", [40, 60, 80, 100, 160])
def test_no_line_is_wider_than_the_terminal(broken, width: int) -> None:
    def long_text(header: list[str], rows: Rows) -> None:
        row_of(rows, 2, 1)["race"] = "W" * 3_000  # a pasted document, quoted by its start
        four_mistakes(header, rows)

    report = dahpkg.validate(broken(long_text))
    text = render_text(report, width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    # wrapped, not cut: every word of the longest description is still there
    longest = max((r.rule.description for r in report.results), key=len)
    assert " ".join(longest.split()) in " ".join(text.split())


def test_the_cli_wraps_to_the_terminal_width(broken) -> None:
    path = broken(four_mistakes)
    code, out, _ = run("validate", str(path), env={"COLUMNS": "72"})
    assert code == 1 and max(len(line) for line in out.splitlines()) <= 72
    code, out, _ = run("validate", str(path), env={"COLUMNS": ""})  # no terminal: 100
    widths = [len(line) for line in out.splitlines()]
    assert max(widths) <= 100 and max(widths) > 72


def test_the_html_report_leads_with_the_verdict_and_the_findings(broken) -> None:
    def spaced(header: list[str], rows: Rows) -> None:
        row_of(rows, 2, 1)["diagnosis"] = "GPA "
        row_of(rows, 3, 1)["ivig"] = "true"

    report = dahpkg.validate(broken(spaced))
    page = render_html(report)
    verdict = page.index("INVALID")
    findings = page.index("<h2>To fix</h2>")
    rules = page.index("<h2>Rules</h2>")
    assert verdict < findings < page.index("ivig-sle-aps") < rules
    assert "<td>GPA\u2423</td>" in page  # the space a reader could not see is shown


@pytest.mark.parametrize("fmt", ["html", "json", "text"])
def test_an_unreadable_input_still_writes_the_report(tmp_path: Path, fmt: str) -> None:
    missing = tmp_path / "our_centre.csv"
    target = tmp_path / f"report.{fmt}"
    code, _, err = run("validate", str(missing), "--format", fmt, "--output", str(target))
    assert code == 2 and err == f"Error: no such file or folder: {missing}\n"
    written = target.read_text(encoding="utf-8")
    assert "could not be read" in written or '"readable": false' in written
    assert f"no such file or folder: {missing}" in written
    if fmt == "json":
        data = json.loads(written)
        assert data["valid"] is False and data["findings"] == []
    if fmt == "html":
        assert written.startswith("<!DOCTYPE html>")


def test_an_unreadable_input_does_not_replace_a_report_without_force(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("earlier report", encoding="utf-8")
    code, _, err = run("validate", str(tmp_path), "--format", "html", "--output", str(target))
    assert code == 2 and "without a datapackage.json" in err and err.count("\n") == 2
    assert "The report was not written: " in err and "add --force" in err
    assert target.read_text(encoding="utf-8") == "earlier report"
    code, _, _ = run("validate", str(tmp_path), "--format", "html", "--output", str(target),
                     "--force")  # fmt: skip
    assert code == 2 and "without a datapackage.json" in target.read_text(encoding="utf-8")


def test_json_on_standard_output_says_why_the_input_was_not_read(tmp_path: Path) -> None:
    code, out, err = run("validate", str(tmp_path / "nowhere.xlsx"), "--format", "json")
    assert code == 2 and err.startswith("Error: no such file or folder")
    assert json.loads(out)["error"].startswith("no such file or folder")
