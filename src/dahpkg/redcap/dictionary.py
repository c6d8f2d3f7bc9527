"""The REDCap data dictionary of a Table Schema, and a project's dictionary read back.

`dictionary_csv` writes the dictionary a REDCap project is built from (Project Setup >
Data Dictionary > upload): REDCap's 18 columns under the header row REDCap itself writes, its
commas and suffixes included ("Choices, Calculations, OR Slider Labels", "Branching Logic (Show
field only if...)"), a cell quoted as REDCap quotes it (when it holds a space, a comma, a quote
or a line break), lines ending in LF, UTF-8 without a byte-order mark. Repeating instruments are
no part of a dictionary: `dah_episode` is marked repeating in the project's setup.

`read_dictionary` reads a project's dictionary (as REDCap downloads it, or as its API gives it)
and checks it against the `Project` of the package's schema: the same fields on the same
instruments, of the same types, with the same codes. Only the labels may differ (a centre may
translate them): they are what a label export writes, and what the import reads back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dahpkg.errors import InputError
from dahpkg.limits import limit
from dahpkg.redcap.design import API_HEADER, HEADER, Project, Variable, project

if TYPE_CHECKING:
    from dahpkg.package import TableSchema

# Field types that give the same codes in an export: REDCap shows them differently only.
SAME_CODES = {"dropdown": "radio", "truefalse": "yesno"}
MOST_LISTED = 20  # mismatches named in the message; the rest are counted
Choices = tuple[tuple[str, str], ...]  # (code, label) of a radio or checkbox field


def rows(design: Project) -> list[list[str]]:
    """The dictionary's rows, one per variable, in REDCap's column order."""
    return [
        [
            v.name,
            v.form,
            v.section,
            v.type,
            v.label,
            " | ".join(f"{code}, {label}" for code, label in v.choices),
            v.note,
            v.validation,
            v.minimum,
            v.maximum,
            "y" if v.identifier else "",
            "",
            "y" if v.required else "",
            "",
            "",
            "",
            "",
            "",
        ]
        for v in design.variables
    ]


def quoted(cell: str) -> str:
    """A cell as REDCap writes it: in double quotes (doubled inside) when it holds a space, a
    comma, a quote or a line break, else as it is.

    >>> quoted("Form Name"), quoted("Identifier?"), quoted("1, female | 2, male")
    ('"Form Name"', 'Identifier?', '"1, female | 2, male"')
    """
    if any(c in cell for c in ' ,"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def dictionary_csv(schema: TableSchema) -> bytes:
    """The REDCap data dictionary of ``schema``, as the bytes of a CSV file REDCap imports.

    >>> from dahpkg.package import shipped_schema
    >>> dictionary_csv(shipped_schema()).decode().splitlines()[1][:46]
    'patient_id,patient,,text,Patient,,"Patient num'
    """
    lines = [",".join(quoted(c) for c in row) for row in [list(HEADER), *rows(project(schema))]]
    return ("\n".join(lines) + "\n").encode("utf-8")


def dictionary_files(schema: TableSchema, output: Path, created: datetime) -> dict[Path, bytes]:
    """The template registry's writer (`dahpkg.export.template.TEMPLATES`)."""
    return {output: dictionary_csv(schema)}


@dataclass(frozen=True)
class Dictionary:
    """What a project's dictionary calls things: the type each variable has in it (``yesno``
    or ``truefalse``, ``radio`` or ``dropdown``) and the label of each choice code."""

    where: str
    types: Mapping[str, str]
    labels: Mapping[str, Mapping[str, str]]


def read_dictionary(path: str | Path, design: Project, encoding: str | None = None) -> Dictionary:
    """The dictionary at ``path``, checked against ``design``; `InputError` naming every
    mismatch (a field missing, added, moved to another instrument, of another type or with
    other codes) and what to do."""
    from dahpkg.redcap.reading import read_table

    table = read_table(path, "the REDCap data dictionary", encoding)
    where = table.where
    if table.labels not in (HEADER, API_HEADER):
        shown = ", ".join(f'"{label}"' for label in table.labels[:3])
        raise InputError(
            f"{where} is not a REDCap data dictionary: its first row should hold REDCap's 18 "
            f'column names, starting "{HEADER[0]}", "{HEADER[1]}", "{HEADER[2]}" (or their API '
            f"names, field_name, form_name, ...); it starts {shown}. Download the dictionary "
            "from REDCap (Project Setup > Data Dictionary) or write it with `dahpkg template "
            "--format redcap`"
        )
    if table.ragged:
        line, cells = table.ragged[0]
        raise InputError(
            f"{where}, line {line}: {cells} cells where the header has {len(HEADER)}; the file "
            "is damaged: download the dictionary from REDCap again"
        )
    most = limit("max_columns")
    if len(table) > most.value():  # every field is at least one column of an export
        raise most.exceeded(where, f"{len(table):,} fields")
    names, forms, types, choices = (
        table.columns[table.labels[i]].str.strip().tolist() for i in (0, 1, 3, 5)
    )
    found = {
        n: (form, kind, _choices(text))
        for n, form, kind, text in zip(names, forms, types, choices, strict=True)
    }
    problems = _mismatches(design, names, found)
    if problems:
        more = len(problems) - MOST_LISTED
        listed = "; ".join(problems[:MOST_LISTED]) + (f"; and {more} more" if more > 0 else "")
        raise InputError(
            f"{where} does not match the package's Table Schema: {listed}. Build the REDCap "
            "project from `dahpkg template --format redcap` (with the package the data are "
            "for, --package), or change the project back"
        )
    return Dictionary(
        where,
        {n: kind for n, (_, kind, _) in found.items()},
        {n: dict(codes) for n, (_, _, codes) in found.items()},
    )


def _choices(text: str) -> Choices:
    """``1, female | 2, male`` as ((code, label), ...); spaces around the bars are optional."""
    parts = (part.partition(",") for part in text.split("|"))
    return tuple((code.strip(), label.strip()) for code, _, label in parts if code.strip())


def _mismatches(
    design: Project, names: list[str], found: dict[str, tuple[str, str, Choices]]
) -> list[str]:
    """Every way the dictionary's fields differ from the project's, in words."""
    problems: list[str] = []
    twice = sorted(n for n, count in Counter(names).items() if count > 1)
    if twice:
        problems.append(f"field(s) {', '.join(twice)} are listed twice")
    if names and names[0] != design.record_id:
        problems.append(
            f"its first field is {names[0]!r}, but the record ID must be {design.record_id} "
            "(the first field of the first instrument)"
        )
    for variable in design.variables:
        if variable.name not in found:
            problems.append(f"field {variable.name} ({variable.label}) is missing")
            continue
        problems += _differences(variable, *found[variable.name])
    known = {v.name for v in design.variables}
    added = [n for n, (_, kind, _) in found.items() if n not in known and kind != "descriptive"]
    if added:
        problems.append(
            f"field(s) {', '.join(added)} are not in the schema, so the episode table has no "
            "column for their data (remove them from the project, or add them to the schema)"
        )
    return problems


def _differences(variable: Variable, form: str, kind: str, codes: Choices) -> list[str]:
    found: list[str] = []
    if form != variable.form:
        found.append(
            f"field {variable.name} is on the instrument {form!r}; the schema puts it on "
            f"{variable.form}"
        )
    if SAME_CODES.get(kind, kind) != variable.type:
        found.append(
            f"field {variable.name} is a {kind!r} field; the schema makes it {variable.type}"
        )
    elif variable.choices and {c for c, _ in codes} != {c for c, _ in variable.choices}:
        given = ", ".join(c for c, _ in codes) or "none"
        found.append(
            f"field {variable.name} has the choice codes {given}; the schema's are "
            f"{variable.coding()}"
        )
    return found
