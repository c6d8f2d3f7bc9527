"""The header row of a CSV file: read within dahpkg's bounds, its delimiter, its column labels.

The header is read before the rows, in chunks checked as they come, so that a header wider than
``max_columns`` or with a cell longer than ``max_cell_chars`` is refused before the parse; the
labels it gives name the columns both readers (`dahpkg.package.text`) parse.
"""

from __future__ import annotations

import csv
from typing import IO

from dahpkg.errors import InputError
from dahpkg.limits import limit

DELIMITERS = (",", ";", "\t")


def header_line(source: IO[bytes], where: str, delimiter: str | None = None) -> bytes:
    """The bytes of the header row of the CSV file ``source``, up to its line end.

    Read in chunks that double, each time checked as far as it goes: a header wider than
    ``max_columns`` or with a cell longer than ``max_cell_chars`` is refused before the rest of
    it is read, however long its line (a hundred thousand columns, or no line end at all).
    """
    source.seek(0)
    line = b""
    size = 1 << 16
    while True:
        chunk = source.read(size)
        line += chunk
        # Old spreadsheets end lines with a bare carriage return.
        ends = [i for i in (line.find(b"\n"), line.find(b"\r")) if i >= 0]
        if ends:
            return line[: min(ends) + 1]
        if not chunk:
            return line
        _checked(line.decode("utf-8-sig", errors="replace"), delimiter or detect_delimiter(line),
                 where, whole=False)  # fmt: skip
        size *= 2


def detect_delimiter(header: bytes) -> str:
    """The delimiter of a loose CSV file, judged from its header row.

    Spreadsheets set to many European locales save "CSV" with semicolons.

    >>> detect_delimiter(b"a;b;c\\n1;2;3\\n")
    ';'
    """
    end = header.find(b"\n", 0, 65536)
    header = header[: end if end >= 0 else 65536]
    counts = {d: header.count(d.encode()) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def header_cells(line: bytes, delimiter: str, where: str) -> list[str]:
    """The cells of the header row (``line``, from `header_line`), within the limits."""
    text = line.decode("utf-8-sig").rstrip("\r\n")
    if not text.strip():
        raise InputError(f"{where} is empty: expected a header row and episodes")
    return _checked(text, delimiter, where, whole=True)


def _checked(text: str, delimiter: str, where: str, *, whole: bool) -> list[str]:
    """The cells of a header row (``whole``, or the part of it read so far), refused when
    there are more than ``max_columns`` of them or one is longer than ``max_cell_chars``."""
    csv.field_size_limit(1 << 30)  # the limit is checked below, with a clearer message
    try:
        cells = next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error as exc:
        raise InputError(f"{where}: the header row cannot be read ({exc})") from None
    columns = limit("max_columns")
    if len(cells) > columns.value():
        found = f"{'' if whole else 'at least '}{len(cells):,} columns"
        raise columns.exceeded(f"{where}, header row", found)
    longest = max(range(len(cells)), key=lambda i: len(cells[i]), default=0)
    chars = limit("max_cell_chars")
    if cells and len(cells[longest]) > chars.value():
        found = f"{'' if whole else 'at least '}{len(cells[longest]):,} characters"
        raise chars.exceeded(f"{where}, header row, column {longest + 1}", found)
    return cells


def named(header: list[str]) -> list[str]:
    """Column names from the header row; a blank one is named by its position."""
    return [text.strip() or f"(unnamed column {n})" for n, text in enumerate(header, start=1)]


def unique_labels(header: list[str], where: str) -> list[str]:
    """Column names, refusing one given twice (a typed table cannot hold both)."""
    labels = named(header)
    seen: dict[str, int] = {}
    for n, label in enumerate(labels, start=1):
        if label in seen:
            raise InputError(
                f"{where}: the column name '{label}' appears twice (columns {seen[label]} and "
                f"{n}); keep one"
            )
        seen[label] = n
    return labels


def numbered_labels(header: list[str]) -> list[str]:
    """Column labels, a blank one named by its position and a repeated one numbered."""
    labels: list[str] = []
    seen: set[str] = set()  # a set, not the list: a wide header costs no quadratic search
    for n, label in enumerate(named(header), start=1):
        labels.append(label if label not in seen else f"{label} (column {n})")
        seen.add(labels[-1])
    return labels
