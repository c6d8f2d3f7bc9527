"""A CSV file from REDCap (a data dictionary or a record export) read as text, every cell as
written, within dahpkg's bounds on files it did not make.

The package's readers do the work (`dahpkg.package.text`): the file is parsed from the open
file in blocks by pyarrow, a UTF-8 byte-order mark (which REDCap may write) is no part of the
first column's name, UTF-16 with its mark is decoded, a file that is not text is refused with
the line and byte where decoding fails, and a header wider than ``max_columns``, a cell longer
than ``max_cell_chars`` or more than ``max_cells`` cells stop the read with one line that says
how to raise the bound. Rows with more or fewer cells than the header are kept, and listed.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from dahpkg.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# How a file that is not a CSV file starts: a zip (an .xlsx workbook), an old Excel workbook.
NOT_CSV = {b"PK\x03\x04": "a zip file (an Excel workbook?)", b"\xd0\xcf\x11\xe0": "an Excel file"}


@dataclass(frozen=True)
class TextTable:
    """The cells of a CSV file as text ("" where empty), by column label, in file order;
    ``lines[i]`` is the line of row ``i`` (the header is line 1), and ``ragged`` lists each
    row whose number of cells differs from the header's as (line, cells)."""

    where: str
    labels: tuple[str, ...]
    columns: dict[str, pd.Series]
    lines: np.ndarray
    ragged: tuple[tuple[int, int], ...]

    def __len__(self) -> int:
        return len(self.lines)


def read_table(path: str | Path, what: str, encoding: str | None = None) -> TextTable:
    """Every cell of the CSV file ``path`` as text (the delimiter detected: comma, semicolon
    or tab); ``what`` names the file in messages. `InputError` when it cannot be read."""
    path = Path(path)
    where = f"{what} {path}"
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{what} is a folder, not a file: {path}")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{what} is not a regular file (a pipe or a device?): {path}")
        with path.open("rb") as source:
            return _parse(source, where, encoding)
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise InputError(f"{what} cannot be read: {path} ({exc.strerror or exc})") from None


def _parse(source: IO[bytes], where: str, encoding: str | None) -> TextTable:
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    from dahpkg.package import text as _text

    start = source.read(4)
    if start in NOT_CSV:
        raise InputError(
            f"{where} is {NOT_CSV[start]}, not a CSV file: export it from REDCap as CSV "
            "(Data Exports: 'CSV / Microsoft Excel (raw data)')"
        )
    labels, columns, rows, ragged = _text.text_columns(
        source,
        where,
        encoding,
        labels=lambda header: _text.unique_labels(header, where),
        utf8_first=True,
    )
    # Rows set aside joined the table last: put every row back at its line. Plain Python
    # strings (object columns): pandas' lookups in them hash, where its Arrow strings do not.
    order = np.argsort(rows, kind="stable")
    found = {
        n: pd.Series(
            pc.fill_null(columns[n], "").to_numpy(zero_copy_only=False)[order], dtype=object
        )
        for n in labels
    }
    shape = tuple(sorted((line, len(cells)) for line, cells in ragged))
    return TextTable(where, tuple(labels), found, rows[order], shape)
