"""Open what a path points to as a `Package`: a ``datapackage.json``, a folder holding one, a
loose CSV or XLSX file, or the package that ships with dahpkg.

Here the descriptor is read and checked (its names, its profile, every path it names) and the
episodes' Table Schema found, inline or in its file; a loose file follows the shipped schema,
and a package's schema is completed from it. The `Package` returned reads its tables later.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dahpkg.errors import InputError
from dahpkg.package.descriptor import (
    DESCRIPTOR,
    check_names,
    find_resource,
    parse_json,
    read_json_bytes,
    resource_file,
)
from dahpkg.package.encoding import declared_delimiter, declared_encoding
from dahpkg.package.package import EPISODES, Package, PackageLike
from dahpkg.package.schema import TableSchema

if TYPE_CHECKING:
    import pandas as pd

# What an episode table may be: the names a spreadsheet gives a CSV file ("Unicode text" is a
# TAB-separated .txt), and a workbook.
EPISODE_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx"}


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
    resource = find_resource(descriptor, EPISODES)
    if resource is None:
        raise InputError(f"{path} has no resource named '{EPISODES}'")
    check_names(descriptor, path)
    table = resource_file(descriptor, path, EPISODES, "path")
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
        schema_path = resource_file(descriptor, path, EPISODES, "schema")
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
