"""A sheet of a workbook as its non-empty cells, laid out as columns when asked.

A sheet can name any cell up to row 1,048,576 and column XFD while holding a handful: a reader
that pads every row to the widest one, or fills the gaps between rows, turns a file of a few
kilobytes into gigabytes. So the cells are kept as they come (row, column, text), in arrays,
and only the table the readers need is laid out, one column at a time, once its size is known
to lie within ``max_cells``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.limits import limit

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

BATCH = 1 << 16  # cells gathered in Python before they join the arrays
REPAIR = "open it in Excel or LibreOffice and save it again as .xlsx"


def damaged(where: str, what: str) -> InputError:
    return InputError(f"{where} is not a readable Excel workbook: {what}; {REPAIR}")


def shown(text: str) -> str:
    """A reference from the file, cut short for a message (a hostile one may be long)."""
    return text if len(text) <= 20 else text[:20] + "..."


@dataclass(frozen=True)
class Grid:
    """The cells of a sheet: ``len(grid)`` rows (the header is row 1; empty rows at the end
    dropped) of ``width`` columns (empty columns at the right dropped), and the non-empty cells
    by column then row: ``cell_rows``, ``cell_columns`` (both from 1) and ``text``."""

    rows: int
    width: int
    cell_rows: np.ndarray
    cell_columns: np.ndarray
    text: pa.Array

    def __len__(self) -> int:
        return self.rows

    @functools.cached_property
    def _starts(self) -> np.ndarray:
        import numpy as np

        return np.searchsorted(self.cell_columns, np.arange(1, self.width + 2))

    def header(self) -> list[str]:
        """The first row, "" where a cell is empty."""
        first = self.cell_rows == 1
        header = [""] * self.width
        for column, text in zip(self.cell_columns[first].tolist(),
                                self.text.filter(first).to_pylist(), strict=True):  # fmt: skip
            header[column - 1] = text
        return header

    def count(self, i: int) -> int:
        """How many non-empty cells column ``i`` (from 0) has below the header."""
        import numpy as np

        low, high = int(self._starts[i]), int(self._starts[i + 1])
        return int(np.count_nonzero(self.cell_rows[low:high] >= 2))

    def column(self, i: int) -> pa.Array:
        """The cells of column ``i`` (from 0) below the header, null where empty."""
        import numpy as np
        import pyarrow as pa

        low, high = int(self._starts[i]), int(self._starts[i + 1])
        rows = self.cell_rows[low:high]
        body = rows >= 2
        index = np.full(max(self.rows - 1, 0), -1, dtype=np.int64)
        index[rows[body] - 2] = np.arange(low, high)[body]
        return self.text.take(pa.array(index, mask=index < 0))

    def filled(self) -> np.ndarray:
        """For each row below the header, whether it has a non-empty cell."""
        import numpy as np

        filled = np.zeros(max(self.rows - 1, 0), dtype=bool)
        filled[self.cell_rows[self.cell_rows >= 2] - 2] = True
        return filled


class GridBuilder:
    """Cells gathered as a sheet streams, checked against the limits as they come."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.columns_bound, self.cells_bound = limit("max_columns"), limit("max_cells")
        self.max_columns, self.max_cells = self.columns_bound.value(), self.cells_bound.value()
        # Cells as they come, (row, column, text), then in arrays by field (row and column
        # numbers fit 32 bits within the limits). A cell holding a shared string has no text
        # yet: the indexes of those cells' strings are kept apart, in order.
        self.batch: list[tuple[int, int, str | None]] = []
        self.shared: list[int] = []
        self.wide = self.max_cells >= 1 << 31
        self.done: tuple[list[Any], list[Any], list[Any], list[Any]] = ([], [], [], [])
        self.count = 0
        self.letters: dict[str, int] = {}

    def row_number(self, given: str | None, previous: int) -> int:
        """A row's number: its ``r`` attribute, else the one after the previous row."""
        if given is None:
            number = previous + 1
        else:
            try:
                number = int(given)
            except ValueError:
                try:
                    value = float(given)
                except ValueError:
                    value = 0.5
                if not value.is_integer():
                    raise damaged(self.where, f"a row is numbered '{shown(given)}'") from None
                number = int(value)
        if number < 1:
            raise damaged(self.where, f"a row is numbered {number}")
        if number > self.max_cells:  # even one column to a row would be too many cells
            raise self.cells_bound.exceeded(self.where, f"a row numbered {number:,}")
        return number

    def column_number(self, ref: str | None, previous: int) -> int:
        """A cell's column: from its reference ("AB12"), else the one after the previous cell."""
        if ref is None:
            number = previous + 1
        else:
            letters = ref.rstrip("0123456789")
            number = self.letters.get(letters) or self._from_letters(letters, ref)
        if number > self.max_columns:
            raise self.columns_bound.exceeded(self.where, f"a cell in column {number:,}")
        return number

    def _from_letters(self, letters: str, ref: str) -> int:
        if letters == ref:  # no row number: no cell reference
            raise damaged(self.where, f"a cell is named '{shown(ref)}'")
        number = 0
        for letter in letters.upper():
            if not "A" <= letter <= "Z":
                raise damaged(self.where, f"a cell is named '{shown(ref)}'")
            number = number * 26 + ord(letter) - 64
            if number > self.max_columns:
                raise self.columns_bound.exceeded(self.where, f"a cell named {shown(ref)}")
        if not number:
            raise damaged(self.where, f"a cell is named '{shown(ref)}'")
        self.letters[letters] = number
        return number

    def add(self, row: int, column: int, text: str | None) -> None:
        """One cell and its text (None: its shared string, `add_shared` gives it)."""
        self.batch.append((row, column, text))
        if len(self.batch) >= BATCH:
            self._flush()

    def add_shared(self, row: int, column: int, index: int) -> None:
        """One cell holding the shared string ``index``."""
        self.shared.append(index)
        self.add(row, column, None)

    def _flush(self) -> None:
        import numpy as np
        import pyarrow as pa

        self.count += len(self.batch)
        if self.count > self.max_cells:
            raise self.cells_bound.exceeded(self.where, f"more than {self.max_cells:,} cells")
        if not self.batch:
            return
        rows, columns, texts = zip(*self.batch, strict=True)
        whole = np.int64 if self.wide else np.int32
        fields = (np.array(rows, dtype=whole), np.array(columns, dtype=whole),
                  pa.array(texts, pa.string()), np.array(self.shared, dtype=np.int32))  # fmt: skip
        for done, values in zip(self.done, fields, strict=True):
            done.append(values)
        self.batch, self.shared = [], []

    def _joined(self, field: int) -> Any:
        """One field of every cell, its batches joined and let go (one copy at a time)."""
        import numpy as np
        import pyarrow as pa

        done = self.done[field]
        if field == 2:
            joined = pa.concat_arrays(done) if done else pa.array([], pa.string())
        else:
            joined = np.concatenate(done) if done else np.zeros(0, dtype=np.int64)
        done.clear()
        return joined

    def finish(self, strings: pa.Array) -> Grid:
        """The sheet, its shared strings looked up, empty cells and trailing rows dropped, a
        cell given twice kept as last written; refused if its table would exceed the limits."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        self._flush()
        text, shared = self._joined(2), self._joined(3)
        if len(shared):
            if shared.max() >= len(strings):
                raise damaged(self.where, "a cell names a shared string the workbook lacks")
            text = pc.replace_with_mask(text, text.is_null(), strings.take(pa.array(shared)))
        del shared
        rows, columns = self._joined(0), self._joined(1)
        kept = np.asarray(pc.fill_null(pc.greater(pc.binary_length(text), 0), False), dtype=bool)
        if not kept.all():
            rows, columns, text = rows[kept], columns[kept], text.filter(pa.array(kept))
        height = int(rows.max()) if len(rows) else 0
        width = int(columns.max()) if len(columns) else 0
        if height * width > self.max_cells:
            raise self.cells_bound.exceeded(
                self.where, f"{height:,} rows of {width:,} columns, {height * width:,} cells"
            )
        # By column, then row. Cells usually come row by row, each once: then a stable sort by
        # column alone is enough; otherwise a cell given twice keeps its last text. Each array
        # is let go as soon as it is reordered.
        once = np.all(
            (rows[1:] > rows[:-1]) | ((rows[1:] == rows[:-1]) & (columns[1:] > columns[:-1]))
        )
        if once:
            order = np.argsort(columns, kind="stable")
        else:
            order = np.lexsort((np.arange(len(rows)), rows, columns))
            last = np.ones(len(order), dtype=bool)
            last[:-1] = (rows[order[1:]] != rows[order[:-1]]) | (
                columns[order[1:]] != columns[order[:-1]]
            )
            order = order[last]
        rows = rows[order]
        columns = columns[order]
        text = text.take(pa.array(order))
        return Grid(height, width, rows, columns, text)
