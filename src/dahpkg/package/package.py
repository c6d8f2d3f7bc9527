"""A package opened once: where its episodes are, its descriptor and schema, and its tables.

`open` works out what a path points to (a package, a folder, a loose CSV or XLSX file) and which
Table Schema its episodes follow. The `Package` it returns reads each file at most once, when
first asked, and is what every later stage takes: validation, the letter, the privacy check,
exports and deposits.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from dahpkg.errors import DataError, InputError
from dahpkg.limits import limit
from dahpkg.package.descriptor import (
    DESCRIPTOR,
    check_names,
    inside,
    parse_json,
    read_bytes,
    read_json_bytes,
)
from dahpkg.package.encoding import declared_delimiter, declared_encoding
from dahpkg.package.schema import TableSchema

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package.cells import Cells
    from dahpkg.package.table import Table

EPISODES = "episodes"
# What an episode table may be: the names a spreadsheet gives a CSV file ("Unicode text" is a
# TAB-separated .txt), and a workbook.
EPISODE_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx"}


class Package:
    """The episode table of one package or loose file, the schema it follows, and the
    package's descriptor and companion files, each read once.

    >>> package = open_package()
    >>> package.format, package.schema.primary_key, package.table().frame.shape
    ('csv', ('patient_id', 'episode'), (12, 31))
    """

    def __init__(self, table_path: Path, format: Literal["csv", "xlsx"], schema: TableSchema, *,
                 descriptor_path: Path | None = None, descriptor: dict[str, Any] | None = None,
                 delimiter: str | None = None, encoding: str | None = None,
                 sheet: str | None = None,
                 files: dict[Path, bytes] | None = None) -> None:  # fmt: skip
        self.table_path = table_path
        self.format = format
        self.schema = schema
        self.descriptor_path = descriptor_path
        self.descriptor: dict[str, Any] = descriptor or {}
        self.delimiter = delimiter  # None: detected from the header row
        self.encoding = encoding  # None: UTF-8, or UTF-16 when the file starts with its mark
        self.sheet = sheet  # None: the sheet whose header has the declared columns
        self._files: dict[Path, bytes] = dict(files or {})
        self._table: Table | None = None
        self._cells: list[Cells] | None = None  # the episode file's (every sheet of a workbook)

    def __repr__(self) -> str:
        return f"Package({self.name!r})"

    @property
    def name(self) -> str:
        """What reports call it: the descriptor's path, or the loose file's."""
        return str(self.descriptor_path or self.table_path)

    @property
    def root(self) -> Path | None:
        """The folder of ``datapackage.json``; None for a loose file."""
        return self.descriptor_path.parent if self.descriptor_path else None

    # --- files ------------------------------------------------------------------------------

    def read_bytes(
        self, path: Path, *, what: str = "package file", most: int | None = None
    ) -> bytes:
        """The bytes of a file of the package, read once: what was checked is what is shipped."""
        if path not in self._files:
            self._files[path] = read_bytes(path, what=what, most=most)
        return self._files[path]

    def resource(self, name: str) -> Mapping[str, Any] | None:
        """The descriptor's resource called ``name``, if there is one."""
        return _resource(self.descriptor, name)

    def resource_names(self) -> list[str]:
        resources = self.descriptor.get("resources", [])
        return [str(r["name"]) for r in resources if isinstance(r, Mapping) and r.get("name")]

    def resource_path(self, name: str, key: str = "path") -> Path | None:
        """The file a resource's ``path`` (or ``schema``) names, checked to lie in the package;
        None for a loose file, a resource it lacks, or an inline schema."""
        if self.descriptor_path is None:
            return None
        return _resource_file(self.descriptor, self.descriptor_path, name, key)

    def resource_schema(self, name: str) -> dict[str, Any] | None:
        """A resource's Table Schema descriptor, inline or from its file."""
        item = self.resource(name)
        if item is None:
            return None
        if isinstance(item.get("schema"), Mapping):
            return dict(item["schema"])
        path = self.resource_path(name, "schema")
        if path is None:
            return None
        data = self.read_bytes(path, what="Table Schema", most=limit("max_json_bytes").value())
        return parse_json(data, path, what="Table Schema")

    def table_files(self) -> list[Path]:
        """Every table of the package (the episodes first), or the loose file itself."""
        from dahpkg.package.cells import TABLE_SUFFIXES

        files = [self.table_path]
        for name in self.resource_names():
            path = self.resource_path(name)
            if path is not None and path.suffix.lower() in TABLE_SUFFIXES and path not in files:
                files.append(path)
        return files

    def companion_tables(self) -> list[str]:
        """The resources other than the episodes that hold a table with a Table Schema."""
        from dahpkg.package.cells import TABLE_SUFFIXES

        found = []
        for name in self.resource_names():
            item = self.resource(name) or {}
            path = item.get("path")
            table = isinstance(path, str) and PurePosixPath(path).suffix.lower() in TABLE_SUFFIXES
            if name != EPISODES and table and item.get("schema") is not None:
                found.append(name)
        return found

    def resource_table(self, name: str) -> tuple[Table, TableSchema]:
        """A companion table, typed by its own Table Schema, from the bytes that are shipped."""
        import io

        from dahpkg.package.encoding import as_utf8
        from dahpkg.package.table import read_csv

        path = self.resource_path(name)
        described = self.resource_schema(name)
        if path is None or described is None:
            raise InputError(f"the '{name}' resource of {self.name} has no table and schema")
        schema = TableSchema.from_descriptor(described, where=f"the schema of '{name}'")
        delimiter = declared_delimiter(self.resource(name) or {})
        data = self.read_bytes(path, what=f"the '{name}' table")
        with as_utf8(io.BytesIO(data), str(path), self._encoding_of(path)) as source:
            table, _ = read_csv(source, str(path), delimiter, schema)
        return table, schema

    def _encoding_of(self, path: Path) -> str | None:
        """The encoding the resource of the file ``path`` declares, if any."""
        for name in self.resource_names():
            if self.resource_path(name) == path:
                return declared_encoding(self.resource(name) or {}, self.descriptor_path or path)
        return None

    # --- tables -----------------------------------------------------------------------------

    def table(self) -> Table:
        """The episode table, typed; the file is parsed on first use."""
        if self._table is None:
            self._read(with_cells=False)
        assert self._table is not None
        return self._table

    def cells(self) -> list[Cells]:
        """Every cell of every table of the package as written (the episodes first), or of
        every sheet of a loose workbook.

        The typed table is converted from the same parse of the episode file: ask for the cells
        first when both are needed (the privacy check does), and the file is parsed once.
        """
        from dahpkg.package.cells import read_cells

        if self._cells is None:
            self._read(with_cells=True)
        assert self._cells is not None
        found = list(self._cells)
        for path in self.table_files()[1:]:
            encoding = self._encoding_of(path)
            found += read_cells(self.read_bytes(path), str(path), path.suffix, encoding)
        return found

    def _read(self, *, with_cells: bool) -> None:
        import dataclasses

        import numpy as np

        from dahpkg.package import table as reader
        from dahpkg.package.cells import grid_cells
        from dahpkg.package.encoding import as_utf8
        from dahpkg.package.text import Workbook, choose_sheet

        where = str(self.table_path)
        if not self.table_path.is_file():
            raise InputError(f"episode table not found: {self.table_path}")
        try:
            # Opened once and parsed from the open file: a large registry is not loaded whole.
            with self.table_path.open("rb") as source:
                if self.format == "csv":
                    with as_utf8(source, where, self.encoding) as text:
                        table, cells = reader.read_csv(
                            text, where, self.delimiter, self.schema, with_cells=with_cells
                        )
                    # A table already handed out stays the one every stage sees.
                    self._table = self._table or table
                    self._cells = [cells] if cells is not None else None
                    return
                book = Workbook(source, where)
                name, other = choose_sheet(book, self.schema.names, self.sheet)
                sheets = [(n, book.read(n)) for n in book.names if with_cells or n == name]
        except OSError as exc:
            raise InputError(f"{self.table_path} cannot be read: {exc.strerror or exc}") from None
        grid = dict(sheets)[name]
        table = reader.read_grid(grid, f"{where}, sheet '{name}'", self.schema, name)
        self._table = self._table or dataclasses.replace(table, other_sheet=other)
        if with_cells:
            self._cells = [grid_cells(f"{where}, sheet '{n}'", g, np.arange(2, len(g) + 1))
                           for n, g in sheets]  # fmt: skip

    def episodes(self) -> pd.DataFrame:
        """The episode table with the types the schema declares: see `load`."""
        import pandas as pd

        table = self.table()
        absent = [n for n in self.schema.names if n not in table.frame.columns]
        if absent:
            raise DataError(
                f"{self.name}: the episode table lacks {len(absent)} declared column(s) "
                f"({', '.join(absent)}){table.sheet_hint()}; run `dahpkg validate` for details"
            )
        bad = int(table.type_errors.to_numpy().sum())
        if bad:
            raise DataError(
                f"{self.name}: {bad} cell(s) cannot be read as their declared type; "
                "run `dahpkg validate` for details"
            )
        frame = table.frame.copy(deep=False)  # copy-on-write: the typed table stays as read
        for item in self.schema.fields:
            allowed = item.allowed
            if item.type == "string" and allowed is not None:
                outside = item.outside_categories(frame[item.name])
                if outside.any():
                    raise DataError(
                        f"{self.name}: {int(outside.sum())} value(s) of {item.name} are outside "
                        "its categories; run `dahpkg validate` for details"
                    )
                frame[item.name] = frame[item.name].astype(pd.CategoricalDtype(list(allowed)))
        return frame


# What the public functions accept: an open package, a path, or None for the shipped package.
PackageLike = Package | str | Path | None


def _resource(descriptor: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    for item in descriptor.get("resources", []):
        if isinstance(item, Mapping) and item.get("name") == name:
            return item
    return None


def _resource_file(descriptor: Mapping[str, Any], descriptor_path: Path, name: str,
                   key: str) -> Path | None:  # fmt: skip
    item = _resource(descriptor, name)
    if item is None or (key == "schema" and not isinstance(item.get(key), str)):
        return None
    where = f"the {key} of the '{name}' resource in {descriptor_path}"
    return inside(descriptor_path.parent, item.get(key), where)


def package_root() -> Path:
    """The folder of the data package that ships with dahpkg.

    An installed wheel carries it inside the module; a source checkout has it at the top level.
    """
    here = Path(__file__).resolve().parent.parent
    bundled = here / "_package"
    if (bundled / DESCRIPTOR).is_file():
        return bundled
    checkout = here.parent.parent
    if (checkout / DESCRIPTOR).is_file():
        return checkout
    raise InputError("the data package that ships with dahpkg is missing from this installation")


@functools.cache
def shipped_schema() -> TableSchema:
    """The episode Table Schema of the shipped package (used for loose CSV/XLSX files)."""
    return open_package().schema


def open_package(
    path: PackageLike = None, *, sheet: str | None = None, encoding: str | None = None
) -> Package:
    """Open what ``path`` points to, reading its descriptor and episode schema.

    ``path`` may be a ``datapackage.json``, a folder holding one, or a file of episodes
    (.csv, .tsv, .txt or .xlsx; checked against the shipped schema). ``None`` means the
    package that ships with dahpkg; a `Package` is returned as it is, so that every public
    function takes either.

    ``sheet`` names the sheet of a workbook to read (by default, the first whose header has
    the data dictionary's columns). ``encoding`` is a loose CSV file's (by default UTF-8, or
    UTF-16 when the file starts with its byte-order mark; ``cp1252`` for Excel's "CSV" on a
    Western European Windows); a package's resource declares its own.

    >>> open_package().format
    'csv'
    """
    if isinstance(path, Package):
        return path
    from dahpkg.package.encoding import codec_name

    encoding = codec_name(encoding)
    target = package_root() / DESCRIPTOR if path is None else Path(path)
    if not target.exists():
        raise InputError(f"no such file or folder: {target}")
    if target.is_dir():
        if not (target / DESCRIPTOR).is_file():
            raise InputError(f"{target} is a folder without a {DESCRIPTOR}")
        target = target / DESCRIPTOR
    suffix = target.suffix.lower()
    if suffix == ".json":
        if encoding is not None:
            raise InputError(
                f"--encoding is for a loose CSV file: {target} declares its tables' encoding "
                'itself (the "encoding" of a resource)'
            )
        package = _from_descriptor(target)
        if sheet is not None and package.format == "csv":
            raise InputError(f"--sheet is for a workbook: the episodes of {target} are CSV")
        package.sheet = sheet
        return package
    if suffix in EPISODE_FORMATS:
        fmt: Literal["csv", "xlsx"] = "xlsx" if suffix == ".xlsx" else "csv"
        if encoding is not None and fmt == "xlsx":
            raise InputError(f"--encoding is for a CSV file: {target.name} is a workbook")
        if sheet is not None and fmt == "csv":
            raise InputError(f"--sheet is for a workbook: {target.name} is a CSV file")
        return Package(target, fmt, shipped_schema(), encoding=encoding, sheet=sheet)
    raise InputError(
        f"cannot read {target.name}: give a datapackage.json, a folder holding one, "
        "or an episode table as .csv, .tsv, .txt or .xlsx"
    )


def _from_descriptor(path: Path) -> Package:
    data = read_json_bytes(path, what="data package descriptor")
    descriptor = parse_json(data, path, what="data package descriptor")
    if not isinstance(descriptor.get("resources"), list):
        raise InputError(f"{path} has no list of resources")
    resource = _resource(descriptor, EPISODES)
    if resource is None:
        raise InputError(f"{path} has no resource named '{EPISODES}'")
    check_names(descriptor, path)
    table = _resource_file(descriptor, path, EPISODES, "path")
    assert table is not None
    fmt = EPISODE_FORMATS.get(table.suffix.lower())
    if fmt is None:
        raise InputError(
            f"the '{EPISODES}' resource must be a .csv, .tsv, .txt or .xlsx file, not {table.name}"
        )
    files = {path: data}
    reference = resource.get("schema")
    if isinstance(reference, Mapping):
        schema = TableSchema.from_descriptor(reference)
    elif isinstance(reference, str):
        schema_path = _resource_file(descriptor, path, EPISODES, "schema")
        assert schema_path is not None
        files[schema_path] = read_json_bytes(schema_path, what="Table Schema")
        schema = TableSchema.from_descriptor(
            parse_json(files[schema_path], schema_path, what="Table Schema"), where=str(schema_path)
        )
    else:
        raise InputError(f"the '{EPISODES}' resource of {path} declares no schema")
    if path.resolve() != (package_root() / DESCRIPTOR).resolve():
        schema = schema.completed_from(shipped_schema())
    kind: Literal["csv", "xlsx"] = "csv" if fmt == "csv" else "xlsx"
    package = Package(table, kind, schema, descriptor_path=path, descriptor=descriptor, files=files)
    package.delimiter = declared_delimiter(resource)
    package.encoding = declared_encoding(resource, path)
    return package


def load(path: PackageLike = None) -> pd.DataFrame:
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
    return open_package(path).episodes()
