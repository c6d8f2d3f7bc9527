"""One worksheet of a workbook, streamed: its cells' text by row and column.

The sheet's XML goes through expat (in C), and these handlers keep nothing but the state of
the cell being read: no tree of elements, whose cleared leftovers alone take gigabytes for a
sheet of millions of empty rows. Cells are read as openpyxl reads them with
``data_only=False``: a formula as its text ("=28+0", to be reported as one), a number shown as
a date as its date, a shared string by its index, looked up once the sheet is read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dahpkg.limits import limit
from dahpkg.package.grid import Grid, GridBuilder, damaged, shown

if TYPE_CHECKING:
    import pyarrow as pa

# Streams a part of the workbook through expat: (part, start, end, text handlers).
Parse = Callable[[str, Any, Any, Any], None]

MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main")  # fmt: skip
SEPARATOR = " "  # expat's, between an element's namespace and its name
# Workbooks nest a few levels deep (worksheet, sheetData, row, c, is, r, t; extensions a few
# more): far deeper is no workbook, and would make the parser hold every open element.
MAX_DEPTH = 64
SHEET_DATA, ROW, CELL, VALUE, FORMULA, INLINE, TEXT, RUN = range(1, 9)
LOCAL = {"sheetData": SHEET_DATA, "row": ROW, "c": CELL, "v": VALUE, "f": FORMULA,
         "is": INLINE, "t": TEXT, "r": RUN}  # fmt: skip
CODES = {f"{ns}{SEPARATOR}{name}": code for ns in MAIN for name, code in LOCAL.items()}


class Texts:
    """Character data gathered while ``on``, within the length of a cell: a longer text is
    refused as it streams, before the rest of it is inflated."""

    def __init__(self, where: Callable[[], str]) -> None:
        self.where = where  # where the text being read is, for the message
        self.bound = limit("max_cell_chars")
        self.most = self.bound.value()
        self.parts: list[str] = []
        self.size = 0
        self.on = False

    def add(self, data: str) -> None:
        if self.on:
            self.size += len(data)
            if self.size > self.most:
                raise self.bound.exceeded(self.where())
            self.parts.append(data)

    def take(self) -> str:
        parts = self.parts
        if not parts:
            return ""
        self.parts, self.size = [], 0
        return parts[0] if len(parts) == 1 else "".join(parts)


def whole(text: str | None) -> int:
    """An id or index from an attribute; -1 if it is not one."""
    try:
        number = int(text or 0)
    except ValueError:
        return -1
    return number if 0 <= number < 1 << 31 else -1


class _HeaderRead(Exception):
    """Stops the parse of a sheet once its header row is read."""


class SheetReader:
    """One worksheet streamed into a `GridBuilder`: its cells' text by row and column."""

    def __init__(self, file: str, where: str, dates: tuple[bytes, bytes], epoch: Any) -> None:
        self.file, self.where = file, where  # the workbook's, and the sheet's, for messages
        self.dates, self.durations = dates  # by cell style: shown as a date, as a duration
        self.epoch = epoch
        self.grid = GridBuilder(where)
        self.texts = Texts(self._here)
        self.part = ""
        self.depth = 0
        self.in_data = self.in_cell = self.in_inline = self.in_run = False
        self.capture_depth = 0
        self.row = self.column = 0
        self.ref: str | None = None
        self.kind = "n"
        self.style = 0
        self.value: str | None = None
        self.inline: str | None = None
        self.formula: str | None = None
        self.formula_kind: str | None = None
        self.formula_group: str | None = None
        self.shared_formulas: dict[str, str] = {}
        self.header_only = False

    def _here(self) -> str:
        cell = self.ref or f"in column {self.column + 1}"
        return f"{self.where}, row {self.row}, cell {shown(cell)}"

    def read(
        self, parse: Parse, part: str, strings: pa.Array, *, header_only: bool = False
    ) -> Grid:
        """The sheet's cells; with ``header_only``, its first row alone, the rest unread."""
        self.part = part
        self.header_only = header_only
        with contextlib.suppress(_HeaderRead):
            parse(part, self.start, self.end, self.texts.add)
        return self.grid.finish(strings)

    # Called by expat for every element: kept to a few comparisons, as a sheet has millions.
    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth = depth = self.depth + 1
        if depth > MAX_DEPTH:
            raise damaged(self.file, f"its part {self.part} is nested too deep")
        if not self.in_data:
            self.in_data = depth == 2 and CODES.get(name) == SHEET_DATA
            return
        code = CODES.get(name)
        if depth == 3 and code == ROW:
            self.row = self.grid.row_number(attrs.get("r"), self.row)
            if self.row > 1 and self.header_only:
                raise _HeaderRead  # the header row is whole: the other rows are not wanted
            self.column = 0
        elif depth == 4 and code == CELL:
            self.in_cell = True
            self.ref = attrs.get("r")
            self.kind = attrs.get("t", "n")
            style = attrs.get("s")
            self.style = whole(style) if style else 0
            self.value = self.formula = self.inline = None
        elif depth == 5 and self.in_cell:
            if code in (VALUE, FORMULA):
                self.capture_depth, self.texts.on = depth, True
                if code == FORMULA:
                    self.formula_kind, self.formula_group = attrs.get("t"), attrs.get("si")
            elif code == INLINE:
                self.in_inline = True
        elif self.in_inline and code == TEXT and (depth == 6 or (depth == 7 and self.in_run)):
            # As openpyxl: the text of <is><t> and of its runs <is><r><t>, not phonetic hints;
            # the runs of a cell gather in one text, within one bound.
            self.capture_depth, self.texts.on = depth, True
        elif self.in_inline and depth == 6 and code == RUN:
            self.in_run = True

    def end(self, name: str) -> None:
        depth = self.depth
        self.depth = depth - 1
        if not self.in_data:
            return
        if depth == self.capture_depth:
            self.capture_depth, self.texts.on = 0, False
            if not self.in_inline:
                if CODES.get(name) == FORMULA:
                    self.formula = self.texts.take()
                else:
                    self.value = self.texts.take()
        elif depth == 4 and self.in_cell:
            self.in_cell = False
            self._cell()
        elif depth == 6:
            self.in_run = False
        elif depth == 5 and self.in_inline:
            self.in_inline = False
            self.inline = self.texts.take()
        elif depth == 2:
            self.in_data = False

    def _cell(self) -> None:
        self.column = column = self.grid.column_number(self.ref, self.column)
        row = self.row
        if self.formula is not None:
            self.grid.add(row, column, self._formula_text())
            return
        kind, value = self.kind, self.value
        if kind == "inlineStr":
            if self.inline:
                self.grid.add(row, column, self.inline)
        elif not value:
            return
        elif kind == "s":
            try:
                index = int(value)
            except ValueError:
                index = -1
            if not 0 <= index < 1 << 31:
                raise damaged(self.where, f"cell {shown(self.ref or '')} names no shared string")
            self.grid.add_shared(row, column, index)
        elif kind == "n":
            self.grid.add(row, column, self._number_text(value))
        else:
            self.grid.add(row, column, _typed_text(kind, value))

    def _formula_text(self) -> str:
        """A formula as written ("=28+0"), to be reported as one. A cell sharing another's
        formula shows the first cell's text: translating it cell by cell would let a sheet of
        such cells take minutes."""
        text = "=" + (self.formula or "")
        if self.formula_kind == "shared" and self.formula_group is not None:
            if self.formula:
                self.shared_formulas.setdefault(self.formula_group, text)
            else:
                text = self.shared_formulas.get(self.formula_group, text)
        return text

    def _number_text(self, value: str) -> str:
        """A number as openpyxl gives it and `str` writes it (a whole float without ".0"), or
        a date when its style shows one."""
        style = self.style
        as_date = 0 <= style < len(self.dates) and self.dates[style]
        if not as_date and value.isdigit() and value.isascii() and value[0] != "0":
            return value  # a whole number as int() and str() would write it: the usual cell
        number: float
        try:
            number = float(value) if "." in value or "E" in value or "e" in value else int(value)
        except ValueError:
            return value  # kept as written: the check of its column reports it
        if as_date:
            from openpyxl.utils.datetime import from_excel

            try:
                duration = bool(self.durations[style])
                return str(from_excel(number, self.epoch, timedelta=duration))
            except (OverflowError, ValueError):
                return "#VALUE!"
        if isinstance(number, float) and number.is_integer():
            return str(int(number))
        return str(number)


def _typed_text(kind: str, value: str) -> str:
    """The text of a cell of type boolean, ISO date, error or formula result."""
    if kind == "b":
        return {"0": "false", "1": "true"}.get(value.strip(), value)
    if kind == "d":
        from openpyxl.utils.datetime import from_ISO8601

        try:
            return str(from_ISO8601(value))
        except (ValueError, TypeError):
            return value
    return value
