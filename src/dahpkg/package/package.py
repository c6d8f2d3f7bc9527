"""The `Package`: one package or loose file opened, whose files are each read at most once.

`dahpkg.package.opening` works out what a path points to and builds it; the `Package` then
reads its descriptor's resources, its companion files and its tables only when first asked, and
keeps them, so that every later stage (validation, the letter, the privacy check, exports and
deposits) sees the bytes and the parse the others saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from dahpkg.errors import DataError, InputError
from dahpkg.limits import limit
from dahpkg.package.descriptor import find_resource, parse_json, read_bytes, resource_file
from dahpkg.package.encoding import declared_delimiter, declared_encoding
from dahpkg.package.schema import TableSchema

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package.cells import Cells
    from dahpkg.package.table import Table

EPISODES = "episodes"


class Package:
    """The episode table of one package or loose file, the schema it follows, and the
    package's descriptor and companion files, each read once.

    >>> from dahpkg.package import open_package
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
        return find_resource(self.descriptor, name)

    def resource_names(self) -> list[str]:
        resources = self.descriptor.get("resources", [])
        return [str(r["name"]) for r in resources if isinstance(r, Mapping) and r.get("name")]

    def resource_path(self, name: str, key: str = "path") -> Path | None:
        """The file a resource's ``path`` (or ``schema``) names, checked to lie in the package;
        None for a loose file, a resource it lacks, or an inline schema."""
        if self.descriptor_path is None:
            return None
        return resource_file(self.descriptor, self.descriptor_path, name, key)

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
