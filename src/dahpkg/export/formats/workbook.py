"""The episode table as an Excel workbook: sheets data (Yes/No), codebook and rules.

XlsxWriter writes it in constant-memory mode, laid out as every dahpkg workbook is
(`dahpkg.export.look`): the header bold and frozen, widths fitted to the content, text longer
than its column wrapped, each sheet printed landscape, one page wide, the header on every page.
No cell is a formula: text is written as text, and text that would start one if retyped is
neutralised as in the CSV. The workbook is dated by the package: two runs write the same bytes.

A registry's data sheet holds millions of cells, so its rows are built as XML by pyarrow, a
block at a time, cells as XlsxWriter writes them in that mode (text as inline strings), and
handed to it (`look.stream_rows`): one XlsxWriter call per cell took 17 s for 100,000
episodes, the XML of a block takes a few hundredths of a second.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dahpkg.errors import DataError
from dahpkg.export import look as _look
from dahpkg.export.formats.text import neutralise
from dahpkg.export.names import FORMULA_START

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from xlsxwriter.workbook import Workbook

    from dahpkg.export.release import Prepared
    from dahpkg.package import TableSchema

# Rows turned into XML at once: a few megabytes of text, whatever the size of the registry.
BLOCK_ROWS = 16_384
# Column widths (characters): data columns hold codes, numbers and Yes/No; the codebook's
# descriptions wrap in columns no wider than a reader can take in at a glance.
DATA_WIDTH = {"least": 6, "most": 40}
TEXT_WIDTH = {"least": 8, "most": 60}
# Characters XML 1.0 cannot carry (RE2 syntax): a cell holds them as Excel's _xHHHH_ escapes.
CONTROL = "[\\x00-\\x08\\x0b-\\x1f\\x{fffe}\\x{ffff}]"


def write(prepared: Prepared, suffix: str = ".xlsx") -> bytes:
    """The format registry's writer: the released episodes, the codebook and the rules."""
    from dahpkg.export.formats import codebook

    return to_xlsx(prepared.episodes, prepared.schema, codebook.variable_rows(prepared.schema),
                   codebook.rule_rows(), prepared.created)  # fmt: skip


def to_xlsx(frame: pd.DataFrame, schema: TableSchema, codebook: list[list[str]],
            rules: list[list[str]], created: datetime) -> bytes:  # fmt: skip
    """A workbook with the sheets data, codebook and rules (see the module's docstring).

    `DataError` if the episodes do not fit in a worksheet (1,048,575 rows, 16,384 columns).
    """
    if len(frame) >= _look.MAX_ROWS or len(frame.columns) > _look.MAX_COLUMNS:
        raise DataError(
            f"the release has {len(frame):,} episodes and {len(frame.columns):,} variables; an "
            f"Excel worksheet holds at most {_look.MAX_ROWS - 1:,} episodes under its header and "
            f"{_look.MAX_COLUMNS:,} variables. Export it as CSV, Parquet, SPSS or Stata instead"
        )
    target = io.BytesIO()
    book = _look.new_workbook(target, created, large=True)
    style = _look.look(book)
    _data_sheet(book, style, frame)
    for title, rows in (("codebook", codebook), ("rules", rules)):
        _text_sheet(book, style, title, rows)
    return _look.finish(book, target)


@dataclass(frozen=True)
class _Column:
    """How the cells of one data column are written: ``style`` is the attribute of a wrapped
    column's cells, and ``wrapped`` its width (characters) when its rows grow to its text."""

    style: str
    wrapped: float | None


def _data_sheet(book: Workbook, style: _look.Look, frame: pd.DataFrame) -> None:
    import pyarrow as pa

    sheet = book.add_worksheet("data")
    table = pa.Table.from_pandas(frame, preserve_index=False).unify_dictionaries()
    wrap = f' s="{style.wrap._get_xf_index()}"'  # as XlsxWriter marks a styled column's cells
    columns = []
    for number, name in enumerate(table.column_names):
        longest = max(len(name), _longest(table.column(number)))
        width = _look.fitted(longest, **DATA_WIDTH)
        wraps = longest + 2 > width
        sheet.set_column(number, number, width, style.wrap if wraps else None)
        columns.append(_Column(wrap, width) if wraps else _Column("", None))
    _dressed(sheet, style, table.column_names)
    if len(frame):
        _look.stream_rows(sheet, _blocks(table, columns), len(frame), len(columns) - 1)


def _text_sheet(book: Workbook, style: _look.Look, title: str, rows: list[list[str]]) -> None:
    """A sheet of text (codebook, rules): every column as wide as its text allows, the rest
    wrapped, each row as high as its wrapped text."""
    sheet = book.add_worksheet(title)
    cells = [[neutralise(c or "") for c in row] for row in rows]
    widths = tuple(_look.width(list(column), **TEXT_WIDTH) for column in zip(*cells, strict=True))
    for number, width in enumerate(widths):
        sheet.set_column(number, number, width)
    _dressed(sheet, style, cells[0])
    for number, row in enumerate(cells[1:], start=1):
        sheet.set_row(number, _look.row_height(row, widths))
        sheet.write_row(number, 0, row, style.wrap)


def _dressed(sheet: Any, style: _look.Look, header: list[str]) -> None:
    """The header row written, frozen and printed on every page; the sheet printed landscape,
    one page wide."""
    sheet.write_row(0, 0, header, style.header)
    sheet.freeze_panes(1, 0)
    _look.printable(sheet, 0, 0)


def _longest(values: pa.ChunkedArray) -> int:
    """The length of the longest cell the column shows (neutralised text one more)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_boolean(values.type):
        return 3  # Yes
    if pa.types.is_dictionary(values.type):
        # the categories, not every cell that repeats one
        values = pa.chunked_array([c.dictionary for c in values.chunks], values.type.value_type)
    longest = pc.max(pc.utf8_length(_shown(values))).as_py()
    return 0 if longest is None else int(longest) + (not _is_number(values.type))


def _is_number(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind)
                or pa.types.is_decimal(kind))  # fmt: skip


def _shown(values: Any) -> Any:
    """The column's cells as the workbook shows them, as text; null where missing (no cell).
    Yes/No for a yes/no variable; a number that is not finite is missing (Excel has none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.type
    if pa.types.is_boolean(kind):
        return pc.if_else(values, "Yes", "No")
    if pa.types.is_floating(kind):
        values = pc.if_else(pc.is_finite(values), values, pa.scalar(None, kind))
    return pc.cast(values, pa.string())


def _blocks(table: pa.Table, columns: list[_Column]) -> Iterator[str]:
    """The data rows as XML, ``BLOCK_ROWS`` rows at a time (the header is row 1)."""
    for start in range(0, table.num_rows, BLOCK_ROWS):
        yield _rows_xml(table.slice(start, BLOCK_ROWS), columns, start + 2)


def _rows_xml(block: pa.Table, columns: list[_Column], first: int) -> str:
    """``<row>`` elements of ``block``, its first row numbered ``first``.

    Each row has its number and its cells follow one another, a missing value as an empty
    ``<c/>``: cells without their reference (optional in the file format) make a sheet a
    quarter smaller and three times faster to compress, since its rows then repeat."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    block = block.combine_chunks()
    lines = np.ones(block.num_rows, dtype=np.int64)
    cells = []
    for number, column in enumerate(columns):
        values = block.column(number).combine_chunks()
        cells.append(_cells(values, column.style))
        if column.wrapped is not None:
            lines = np.maximum(lines, _lines(_shown(values), column.wrapped))
    numbers = pa.array(np.arange(first, first + block.num_rows)).cast(pa.string())
    # Excel and LibreOffice do not grow a row to wrapped text they did not type: say how high.
    points = pa.array(lines * _look.LINE_POINTS).cast(pa.int64()).cast(pa.string())
    tall = pc.binary_join_element_wise(' ht="', points, '" customHeight="1"', "")
    tall = pc.if_else(pa.array(lines > 1), tall, "")
    rows = pc.binary_join_element_wise('<row r="', numbers, '"', tall, ">", *cells, "</row>", "")
    return "".join(rows.to_pylist())


def _cells(values: pa.Array, style: str) -> pa.Array:
    """The ``<c>`` element of each value: a number as ``<v>``, text as an inline string."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.type
    if pa.types.is_dictionary(kind):  # each category written once, then repeated
        cells = pc.take(_cells(values.dictionary, style), values.indices)
    elif pa.types.is_boolean(kind):
        cells = pc.if_else(values, f"<c{style}{_inline('Yes')}", f"<c{style}{_inline('No')}")
    elif _is_number(kind):
        cells = pc.binary_join_element_wise(f"<c{style}><v>", _shown(values), "</v></c>", "")
    else:
        text, preserve = _text_xml(_shown(values))
        cells = pc.binary_join_element_wise(f'<c{style} t="inlineStr"><is><t', preserve, ">",
                                            text, "</t></is></c>", "")  # fmt: skip
    return pc.fill_null(cells, f"<c{style}/>")


def _inline(text: str) -> str:
    return f' t="inlineStr"><is><t>{text}</t></is></c>'


def _text_xml(shown: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Text cells as XlsxWriter writes an inline string: neutralised (as the CSV), within
    Excel's length, control characters as Excel's _xHHHH_ escapes, XML escaped; and the
    attribute that keeps a leading or trailing space."""
    import pyarrow.compute as pc

    formula = functools.reduce(pc.or_, (pc.starts_with(shown, s) for s in FORMULA_START))
    text = pc.if_else(formula, pc.binary_join_element_wise("'", shown, ""), shown)
    too_long = pc.greater(pc.utf8_length(text), _look.NOTE_MAX)
    if pc.any(too_long).as_py():
        cut = pc.utf8_slice_codeunits(text, 0, _look.NOTE_MAX - 1)
        text = pc.if_else(too_long, pc.binary_join_element_wise(cut, _look.ELLIPSIS, ""), text)
    # An _xHHHH_ already in the text is escaped first, so that it reads back as written.
    text = pc.replace_substring_regex(text, "(_x[0-9a-fA-F]{4}_)", r"_x005F\1")
    if pc.any(pc.match_substring_regex(text, CONTROL)).as_py():
        for code in [*range(0x09), *range(0x0B, 0x20), 0xFFFE, 0xFFFF]:
            text = pc.replace_substring(text, chr(code), f"_x{code:04X}_")
    for plain, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, plain, escaped)
    spaced = pc.match_substring_regex(text, r"^\s|\s$")
    return text, pc.if_else(spaced, ' xml:space="preserve"', "")


def _lines(shown: pa.Array, width: float) -> Any:
    """The lines each cell takes once wrapped in a column ``width`` characters wide (as
    `look.row_height` reckons them)."""
    import numpy as np
    import pyarrow.compute as pc

    length = pc.fill_null(pc.utf8_length(shown), 0).to_numpy()
    breaks = pc.fill_null(pc.count_substring(shown, "\n"), 0).to_numpy()
    return np.ceil(length * _look.CHARACTER_WIDTH / width).astype(np.int64) + breaks
