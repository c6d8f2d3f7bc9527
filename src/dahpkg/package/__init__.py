"""The first stage: find a package, read its descriptor and Table Schema, read its tables.

`open_package` (``dahpkg.open``) returns a `Package`, read once and passed to every later stage.
The modules: `descriptor` (JSON files and the paths they name), `schema` (the Table Schema as
typed objects), `header` (a table file's header row and column labels), `text` (what both
readers share), `table` (the typed reader), `cells` (every cell as text), `opening` (what a
path points to, opened) and `package` (the `Package` itself).
"""

from __future__ import annotations

from dahpkg.package.descriptor import DESCRIPTOR
from dahpkg.package.opening import load, open_package, package_root, shipped_schema
from dahpkg.package.package import EPISODES, Package, PackageLike
from dahpkg.package.schema import Field, TableSchema, is_missing

__all__ = [
    "DESCRIPTOR",
    "EPISODES",
    "Field",
    "Package",
    "PackageLike",
    "TableSchema",
    "is_missing",
    "load",
    "open_package",
    "package_root",
    "shipped_schema",
]
