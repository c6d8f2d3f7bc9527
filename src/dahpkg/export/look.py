"""How a dahpkg workbook looks and what Excel allows in it: one place for the data-entry
template and the annotated workbook.

XlsxWriter writes them: it writes data validation, defined names, notes and sheet protection,
and checks Excel's own limits. The limits on validation texts are checked here as well, before
XlsxWriter sees them, so that a long description is cut with an ellipsis instead of being
dropped with a warning (Excel removes every validation of a sheet that breaks one).

The exported episodes (episodes.xlsx, `dahpkg.export.formats.workbook`) look the same, and
stream their rows into a constant-memory sheet through `stream_rows`.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook

# Excel's limits on the texts of a data validation ([MS-OI29500] 2.1.613): an input message of
# 255 characters, an error message of 224 (the binary format allows 225; XlsxWriter checks 255),
# and 32 for either title. Over them Excel "repairs" the file by removing its validations.
PROMPT_MAX = 255
ERROR_MAX = 224
TITLE_MAX = 32
NOTE_MAX = 32_767  # the most characters Excel keeps in a cell or a note
# The most rows and columns a worksheet holds (Excel 2007 and later).
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
# How `row_height` reckons wrapped text: a line is 15 points high, and a character takes
# about 1.1 of a column's width units in the default font (capitals, wide letters).
LINE_POINTS = 15.0
CHARACTER_WIDTH = 1.1
ELLIPSIS = "\u2026"
# The date of a workbook made from no dated package: the first date a zip file can record.
NO_DATE = datetime(1980, 1, 1, tzinfo=UTC)

# Characters XML 1.0 cannot carry: XlsxWriter encodes them in cells, not in notes.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

HEADER_COLOUR = "#DCE6F1"
FILLS = {"error": "#F4C7C3", "warning": "#FFE699", "confirmed": "#D9D9D9"}


def clip(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters, an ellipsis showing where it was cut.

    >>> clip("Patient number", 32), clip("a" * 40, 10)
    ('Patient number', 'aaaaaaaaa…')
    """
    text = " ".join(text.split())  # a line break in a prompt box only wastes characters
    return text if len(text) <= most else text[: most - 1].rstrip() + ELLIPSIS


def note_text(text: str) -> str:
    """Text for a note: characters XML cannot hold shown as their escape, within Excel's limit."""
    shown = _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return shown if len(shown) <= NOTE_MAX else shown[: NOTE_MAX - 1] + ELLIPSIS


def new_workbook(target: io.BytesIO, created: datetime, *, large: bool = False) -> Workbook:
    """A workbook that never turns text into a number, a formula or a link, dated ``created``
    (created and modified alike, so that two runs write the same bytes).

    ``large``: rows go straight to disk as they are written (XlsxWriter's constant memory
    mode); each row must then be written whole, in order.
    """
    from xlsxwriter.workbook import Workbook

    options = {
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "constant_memory": large,
        "in_memory": not large,
    }
    book = Workbook(target, options)
    book.set_properties({"author": "dahpkg", "created": created.replace(tzinfo=None)})
    return book


def finish(book: Workbook, target: io.BytesIO) -> bytes:
    """Close ``book`` and return its bytes: the same bytes from every run, since the workbook
    is dated by `new_workbook` and XlsxWriter dates every zip entry in 1980 (the 1st of January
    in memory, the 31st on disk), whatever the clock and the time zone."""
    book.close()
    return target.getvalue()


@dataclass(frozen=True)
class Look:
    """The cell formats of one workbook (XlsxWriter formats belong to the workbook that made
    them)."""

    header: Format  # bold, wrapped, shaded, locked: explicit, so LibreOffice keeps it locked
    wrap: Format  # text that reads as paragraphs (how-to sheet, findings)
    title: Format
    entry: Format  # a data column: unlocked
    entry_text: Format  # a data column of text: unlocked, stored as text ("@")
    link: Format
    fills: dict[str, Format]  # a cell with a finding: error, warning or confirmed


def look(book: Workbook) -> Look:
    """The formats every dahpkg workbook uses."""
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                              "bg_color": HEADER_COLOUR, "border": 1, "locked": True})  # fmt: skip
    return Look(
        header=header,
        wrap=book.add_format({"text_wrap": True, "valign": "top"}),
        title=book.add_format({"bold": True, "font_size": 13}),
        entry=book.add_format({"locked": False}),
        entry_text=book.add_format({"locked": False, "num_format": "@"}),
        link=book.add_format({"font_color": "#0563C1", "underline": 1}),
        fills={k: book.add_format({"bg_color": v, "border": 1, "border_color": "#7F7F7F"})
               for k, v in FILLS.items()},
    )  # fmt: skip


def width(texts: list[str], *, least: int = 8, most: int = 60) -> float:
    """A column width (in characters) that shows the longest of ``texts``, within bounds."""
    return fitted(max((len(t) for t in texts), default=0), least=least, most=most)


def fitted(longest: int, *, least: int = 8, most: int = 60) -> float:
    """A column width (in characters) that shows a text of ``longest`` characters, within
    bounds: a longer text is wrapped in its column rather than widening it past ``most``.

    >>> fitted(3), fitted(20), fitted(594)
    (8.0, 22.0, 60.0)
    """
    return float(min(max(longest + 2, least), most))


def validation(kind: dict[str, Any], *, title: str, prompt: str, error: str) -> dict[str, Any]:
    """A data validation with its input message and a "stop" alert, the texts cut to Excel's
    limits (titles 32, message 255, error 224 characters)."""
    options = dict(kind)
    if prompt:
        options.update(input_title=clip(title, TITLE_MAX), input_message=clip(prompt, PROMPT_MAX))
    options.update(error_type="stop", error_title=clip(title, TITLE_MAX),
                   error_message=clip(error, ERROR_MAX))  # fmt: skip
    return options


def cell_name(row: int, column: int, *, absolute: bool = False) -> str:
    """The A1 name of a zero-based cell.

    >>> cell_name(1, 2), cell_name(1, 2, absolute=True)
    ('C2', '$C$2')
    """
    from xlsxwriter.utility import xl_rowcol_to_cell

    return str(xl_rowcol_to_cell(row, column, absolute, absolute))


def sheet_ref(sheet: str) -> str:
    """A sheet name as a reference writes it: quoted, a quote in it doubled."""
    return "'" + sheet.replace("'", "''") + "'"


def printable(sheet: Any, first: int = 0, last: int = 0) -> None:
    """Print ``sheet`` landscape, as wide as one page, rows ``first`` to ``last`` (the
    header) on every page."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(first, last)


def row_height(texts: list[str], widths: tuple[float, ...]) -> float:
    """The height (points) of a row whose wrapped ``texts`` fill columns of ``widths``
    characters: Excel and LibreOffice do not grow a row to text they did not type."""
    lines = max(
        (sum(math.ceil(len(part) * CHARACTER_WIDTH / w) or 1 for part in t.split("\n"))
         for t, w in zip(texts, widths, strict=False)),
        default=1,
    )  # fmt: skip
    return LINE_POINTS * max(1, lines)


def stream_rows(sheet: Any, blocks: Iterable[str], last_row: int, last_col: int) -> None:
    """Append rows to a constant-memory ``sheet`` as ready-made ``<row>`` XML, after the rows
    written through XlsxWriter's API (the header), up to zero-based ``last_row``.

    A registry's data sheet holds millions of cells: one XlsxWriter call each takes 17 s for
    100,000 episodes, while their XML, built by pyarrow a block of rows at a time, takes less
    than a second. The blocks must be ``<row r="N">`` elements as XlsxWriter writes them in
    this mode (text as inline strings), numbered on from the rows written before, and nothing
    may be written to the sheet after them. This leans on how XlsxWriter's constant-memory
    mode keeps a sheet (the row it holds, its file of rows, its used range):
    tests/export/test_workbook.py reads every cell of the result back.
    """
    sheet._write_single_row(sheet.previous_row + 1)  # the rows it holds go to its file first
    for block in blocks:
        sheet.fh.write(block)
    sheet._check_dimensions(last_row, last_col)  # the used range, <dimension ref="A1:...">
    sheet.previous_row = last_row
