"""The episode table for SPSS (.sav) and Stata (.dta): yes/no as 1/0 and categories as codes
from 1, with variable and value labels, and the creation stamps set to the package's date.

Stata's file is release 118, which Stata 14 and later open (119 is only for more than 32,767
variables), with each variable in the smallest storage type that holds every value the schema
allows: byte for yes/no, codes and ages, int or long beyond. SPSS stores every number as a
double; there the schema gives each variable its measurement level, and the title and the
citation travel as the file's documents (DISPLAY DOCUMENTS).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.export.release import Prepared
    from dahpkg.package import Field, TableSchema

# Stata's integer storage types (pandas' names for them) and the values each holds: the values
# above are Stata's missing values. A variable that no long holds is a double.
StataStorage = Literal["Int8", "Int16", "Int32", "float64"]
STATA_INTEGERS: tuple[tuple[StataStorage, int, int], ...] = (
    ("Int8", -127, 100),
    ("Int16", -32767, 32740),
    ("Int32", -2147483647, 2147483620),
)
STATA_RELEASE: Literal[118] = 118
# Stata's limits on labels, and the longest str# variable (longer text is a strL).
STATA_LABEL, STATA_STR = 80, 2045
SPSS_FILE_LABEL, SPSS_DOCUMENT_LINE = 64, 80
# Yes/no as SPSS and Stata code it, with its value labels.
YES_NO = {0: "No", 1: "Yes"}


def write_sav(prepared: Prepared, suffix: str = ".sav") -> bytes:
    """The format registry's writer for SPSS."""
    return to_sav(
        prepared.episodes,
        prepared.schema,
        prepared.title,
        prepared.created.replace(tzinfo=None),
        documents(prepared),
    )


def write_dta(prepared: Prepared, suffix: str = ".dta") -> bytes:
    """The format registry's writer for Stata."""
    return to_dta(
        prepared.episodes, prepared.schema, prepared.title, prepared.created.replace(tzinfo=None)
    )


def coded(
    frame: pd.DataFrame, schema: TableSchema
) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
    """Numbers for SPSS and Stata, each column in the smallest Stata integer type that holds
    it (nullable: a missing value stays missing): yes/no as 1/0, categories as codes from 1
    (`dahpkg.package.Field.value_codes`, the REDCap dictionary's too), with their labels;
    numbers as doubles, text as text ("" where missing)."""
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    labels: dict[str, dict[int, str]] = {}
    for item in schema.fields:
        if item.name not in frame.columns:
            continue
        values = frame[item.name]
        if item.type == "boolean":
            out[item.name] = values.astype("boolean").astype("Int8")
            labels[item.name] = dict(YES_NO)
        elif item.type == "string" and item.allowed:
            mapping = item.value_codes()
            numbers = values.astype(object).map(mapping).astype("Int64")
            out[item.name] = numbers.astype(_storage(1, len(mapping)))
            labels[item.name] = {mapping[v]: item.categories.get(v, v) for v in item.allowed}
        elif item.type == "integer":
            numbers = values.astype("Int64")
            low = item.minimum if item.minimum is not None else _value(numbers.min())
            high = item.maximum if item.maximum is not None else _value(numbers.max())
            out[item.name] = numbers.astype(_storage(low, high))
        elif item.type == "number":
            out[item.name] = values.astype("Float64").astype(float)
        else:
            out[item.name] = values.astype(object).where(values.notna(), "").astype(str)
    return out, labels


def _value(observed: Any) -> float:
    """The smallest or largest value of a column as a number (0 when it has none)."""
    import pandas as pd

    return 0.0 if pd.isna(observed) else float(observed)


def _storage(low: float, high: float) -> StataStorage:
    """The smallest of `STATA_INTEGERS` holding ``low`` to ``high``, else a double."""
    for name, least, most in STATA_INTEGERS:
        if least <= low and high <= most:
            return name
    return "float64"


def measure(item: Field, schema: TableSchema) -> str:
    """SPSS's measurement level of ``item``: nominal for identifiers (the primary key, a
    pseudonym), yes/no, categories and text; scale for the other numbers (ages)."""
    if item.name in schema.primary_key or item.privacy == "pseudonym":
        return "nominal"
    return "scale" if item.type in ("integer", "number") and not item.allowed else "nominal"


def documents(prepared: Prepared) -> list[str]:
    """What SPSS shows as the file's documents (DISPLAY DOCUMENTS): the title, the version, the
    data set's DOI when it has one, and the article the data come from, in lines of at most 80
    bytes. (The data set's full citation is built in `dahpkg.export.metadata`, which depends on
    this registry; the documents point to the files that give it.)"""
    from dahpkg.errors import InputError

    descriptor = prepared.descriptor
    paragraphs = [
        prepared.title,
        f"Data package {descriptor.get('name', '')}, version "
        f"{descriptor.get('version', '')}, of {prepared.created:%Y-%m-%d}.",
    ]
    try:
        doi = prepared.facts.dataset_doi
    except InputError:  # a mistake in publication.toml stops the bundle, not this one file
        doi = ""
    if doi:
        paragraphs.append(f"Data set DOI: https://doi.org/{doi}")
    source = (descriptor.get("sources") or [{}])[0]
    cited = " ".join(
        str(source[k]).rstrip(".") + "." for k in ("authors", "title") if source.get(k)
    )
    if cited:
        paragraphs.append(f"The data come from: {cited}")
    paragraphs.append("How to cite the data set: README.md and CITATION.cff of the supplement.")
    lines: list[str] = []
    for text in paragraphs:
        lines += _wrap(text, SPSS_DOCUMENT_LINE)
    return lines


def _wrap(text: str, limit: int) -> list[str]:
    """``text`` in lines of at most ``limit`` bytes of UTF-8 (SPSS's document lines)."""
    import textwrap

    width = limit
    while True:
        lines = textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)
        if all(len(line.encode()) <= limit for line in lines):
            return lines
        width -= 4


def to_sav(
    frame: pd.DataFrame,
    schema: TableSchema,
    title: str,
    created: datetime,
    notes: list[str] | None = None,
) -> bytes:
    import pyreadstat

    data, value_labels = coded(frame, schema)
    fields = [f for f in schema.fields if f.name in data.columns]
    numeric = [f.name for f in fields if data[f.name].dtype != object]
    # SPSS has one numeric type, the double; the width shown is the widest value's.
    data[numeric] = data[numeric].astype(float)
    widths = {n: f"F{_digits(data[n])}.0" for n in numeric if not (data[n].dropna() % 1).any()}
    with _scratch(".sav") as path:
        pyreadstat.write_sav(
            data,
            path,
            file_label=_short(title, SPSS_FILE_LABEL),
            variable_format=widths,
            column_labels={f.name: f.label for f in fields},
            row_compress=True,
            note=notes or None,
            variable_value_labels={
                n: {float(c): t for c, t in m.items()} for n, m in value_labels.items()
            },
            variable_measure={f.name: measure(f, schema) for f in fields},
        )
        return _stamp_sav(Path(path).read_bytes(), created)


def _digits(values: pd.Series) -> int:
    """Characters the widest whole number of ``values`` takes (at least 1, at most 40)."""
    biggest = values.abs().max()
    width = len(f"{biggest:.0f}") + bool((values < 0).any()) if values.notna().any() else 1
    return min(max(width, 1), 40)


def to_dta(frame: pd.DataFrame, schema: TableSchema, title: str, created: datetime) -> bytes:
    import io

    data, value_labels = coded(frame, schema)
    text = [n for n in data.columns if data[n].dtype == object]
    long_text = [n for n in text if data[n].str.len().max() > STATA_STR]
    buffer = io.BytesIO()
    data.to_stata(
        buffer,
        write_index=False,
        version=STATA_RELEASE,
        time_stamp=created,
        data_label=_short(title, STATA_LABEL),
        value_labels={n: {float(c): t for c, t in m.items()} for n, m in value_labels.items()},
        variable_labels={
            f.name: _short(f.label, STATA_LABEL) for f in schema.fields if f.name in data.columns
        },
        convert_strl=long_text,
    )
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
# "hh:mm:ss", after the 92 bytes that precede them). (Stata's stamp is pandas' time_stamp.)
_SAV_STAMP = re.compile(rb"\A(\$FL[23].{88})(\d\d [A-Z][a-z]{2} \d\d)(\d\d:\d\d:\d\d)", re.S)


def _stamp_sav(data: bytes, created: datetime) -> bytes:
    stamp = created.strftime("%d %b %y").encode() + created.strftime("%H:%M:%S").encode()
    match = _SAV_STAMP.match(data)
    if match is None:
        raise ValueError("unexpected SPSS header: cannot fix its creation time")
    return match.group(1) + stamp + data[match.end() :]
