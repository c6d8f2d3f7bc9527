"""Columns of free text: where names and initials hide, and the search for identifiers finds
only the forms it knows.

Two kinds are reported. A column the Table Schema does not declare that holds text (a "notes"
column added to a loose file or to a table of the package) is an error: it is never exported,
and it stops a release until it is removed or declared. A declared text field without
categories, an enum or a pattern is free text by its schema: when it holds text, the report
asks the authors to read it before release. A cell holds text when it has a word of two
letters or more: numbers, single-letter codes (F, M) and marks (✓, X) do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dahpkg.privacy.identifiers import _arrow_text, _mask

if TYPE_CHECKING:
    from dahpkg.package import Field, TableSchema
    from dahpkg.package.cells import Cells

MAX_ROWS = 20
# A word of two letters or more, in any script (RE2, pyarrow's regex engine).
TEXT = r"\pL\pL"


@dataclass(frozen=True)
class FreeText:
    """A column of one file that holds free text: undeclared, or declared without a rule for
    its values."""

    file: str
    column: str
    cells: int  # the cells that hold text
    rows: tuple[int, ...]  # the first MAX_ROWS of them
    declared: bool

    def describe(self) -> str:
        rows = ", ".join(str(r) for r in self.rows)
        more = f" and {self.cells - len(self.rows)} more" if self.cells > len(self.rows) else ""
        where = f"{self.file}, column '{self.column}'"
        if not self.declared:
            return (
                f"{where} is not in the data dictionary, and {self.cells} cell(s) hold text "
                f"(row {rows}{more}): free text is where names and initials hide, and an "
                "unknown column never leaves the machine. Remove the column, or declare it in "
                "the Table Schema so that it is checked and published knowingly"
            )
        return (
            f"{where} is free text (a text field without categories or a pattern) and "
            f"{self.cells} cell(s) hold text (row {rows}{more}): read them for names, "
            "initials, dates and places before release; the search finds the common forms only"
        )


def is_free_text(item: Field) -> bool:
    """True for a text field whose values no rule constrains: no categories, enum or pattern."""
    return item.type == "string" and item.allowed is None and item.pattern is None


def free_text(found: Cells, schema: TableSchema, *, mask_names: bool = False) -> list[FreeText]:
    """The columns of ``found`` (one file or sheet that follows ``schema``) that hold free
    text, in file order. With ``mask_names`` (a column name of the file is an identifier), an
    undeclared column is named by its first character and length only.

    The columns are searched together, as the identifiers are: the pattern runs once on the
    distinct texts of the file, and only the cells found are traced back to their column.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    declared = {f.name: f for f in schema.fields}
    chosen = [n for n in found.labels if n not in declared or is_free_text(declared[n])]
    if not chosen:
        return []
    arrays = [_arrow_text(found.columns[n]) for n in chosen]
    texts = pc.fill_null(
        pa.chunked_array([c for a in arrays for c in a.chunks], type=pa.large_string()), ""
    )
    values = pc.unique(texts)
    textual = values.filter(pc.match_substring_regex(values, TEXT))
    if not len(textual):
        return []
    hits = np.asarray(pc.is_in(texts, value_set=textual).to_numpy(zero_copy_only=False), bool)
    positions = np.flatnonzero(hits)
    starts = np.concatenate([[0], np.cumsum([len(a) for a in arrays])])
    column = np.searchsorted(starts, positions, side="right") - 1
    within = positions - starts[column]
    # Positions run column after column: each column's cells are one slice.
    bounds = np.flatnonzero(np.diff(column)) + 1
    result = []
    for first, last in zip([0, *bounds], [*bounds, len(column)], strict=True):
        name = chosen[int(column[first])]
        rows = found.rows[within[first : min(last, first + MAX_ROWS)]]
        shown = _mask(name) if name not in declared and mask_names else name
        result.append(
            FreeText(
                found.where, shown, int(last - first), tuple(int(r) for r in rows), name in declared
            )
        )
    return result
