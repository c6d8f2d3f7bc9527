"""Read an episode table into typed columns, fast, and without losing what cannot be typed.

A CSV file is parsed by pyarrow straight into the declared types (booleans with the schema's
true/false values, 64-bit integers, text), on both cores. Such a typed read stops at the first
cell it cannot convert; the column it names is then read as text and converted here, cell by
cell but vectorised, so that every unreadable cell is found with its row. Rows with more or
fewer cells than the header are set aside by the parser, reported, and their cells still
checked. A workbook is read as text and converted the same way.

When every cell is wanted as text too (the privacy check reads them all), the file is parsed
once as text and the typed table converted from that text: one parse either way.

The result is a `Table`: a pandas frame with nullable dtypes, masks of missing and unreadable
cells, the text as written where it matters for messages, and the row number a person sees in
the file for every episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.package import header as _header
from dahpkg.package import text as _text
from dahpkg.package.encoding import refuse_undecodable
from dahpkg.package.schema import DEFAULT_FALSE_VALUES, DEFAULT_TRUE_VALUES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from dahpkg.package.cells import Cells
    from dahpkg.package.grid import Grid
    from dahpkg.package.schema import Field, TableSchema

# Integers with a sign allowed, up to 18 digits so that they fit a 64-bit integer. pyarrow's
# parser refuses a "+": such a column is read as text and converted here. Unlike frictionless,
# a number with spaces around it is refused, as "GPA " is: a patient "7 " is a typing slip to
# show, not a value to trim silently.
INTEGER = r"^[+-]?[0-9]{1,18}$"
NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


@dataclass(frozen=True)
class RaggedRow:
    """A row whose number of cells differs from the header's."""

    row: int
    cells: int


@dataclass(frozen=True)
class Table:
    """The episode rows of one file, typed.

    ``frame`` holds the declared columns present in the file, with pandas' nullable dtypes
    (categorical fields as text, so that a value outside the categories can be shown), on a
    RangeIndex; ``rows[i]`` is the row number of ``frame`` row ``i`` in the file (the header
    is row 1). ``missing`` marks empty cells, ``type_errors`` cells that are not empty and not
    of the declared type; ``text`` keeps the cells as written for columns read as text.
    Unknown columns are only named in ``labels``: their cells are not kept.
    """

    labels: tuple[str, ...]
    frame: pd.DataFrame
    missing: pd.DataFrame
    type_errors: pd.DataFrame
    text: dict[str, pd.Series]
    rows: np.ndarray
    blank_rows: tuple[int, ...] = ()
    ragged: tuple[RaggedRow, ...] = ()
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)
    # Another sheet of the workbook that has declared columns the sheet read lacks.
    other_sheet: str | None = None

    def sheet_hint(self) -> str:
        """What to do when the sheet read lacks columns another sheet has ("" if none)."""
        if self.other_sheet is None:
            return ""
        name = self.other_sheet
        return f"; the sheet '{name}' has them: give --sheet \"{name}\" to read it instead"


def read_csv(source: IO[bytes], where: str, delimiter: str | None, schema: TableSchema, *,
             with_cells: bool = False) -> tuple[Table, Cells | None]:  # fmt: skip
    """The typed table of a CSV file (open, seekable) and, with ``with_cells``, every cell as
    text.

    Without ``with_cells`` the parser types the columns itself. With it, every column is
    parsed as text, and the typed table is made from that text as the parser would have made
    it (`_as_parsed`), so that both give the same table from one parse of the file.
    """
    import pyarrow as pa

    from dahpkg.package.cells import csv_cells

    try:
        head = _header.header_line(source, where, delimiter)
        delimiter = delimiter or _header.detect_delimiter(head)
        labels = _header.unique_labels(_header.header_cells(head, delimiter, where), where)
    except UnicodeDecodeError:
        raise refuse_undecodable(source, where) from None
    declared = {f.name: f for f in schema.fields}
    # Read as text from the start: unknown columns, and fields whose spellings of true, false
    # or missing are not the parser's. The others the parser types (or the emulation below).
    as_text = {n for n in labels if n not in declared or not _typed_read_fits(declared[n], schema)}
    already = len(as_text & set(declared))  # they count towards reading every column as text
    numbers = {n for n in labels if n not in as_text and declared[n].type in ("integer", "number")}
    # The parser would trim a blank around a number: they are read as text if there may be one.
    fast = numbers and not with_cells and already <= _text.MAX_TYPED_RETRIES
    if fast and _text.blank_beside_delimiter(source, delimiter):
        as_text |= numbers
    typed = set(labels) - as_text
    types = {n: pa.string() if with_cells or n in as_text else _arrow_type(declared[n])
             for n in labels}  # fmt: skip
    table, invalid, failed = _text.parse_rows(
        source, where, labels, delimiter, types, list(schema.missing_values),
        set() if with_cells else typed, already,
    )  # fmt: skip
    columns: dict[str, Any] = {n: table.column(n) for n in labels}
    text = dict(columns) if with_cells else None
    if with_cells:
        parsed = {n: _as_parsed(columns[n], declared[n]) for n in typed}
        failed = {n for n, values in parsed.items() if values is None}
        if len(failed) + already > _text.MAX_TYPED_RETRIES:
            failed = typed  # as the parser does: every column read as text, once
        columns.update({n: v for n, v in parsed.items() if v is not None and n not in failed})
    as_text |= failed
    ragged, rows = _text.set_aside_rows(table, invalid, delimiter)
    if ragged:
        for i, n in enumerate(labels):
            extra = _text.set_aside_cells(ragged, i)
            if text is not None:
                text[n] = pa.chunked_array([*text[n].chunks, extra])
            columns[n], unreadable = _with_set_aside(columns[n], extra, declared.get(n),
                                                     n in as_text)  # fmt: skip
            if unreadable:
                as_text.add(n)
    _text.check_cells(where, labels, text if text is not None else columns, rows, ragged)
    cells = csv_cells(where, labels, text, rows, ragged) if text is not None else None
    typed_table = _finish(
        labels, columns, rows, schema, as_text, where=where,
        ragged=tuple(RaggedRow(r, len(c)) for r, c in ragged), sheet=None,
    )  # fmt: skip
    return typed_table, cells


def _with_set_aside(column: Any, extra: pa.Array, item: Field | None,
                    as_text: bool) -> tuple[Any, bool]:  # fmt: skip
    """A column with the rows the parser set aside joined at its end: converted to the
    column's type when all their cells read cleanly; otherwise the column becomes text as a
    whole, so that every unreadable cell is still found (then True)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if as_text or item is None or pa.types.is_string(column.type):
        return pa.chunked_array([*column.cast(pa.string()).chunks, extra]), False
    values, _, bad = _convert_text(extra, item)
    if pc.any(bad).as_py():
        return pa.chunked_array([*_as_string(column).chunks, extra]), True
    return pa.chunked_array([*column.chunks, values.cast(column.type)]), False


def _as_parsed(text: pa.ChunkedArray, item: Field) -> pa.ChunkedArray | None:
    """A text column typed as pyarrow's CSV parser types it, or None where the parser would
    have failed (and read the column as text instead).

    A number is read as a cast does (a blank around it fails, as it does for the columns read
    as text, where the parser would trim it); a yes/no cell must be one of frictionless'
    default spellings exactly. The empty cell is already null.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if item.type == "string":
        return text
    if item.type == "boolean":
        spellings = pa.array([*DEFAULT_TRUE_VALUES, *DEFAULT_FALSE_VALUES])
        if not pc.all(pc.or_kleene(pc.is_null(text), pc.is_in(text, spellings))).as_py():
            return None
        is_true = pc.is_in(text, pa.array(list(DEFAULT_TRUE_VALUES)))
        return pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), is_true)
    try:
        return pc.cast(text, _arrow_type(item))
    except pa.ArrowInvalid:
        return None


def _typed_read_fits(item: Field, schema: TableSchema) -> bool:
    """True when pyarrow's global true/false/null values are exactly this field's."""
    if dict(item.missing_values) != dict(schema.missing_values):
        return False
    if item.type == "boolean":
        return (item.true_values, item.false_values) == (DEFAULT_TRUE_VALUES, DEFAULT_FALSE_VALUES)
    return item.type in ("integer", "number", "string")


def _arrow_type(item: Field) -> pa.DataType:
    import pyarrow as pa

    return {"boolean": pa.bool_(), "integer": pa.int64(), "number": pa.float64()}.get(
        item.type, pa.string()
    )


def _as_string(column: pa.ChunkedArray) -> pa.ChunkedArray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_boolean(column.type):
        return pc.if_else(column, "true", "false")
    return pc.cast(column, pa.string())


def read_grid(grid: Grid, where: str, schema: TableSchema, sheet: str) -> Table:
    """The typed table of a workbook sheet. Only the declared columns are laid out: a sheet
    may be wide, and the others are only named."""
    import numpy as np
    import pyarrow as pa

    if not len(grid):
        raise InputError(f"{where} is empty: expected a header row and episodes")
    labels = _header.unique_labels(grid.header(), where)
    declared = {f.name for f in schema.fields}
    columns = {n: pa.chunked_array([grid.column(i)]) for i, n in enumerate(labels) if n in declared}
    rows = np.arange(2, len(grid) + 1)
    return _finish(labels, columns, rows, schema, set(labels), where=where, ragged=(),
                   sheet=sheet, blank=~grid.filled())  # fmt: skip


def _convert_text(text: pa.ChunkedArray, item: Field) -> tuple[pa.Array, pa.Array, pa.Array]:
    """A text column as its declared type, with masks of missing and unreadable cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    declared_missing = [v for v in item.missing_values if v != ""]
    missing = pc.is_null(text)
    if declared_missing:
        missing = pc.or_(missing, pc.fill_null(pc.is_in(text, pa.array(declared_missing)), False))
    present = pc.invert(missing)
    if item.type == "boolean":
        is_true = pc.fill_null(pc.is_in(text, pa.array(list(item.true_values))), False)
        is_false = pc.fill_null(pc.is_in(text, pa.array(list(item.false_values))), False)
        values = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
        ok = pc.or_(is_true, is_false)
    elif item.type in ("integer", "number"):
        pattern = INTEGER if item.type == "integer" else NUMBER
        ok = pc.fill_null(pc.match_substring_regex(text, pattern), False)
        number = pc.replace_substring_regex(text, r"^\+", "")
        kept = pc.if_else(pc.and_(ok, present), number, pa.scalar(None, pa.string()))
        values = pc.cast(kept, pa.int64() if item.type == "integer" else pa.float64())
    else:
        values = pc.if_else(present, text, pa.scalar(None, pa.string()))
        ok = present
    bad = pc.and_(present, pc.invert(ok))
    return values, missing, bad


def _finish(
    labels: list[str],
    columns: dict[str, pa.ChunkedArray],
    rows: np.ndarray,
    schema: TableSchema,
    as_text: set[str],
    *,
    where: str,
    ragged: tuple[RaggedRow, ...],
    sheet: str | None,
    blank: np.ndarray | None = None,
) -> Table:
    """Convert text columns, drop blank rows (``blank``, else those null in every column of
    ``columns``), put rows in file order, hand over to pandas."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if blank is None:
        blank = _blank_rows(columns, labels)
    if bool(np.all(rows[1:] > rows[:-1])) and not blank.any():
        take = None  # already in file order, nothing to drop: no copy
    else:
        order = np.argsort(rows, kind="stable")
        blank, rows = blank[order], rows[order]
        take = pa.array(order[~blank])
    blank_rows = tuple(int(r) for r in rows[blank])
    rows = rows[~blank]
    if len(rows) == 0:
        raise InputError(f"{where} has a header row but no episodes")
    typed: dict[str, Any] = {}
    missing: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    text: dict[str, pd.Series] = {}
    for item in schema.fields:
        if item.name not in columns:
            continue
        column = columns[item.name] if take is None else columns[item.name].take(take)
        if item.name in as_text or item.type == "string":
            values, absent, bad = _convert_text(column, item)
            text[item.name] = column.to_pandas(types_mapper=_text_dtype).fillna("")
        else:
            values, absent, bad = column, column.is_null(), None
        typed[item.name] = values
        missing[item.name] = absent
        errors[item.name] = bad
    frame = pa.table(typed).to_pandas(types_mapper=_pandas_dtype)
    length = len(frame)
    missing_frame = pd.DataFrame({n: np.asarray(m, dtype=bool) for n, m in _numpy(missing).items()})
    error_frame = pd.DataFrame({
        n: (np.zeros(length, dtype=bool) if m is None else np.asarray(m, dtype=bool))
        for n, m in _numpy(errors).items()
    })  # fmt: skip
    return Table(
        labels=tuple(labels), frame=frame, missing=missing_frame, type_errors=error_frame,
        text=text, rows=rows, blank_rows=blank_rows, ragged=ragged, sheet=sheet,
    )  # fmt: skip


def _blank_rows(columns: dict[str, pa.ChunkedArray], labels: list[str]) -> np.ndarray:
    """Rows null in every column."""
    import numpy as np
    import pyarrow.compute as pc

    null_everywhere: Any = columns[labels[0]].is_null()
    for n in labels[1:]:
        null_everywhere = pc.and_(null_everywhere, columns[n].is_null())
    return np.asarray(null_everywhere.to_numpy(zero_copy_only=False), dtype=np.bool_)


def _numpy(arrays: dict[str, Any]) -> dict[str, Any]:
    return {n: None if a is None else a.to_numpy(zero_copy_only=False) for n, a in arrays.items()}


def _pandas_dtype(arrow_type: pa.DataType) -> Any:
    import pandas as pd
    import pyarrow as pa

    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    if pa.types.is_int64(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype()
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return _text_dtype(arrow_type)
    return None


def _text_dtype(arrow_type: pa.DataType) -> Any:
    import pandas as pd

    return pd.StringDtype()
