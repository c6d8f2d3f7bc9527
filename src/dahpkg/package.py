"""Find the episode table (a package, a folder, a loose CSV or XLSX file) and load it typed.

`locate` works out what a path points to and which Table Schema its episodes follow; the
reading itself is in :mod:`dahpkg.reader`.
"""

from __future__ import annotations

import functools
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


@functools.cache
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

    from dahpkg.reader import read

    source = locate(path)
    table = read(source)
    absent = [n for n in source.schema.names if n not in table.frame.columns]
    if absent:
        raise DataError(
            f"{source.name}: the episode table lacks {len(absent)} declared column(s) "
            f"({', '.join(absent)}); run `dahpkg validate` for details"
        )
    bad = int(table.type_errors.to_numpy().sum())
    if bad:
        raise DataError(
            f"{source.name}: {bad} cell(s) cannot be read as their declared type; "
            "run `dahpkg validate` for details"
        )
    frame = table.frame
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
