"""What a release checks before writing a file: column names every reader's software accepts,
and companion tables that follow their own schemas and hold no spreadsheet formula.

The episode table becomes CSV, XLSX, SPSS and Stata files; its column names must be names all of
them take: Stata's are the strictest (a letter first, then letters, digits and underscores, at
most 32 characters), SPSS reserves a few words, and a name starting with ``=`` would be a live
formula in a spreadsheet's header. The companion tables are shipped as they are, so they are
refused rather than rewritten when a cell would run as a formula.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dahpkg.errors import DataError, InputError

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package import Package, TableSchema
    from dahpkg.package.table import Table

# Text that a spreadsheet would run as a formula (OWASP: CSV injection); the exports
# neutralise it (`dahpkg.export.formats.text.neutralise`).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Stata's rule, which also satisfies SPSS (64 bytes) and a spreadsheet's header.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
# Words SPSS keeps for its syntax: a variable cannot be called one of them.
SPSS_RESERVED = frozenset(
    ["ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"]
)
# Control characters other than a tab: a terminal escape sequence, a NUL, a bell.
CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
CONTROL_PROBLEM = (
    "hold control characters (escape sequences that drive a terminal, or invisible bytes); "
    "remove them"
)
FORMULA_PROBLEM = (
    "start with =, +, -, @ or a tab and would run as a formula in a spreadsheet; reword them, "
    "or start them with an apostrophe"
)
SHOWN = 10  # findings quoted in a refusal; the count is always given in full


def check_names(schema: TableSchema, where: str) -> None:
    """Refuse episode column names that CSV, XLSX, SPSS or Stata would break or run.

    >>> from dahpkg.package import open_package
    >>> check_names(open_package().schema, "episodes")
    """
    bad = [n for n in schema.names if not NAME.fullmatch(n) or n.upper() in SPSS_RESERVED]
    if bad:
        shown = ", ".join(repr(n[:40]) for n in bad[:SHOWN])
        raise InputError(
            f"{where}: {len(bad)} column name(s) cannot be used in every exported format "
            f"({shown}). A name starts with a letter and holds only letters, digits and "
            "underscores, at most 32 characters, and is not an SPSS keyword (AND, OR, TO, ...): "
            "rename the field in the Table Schema and in the table's header"
        )


def check_companions(package: Package) -> None:
    """Refuse a companion table that breaks its Table Schema or holds a formula-like cell or a
    control character; each table is read once for all three."""
    from dahpkg.validation.engine import check_table

    for name in package.companion_tables():
        table, schema = package.resource_table(name)
        where = f"{package.resource_path(name)} (the '{name}' table)"
        report = check_table(table, schema, source=where, max_examples=SHOWN, clinical=False)
        if not report.valid:
            errors = [f for f in report.findings if f.severity == "error"][:SHOWN]
            count = sum(r.failed for r in report.results if r.rule.severity == "error")
            lines = [f"  {f.where()}: {f.message}" for f in errors]
            raise DataError(
                f"{where} goes into the release but does not follow its Table Schema "
                f"({count} problem(s)):\n" + "\n".join(lines) + "\nCorrect the table (or its "
                "schema) and export again."
            )
        heads = [n for n in table.frame.columns if str(n).startswith(FORMULA_START)]
        if heads:
            raise DataError(
                f"{where}: the column name {heads[0]!r} would run as a formula in a "
                "spreadsheet; rename it in the table and its schema"
            )
        for item in schema.fields:
            if item.type != "string" or item.name not in table.frame.columns:
                continue
            text = table.frame[item.name].astype("string")
            control = text.str.contains(CONTROL, regex=True, na=False)
            _refuse(table, where, item.name, control, CONTROL_PROBLEM)
            # A number, or a lone sign (Table I prints "-" for not recorded), runs nothing.
            inert = text.str.fullmatch(r"[-+]?(\d+(\.\d+)?)?|@", na=False)
            live = text.str.startswith(FORMULA_START, na=False) & ~inert
            _refuse(table, where, item.name, live, FORMULA_PROBLEM)


def _refuse(table: Table, where: str, column: str, failing: pd.Series, problem: str) -> None:
    """A `DataError` naming the rows of ``column`` where ``failing`` holds, if any does."""
    mask = failing.to_numpy(bool)
    if mask.any():
        rows = ", ".join(map(str, table.rows[mask][:SHOWN].tolist()))
        raise DataError(
            f"{where}: {int(mask.sum())} cell(s) of column {column} (row(s) {rows}) {problem}"
        )
