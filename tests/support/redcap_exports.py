"""REDCap-shaped exports of the shipped episodes for the tests, and copies broken on purpose.

The exports are written by the benchmark's `to_export` (benchmarks/redcap_import.py), which
reads the dictionary with the csv module and the schema as JSON, not through dahpkg.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pandas as pd

from dahpkg.package import shipped_schema
from dahpkg.redcap import dictionary_csv

from support.helpers import EPISODES_CSV, REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from redcap_import import to_export

SCHEMA = REPO / "schema" / "episodes.schema.json"


def shipped_text() -> pd.DataFrame:
    """data/episodes.csv, every cell as written."""
    return pd.read_csv(EPISODES_CSV, dtype=str, keep_default_na=False)


def write_dictionary(folder: Path) -> Path:
    path = folder / "dictionary.csv"
    path.write_bytes(dictionary_csv(shipped_schema()))
    return path


def write_export(
    folder: Path, dictionary: Path, name: str = "export.csv", **options: object
) -> Path:
    """The shipped episodes as a REDCap export (see `to_export` for ``options``)."""
    episodes = options.pop("episodes", None)
    frame = shipped_text() if episodes is None else episodes
    path = folder / name
    path.write_text(to_export(frame, dictionary, SCHEMA, **options), encoding="utf-8")  # type: ignore[arg-type]
    return path


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    return table[0], table[1:]


def rewrite(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def row(header: list[str], rows: list[list[str]], record: str, instance: str = "") -> list[str]:
    """The row of ``record``: its patient row, or its dah_episode instance ``instance``."""
    at = header.index("redcap_repeat_instance")
    return next(r for r in rows if r[0] == record and r[at] == instance)
