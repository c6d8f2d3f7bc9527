"""Fixtures: copies of the real package, broken on purpose by the tests that need it."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EPISODES_CSV = REPO / "data" / "episodes.csv"

Rows = list[dict[str, str]]
# The authors' acknowledgement that the ten patients can be re-identified (k = 1): exports of
# the shipped package need it, as `dahpkg privacy` explains.
CONSENT = "consent obtained; the same data are printed in Table I of the letter"
ACCEPT = ("--risk-accepted", CONSENT)


def read_rows(path: Path) -> tuple[list[str], Rows]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: Rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def row_of(rows: Rows, patient: int, episode: int) -> dict[str, str]:
    for row in rows:
        if row["patient_id"] == str(patient) and row["episode"] == str(episode):
            return row
    raise KeyError((patient, episode))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the shipped data package in a temporary folder."""
    target = tmp_path / "pkg"
    target.mkdir()
    shutil.copy2(REPO / "datapackage.json", target / "datapackage.json")
    shutil.copytree(REPO / "schema", target / "schema")
    shutil.copytree(REPO / "data", target / "data")
    return target


# An edit changes the rows (returning None or a new header and rows), or returns the whole
# file as text for damage a CSV writer cannot produce (rows with extra or missing cells).
Edit = Callable[[list[str], Rows], tuple[list[str], Rows] | str | None]


@pytest.fixture
def broken(package: Path) -> Callable[[Edit], Path]:
    """Apply an edit to the copied episode table and return the package folder."""

    def apply(edit: Edit) -> Path:
        path = package / "data" / "episodes.csv"
        header, rows = read_rows(path)
        result = edit(header, rows)
        if isinstance(result, str):
            path.write_text(result, encoding="utf-8")
            return package
        if result is not None:
            header, rows = result
        write_rows(path, header, rows)
        return package

    return apply
