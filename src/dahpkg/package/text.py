"""What both readers of a table file share: the CSV parse within dahpkg's limits, the rows the
parser sets aside, the bound on a cell, and the way to a file's header row
(`dahpkg.package.header`) and to a workbook's sheets (`dahpkg.package.workbook`).

The typed reader (`dahpkg.package.table`) and the every-cell-as-text reader
(`dahpkg.package.cells`) start from the same parse of a file opened once, so that a command
that needs both reads the file once. A file is parsed from the open file, in blocks, not
loaded whole: a large registry is never held twice in memory.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.limits import limit
from dahpkg.package.encoding import UTF8, NotUtf8, as_utf8, refuse_undecodable

# The header row is read by `dahpkg.package.header`, a workbook's sheets by
# `dahpkg.package.workbook`; named here too, beside the CSV parse, so that a reader outside
# this package (dahpkg.redcap's) finds what it shares with the package's readers in one place.
from dahpkg.package.header import DELIMITERS as DELIMITERS
from dahpkg.package.header import detect_delimiter as detect_delimiter
from dahpkg.package.header import header_cells as header_cells
from dahpkg.package.header import header_line as header_line
from dahpkg.package.header import named as named
from dahpkg.package.header import numbered_labels as numbered_labels
from dahpkg.package.header import unique_labels as unique_labels
from dahpkg.package.workbook import Workbook as Workbook
from dahpkg.package.workbook import choose_sheet as choose_sheet
from dahpkg.package.workbook import workbook_sheets as workbook_sheets

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

BIGGEST_BLOCK = (1 << 31) - 1
# Columns whose typed read may fail before every column is read as text, once.
MAX_TYPED_RETRIES = 3
# A row the parser set aside: (line number, or None when threads could not tell it; its text).
Invalid = tuple[int | None, str]


def blank_beside_delimiter(source: IO[bytes], delimiter: str) -> bool:
    """True when a cell of the CSV file ``source`` may start or end with a space or a tab.

    pyarrow's parser trims them around a number, which would hide a "7 " that dahpkg reports;
    a file without one keeps its numbers typed by the parser. Read in blocks (memchr first: a
    clean file has no blank at all, or few), never whole.
    """
    import re

    blanks = b" " if delimiter == "\t" else b" \t"
    ends = re.escape(delimiter.encode()) + rb'\r\n"'
    pattern = re.compile(rb"[%s][%s]|[%s][%s]" % (blanks, ends, ends, blanks))
    source.seek(0)
    previous = b""
    while True:
        block = source.read(1 << 20)
        last = not block
        text = previous + (block or b"\n")
        if any(bytes([b]) in text for b in blanks) and pattern.search(text):
            return True
        if last:
            return False
        previous = block[-1:]


def fresh_streams(source: IO[bytes]) -> Callable[[], Any]:
    """A maker of new streams over the bytes of ``source``, each with a position of its own:
    one for every parse. pyarrow's reader threads can go on reading a stream after the parse
    that used it has failed (a cell longer than a block), so a retry that sought the same file
    object back to its start could begin wherever they left it, and the rows before that point
    would be lost without a word. A file on disk is memory-mapped afresh; anything else is
    read once into memory (what dahpkg opens that way is already bounded)."""
    import pyarrow as pa

    name = getattr(source, "name", None)
    if isinstance(name, str) and os.path.isfile(name):
        return lambda: pa.memory_map(name)
    source.seek(0)
    buffer = pa.py_buffer(source.read())
    return lambda: pa.BufferReader(buffer)


def parse_csv(
    source: IO[bytes],
    where: str,
    labels: list[str],
    delimiter: str,
    types: dict[str, pa.DataType],
    null_values: list[str],
    *,
    typed: set[str],
    already: int = 0,
    threads: bool = True,
) -> tuple[pa.Table, list[Invalid], set[str]]:
    """Parse the CSV file ``source`` (an open, seekable file) with the column ``types`` given;
    a ``typed`` column that fails to convert is read again as text.

    Returns the table, the rows set aside for a wrong number of cells (line number, text) and
    the columns that had to be read as text. Booleans read with frictionless' default
    spellings; an empty cell, or one of ``null_values``, is null. ``already`` declared columns
    were read as text from the start: with those that fail, more than `MAX_TYPED_RETRIES`
    make every column read as text, once.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from dahpkg.package.schema import DEFAULT_FALSE_VALUES, DEFAULT_TRUE_VALUES

    failed: set[str] = set()
    block_size = 1 << 20
    cells = limit("max_cells")
    stream = fresh_streams(source)
    # Each row set aside is kept in Python: no more of them than the table may have rows.
    most_aside = cells.value() // max(len(labels), 1)
    for _ in range(MAX_TYPED_RETRIES + 6):
        invalid: list[Invalid] = []
        undecodable: list[int | None] = []

        def handler(row: Any, invalid: list[Invalid] = invalid,
                    undecodable: list[int | None] = undecodable) -> str:  # fmt: skip
            if len(invalid) >= most_aside:
                return "error"
            try:
                invalid.append((row.number, row.text))
            except UnicodeDecodeError:
                undecodable.append(row.number)
            return "skip"

        if len(failed) + already > MAX_TYPED_RETRIES:
            failed = set(typed)  # too many unreadable columns: read them all as text, once
        column_types = {n: pa.string() if n in failed else types[n] for n in labels}
        try:
            table = pcsv.read_csv(
                stream(),
                read_options=pcsv.ReadOptions(skip_rows=1, column_names=labels,
                                              use_threads=threads, block_size=block_size),
                parse_options=pcsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                                invalid_row_handler=handler),
                convert_options=pcsv.ConvertOptions(
                    column_types=column_types,
                    null_values=null_values,
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    true_values=list(DEFAULT_TRUE_VALUES),
                    false_values=list(DEFAULT_FALSE_VALUES),
                ),
            )  # fmt: skip
            if undecodable:
                raise refuse_undecodable(source, where)
            rows = table.num_rows + len(invalid)
            if rows * len(labels) > cells.value():
                found = f"{rows:,} rows of {len(labels):,} columns"
                raise cells.exceeded(where, found)
            return table, invalid, failed
        except pa.ArrowInvalid as exc:
            if len(invalid) >= most_aside:
                found = f"more than {most_aside:,} rows of {len(labels):,} columns"
                raise cells.exceeded(where, found) from None
            # pyarrow quotes the offending row; a cell may be an identifier, so it is cut.
            message = re.sub(r"(columns, got \d+|column)\s*:.*", r"\1", str(exc), flags=re.S)
            if "invalid UTF8" in message:
                raise refuse_undecodable(source, where) from None
            # A cell, or the header, longer than a block: read in larger blocks.
            larger = "straddling" in message or "larger than block size" in message
            if larger:
                # No row within the bounds is longer than every cell at its longest (4 bytes
                # a character in UTF-8, quoted): a block past that holds a cell too long.
                longest_row = len(labels) * (4 * limit("max_cell_chars").value() + 3)
                if block_size >= min(longest_row, BIGGEST_BLOCK):  # 32 bits in pyarrow
                    raise limit("max_cell_chars").exceeded(
                        where, f"a row runs past {block_size:,} bytes without ending"
                    ) from None
                block_size = min(block_size * 16, longest_row, BIGGEST_BLOCK)
                continue
            bad = re.search(r"In CSV column #(\d+)", message)
            if bad is None or labels[int(bad.group(1))] not in typed:
                raise InputError(f"{where} is not a well-formed CSV file: {message}") from None
            failed.add(labels[int(bad.group(1))])
    raise InputError(f"{where} cannot be read as a table")  # pragma: no cover


def parse_rows(
    source: IO[bytes], where: str, labels: list[str], delimiter: str,
    types: dict[str, pa.DataType], null_values: list[str], typed: set[str], already: int = 0,
) -> tuple[pa.Table, list[Invalid], set[str]]:  # fmt: skip
    """`parse_csv` on both cores, then on one thread if rows were set aside whose line the
    threads could not tell (only files with such rows pay for the second read, which starts
    from the columns the first found unreadable)."""
    table, invalid, failed = parse_csv(source, where, labels, delimiter, types, null_values,
                                       typed=typed, already=already)  # fmt: skip
    if invalid and any(number is None for number, _ in invalid):
        import pyarrow as pa

        known = {n: pa.string() if n in failed else t for n, t in types.items()}
        table, invalid, more = parse_csv(source, where, labels, delimiter, known, null_values,
                                         typed=typed - failed, already=already + len(failed),
                                         threads=False)  # fmt: skip
        failed |= more
    return table, invalid, failed


def text_columns(
    source: IO[bytes],
    where: str,
    encoding: str | None = None,
    *,
    labels: Callable[[list[str]], list[str]] = numbered_labels,
    delimiter: str | None = None,
    utf8_first: bool = False,
) -> tuple[list[str], dict[str, pa.ChunkedArray], np.ndarray, list[tuple[int, list[str]]]]:
    """Every cell of the CSV file ``source`` (open, seekable) as text, null where empty: the
    column ``labels`` made from the header row, each column's cells (the rows set aside for a
    wrong number of cells joined last), the line of every row, and the rows set aside with
    their cells. ``delimiter`` None detects it; `InputError` beyond dahpkg's bounds.

    ``encoding`` is the file's (None: UTF-8, or UTF-16 with its mark). With ``utf8_first`` it
    is only for a file that is not UTF-8: one that is (or that starts with UTF-8's mark) is
    read as UTF-8, so that one ``--encoding`` serves files that were saved differently (a
    REDCap download beside an export saved again by Excel).
    """
    import pyarrow as pa

    if utf8_first and encoding not in (None, UTF8):
        try:
            return text_columns(source, where, None, labels=labels, delimiter=delimiter)
        except NotUtf8:
            pass  # not UTF-8: the encoding given
    with as_utf8(source, where, encoding) as text:
        try:
            head = header_line(text, where, delimiter)
            delimiter = delimiter or detect_delimiter(head)
            found = labels(header_cells(head, delimiter, where))
            types = dict.fromkeys(found, pa.string())
            table, invalid, _ = parse_rows(text, where, found, delimiter, types, [""], set())
        except UnicodeDecodeError:
            raise refuse_undecodable(text, where) from None
    ragged, rows = set_aside_rows(table, invalid, delimiter)
    columns = {n: table.column(n) for n in found}
    if ragged:
        for i, n in enumerate(found):
            extra = set_aside_cells(ragged, i)
            columns[n] = pa.chunked_array([*columns[n].chunks, extra])
    check_cells(where, found, columns, rows, ragged)
    return found, columns, rows, ragged


def set_aside_cells(rows: list[tuple[int, list[str]]], i: int) -> pa.Array:
    """The ``i``-th cell of each row set aside (null where it is empty or the row is short)."""
    import pyarrow as pa

    return pa.array([cells[i] or None if i < len(cells) else None for _, cells in rows],
                    pa.string())  # fmt: skip


def set_aside_rows(
    table: pa.Table, invalid: list[Invalid], delimiter: str
) -> tuple[list[tuple[int, list[str]]], np.ndarray]:
    """The rows the parser set aside, as (row number, their cells), and the row number of
    every row: those the parser kept, then those it set aside (which join the table last)."""
    import numpy as np

    ragged = [(int(n or 0), split_row(t, delimiter)) for n, t in invalid]
    rows = row_numbers(table.num_rows, [n for n, _ in invalid])
    return ragged, np.concatenate([rows, np.array([r for r, _ in ragged], dtype=int)])


def check_cells(where: str, labels: list[str], columns: dict[str, Any], rows: np.ndarray,
                ragged: list[tuple[int, list[str]]]) -> None:  # fmt: skip
    """Refuse a cell longer than ``max_cell_chars``, naming the first one's row and column.

    ``columns`` hold the cells of ``rows`` (the rows set aside among them); ``ragged`` the rows
    set aside, whose cells beyond the header are only there. Column by column, vectorised: the
    lengths in bytes, read from the offsets, clear most columns before characters are counted.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    bound = limit("max_cell_chars")
    most = bound.value()
    found: list[tuple[int, int, int]] = []  # (row, column, characters)
    for n, label in enumerate(labels, start=1):
        column = columns[label]
        if not pa.types.is_string(column.type) or (
            (pc.max(pc.binary_length(column)).as_py() or 0) <= most
        ):
            continue
        chars = np.asarray(pc.fill_null(pc.utf8_length(column), 0), dtype=np.int64)
        over = np.flatnonzero(chars > most)
        if len(over):
            first = over[np.argmin(rows[over])]
            found.append((int(rows[first]), n, int(chars[first])))
    for row, cells in ragged:
        if max(map(len, cells), default=0) > most:
            n = next(i for i, cell in enumerate(cells, start=1) if len(cell) > most)
            found.append((row, n, len(cells[n - 1])))
    if found:
        row, n, chars_found = min(found)
        name = f" ('{shown(labels[n - 1], 40)}')" if n <= len(labels) else ""
        raise bound.exceeded(f"{where}, row {row}, column {n}{name}", f"{chars_found:,} characters")


def shown(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters for a message."""
    return text if len(text) <= most else text[:most] + "..."


def split_row(text: str, delimiter: str) -> list[str]:
    """The cells of one row set aside by the parser."""
    csv.field_size_limit(1 << 30)  # a cell as long as pyarrow accepts
    return next(csv.reader([text], delimiter=delimiter), [])


def row_numbers(count: int, skipped: list[int | None]) -> np.ndarray:
    """Row numbers (the header is row 1) of the rows the parser kept, given those it set aside."""
    import numpy as np

    numbers = np.arange(2, count + len(skipped) + 2)
    if skipped:
        numbers = numbers[~np.isin(numbers, np.array([int(s or 0) for s in skipped]))]
    return numbers
