"""The episode table as UTF-8 CSV, as the package stores it, with formula-like text neutralised."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from dahpkg.export.names import FORMULA_START
from dahpkg.package import is_missing

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.export.release import Prepared
    from dahpkg.package import TableSchema


def neutralise(value: str) -> str:
    """Text cell made safe for a spreadsheet: a leading quote keeps a formula from running.

    >>> neutralise("=HYPERLINK(1)"), neutralise("White")
    ("'=HYPERLINK(1)", 'White')
    """
    return "'" + value if value.startswith(FORMULA_START) else value


def _text_columns(frame: pd.DataFrame, schema: TableSchema) -> list[str]:
    return [f.name for f in schema.fields if f.type == "string" and f.name in frame.columns]


def to_csv(frame: pd.DataFrame, schema: TableSchema) -> bytes:
    """UTF-8 CSV as the package stores it: true/false, an empty cell for a missing value."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(frame.columns)
    text = set(_text_columns(frame, schema))
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(_csv_cell(v, c in text) for v, c in zip(row, frame.columns, strict=True))
    return out.getvalue().encode("utf-8")


def _csv_cell(value: Any, is_text: bool) -> str:
    if is_missing(value):
        return ""
    if is_bool(value):
        return "true" if value else "false"
    return neutralise(str(value)) if is_text else str(value)


def is_bool(value: Any) -> bool:
    """True for a Python or numpy boolean."""
    import numpy as np

    return isinstance(value, bool | np.bool_)


def write(prepared: Prepared, suffix: str = ".csv") -> bytes:
    """The format registry's writer: the released episodes as CSV."""
    return to_csv(prepared.episodes, prepared.schema)
