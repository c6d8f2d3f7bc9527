"""The episode table as an Excel workbook: sheets data (Yes/No), codebook and rules."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dahpkg.export.archive import stable_zip
from dahpkg.export.formats.text import is_bool, neutralise
from dahpkg.package import is_missing

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.export.release import Prepared
    from dahpkg.package import TableSchema


def write(prepared: Prepared, suffix: str = ".xlsx") -> bytes:
    """The format registry's writer: the released episodes, the codebook and the rules."""
    from dahpkg.export.formats import codebook

    return to_xlsx(prepared.episodes, prepared.schema, codebook.variable_rows(prepared.schema),
                   codebook.rule_rows(), prepared.created.replace(tzinfo=None))  # fmt: skip


def to_xlsx(frame: pd.DataFrame, schema: TableSchema, codebook: list[list[str]],
            rules: list[list[str]], created: datetime) -> bytes:  # fmt: skip
    """A workbook with the sheets data, codebook and rules: Yes/No, header frozen, no formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Write-only mode streams rows to the file: several times faster on large registries.
    book = Workbook(write_only=True)
    book.properties.created = book.properties.modified = created
    book.properties.creator = "dahpkg"
    sheets = {
        "data": [list(frame.columns)] + [
            [_xlsx_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)
        ],
        "codebook": [[_xlsx_cell(c or None) for c in row] for row in codebook],
        "rules": [[_xlsx_cell(c or None) for c in row] for row in rules],
    }  # fmt: skip
    bold = Font(bold=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        sample = rows[:1000]  # widths from the first rows: enough to read, cheap on registries
        for number in range(len(rows[0])):
            width = max(len(str(r[number])) if r[number] is not None else 0 for r in sample)
            sheet.column_dimensions[get_column_letter(number + 1)].width = min(
                max(width, 6) + 2, 60
            )
        header = []
        for value in rows[0]:
            cell = WriteOnlyCell(sheet, value=value)
            cell.font = bold
            header.append(cell)
        # Every text cell went through neutralise(): none starts like a formula.
        sheet.append(header)
        for row in rows[1:]:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return stable_zip(buffer.getvalue(), created, _fixed_modified(created))


def _xlsx_cell(value: Any) -> Any:
    if is_missing(value):
        return None
    if is_bool(value):
        return "Yes" if value else "No"
    if hasattr(value, "item"):
        value = value.item()
    return neutralise(value) if isinstance(value, str) else value


def _fixed_modified(created: datetime) -> Callable[[str, bytes], bytes]:
    """openpyxl stamps the time of saving as the workbook's modification date: use ``created``."""
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ").encode()

    def rewrite(name: str, content: bytes) -> bytes:
        if name != "docProps/core.xml":
            return content
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                      rb"\g<1>" + stamp + rb"\g<2>", content)  # fmt: skip

    return rewrite
