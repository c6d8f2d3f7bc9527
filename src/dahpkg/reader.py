"""Read an episode table into typed columns, fast, and without losing what cannot be typed.

A CSV file is parsed by pyarrow straight into the declared types (booleans with the schema's
true/false values, 64-bit integers, text), on both cores. Such a typed read stops at the first
cell it cannot convert; the column it names is then read as text and converted here, cell by
cell but vectorised, so that every unreadable cell is found with its row. Rows with more or
fewer cells than the header are set aside by the parser, reported, and their cells still
checked. A workbook is read as text and converted the same way.

The result is a `Table`: a pandas frame with nullable dtypes, masks of missing and unreadable
cells, the text as written where it matters for messages, and the row number a person sees in
the file for every episode.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.schema import DEFAULT_FALSE_VALUES, DEFAULT_TRUE_VALUES, Field, TableSchema

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from dahpkg.package import Source

# Integers as frictionless reads them (surrounding blanks and a sign allowed), up to 18 digits
# so that they fit a 64-bit integer. pyarrow's parser refuses a "+": such a column is read as
# text and converted here.
INTEGER = r"^[ \t]*[+-]?[0-9]{1,18}[ \t]*$"
NUMBER = r"^[ \t]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t]*$"
MAX_TYPED_RETRIES = 3
DELIMITERS = (",", ";", "\t")


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


def read(source: Source) -> Table:
    """Read the episode table of ``source``; `InputError` when it cannot be read at all."""
    if not source.table.is_file():
        raise InputError(f"episode table not found: {source.table}")
    try:
        if source.format == "csv":
            return _read_csv(source.table, source.delimiter, source.schema)
        return _read_xlsx(source.table, source.schema)
    except UnicodeDecodeError as exc:
        raise InputError(f"{source.table} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{source.table} cannot be read: {exc.strerror or exc}") from None


# --- CSV ------------------------------------------------------------------------------------


def _read_csv(path: Path, delimiter: str | None, schema: TableSchema) -> Table:
    import pyarrow as pa

    delimiter = delimiter or _detect_delimiter(path)
    labels = _labels(_header(path, delimiter), str(path))
    declared = {f.name: f for f in schema.fields}
    as_text = {n for n in labels if n not in declared}
    as_text |= {n for n in labels if n in declared and not _typed_read_fits(declared[n], schema)}
    arrow_table, invalid, as_text = _arrow_read(path, labels, delimiter, schema, as_text)
    if invalid and any(number is None for number, _ in invalid):
        # Threads parse blocks out of order and cannot tell the line of a bad row: read again
        # on one thread, which can (only files with bad rows pay for this).
        arrow_table, invalid, as_text = _arrow_read(
            path, labels, delimiter, schema, as_text, threads=False
        )
    ragged = _ragged_cells(invalid, labels, delimiter)
    rows = _valid_row_numbers(arrow_table.num_rows, [n for n, _ in invalid])
    columns = {n: arrow_table.column(n) for n in labels}
    if ragged:
        import numpy as np
        import pyarrow.compute as pc

        # The set-aside rows join the table: converted to each column's type when all their
        # cells read cleanly; otherwise that column is converted from text as a whole, so
        # that every unreadable cell is still found.
        for i, n in enumerate(labels):
            extra = pa.array([cells[i] for _, cells, _ in ragged], pa.string())
            column = columns[n]
            if n in as_text or pa.types.is_string(column.type):
                columns[n] = pa.chunked_array([*column.cast(pa.string()).chunks, extra])
                continue
            values, _, bad = _convert_text(extra, declared[n])
            if pc.any(bad).as_py():
                columns[n] = pa.chunked_array([*_as_string(column).chunks, extra])
                as_text.add(n)
            else:
                columns[n] = pa.chunked_array([*column.chunks, values.cast(column.type)])
        rows = np.concatenate([rows, np.array([r for r, _, _ in ragged], dtype=int)])
    return _finish(
        labels, columns, rows, schema, as_text, where=str(path),
        ragged=tuple(RaggedRow(r, count) for r, _, count in ragged), sheet=None,
    )  # fmt: skip


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


def _arrow_read(
    path: Path,
    labels: list[str],
    delimiter: str,
    schema: TableSchema,
    as_text: set[str],
    *,
    threads: bool = True,
) -> tuple[pa.Table, list[tuple[int | None, str]], set[str]]:
    """Read with declared types; a column that fails to convert is read again as text.

    Returns the table, the rows set aside (line number, text) and the columns read as text.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    declared = {f.name: f for f in schema.fields}
    as_text = set(as_text)
    block_size = 1 << 20
    for _ in range(MAX_TYPED_RETRIES + 6):
        invalid: list[tuple[int | None, str]] = []
        undecodable: list[int | None] = []

        def handler(
            row: Any,
            invalid: list[tuple[int | None, str]] = invalid,
            undecodable: list[int | None] = undecodable,
        ) -> str:
            try:
                invalid.append((row.number, row.text))
            except UnicodeDecodeError:
                undecodable.append(row.number)
            return "skip"

        if len(as_text - {n for n in labels if n not in declared}) > MAX_TYPED_RETRIES:
            # too many unreadable columns: read them all as text, once
            as_text = set(labels)
        types = {n: pa.string() if n in as_text else _arrow_type(declared[n]) for n in labels}
        try:
            table = pcsv.read_csv(
                path,
                read_options=pcsv.ReadOptions(skip_rows=1, column_names=labels,
                                              use_threads=threads, block_size=block_size),
                parse_options=pcsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                                invalid_row_handler=handler),
                convert_options=pcsv.ConvertOptions(
                    column_types=types,
                    null_values=list(schema.missing_values),
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    true_values=list(DEFAULT_TRUE_VALUES),
                    false_values=list(DEFAULT_FALSE_VALUES),
                ),
            )  # fmt: skip
            if undecodable:
                raise InputError(f"{path} is not UTF-8 text")
            return table, invalid, as_text
        except pa.ArrowInvalid as exc:
            # pyarrow quotes the offending row; a cell may be an identifier, so it is cut.
            message = re.sub(r"(columns, got \d+|column)\s*:.*", r"\1", str(exc), flags=re.S)
            if "invalid UTF8" in message:
                raise InputError(f"{path} is not UTF-8 text") from None
            if "straddling" in message and block_size < 1 << 30:
                block_size *= 16  # a cell longer than a block: read in larger blocks
                continue
            failed = re.search(r"In CSV column #(\d+)", message)
            if failed is None:
                raise InputError(f"{path} is not a well-formed CSV file: {message}") from None
            as_text.add(labels[int(failed.group(1))])
    raise InputError(f"{path} cannot be read as a table")  # pragma: no cover


def _header(path: Path, delimiter: str) -> list[str]:
    with path.open("rb") as handle:
        first = handle.readline(1 << 20)
    # Old spreadsheets end lines with a bare carriage return: readline() does not split those.
    lines = first.decode("utf-8-sig").splitlines()
    if not lines or not lines[0].strip():
        raise InputError(f"{path} is empty: expected a header row and episodes")
    try:
        return next(csv.reader([lines[0]], delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(f"{path}: the header row cannot be read ({exc})") from None


def _detect_delimiter(path: Path) -> str:
    """The delimiter of a loose CSV file, judged from its header row.

    Spreadsheets set to many European locales save "CSV" with semicolons.
    """
    with path.open("rb") as handle:
        header = handle.readline(65536)
    counts = {d: header.count(d.encode()) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _ragged_cells(
    invalid: list[tuple[int | None, str]], labels: list[str], delimiter: str
) -> list[tuple[int, list[str | None], int]]:
    """Rows with too many or too few cells: (row, cells cut or padded to the header, count)."""
    rows = []
    csv.field_size_limit(1 << 30)  # a cell as long as pyarrow accepts
    for number, text in invalid:
        cells = next(csv.reader([text], delimiter=delimiter), [])
        fitted: list[str | None] = [c if c != "" else None for c in cells[: len(labels)]]
        fitted += [None] * (len(labels) - len(fitted))
        rows.append((int(number or 0), fitted, len(cells)))
    return rows


def _valid_row_numbers(count: int, skipped: list[int | None]) -> np.ndarray:
    """Row numbers of the rows the parser kept, given the rows it set aside."""
    import numpy as np

    numbers = np.arange(2, count + len(skipped) + 2)
    if skipped:
        numbers = numbers[~np.isin(numbers, np.array([int(s or 0) for s in skipped]))]
    return numbers


def _as_string(column: pa.ChunkedArray) -> pa.ChunkedArray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_boolean(column.type):
        return pc.if_else(column, "true", "false")
    return pc.cast(column, pa.string())


# --- XLSX -----------------------------------------------------------------------------------


def _read_xlsx(path: Path, schema: TableSchema) -> Table:
    import numpy as np
    import pyarrow as pa

    sheet, grid = _xlsx_grid(path)
    where = f"{path}, sheet '{sheet}'"
    if not grid:
        raise InputError(f"{where} is empty: expected a header row and episodes")
    width = max(len(r) for r in grid)
    labels = _labels([*grid[0], *[""] * (width - len(grid[0]))], where)
    body = [r + [""] * (width - len(r)) for r in grid[1:]]
    columns = {
        n: pa.chunked_array([pa.array([row[i] or None for row in body], pa.string())])
        for i, n in enumerate(labels)
    }
    rows = np.arange(2, len(body) + 2)
    return _finish(labels, columns, rows, schema, set(labels), where=where, ragged=(), sheet=sheet)


def _data_sheet(names: list[str]) -> str:
    """The sheet holding the episodes: one named for them, else the first."""
    for wanted in ("episode", "data"):
        for name in names:
            if wanted in name.lower():
                return name
    return names[0]


def _excel_cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- both -----------------------------------------------------------------------------------


def _labels(header: list[str], where: str) -> list[str]:
    """Column names from the header row; a blank one is named by its position."""
    labels = _named(header)
    seen: dict[str, int] = {}
    for n, label in enumerate(labels, start=1):
        if label in seen:
            raise InputError(
                f"{where}: the column name '{label}' appears twice (columns {seen[label]} and "
                f"{n}); keep one"
            )
        seen[label] = n
    return labels


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
        number = pc.replace_substring_regex(pc.utf8_trim_whitespace(text), r"^\+", "")
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
) -> Table:
    """Convert text columns, drop blank rows, put rows in file order, hand over to pandas."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    null_everywhere: Any = columns[labels[0]].is_null()
    for n in labels[1:]:
        null_everywhere = pc.and_(null_everywhere, columns[n].is_null())
    blank: Any = np.asarray(null_everywhere.to_numpy(zero_copy_only=False), dtype=np.bool_)
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


# --- every cell as text ---------------------------------------------------------------------

BEYOND_HEADER = "(cells beyond the header)"


@dataclass(frozen=True)
class Cells:
    """Every cell of a file as written, unknown columns included, for a search of its text.

    ``columns`` maps each column label to its cells (empty text for an empty cell); cells of a
    row longer than the header are joined under `BEYOND_HEADER`. ``rows`` gives the row number
    a person sees in the file (the header is row 1).
    """

    where: str
    labels: tuple[str, ...]
    columns: dict[str, pd.Series]
    rows: np.ndarray


def read_cells(path: Path, *, delimiter: str | None = None) -> list[Cells]:
    """Every cell of a CSV or TSV file, or of every sheet of a workbook, as text.

    `InputError` if the file cannot be read; the message never quotes a cell.
    """
    import numpy as np

    if not path.is_file():
        raise InputError(f"file not found: {path}")
    try:
        if path.suffix.lower() == ".xlsx":
            return [
                _grid_cells(
                    f"{path}, sheet '{name}'",
                    grid[0] if grid else [],
                    grid[1:],
                    np.arange(2, len(grid) + 1),
                )
                for name, grid in _xlsx_sheets(path)
            ]
        delimiter = delimiter or ("\t" if path.suffix.lower() == ".tsv" else None)
        delimiter = delimiter or _detect_delimiter(path)
        fast = _csv_columns(path, delimiter)
        if fast is not None:
            return [fast]
        header, body, rows = _csv_grid(path, delimiter)
        return [_grid_cells(str(path), header, body, rows)]
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _grid_cells(where: str, header: list[str], body: list[list[str]], rows: np.ndarray) -> Cells:
    import pandas as pd

    labels = _cell_labels(header)
    width = len(labels)
    columns = {
        label: pd.Series([r[i] if i < len(r) else "" for r in body], dtype="str")
        for i, label in enumerate(labels)
    }
    if any(len(r) > width for r in body):
        columns[BEYOND_HEADER] = pd.Series([" ".join(r[width:]) for r in body], dtype="str")
    return Cells(where, tuple(columns), columns, rows)


def _cell_labels(header: list[str]) -> list[str]:
    """Column labels, a blank one named by its position and a repeated one numbered."""
    labels: list[str] = []
    for n, label in enumerate(_named(header), start=1):
        labels.append(label if label not in labels else f"{label} (column {n})")
    return labels


def _named(header: list[str]) -> list[str]:
    return [text.strip() or f"(unnamed column {n})" for n, text in enumerate(header, start=1)]


def _csv_columns(path: Path, delimiter: str) -> Cells | None:
    """Every cell as text, parsed by pyarrow; None when a row's cell count differs from the
    header's, which the slower reader then handles."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    labels = _cell_labels(_header(path, delimiter))
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(skip_rows=1, column_names=labels,
                                          block_size=1 << 24),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in labels},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )  # fmt: skip
    except pa.ArrowInvalid as exc:
        if "invalid UTF8" in str(exc):
            raise InputError(f"{path} is not UTF-8 text") from None
        return None
    columns = {n: table.column(n).to_pandas().astype("str") for n in labels}
    rows = np.arange(2, table.num_rows + 2)
    return Cells(str(path), tuple(labels), columns, rows)


def _csv_grid(path: Path, delimiter: str) -> tuple[list[str], list[list[str]], np.ndarray]:
    import numpy as np

    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader, [])
            body, rows = [], []
            for record in reader:
                if any(record):
                    body.append(record)
                    rows.append(reader.line_num)
        except csv.Error as exc:
            raise InputError(f"{path} is not a well-formed CSV file: {exc}") from None
    if not header:
        raise InputError(f"{path} is empty: expected a header row")
    return header, body, np.array(rows, dtype=int)


def _xlsx_grid(path: Path) -> tuple[str, list[list[str]]]:
    """The data sheet of a workbook as rows of text, without trailing empty rows."""
    return _xlsx_sheets(path, only_data_sheet=True)[0]


def _xlsx_sheets(path: Path, *, only_data_sheet: bool = False) -> list[tuple[str, list[list[str]]]]:
    """Every sheet of a workbook (or only the data sheet) as rows of text."""
    import openpyxl

    try:
        # data_only=False: a formula is read as its text ("=28+0") and reported, instead of a
        # cached result that may be stale or absent.
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except OSError:
        raise
    # openpyxl signals a damaged workbook with many exception types (zip, XML, key errors).
    except Exception as exc:
        raise InputError(f"{path} is not a readable Excel workbook ({exc})") from None
    try:
        names = [str(n) for n in book.sheetnames]
        sheets = []
        for name in [_data_sheet(names)] if only_data_sheet else names:
            grid = [[_excel_cell_text(v) for v in row]
                    for row in book[name].iter_rows(values_only=True)]  # fmt: skip
            while grid and not any(grid[-1]):  # formatted but empty rows at the end of a sheet
                grid.pop()
            sheets.append((name, grid))
    finally:
        book.close()
    return sheets
