"""The episode table for SPSS (.sav) and Stata (.dta): yes/no as 1/0 and categories as codes
from 1, with variable and value labels, and the creation stamps set to the package's date."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.export.release import Prepared
    from dahpkg.package import TableSchema


def write_sav(prepared: Prepared, suffix: str = ".sav") -> bytes:
    """The format registry's writer for SPSS."""
    return to_sav(prepared.episodes, prepared.schema, prepared.title,
                  prepared.created.replace(tzinfo=None))  # fmt: skip


def write_dta(prepared: Prepared, suffix: str = ".dta") -> bytes:
    """The format registry's writer for Stata."""
    return to_dta(prepared.episodes, prepared.schema, prepared.title,
                  prepared.created.replace(tzinfo=None))  # fmt: skip


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
