"""The episode table as CSV, XLSX, SPSS (.sav), Stata (.dta) and Parquet, byte-stable.

Each writer returns the file's bytes. Yes/no columns become Yes/No in the spreadsheet and 1/0
with the value labels No/Yes in SPSS and Stata; categorical columns become numeric codes (their
position among the schema's categories, from 1) with the categories' labels as value labels;
every variable carries its title as its label. Writers whose formats stamp the current time
into the file are given the package's creation time instead, so that the same package always
gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.schema import is_missing

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.schema import TableSchema

# Text that a spreadsheet would run as a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Text cell made safe for a spreadsheet: a leading quote keeps a formula from running.

    >>> neutralise("=HYPERLINK(1)"), neutralise("White")
    ("'=HYPERLINK(1)", 'White')
    """
    return "'" + value if value.startswith(FORMULA_START) else value


def _text_columns(frame: pd.DataFrame, schema: TableSchema) -> list[str]:
    return [f.name for f in schema.fields if f.type == "string" and f.name in frame.columns]


def to_csv(frame: pd.DataFrame, schema: TableSchema) -> bytes:
    """UTF-8 CSV as the package stores it: true/false, an empty cell for a missing value."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(frame.columns)
    text = set(_text_columns(frame, schema))
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(_csv_cell(v, c in text) for v, c in zip(row, frame.columns, strict=True))
    return out.getvalue().encode("utf-8")


def _csv_cell(value: Any, is_text: bool) -> str:
    if is_missing(value):
        return ""
    if _is_bool(value):
        return "true" if value else "false"
    return neutralise(str(value)) if is_text else str(value)


def _is_bool(value: Any) -> bool:
    import numpy as np

    return isinstance(value, bool | np.bool_)


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
    if _is_bool(value):
        return "Yes" if value else "No"
    if hasattr(value, "item"):
        value = value.item()
    return neutralise(value) if isinstance(value, str) else value


def coded(
    frame: pd.DataFrame, schema: TableSchema
) -> tuple[pd.DataFrame, dict[str, dict[float, str]]]:
    """Numbers for SPSS and Stata: yes/no as 1/0, categories as codes from 1, with labels."""
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    labels: dict[str, dict[float, str]] = {}
    for item in schema.fields:
        if item.name not in frame.columns:
            continue
        values = frame[item.name]
        if item.type == "boolean":
            out[item.name] = values.astype("Float64").astype(float)
            labels[item.name] = {0.0: "No", 1.0: "Yes"}
        elif item.type == "string" and item.allowed:
            codes = {v: float(i) for i, v in enumerate(item.allowed, start=1)}
            out[item.name] = values.astype(object).map(codes).astype(float)
            labels[item.name] = {codes[v]: item.categories.get(v, v) for v in item.allowed}
        elif item.type in ("integer", "number"):
            out[item.name] = values.astype("Float64").astype(float)
        else:
            out[item.name] = values.astype(object).where(values.notna(), "").astype(str)
        if out[item.name].dtype == float:
            out[item.name] = out[item.name].where(~np.isnan(out[item.name]), np.nan)
    return out, labels


def to_sav(frame: pd.DataFrame, schema: TableSchema, title: str, created: datetime) -> bytes:
    import pyreadstat

    data, value_labels = coded(frame, schema)
    measure = {f.name: ("scale" if f.type in ("integer", "number") else "nominal")
               for f in schema.fields if f.name in data.columns}  # fmt: skip
    numeric = {n: "F8.0" for n in data.columns if data[n].dtype == float}
    with _scratch(".sav") as path:
        pyreadstat.write_sav(
            data, path, file_label=_short(title, 64), variable_format=numeric,
            column_labels={f.name: f.label for f in schema.fields if f.name in data.columns},
            variable_value_labels=value_labels, variable_measure=measure,
        )  # fmt: skip
        return _stamp_sav(Path(path).read_bytes(), created)


def to_dta(frame: pd.DataFrame, schema: TableSchema, title: str, created: datetime) -> bytes:
    import pyreadstat

    data, value_labels = coded(frame, schema)
    with _scratch(".dta") as path:
        pyreadstat.write_dta(
            data, path, file_label=_short(title, 80),
            column_labels={f.name: f.label[:80] for f in schema.fields if f.name in data.columns},
            variable_value_labels=value_labels,
        )  # fmt: skip
        return _stamp_dta(Path(path).read_bytes(), created)


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet with pandas' nullable dtypes and categories kept (pyarrow)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


def _short(text: str, limit: int) -> str:
    """``text`` cut at a word to fit ``limit`` characters."""
    if len(text) <= limit:
        return text
    return text[: limit - 3].rsplit(" ", 1)[0].rstrip(":,;") + "..."


class _scratch:
    """A temporary file path for libraries that only write to paths."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def __enter__(self) -> str:
        import tempfile

        self.directory = tempfile.TemporaryDirectory(prefix="dahpkg-")
        return str(Path(self.directory.name) / f"file{self.suffix}")

    def __exit__(self, *exc: object) -> None:
        self.directory.cleanup()


# SPSS stores the creation date and time at fixed places of its header ("dd Mon yy", then
# "hh:mm:ss", after the 92 bytes that precede them); Stata in a <timestamp> element.
_SAV_STAMP = re.compile(rb"\A(\$FL[23].{88})(\d\d [A-Z][a-z]{2} \d\d)(\d\d:\d\d:\d\d)", re.S)
_DTA_STAMP = re.compile(rb"<timestamp>\x11\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d</timestamp>")


def _stamp_sav(data: bytes, created: datetime) -> bytes:
    stamp = created.strftime("%d %b %y").encode() + created.strftime("%H:%M:%S").encode()
    match = _SAV_STAMP.match(data)
    if match is None:
        raise ValueError("unexpected SPSS header: cannot fix its creation time")
    return match.group(1) + stamp + data[match.end() :]


def _stamp_dta(data: bytes, created: datetime) -> bytes:
    stamp = b"<timestamp>\x11" + created.strftime("%d %b %Y %H:%M").encode() + b"</timestamp>"
    fixed, count = _DTA_STAMP.subn(stamp, data, count=1)
    if count != 1:
        raise ValueError("unexpected Stata header: cannot fix its creation time")
    return fixed


def _fixed_modified(created: datetime) -> Callable[[str, bytes], bytes]:
    """openpyxl stamps the time of saving as the workbook's modification date: use ``created``."""
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ").encode()

    def rewrite(name: str, content: bytes) -> bytes:
        if name != "docProps/core.xml":
            return content
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                      rb"\g<1>" + stamp + rb"\g<2>", content)  # fmt: skip

    return rewrite


def stable_zip(data: bytes, created: datetime,
               rewrite: Callable[[str, bytes], bytes] | None = None) -> bytes:  # fmt: skip
    """The same zip with every entry dated ``created``, so that it is the same bytes each time."""
    source = zipfile.ZipFile(io.BytesIO(data))
    entries = ((i.filename, source.read(i)) for i in source.infolist())
    if rewrite is not None:
        entries = ((name, rewrite(name, content)) for name, content in entries)
    return zip_entries(entries, created, sort=False)


def zip_entries(entries: Iterable[tuple[str, bytes]], created: datetime, *,
                sort: bool = True) -> bytes:  # fmt: skip
    """A zip of ``entries`` with fixed dates, permissions and compression (sorted by name)."""
    items = sorted(entries) if sort else list(entries)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in items:
            info = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, content, compresslevel=9)
    return buffer.getvalue()
