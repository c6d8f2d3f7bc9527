"""A wide file costs the search for identifiers a few passes of each pattern, not one per
column: the shape that kept `dahpkg privacy` on a file of 16,000 columns under a second of
searching (benchmarks/wide.py measures the time)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from dahpkg import privacy
from dahpkg.cli import main
from dahpkg.privacy.patterns import PATTERNS, WHOLE_NUMBER

from support.helpers import EPISODES_CSV, read_rows, write_rows

EXTRA = 2000


@pytest.fixture
def regex_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The identifier patterns run in pyarrow's regex engine, one entry per call."""
    searched = {p.regex for p in PATTERNS} | set(WHOLE_NUMBER.values())
    calls: list[str] = []
    original = pc.match_substring_regex

    def counted(strings: Any, pattern: str, *args: Any, **kwargs: Any) -> Any:
        if pattern in searched:
            calls.append(pattern)
        return original(strings, pattern, *args, **kwargs)

    monkeypatch.setattr(pc, "match_substring_regex", counted)
    yield calls


def test_the_patterns_run_once_per_file_not_per_column(tmp_path: Path,
                                                       regex_calls: list[str]) -> None:  # fmt: skip
    header, rows = read_rows(EPISODES_CSV)
    extra = [f"note_{i}" for i in range(EXTRA)]
    for n, row in enumerate(rows):
        row.update({label: str(i % 7) for i, label in enumerate(extra)})
        row[extra[1500]] = "maria.garcia@hospital.example" if n == 4 else ""
    wide = tmp_path / "wide.csv"
    write_rows(wide, [*header, *extra], rows)

    report = privacy.check(wide)
    # Each pattern at most once for the study numbers and once for every other column (the
    # header row is one of them): without regard to the 2,031 columns.
    assert len(regex_calls) <= 2 * len(PATTERNS)
    assert [(i.column, i.kind, i.count, i.rows) for i in report.identifiers] == [
        ("note_1500", privacy.EMAIL, 1, (6,))
    ]
    assert report.cells == len(rows) * (len(header) + EXTRA) + len(header) + EXTRA


def test_a_patient_with_thousands_of_episodes_is_bounded(tmp_path: Path, monkeypatch) -> None:
    # Each episode of a patient is a column of the patient table (its age at DAH): thousands of
    # episodes of one patient would cost minutes and gigabytes, so the column limit bounds them.
    first = next(csv.DictReader(EPISODES_CSV.open(encoding="utf-8")))
    path = tmp_path / "one-patient.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(first), lineterminator="\n")
        writer.writeheader()
        writer.writerows({**first, "episode": str(n)} for n in range(1, 202))
    monkeypatch.setenv("DAHPKG_MAX_COLUMNS", "200")
    result = CliRunner().invoke(main, ["privacy", str(path)])
    assert result.exit_code == 2, result.output
    assert "the patient table of the disclosure-risk check" in result.stderr
    assert "(patient 1 has 201 episodes, each giving 1 column(s))" in result.stderr
    monkeypatch.setenv("DAHPKG_MAX_COLUMNS", "16384")
    assert CliRunner().invoke(main, ["privacy", str(path)]).exit_code == 1  # read, and k = 1
