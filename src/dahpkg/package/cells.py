"""Every cell of a table file as written, unknown columns included, for a search of its text.

The privacy check searches these; nothing else needs them. Read errors never quote a cell,
which may be the very identifier the search is for.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dahpkg.package import header as _header
from dahpkg.package import text as _text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from dahpkg.package.grid import Grid

BEYOND_HEADER = "(cells beyond the header)"
TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx")  # the tables of a package that are searched


@dataclass(frozen=True)
class Cells:
    """Every cell of a file as written, unknown columns included, for a search of its text.

    ``columns`` maps each column label to its cells (empty text for an empty cell, or for one
    of the schema's missing values in the episode table); cells of a row longer than the
    header are joined under `BEYOND_HEADER`. A blank column name is named by its position; a
    repeated one is numbered in a companion table (the episode table refuses it). ``rows``
    gives the row number a person sees in the file (the header is row 1).
    """

    where: str
    labels: tuple[str, ...]
    columns: dict[str, pd.Series]
    rows: np.ndarray


def read_cells(data: bytes, where: str, suffix: str, encoding: str | None = None) -> list[Cells]:
    """Every cell of a companion table of the package (CSV or TSV, its delimiter detected), or
    of every sheet of a workbook, as text. The episode file's come from its typed reader.

    ``encoding`` is the one its resource declares (UTF-8, or UTF-16 with its mark, when None).
    `InputError` if the file cannot be read; the message never quotes a cell.
    """
    import numpy as np

    if suffix.lower() == ".xlsx":
        return [
            grid_cells(f"{where}, sheet '{name}'", grid, np.arange(2, len(grid) + 1))
            for name, grid in _text.workbook_sheets(io.BytesIO(data), where)
        ]
    given = "\t" if suffix.lower() == ".tsv" else None
    labels, columns, rows, ragged = _text.text_columns(io.BytesIO(data), where, encoding,
                                                       delimiter=given)  # fmt: skip
    return [csv_cells(where, labels, columns, rows, ragged)]


def csv_cells(where: str, labels: list[str], columns: dict[str, pa.ChunkedArray], rows: np.ndarray,
              ragged: list[tuple[int, list[str]]]) -> Cells:  # fmt: skip
    """The cells of a parsed CSV file (every column as text, rows set aside for a wrong number
    of cells at the end), in file order."""
    import numpy as np
    import pandas as pd

    order = np.argsort(rows, kind="stable")
    text = {n: pd.Series(columns[n].to_numpy(zero_copy_only=False)[order], dtype="str").fillna("")
            for n in labels}  # fmt: skip
    width = len(labels)
    if any(len(c) > width for _, c in ragged):
        beyond = dict.fromkeys(rows.tolist(), "")
        beyond.update({r: " ".join(c[width:]) for r, c in ragged})
        text[BEYOND_HEADER] = pd.Series([beyond[r] for r in rows[order].tolist()], dtype="str")
    return Cells(where, tuple(text), text, rows[order])


def grid_cells(where: str, grid: Grid, rows: np.ndarray) -> Cells:
    """The cells of a sheet (its first row the header): a column for each, laid out one at a
    time; the columns without a cell share one column of empty cells (a sheet may name a far
    column, and leave thousands empty)."""
    import pandas as pd

    labels = _header.numbered_labels(grid.header())
    text = pd.StringDtype(na_value=float("nan"))  # pandas' "str", as a CSV file's cells
    empty: pd.Series | None = None
    columns: dict[str, pd.Series] = {}
    for i, label in enumerate(labels):
        if not grid.count(i) and empty is not None:
            columns[label] = empty
            continue
        column = pd.Series(grid.column(i).fill_null("").to_pandas(types_mapper=lambda _: text))
        columns[label] = column
        if not grid.count(i):
            empty = column
    return Cells(where, tuple(columns), columns, rows)
