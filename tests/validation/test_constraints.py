"""The Table Schema constraints a partner's schema may declare are checked as frictionless
checks them: pattern, minLength, maxLength, unique, exclusive bounds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main

from support.helpers import read_rows, write_rows

# One code per episode row: a pattern break, a long one, a repeat, a short one, a missing one.
CODES = ["ABC-01", "abc-02", "ABC-033", "ABC-01", "AB-1", ""] + [
    f"XYZ-{n:02}" for n in range(7, 13)
]


def with_code_column(package: Path, constraints: dict, codes: list[str] = CODES) -> Path:
    """The package with a text column 'code' (one per row) under ``constraints``."""
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"].append(
        {"name": "code", "type": "string", "title": "Centre code", "constraints": constraints}
    )
    path.write_text(json.dumps(schema), encoding="utf-8")
    header, rows = read_rows(package / "data" / "episodes.csv")
    for row, code in zip(rows, codes, strict=True):
        row["code"] = code
    write_rows(package / "data" / "episodes.csv", [*header, "code"], rows)
    return package


CONSTRAINTS = {"pattern": "[A-Z]{3}-[0-9]{2}", "minLength": 5, "maxLength": 6, "unique": True}


WHERE = {("schema-pattern", 3), ("schema-length", 6), ("schema-unique", 5)}


def test_each_constraint_is_checked_where_it_is_broken(package: Path) -> None:
    report = dahpkg.validate(with_code_column(package, CONSTRAINTS))
    failed = {r.rule.id: r.failed for r in report.results if r.failed}
    assert failed == {"schema-pattern": 3, "schema-length": 2, "schema-unique": 1}
    found = {(f.rule, f.row, f.value) for f in report.findings}
    assert found == {
        ("schema-pattern", 3, "abc-02"),
        ("schema-pattern", 4, "ABC-033"),
        ("schema-pattern", 6, "AB-1"),
        ("schema-length", 4, "ABC-033"),
        ("schema-length", 6, "AB-1"),
        ("schema-unique", 5, "ABC-01"),
    }
    messages = {f.rule: f.message for f in report.findings if (f.rule, f.row) in WHERE}
    assert messages["schema-pattern"].startswith("Centre code: 'abc-02' does not have the form")
    assert messages["schema-length"] == (
        "Centre code: 'AB-1' has 4 characters; the column allows 5 to 6"
    )
    assert messages["schema-unique"] == (
        "Centre code 'ABC-01' is on an earlier row too; each value must be unique"
    )
    assert not report.valid


def test_dahpkg_and_frictionless_count_the_same_constraint_errors(package: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    with_code_column(package, CONSTRAINTS)
    theirs = frictionless.validate(str(package / "datapackage.json"))
    errors = [e for task in theirs.tasks if task.name == "episodes" for e in task.errors]
    counted = sum(1 for e in errors if e.type in ("constraint-error", "unique-error"))
    ours = dahpkg.validate(package)
    assert counted == sum(
        ours.result(r).failed for r in ("schema-pattern", "schema-length", "schema-unique")
    )


def test_exclusive_bounds(package: Path) -> None:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    age = next(f for f in schema["fields"] if f["name"] == "age_at_dah")
    age["constraints"] = {"exclusiveMinimum": 18, "exclusiveMaximum": 70}
    path.write_text(json.dumps(schema), encoding="utf-8")
    report = dahpkg.validate(package)
    ages = [int(r["age_at_dah"]) for r in read_rows(package / "data" / "episodes.csv")[1]]
    assert report.result("schema-range").failed == sum(not 18 < a < 70 for a in ages) > 0
    [message, *_] = [f.message for f in report.findings if f.rule == "schema-range"]
    assert "is outside the allowed range (more than 18 and less than 70 years)" in message


def test_a_pattern_that_would_backtrack_for_ever_runs_in_linear_time(package: Path) -> None:
    # (a+)+$ takes Python's re exponential time on "aaaa...!"; RE2 does not backtrack.
    codes = ["a" * 40 + "!"] * 12
    with_code_column(package, {"pattern": "(a+)+"}, codes)
    start = time.perf_counter()
    report = dahpkg.validate(package)
    assert report.result("schema-pattern").failed == 12
    assert time.perf_counter() - start < 30  # Python's re would take days on these cells


@pytest.mark.parametrize(
    ("constraints", "field_type", "message"),
    [
        ({"pattern": "(a)\\1"}, "string", "its pattern '(a)\\\\1' cannot be checked"),
        ({"pattern": "(?=a)"}, "string", "write it without back-references or look-arounds"),
        ({"pattern": "[0-9]"}, "integer", "declares pattern, which the Table Schema defines for"),
        ({"maxLength": -1}, "string", "is not a whole number of characters"),
        ({"exclusiveMinimum": "1"}, "integer", "has a minimum or maximum that is not a number"),
    ],
)
def test_a_constraint_dahpkg_cannot_check_is_refused(
    package: Path, constraints: dict, field_type: str, message: str
) -> None:
    with_code_column(package, constraints)
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"][-1]["type"] = field_type
    path.write_text(json.dumps(schema), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(package)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.stderr
