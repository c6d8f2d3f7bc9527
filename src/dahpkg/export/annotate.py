"""A centre's own episodes back as a workbook, each problem marked on its cell.

`annotate` (``dahpkg validate FILE --annotate CHECKED.xlsx``) validates a file and writes its
cells as they were written (as text: never re-typed, no formula evaluated) to a new workbook:
a cell with a finding is filled (error, warning, or confirmed) and carries the messages as a
note; a finding without a cell of its own (a missing column, a blank row) is noted on the
header or on the row's first cell; a "findings" sheet lists every finding with a link to its
cell. Row numbers are the input file's. The input file is only read.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.export import look as _look
from dahpkg.package import Package, PackageLike

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

    from dahpkg.package.cells import Cells
    from dahpkg.validation.report import Finding, Report

FINDINGS_SHEET = "findings"
FINDINGS_HEADER = ["row", "patient", "episode", "column", "rule", "severity", "confirmed",
                   "message"]  # fmt: skip
# Excel keeps at most 65,530 links on a sheet; XlsxWriter drops the rest with a warning.
MOST_LINKS = 65_530
# What a cell's fill says, the strongest first: an error, a warning, a confirmed exception.
RANK = {"error": 0, "warning": 1, "confirmed": 2}


def annotate(path: PackageLike, output: str | Path, *, force: bool = False,
             **options: Any) -> Report:  # fmt: skip
    """Validate the episodes of ``path`` (see `dahpkg.validation.validate`, which takes
    ``options``) listing every finding, and write the annotated workbook to ``output``.
    Returns the report. `InputError` for an output that is the input itself, or that exists
    (unless ``force``).

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "checked.xlsx"
    >>> annotate(None, out).valid, out.exists()
    (True, True)
    """
    from dahpkg.package import open_package
    from dahpkg.validation import validate

    package = open_package(path)
    output = _refuse_input(package, Path(output), force)
    report = validate(package, max_examples=every_finding(package), **options)
    write_annotated(report, package, output, force=force)
    return report


def every_finding(package: Package) -> int:
    """A number of examples per rule that lists every finding of ``package``'s episodes: a rule
    finds at most one problem per cell, and one per row or column beyond them."""
    table = package.table()
    rows = len(table.frame) + len(table.blank_rows) + len(table.ragged) + 1
    return rows * (len(table.labels) + len(package.schema.fields) + 1)


def write_annotated(report: Report, package: Package, output: str | Path, *,
                    force: bool = False) -> Path:  # fmt: skip
    """Write the annotated workbook of ``report`` on ``package``'s episodes to ``output``."""
    from dahpkg.export.write import write_new

    output = _refuse_input(package, Path(output), force)
    write_new(output, annotated_workbook(report, package), force=force)
    return output


def check_target(sources: list[Path], output: Path, *, force: bool = False) -> Path:
    """Refuse an annotated workbook's name before anything is checked: one of ``sources`` (the
    original is never changed), a name that is not .xlsx, or, without ``force``, a file that
    exists. The CLI calls it first, so a wrong name costs no validation."""
    target = output.resolve()
    for source in sources:
        if source.resolve() == target or (output.exists() and _same(source, output)):
            raise InputError(
                f"{output} is the file being checked: give another name for the annotated "
                "copy (the original is never changed)"
            )
    if output.suffix.lower() != ".xlsx":
        raise InputError(
            f"the annotated workbook is an Excel file: name it "
            f"{output.with_suffix('.xlsx').name}, not {output.name}"
        )
    if not force and output.exists():
        raise InputError(f"{output} exists; add --force to replace it")
    return output


def _refuse_input(package: Package, output: Path, force: bool) -> Path:
    sources = package.table_files() + [p for p in (package.descriptor_path,) if p]
    return check_target(sources, output, force=force)


def _same(one: Path, other: Path) -> bool:
    try:
        return one.samefile(other)
    except OSError:
        return False


def _episode_cells(package: Package) -> tuple[str, Cells]:
    """The sheet name to use and the cells of the table that was validated."""
    table = package.table()
    found = package.cells()
    if table.sheet is not None:
        wanted = f", sheet '{table.sheet}'"
        for cells in found:
            if cells.where.endswith(wanted):
                return table.sheet[:31], cells
    return "episodes", found[0]


def annotated_workbook(report: Report, package: Package) -> bytes:
    """The annotated workbook: the episodes as written, with the findings marked, then the
    findings sheet."""
    sheet_name, cells = _episode_cells(package)
    target = io.BytesIO()
    book = _look.new_workbook(target, _look.NO_DATE, large=True)
    style = _look.look(book)
    data = book.add_worksheet(sheet_name)
    listing = book.add_worksheet(FINDINGS_SHEET)
    places = _places(report.findings, cells)
    _write_cells(data, cells, places, style)
    _write_findings(listing, report, places, sheet_name, style)
    data.activate()
    return _look.finish(book, target)


def _kind(finding: Finding) -> str:
    return "confirmed" if getattr(finding, "confirmed", False) else str(finding.severity)


def _places(findings: Iterable[Finding], cells: Cells) -> dict[tuple[int, int], list[Finding]]:
    """Each finding at its cell (zero-based row and column of the sheet): the cell of its row
    and column; a row's first cell when the column is not in the file or not named; the
    column's header when the row is not named; the first header cell otherwise."""
    column = {label: i for i, label in enumerate(cells.labels)}
    places: dict[tuple[int, int], list[Finding]] = defaultdict(list)
    for finding in findings:
        col = column.get(finding.column or "", 0)
        row = finding.row - 1 if finding.row is not None and finding.row >= 1 else 0
        places[row, col].append(finding)
    return places


def _confirmed(finding: Finding) -> str:
    """ "" for a finding not confirmed; else "yes", with the centre's reason when it gave one."""
    if not getattr(finding, "confirmed", False):
        return ""
    reason = getattr(finding, "reason", None)
    return f"yes: {reason}" if reason else "yes"


def _note(found: list[Finding]) -> str:
    lines = []
    for f in found:
        if getattr(f, "confirmed", False):
            reason = getattr(f, "reason", None)
            why = f" Reason given: {reason}" if reason else ""
            lines.append(f"confirmed ({f.rule}): {f.message}.{why}")
        else:
            lines.append(f"{f.severity} ({f.rule}): {f.message}")
    return _look.note_text("\n\n".join(lines))


def _write_cells(sheet: Worksheet, cells: Cells, places: dict[tuple[int, int], list[Finding]],
                 style: _look.Look) -> None:  # fmt: skip
    """The cells as text, row by row in file order (the sheet is written as it goes)."""
    import pandas as pd

    width = len(cells.labels)
    flagged = defaultdict(list)
    for row, col in places:
        flagged[row].append(col)
    matrix = pd.DataFrame(cells.columns, columns=list(cells.labels)).to_numpy(dtype=object)
    samples = matrix[:200]
    for col, label in enumerate(cells.labels):
        texts = [label, *(str(v) for v in samples[:, col])] if len(samples) else [label]
        sheet.set_column(col, col, _look.width(texts, least=8, most=40))
    rows = [(0, list(cells.labels))]
    rows += ((int(r) - 1, list(values)) for r, values in zip(cells.rows, matrix, strict=True))
    last = 0
    for row, values in _with_empty_rows(rows, flagged):
        last = row
        fmt = style.header if row == 0 else None
        if row not in flagged:
            for col, value in enumerate(values):
                if value:
                    sheet.write_string(row, col, str(value), fmt)
            continue
        for col in range(max(width, max(flagged[row]) + 1)):
            value = str(values[col]) if col < len(values) and values[col] else ""
            found = places.get((row, col))
            if not found:
                if value:
                    sheet.write_string(row, col, value, fmt)
                continue
            kind = min((_kind(f) for f in found), key=RANK.__getitem__)
            sheet.write_string(row, col, value, style.fills[kind])
            sheet.write_comment(row, col, _note(found),
                                {"author": "dahpkg", "x_scale": 2.5, "y_scale": 2.0})  # fmt: skip
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(last, 1), max(width - 1, 0))
    _look.printable(sheet)


def _with_empty_rows(rows: list[tuple[int, list[Any]]],
                     flagged: dict[int, list[int]]) -> list[tuple[int, list[Any]]]:  # fmt: skip
    """``rows`` with an empty row for each flagged row the file has no cells for, in order (a
    sheet written as it goes takes its rows in order)."""
    known = {r for r, _ in rows}
    extra: list[tuple[int, list[Any]]] = [(r, []) for r in flagged if r not in known]
    return sorted(rows + extra, key=lambda item: item[0])


def _write_findings(sheet: Worksheet, report: Report,
                    places: dict[tuple[int, int], list[Finding]], data_sheet: str,
                    style: _look.Look) -> None:  # fmt: skip
    """One row per finding, its row number a link to its cell; what was left out, said."""
    where = {id(f): place for place, found in places.items() for f in found}
    capped = [r for r in report.results if r.shown < r.failed]
    lines = [f"dahpkg validate: {report.headline()}"]
    if capped:
        lines.append("Not every finding is listed: " + "; ".join(
            f"{r.rule.id} lists {r.shown} of {r.failed}" for r in capped))  # fmt: skip
    for row, text in enumerate(lines):
        sheet.write_string(row, 0, text, style.title if row == 0 else None)
    top = len(lines)
    for col, text in enumerate(FINDINGS_HEADER):
        sheet.write_string(top, col, text, style.header)
    for n, finding in enumerate(report.findings, start=top + 1):
        row, col = where[id(finding)]
        cell = _look.cell_name(row, col)
        shown = str(finding.row) if finding.row is not None else "header"
        if n - top <= MOST_LINKS:
            sheet.write_url(n, 0, f"internal:{_look.sheet_ref(data_sheet)}!{cell}", style.link,
                            shown, f"Go to {cell}")  # fmt: skip
        else:
            sheet.write_string(n, 0, shown)
        confirmed = _confirmed(finding)
        for c, value in enumerate([finding.patient_id, finding.episode, finding.column,
                                   finding.rule, finding.severity, confirmed,
                                   _look.note_text(finding.message)], start=1):  # fmt: skip
            if isinstance(value, int):  # patient and episode numbers sort as numbers
                sheet.write_number(n, c, value)
            elif value is not None and value != "":
                sheet.write_string(n, c, str(value), style.wrap if c == 7 else None)
    for col, most in enumerate((8, 8, 8, 22, 24, 9, 10, 100)):
        sheet.set_column(col, col, most)
    sheet.freeze_panes(top + 1, 0)
    sheet.autofilter(top, 0, top + max(len(report.findings), 1), len(FINDINGS_HEADER) - 1)
    _look.printable(sheet, top, top)
