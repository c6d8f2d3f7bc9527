"""What the tests share: where the repository is, the authors' acknowledgement, and reading and
writing the episode table's rows."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EPISODES_CSV = REPO / "data" / "episodes.csv"

Rows = list[dict[str, str]]
# An edit changes the rows (returning None or a new header and rows), or returns the whole
# file as text for damage a CSV writer cannot produce (rows with extra or missing cells).
Edit = Callable[[list[str], Rows], tuple[list[str], Rows] | str | None]
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
