"""Blank data-entry files made from the Table Schema, for a centre to type its own episodes.

`write_template` (``dahpkg template``) writes one of `TEMPLATES`: an Excel workbook with one
column per field, drop-down lists, number limits, input messages and a "how to fill" sheet, or
a CSV header row with the codebook beside it. Everything a template says about a column comes
from the package's Table Schema (`dahpkg.package.Field`); nothing is restated here.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.export import look as _look
from dahpkg.package import Field, PackageLike, TableSchema

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

# Rows 2 to ENTRY_ROWS carry the drop-down lists and limits: enough for a centre's series, and
# bounded so that the file stays small (the how-to sheet says so; validate checks every row).
ENTRY_ROWS = 1000
DATA_SHEET = "episodes"  # the first sheet: the one dahpkg reads back
HOW_TO_SHEET = "how to fill"
LISTS_SHEET = "lists"


@dataclass(frozen=True)
class TemplateFormat:
    """One kind of template: its name on the command line, the suffix of its file, and the
    writer that returns every file it is made of (the output first)."""

    name: str
    suffix: str
    description: str
    write: Callable[[TableSchema, Path, datetime], dict[Path, bytes]]


def write_template(source: PackageLike | TableSchema = None, output: str | Path = "",
                   format: str | None = None, *, force: bool = False) -> list[Path]:  # fmt: skip
    """Write a blank data-entry template for the episodes of ``source`` (a `Package`, a path
    that `dahpkg.package.open_package` accepts, a `TableSchema`, or None for the shipped
    package) to ``output``; ``format`` is a name of `TEMPLATES` (by default the one whose suffix
    ``output`` has, else xlsx). Returns the files written; an existing one is replaced only
    with ``force``.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "entry.xlsx"
    >>> [p.name for p in write_template(None, out)]
    ['entry.xlsx']
    """
    from dahpkg.export.write import write_new_files

    output = Path(output)
    if not output.name:
        raise InputError("give the file to write the template to (--output FILE)")
    chosen = _chosen(format, output)
    schema, created = _schema(source)
    files = chosen.write(schema, output, created)
    write_new_files(files, force=force)
    return list(files)


def _chosen(format: str | None, output: Path) -> TemplateFormat:
    if format is None:
        by_suffix = {t.suffix: t for t in TEMPLATES.values()}
        return by_suffix.get(output.suffix.lower(), TEMPLATES["xlsx"])
    if format not in TEMPLATES:
        raise InputError(f"unknown template format {format!r}: use one of {', '.join(TEMPLATES)}")
    chosen = TEMPLATES[format]
    if output.suffix.lower() != chosen.suffix:
        raise InputError(
            f"{output.name} does not end in {chosen.suffix}, which a {chosen.name} template is: "
            f"name it {output.with_suffix(chosen.suffix).name}"
        )
    return chosen


def _schema(source: PackageLike | TableSchema) -> tuple[TableSchema, datetime]:
    """The episode schema to follow, and the date the template carries: the package's own
    creation date (a template of the same package is then the same bytes each time)."""
    from dahpkg.package import open_package

    if isinstance(source, TableSchema):
        return source, _look.NO_DATE
    package = open_package(source)
    created = package.descriptor.get("created")
    if created is None:
        return package.schema, _look.NO_DATE
    from dahpkg.export.release import _created

    return package.schema, _created(package.descriptor)


# --- what each column allows, in words ------------------------------------------------------


def choices(item: Field) -> tuple[str, ...] | None:
    """What a drop-down offers for ``item``: its categories, or the schema's first spelling of
    yes and of no for a yes/no field; None for a field without a list."""
    if item.type == "boolean":
        return (item.true_values[0], item.false_values[0])
    return item.allowed


def bounds(item: Field) -> tuple[float | None, float | None]:
    """The least and greatest values ``item`` allows, exclusive bounds made inclusive for whole
    numbers (a whole number above 0 is at least 1)."""
    low, high = item.minimum, item.maximum
    if item.exclusive_minimum is not None:
        edge = item.exclusive_minimum
        edge = math.floor(edge) + 1 if item.type == "integer" else edge
        low = edge if low is None else max(low, edge)
    if item.exclusive_maximum is not None:
        edge = item.exclusive_maximum
        edge = math.ceil(edge) - 1 if item.type == "integer" else edge
        high = edge if high is None else min(high, edge)
    return low, high


def allowed_text(item: Field) -> str:
    """What may be written in ``item``'s column, with the meaning of each code."""
    if item.type == "boolean":
        return (
            f"{item.true_values[0]} or {item.false_values[0]} (also read as yes: "
            f"{', '.join(item.true_values[1:])}; as no: {', '.join(item.false_values[1:])})"
        )
    if item.allowed:
        return "; ".join(item.meanings())
    what = {"integer": "a whole number", "number": "a number"}.get(item.type, "text")
    low, high = bounds(item)
    unit = f" ({item.unit})" if item.unit else ""
    if low is not None and high is not None:
        return f"{what} from {low:g} to {high:g}{unit}"
    if low is not None:
        return f"{what}, at least {low:g}{unit}"
    if high is not None:
        return f"{what}, at most {high:g}{unit}"
    if item.max_length is not None:
        return f"{what}, at most {item.max_length} characters"
    return what + unit


def _kind(item: Field, name: str | None) -> dict[str, Any] | None:
    """The XlsxWriter validation of ``item``'s cells (without texts); None for free text."""
    if name is not None:
        return {"validate": "list", "source": f"={name}"}
    if item.type in ("integer", "number"):
        low, high = bounds(item)
        kind: dict[str, Any] = {"validate": "integer" if item.type == "integer" else "decimal"}
        if low is not None and high is not None:
            kind.update(criteria="between", minimum=low, maximum=high)
        elif low is not None:
            kind.update(criteria=">=", value=low)
        elif high is not None:
            kind.update(criteria="<=", value=high)
        else:  # no bound: only the kind of number is checked
            kind.update(criteria="between", minimum=-1e15, maximum=1e15)
        return kind
    if item.type == "string" and item.max_length is not None:
        return {"validate": "length", "criteria": "<=", "value": item.max_length}
    return None


def _error(item: Field) -> str:
    """The alert when a cell breaks the column's validation: what the column takes."""
    offered = choices(item)
    if offered is not None and len(offered) <= 8:
        return f"{item.label}: pick {' or '.join(offered)} from the list."
    return f"{item.label}: {allowed_text(item)}."


def _prompt(item: Field) -> str:
    unit = f" Unit: {item.unit}." if item.unit else ""
    required = " Required." if item.required else ""
    return f"{item.description}{unit}{required}"


def _note(item: Field, schema: TableSchema) -> str:
    """The note on a header cell: what the column is, and what it takes."""
    lines = [item.label + (f" ({item.unit})" if item.unit else ""),
             f"Allowed: {allowed_text(item)}",
             "Required: a blank cell is an error" if item.required
             else f"A blank cell means {schema.missing_label}",
             "", item.description]  # fmt: skip
    return _look.note_text("\n".join(lines))


# --- the workbook ---------------------------------------------------------------------------


def workbook(schema: TableSchema, created: datetime) -> bytes:
    """The data-entry workbook of ``schema``: sheets episodes, how to fill, and the hidden
    lists behind the drop-downs."""
    target = io.BytesIO()
    book = _look.new_workbook(target, created)
    style = _look.look(book)
    data = book.add_worksheet(DATA_SHEET)
    how_to = book.add_worksheet(HOW_TO_SHEET)
    lists = book.add_worksheet(LISTS_SHEET)
    names = _lists(book, lists, schema, style)
    last = len(schema.fields) - 1
    for col, item in enumerate(schema.fields):
        text = item.type == "string"
        data.set_column(col, col, _look.width([item.name, item.label], least=10, most=30),
                        style.entry_text if text else style.entry)  # fmt: skip
        data.write_string(0, col, item.name, style.header)
        data.write_comment(0, col, _note(item, schema),
                           {"author": "dahpkg", "x_scale": 2.2, "y_scale": 2.5})  # fmt: skip
        kind = _kind(item, names.get(item.name))
        if kind is not None:
            data.data_validation(1, col, ENTRY_ROWS - 1, col, _look.validation(
                kind, title=item.label, prompt=_prompt(item),
                error=_error(item)))  # fmt: skip
        elif item.description:
            data.data_validation(1, col, ENTRY_ROWS - 1, col, {
                "validate": "any", "input_title": _look.clip(item.label, _look.TITLE_MAX),
                "input_message": _look.clip(_prompt(item), _look.PROMPT_MAX)})  # fmt: skip
    data.set_row(0, 30)
    data.freeze_panes(1, 0)
    data.autofilter(0, 0, ENTRY_ROWS - 1, last)
    # Sorting, filtering, adding and removing rows and widening columns stay possible; the
    # header row, whose names dahpkg reads the columns by, cannot be changed.
    data.protect("", {"sort": True, "autofilter": True, "insert_rows": True,
                      "delete_rows": True, "format_columns": True})  # fmt: skip
    data.activate()
    _look.printable(data)
    _how_to(how_to, schema, style)
    return _look.finish(book, target)


def _lists(book: Workbook, sheet: Worksheet, schema: TableSchema,
           style: _look.Look) -> dict[str, str]:  # fmt: skip
    """Each drop-down's values in a column of the hidden lists sheet, behind a defined name;
    the names, by field."""
    names: dict[str, str] = {}
    col = 0
    for item in schema.fields:
        values = choices(item)
        if not values:
            continue
        name = _defined_name(item.name, set(names.values()))
        sheet.write_string(0, col, item.name, style.header)
        for row, value in enumerate(values, start=1):
            sheet.write_string(row, col, value)
        first = _look.cell_name(1, col, absolute=True)
        last = _look.cell_name(len(values), col, absolute=True)
        book.define_name(name, f"={_look.sheet_ref(LISTS_SHEET)}!{first}:{last}")
        names[item.name] = name
        col += 1
    sheet.protect()
    sheet.hide()
    return names


def _defined_name(field: str, taken: set[str]) -> str:
    """A name Excel accepts for a field's list: letters, digits and underscores, never one
    that reads as a cell (``list_`` first), never one already taken."""
    base = "list_" + (re.sub(r"[^A-Za-z0-9_]", "_", field)[:200] or "field")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _how_to(sheet: Worksheet, schema: TableSchema, style: _look.Look) -> None:
    """The sheet that says how to fill the episodes sheet: one row per column, then the rules
    every row follows."""
    yes = next((f for f in schema.fields if f.type == "boolean"), None)
    key = " and ".join(schema.primary_key)
    notes = [
        f"One row per episode; a relapse is a row of its own (the {key} columns tell the rows "
        "apart)."
        if key
        else "One row per episode.",
        f"A blank cell means {schema.missing_label}. A column marked required must not be blank.",
        "Keep row 1 of the episodes sheet as it is: dahpkg finds each column by its name there.",
        f"Drop-down lists and number limits cover rows 2 to {ENTRY_ROWS}; below that, type the "
        "values this sheet lists. Pasted cells skip the drop-down checks; dahpkg checks every "
        "row anyway.",
        # No capitals standing alone ("FILE"): the privacy check reads them as initials.
        "When the rows are typed, check them: dahpkg validate followed by this file's name (add "
        "--annotate checked.xlsx to get the workbook back with each problem marked on its cell).",
    ]
    if yes is not None:
        notes.insert(2, (
            f"Yes/no columns: pick {yes.true_values[0]} or {yes.false_values[0]} from the list "
            "(this workbook accepts only those two). In a CSV file or a workbook of your own, "
            f"dahpkg also reads {', '.join(yes.true_values)} as yes and "
            f"{', '.join(yes.false_values)} as no."))  # fmt: skip
    relapse = schema.field("episode").description if "episode" in schema.names else ""
    if relapse:
        notes.insert(1, f"episode: {relapse}")
    sheet.write_string(0, 0, "How to fill the episodes sheet", style.title)
    for row, note in enumerate(notes, start=1):
        sheet.merge_range(row, 0, row, 5, note, style.wrap)
        sheet.set_row(row, _look.row_height([note], (sum((24, 24, 8, 9, 45, 70)),)))
    top = len(notes) + 2
    widths = (24, 24, 8, 9, 45, 70)
    header = ["column", "label", "unit", "required", "allowed values", "description"]
    for col, text in enumerate(header):
        sheet.write_string(top, col, text, style.header)
    for row, item in enumerate(schema.fields, start=top + 1):
        allowed = allowed_text(item)
        spelt = (item.true_values, item.false_values)
        if (
            yes is not None
            and item.type == "boolean"
            and spelt == (yes.true_values, yes.false_values)
        ):
            allowed = f"{item.true_values[0]} or {item.false_values[0]} (other spellings: above)"
        cells = [item.name, item.label, item.unit or "", "yes" if item.required else "no",
                 allowed, item.description]  # fmt: skip
        for col, text in enumerate(cells):
            sheet.write_string(row, col, text, style.wrap)
        # Neither Excel nor LibreOffice sizes a row to wrapped text it did not type itself.
        sheet.set_row(row, _look.row_height(cells, widths))
    for col, most in enumerate(widths):
        sheet.set_column(col, col, most)
    sheet.freeze_panes(top + 1, 0)
    _look.printable(sheet, top, top)


# --- the CSV form ---------------------------------------------------------------------------


def csv_files(schema: TableSchema, output: Path, created: datetime) -> dict[Path, bytes]:
    """The header row (``output``) and the codebook beside it (``<stem>.codebook.csv``)."""
    import csv

    from dahpkg.export.formats import codebook
    from dahpkg.export.formats.text import neutralise

    def rows(table: list[list[str]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(
            [[neutralise(c) for c in row] for row in table]
        )
        return buffer.getvalue().encode("utf-8")

    book = output.with_name(f"{output.stem}.codebook.csv")
    return {output: rows([list(schema.names)]), book: rows(codebook.variable_rows(schema))}


def xlsx_files(schema: TableSchema, output: Path, created: datetime) -> dict[Path, bytes]:
    return {output: workbook(schema, created)}


TEMPLATES: dict[str, TemplateFormat] = {
    t.name: t
    for t in (
        TemplateFormat("xlsx", ".xlsx", "An Excel workbook with drop-down lists, limits, notes "
                       "and a how-to sheet (Excel and LibreOffice).", xlsx_files),
        TemplateFormat("csv", ".csv", "A CSV header row, with the codebook beside it "
                       "(<name>.codebook.csv).", csv_files),
    )
}  # fmt: skip
