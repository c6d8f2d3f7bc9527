"""Find the episode table (a package, a folder, a loose CSV or XLSX file) and read it typed.

Reading happens in two steps so that nothing is lost silently: every cell is first read as the
text that was written (`read_cells`), then converted to the type the Table Schema declares
(`parse`), which also reports every cell that could not be converted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from dahpkg.errors import DataError, InputError
from dahpkg.schema import TableSchema, read_json

if TYPE_CHECKING:
    import pandas as pd

EPISODES = "episodes"
DESCRIPTOR = "datapackage.json"
TABLE_SUFFIXES = {".csv": "csv", ".xlsx": "xlsx"}


@dataclass(frozen=True)
class Source:
    """Where the episode rows come from and the schema they are checked against."""

    table: Path
    format: Literal["csv", "xlsx"]
    schema: TableSchema
    descriptor: Path | None = None
    delimiter: str | None = None  # None: detected from the header row

    @property
    def name(self) -> str:
        return str(self.descriptor or self.table)


@dataclass(frozen=True)
class Cells:
    """The episode rows as written: one string per cell, ``""`` for an empty cell.

    ``rows`` holds the row number a person sees in the file (the header is row 1).
    Rows whose cells are all empty are kept out of ``frame`` and listed in ``blank_rows``.
    """

    frame: pd.DataFrame
    rows: pd.Series
    blank_rows: tuple[int, ...]
    sheet: str | None = None


@dataclass(frozen=True)
class Parsed:
    """The declared columns converted to their types, and where conversion failed."""

    frame: pd.DataFrame
    missing: pd.DataFrame
    type_errors: pd.DataFrame


def package_root() -> Path:
    """The folder of the data package that ships with dahpkg.

    An installed wheel carries it inside the module; a source checkout has it at the top level.
    """
    here = Path(__file__).resolve().parent
    bundled = here / "_package"
    if (bundled / DESCRIPTOR).is_file():
        return bundled
    checkout = here.parent.parent
    if (checkout / DESCRIPTOR).is_file():
        return checkout
    raise InputError("the data package that ships with dahpkg is missing from this installation")


def shipped_schema() -> TableSchema:
    """The episode Table Schema of the shipped package (used for loose CSV/XLSX files)."""
    return locate(package_root() / DESCRIPTOR).schema


def locate(path: str | Path | None = None) -> Source:
    """Work out what ``path`` points to and which schema its episodes follow.

    ``path`` may be a ``datapackage.json``, a folder holding one, or a CSV/XLSX file of episodes
    (checked against the shipped schema). ``None`` means the package that ships with dahpkg.

    >>> locate().format
    'csv'
    """
    target = package_root() / DESCRIPTOR if path is None else Path(path)
    if not target.exists():
        raise InputError(f"no such file or folder: {target}")
    if target.is_dir():
        if not (target / DESCRIPTOR).is_file():
            raise InputError(f"{target} is a folder without a {DESCRIPTOR}")
        target = target / DESCRIPTOR
    suffix = target.suffix.lower()
    if suffix == ".json":
        return _from_descriptor(target)
    if suffix in TABLE_SUFFIXES:
        fmt: Literal["csv", "xlsx"] = "csv" if suffix == ".csv" else "xlsx"
        return Source(table=target, format=fmt, schema=shipped_schema())
    raise InputError(
        f"cannot read {target.name}: give a datapackage.json, a folder holding one, "
        "or an episode table as .csv or .xlsx"
    )


def _from_descriptor(descriptor: Path) -> Source:
    package = read_json(descriptor, what="data package descriptor")
    resources = package.get("resources")
    if not isinstance(resources, list):
        raise InputError(f"{descriptor} has no list of resources")
    found = [r for r in resources if isinstance(r, Mapping) and r.get("name") == EPISODES]
    if not found:
        raise InputError(f"{descriptor} has no resource named '{EPISODES}'")
    resource = found[0]
    root = descriptor.parent
    table = root / _safe_relative(resource.get("path"), descriptor, "path")
    fmt = TABLE_SUFFIXES.get(table.suffix.lower())
    if fmt is None:
        raise InputError(
            f"the '{EPISODES}' resource must be a .csv or .xlsx file, not {table.name}"
        )
    schema_ref = resource.get("schema")
    if isinstance(schema_ref, Mapping):
        schema = TableSchema.from_descriptor(schema_ref)
    elif isinstance(schema_ref, str):
        schema = TableSchema.from_path(root / _safe_relative(schema_ref, descriptor, "schema"))
    else:
        raise InputError(f"the '{EPISODES}' resource of {descriptor} declares no schema")
    dialect = resource.get("dialect")
    delimiter = dialect.get("delimiter") if isinstance(dialect, Mapping) else None
    return Source(
        table=table,
        format="csv" if fmt == "csv" else "xlsx",
        schema=schema,
        descriptor=descriptor,
        delimiter=delimiter if isinstance(delimiter, str) else None,
    )


def resource_file(source: Source, name: str) -> Path | None:
    """The file of resource ``name`` in the package ``source`` was read from, if it has one."""
    if source.descriptor is None:
        return None
    package = read_json(source.descriptor, what="data package descriptor")
    for resource in package.get("resources", []):
        if isinstance(resource, Mapping) and resource.get("name") == name:
            return source.descriptor.parent / _safe_relative(
                resource.get("path"), source.descriptor, "path", name
            )
    return None


def _safe_relative(value: Any, descriptor: Path, key: str, resource: str = EPISODES) -> str:
    # Data Package paths are POSIX and relative; anything else could read outside the package.
    if isinstance(value, list):
        raise InputError(
            f"the '{resource}' resource of {descriptor} has a multipart {key}; "
            "dahpkg reads a single file: join the parts into one"
        )
    if not isinstance(value, str) or not value:
        raise InputError(f"the '{resource}' resource of {descriptor} has no {key}")
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts or "\\" in value or ":" in value:
        raise InputError(f"unsafe {key} in {descriptor}: {value!r} must be relative to the package")
    return value


def read_cells(source: Source) -> Cells:
    """Read every cell of the episode table as the text that was written.

    Raises `InputError` for a file that cannot be read as a table of episodes: not UTF-8,
    malformed CSV, a damaged workbook, a duplicated column name, or no episode at all.
    """
    import pandas as pd

    if not source.table.is_file():
        raise InputError(f"episode table not found: {source.table}")
    sheet = None
    try:
        if source.format == "csv":
            grid = _read_csv_grid(source.table, source.delimiter)
        else:
            grid, sheet = _read_xlsx_grid(source.table)
    except UnicodeDecodeError as exc:
        raise InputError(f"{source.table} is not UTF-8 text (byte {exc.start})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{source.table} is empty: expected a header row and episodes") from None
    except pd.errors.ParserError as exc:
        reason = str(exc).strip().splitlines()[-1]
        cells = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", reason)
        if cells:
            expected, line, saw = cells.groups()
            reason = f"line {line} has {saw} cells but the header has {expected}"
        raise InputError(f"{source.table} is not a well-formed CSV file: {reason}") from None
    except OSError as exc:
        raise InputError(f"{source.table} cannot be read: {exc.strerror or exc}") from None
    where = f"{source.table}" + (f", sheet '{sheet}'" if sheet else "")
    if grid.empty:
        raise InputError(f"{where} is empty: expected a header row and episodes")
    labels = _labels(list(grid.iloc[0]), where)
    frame = grid.iloc[1:].set_axis(labels, axis=1)
    # The row number a person sees: the header is row 1.
    rows = pd.Series(frame.index + 1, index=frame.index, name="row")
    blank = (frame == "").all(axis=1)
    blank_rows = tuple(int(r) for r in rows[blank])
    frame = frame.loc[~blank].reset_index(drop=True)
    rows = rows.loc[~blank].reset_index(drop=True)
    if frame.empty:
        raise InputError(f"{where} has a header row but no episodes")
    return Cells(frame=frame, rows=rows, blank_rows=blank_rows, sheet=sheet)


def _labels(header: list[str], where: str) -> list[str]:
    """Column names from the header row; a blank one is named by its position."""
    labels = [text.strip() or f"(unnamed column {n})" for n, text in enumerate(header, start=1)]
    seen: dict[str, int] = {}
    for n, label in enumerate(labels, start=1):
        if label in seen:
            raise InputError(
                f"{where}: the column name '{label}' appears twice (columns {seen[label]} and "
                f"{n}); keep one"
            )
        seen[label] = n
    return labels


def _read_csv_grid(path: Path, delimiter: str | None) -> pd.DataFrame:
    import pandas as pd

    # header=None: the header row is read as data, so duplicated or blank names are seen as
    # written (pandas would rename them), and a row with more cells than the first is an error.
    grid = pd.read_csv(
        path,
        sep=delimiter or _detect_delimiter(path),
        header=None,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        encoding="utf-8-sig",
    )
    return grid.fillna("")


DELIMITERS = (",", ";", "\t")


def _detect_delimiter(path: Path) -> str:
    """The delimiter of a loose CSV file, judged from its header row.

    Spreadsheets set to many European locales save "CSV" with semicolons.
    """
    with path.open("rb") as handle:
        header = handle.readline(65536)
    counts = {d: header.count(d.encode()) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_xlsx_grid(path: Path) -> tuple[pd.DataFrame, str]:
    import openpyxl
    import pandas as pd

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
        sheet = _data_sheet([str(n) for n in book.sheetnames])
        cells = [
            [_excel_cell_text(v) for v in row] for row in book[sheet].iter_rows(values_only=True)
        ]
    finally:
        book.close()
    while cells and not any(cells[-1]):  # formatted but empty rows at the end of a sheet
        cells.pop()
    width = max((len(r) for r in cells), default=0)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in cells], dtype=str)
    return grid, sheet


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


INTEGER = r"[+-]?[0-9]+"
NUMBER = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
MAX_INTEGER_DIGITS = 18


def parse(cells: pd.DataFrame, schema: TableSchema) -> Parsed:
    """Convert the declared columns to their types; unknown columns are dropped here.

    Returns the typed frame (nullable dtypes; categorical fields stay text so that a value
    outside the categories can still be shown), a mask of missing cells and a mask of cells
    that are not missing but cannot be read as the declared type.
    """
    import pandas as pd

    typed: dict[str, pd.Series] = {}
    missing: dict[str, pd.Series] = {}
    errors: dict[str, pd.Series] = {}
    for item in schema.fields:
        if item.name not in cells.columns:
            continue
        text = cells[item.name]
        absent = text.isin(list(item.missing_values))
        values: pd.Series[Any]
        bad: pd.Series[bool]
        if item.type == "boolean":
            is_true = text.isin(list(item.true_values))
            is_false = text.isin(list(item.false_values))
            values = pd.Series(is_true, dtype="boolean").mask(~(is_true | is_false))
            bad = ~absent & ~(is_true | is_false)
        elif item.type in ("integer", "number"):
            # ASCII digits only: Python's \d also matches other scripts' digits.
            ok = text.str.fullmatch(INTEGER if item.type == "integer" else NUMBER).astype(bool)
            if item.type == "integer":  # Int64 holds 18 digits safely
                ok &= text.str.lstrip("+-").str.len() <= MAX_INTEGER_DIGITS
            # Nullable parsing keeps 18-digit integers exact (no detour through float64).
            numbers = pd.to_numeric(
                text.where(ok & ~absent), errors="coerce", dtype_backend="numpy_nullable"
            )
            ok &= numbers.notna()
            values = numbers.where(ok).astype("Int64" if item.type == "integer" else "Float64")
            bad = ~absent & ~ok
        else:
            values = text.where(~absent).astype("str")
            bad = pd.Series(False, index=text.index, dtype=bool)
        typed[item.name] = values
        missing[item.name] = absent
        errors[item.name] = bad
    index = cells.index
    return Parsed(
        frame=pd.DataFrame(typed, index=index),
        missing=pd.DataFrame(missing, index=index),
        type_errors=pd.DataFrame(errors, index=index),
    )


def load(path: str | Path | None = None) -> pd.DataFrame:
    """Read the episode table with the types the schema declares.

    Booleans are pandas' nullable ``boolean``, integers ``Int64``, categorical fields
    ``category`` with the schema's categories in their declared order; a missing cell is
    ``<NA>``. Unknown columns are left out. Clinical rules are not checked here: use
    :func:`dahpkg.validate` for that.

    Raises `DataError` when a declared column is absent or a cell cannot be read as its type,
    because the typed table could not hold it without losing it.

    >>> episodes = load()
    >>> len(episodes), episodes["patient_id"].nunique()
    (12, 10)
    """
    import pandas as pd

    source = locate(path)
    cells = read_cells(source)
    parsed = parse(cells.frame, source.schema)
    absent = [n for n in source.schema.names if n not in parsed.frame.columns]
    if absent:
        raise DataError(
            f"{source.name}: the episode table lacks {len(absent)} declared column(s) "
            f"({', '.join(absent)}); run `dahpkg validate` for details"
        )
    bad = int(parsed.type_errors.to_numpy().sum())
    if bad:
        raise DataError(
            f"{source.name}: {bad} cell(s) cannot be read as their declared type; "
            "run `dahpkg validate` for details"
        )
    frame = parsed.frame
    for item in source.schema.fields:
        allowed = item.allowed
        if item.type == "string" and allowed is not None:
            outside = ~frame[item.name].isna() & ~frame[item.name].isin(list(allowed))
            if outside.any():
                raise DataError(
                    f"{source.name}: {int(outside.sum())} value(s) of {item.name} are outside "
                    "its categories; run `dahpkg validate` for details"
                )
            frame[item.name] = frame[item.name].astype(pd.CategoricalDtype(list(allowed)))
    return frame
