"""A wide table as a Word document a journal takes: A4 landscape, columns fitted to their words.

Word and LibreOffice break a word across lines when its column is narrower than the word, so
every column is made at least as wide as its longest word (measured in Arial, `fonts`) at the
largest font size where all of them fit across the page; the width left over goes to the
columns whose lines are longest. The header row repeats on every page and no row splits across
a page break. The document is the same bytes for the same table.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dahpkg.errors import InputError
from dahpkg.letter.fonts import FONT, width

TWIPS_PER_POINT = 20
# A4 landscape with 2 cm margins, in twips (1/20 pt): the page most journals ask for.
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 16838, 11906, 1134
USABLE_WIDTH = PAGE_WIDTH - 2 * MARGIN
# Font sizes tried, largest first; below 6 pt a printed table is no longer legible.
SIZES = (9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0)
CELL_MARGIN = 57  # twips left and right of the text in a cell (1 mm)
CELL_PADDING = 20  # twips above and below it (1 pt), so that one-line rows are not cramped
# Room a word needs beyond its measured advance: the cell margins, the 0.5 pt border, and 3 %
# for hinting and rounding in the reader's layout, so that a word that fits here fits there.
RULE = 10
SAFETY = 1.03
# A zip entry's date is part of its bytes; 1980-01-01, the earliest a zip can hold, stands for
# "no date" so that the same table gives the same file.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# Characters that XML 1.0, and so a Word document, cannot hold (control characters but tab,
# line feed and carriage return; lone surrogates; U+FFFE and U+FFFF).
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Layout:
    """How a table is set: its font size in points and column widths in twips."""

    points: float
    widths: tuple[int, ...]
    whole_words: bool  # False when even the smallest size cannot keep every word on one line


def fit_columns(
    header: Sequence[str], rows: Sequence[Sequence[str]], total: int = USABLE_WIDTH
) -> Layout:
    """Column widths that keep every word of ``header`` (bold) and ``rows`` whole, summing to
    ``total`` twips, at the largest of `SIZES` where they fit.

    >>> layout = fit_columns(["ID", "Diagnosis"], [["1", "SLE"], ["2", "GPA"]], 2000)
    >>> layout.points, layout.widths, layout.whole_words
    (9.0, (469, 1531), True)
    """
    # Each distinct text is measured once, at 1 pt: widths scale with the size.
    columns = [set(column) for column in zip(*rows, strict=True)] or [set() for _ in header]
    titles = [[title] for title in header]
    word = [_longest(t, c, split=True) for t, c in zip(titles, columns, strict=True)]
    cell_line = [_longest([], c, split=False) for c in columns]
    title_line = [_longest(t, set(), split=False) for t in titles]
    for points in SIZES:
        least = [_twips(w, points) for w in word]
        if sum(least) <= total:
            # Space goes first to the cells' lines, each line of which adds to every row's
            # height, then to the header's, which wraps only in the one row.
            stages = [[_twips(w, points) for w in line] for line in (cell_line, title_line)]
            return Layout(points, _share(least, stages, total), True)
    # Too many or too long words for the page even at the smallest size: widths in proportion
    # to the words, so that the reader's software breaks them evenly.
    least = [_twips(w, SIZES[-1]) for w in word]
    return Layout(SIZES[-1], _share([0] * len(least), [least], total), False)


def _longest(titles: Sequence[str], cells: set[str], *, split: bool) -> float:
    """The widest header word (bold) or cell word, in points at 1 pt; whole texts unless split."""
    heads = [w for t in titles for w in (t.split() if split else [t])]
    words = {w for c in cells for w in (c.split() if split else [c])}
    return max([width(w, 1, bold=True) for w in heads] + [width(w, 1) for w in words] + [0.0])


def _twips(points_at_one: float, points: float) -> int:
    return math.ceil(points_at_one * points * TWIPS_PER_POINT * SAFETY) + 2 * CELL_MARGIN + RULE


def _share(least: list[int], stages: list[list[int]], total: int) -> tuple[int, ...]:
    """``least`` widened towards each stage's wanted widths in turn, in proportion to what each
    column lacks; what is left once every column has all it wants is spread in proportion to
    the widths."""
    widths = list(least)
    for wanted in stages:
        spare = total - sum(widths)
        lacking = [max(w - have, 0) for have, w in zip(widths, wanted, strict=True)]
        share = min(spare, sum(lacking))
        need = max(sum(lacking), 1)
        widths = [have + share * lack // need for have, lack in zip(widths, lacking, strict=True)]
        if share < sum(lacking):
            break
    else:
        rest = total - sum(widths)
        widths = [have + rest * have // max(sum(widths), 1) for have in widths]
    # Whatever rounding left over goes to the widest column, so that the sum is exact.
    widest = widths.index(max(widths))
    widths[widest] += total - sum(widths)
    return tuple(widths)


def table_document(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    caption: str,
    note: str,
    continues: Sequence[bool] = (),
) -> bytes:
    """A Word document: ``caption`` in bold, the table, then ``note`` (its abbreviations).

    A row marked True in ``continues`` (a relapse under its patient's first episode) is kept on
    the same page as the row before it, so that no page starts with a row that has no patient.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Pt, Twips

    _refuse_what_xml_cannot_hold(header, rows, caption, note)
    layout = fit_columns(header, rows)
    document = Document()
    _page(document.sections[0], WD_ORIENT.LANDSCAPE, Twips)
    _fonts(document, layout.points, Pt)
    title = document.add_paragraph()
    title.paragraph_format.keep_with_next = True
    title.paragraph_format.space_after = Pt(layout.points / 2)
    title.add_run(caption).bold = True

    table = document.add_table(rows=0, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # fixed layout: the reader keeps the widths instead of refitting
    _table_properties(table, sum(layout.widths))
    for column, twips in zip(table.columns, layout.widths, strict=True):
        column.width = Twips(twips)
    # Table row k is followed by data row k: it keeps with it when that row continues it.
    keep = [*continues[: len(rows)], *[False] * (len(rows) + 1 - len(continues))]
    keep[0] = True  # the header with the first row
    table._tbl.extend(_rows_xml(layout.widths, [header, *rows], keep))

    footnote = document.add_paragraph()
    footnote.paragraph_format.space_before = Pt(layout.points / 2)
    footnote.add_run(note)
    _describe(document.core_properties, caption)
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable(buffer.getvalue())


def _refuse_what_xml_cannot_hold(
    header: Sequence[str], rows: Sequence[Sequence[str]], caption: str, note: str
) -> None:
    """An `InputError` naming the first text that holds a character Word cannot store."""
    if not NOT_IN_XML.search("\n".join([caption, note, *header, *map("".join, rows)])):
        return
    # Only now, with something to report, is each text labelled with where it is.
    labelled = [("the caption", caption), ("the abbreviations", note)]
    labelled += [(f"the header of column {title!r}", title) for title in header]
    labelled += [
        (f"row {number}, column {title!r}", text)
        for number, row in enumerate(rows, 1)
        for title, text in zip(header, row, strict=True)
    ]
    where, found = next((w, m) for w, text in labelled if (m := NOT_IN_XML.search(text)))
    raise InputError(
        f"Table I cannot be written to Word: {where} holds the control character "
        f"U+{ord(found[0]):04X}, which a Word document cannot store; remove it from the package "
        "and render the table again"
    )


def _page(section: Any, landscape: Any, twips: Any) -> None:
    section.orientation = landscape
    section.page_width, section.page_height = twips(PAGE_WIDTH), twips(PAGE_HEIGHT)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, twips(MARGIN))


def _fonts(document: Any, points: float, pt: Any) -> None:
    """Arial at the table's size for every paragraph, single-spaced with no space after."""
    from docx.oxml.ns import qn

    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = pt(points)
    # The template names theme fonts for East Asian and complex scripts; name Arial for all.
    fonts = normal.element.rPr.rFonts
    for script in ("w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)
    normal.paragraph_format.space_after = pt(0)
    normal.paragraph_format.line_spacing = 1.0


def _table_properties(table: Any, total: int) -> None:
    """The table's width in twips (not "auto") and narrow cell margins."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = table._tbl.tblPr
    table_width = properties.find(qn("w:tblW"))
    table_width.set(qn("w:type"), "dxa")
    table_width.set(qn("w:w"), str(total))
    margins = OxmlElement("w:tblCellMar")
    # In the schema's order: top, left, bottom, right.
    sides = {"top": CELL_PADDING, "left": CELL_MARGIN, "bottom": CELL_PADDING}
    for side, twips in [*sides.items(), ("right", CELL_MARGIN)]:
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _rows_xml(widths: Sequence[int], rows: Sequence[Sequence[str]], keep: list[bool]) -> Any:
    """The table's rows as WordprocessingML, the first one the header: written as text and
    parsed once, which is some fifty times faster than python-docx's objects cell by cell.

    No row splits across pages (``cantSplit``), the header repeats on each page (``tblHeader``)
    and is bold; every cell is centred; a row whose ``keep`` is True stays on the page of the
    next one (Word keeps table rows together through their paragraphs' "keep with next").
    """
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    cells = [
        f'<w:tc><w:tcPr><w:tcW w:w="{twips}" w:type="dxa"/><w:vAlign w:val="center"/>'
        '</w:tcPr><w:p><w:pPr>{keep}<w:jc w:val="center"/></w:pPr><w:r>{bold}'
        '<w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:tc>'
        for twips in widths
    ]
    xml = []
    for number, (texts, kept) in enumerate(zip(rows, keep, strict=True)):
        heading = number == 0
        xml.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" * heading) + "</w:trPr>")
        parts = {"keep": "<w:keepNext/>" * kept, "bold": "<w:rPr><w:b/></w:rPr>" * heading}
        xml += [c.format(text=escape(t), **parts) for c, t in zip(cells, texts, strict=True)]
        xml.append("</w:tr>")
    return parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(xml)}</w:tbl>")


def _describe(properties: Any, caption: str) -> None:
    """The document's title; the template's author, comment and 2013 dates are not ours."""
    from docx.oxml.ns import qn

    properties.title = caption
    properties.author = "dahpkg"
    properties.comments = ""
    for name in ("dcterms:created", "dcterms:modified", "cp:lastPrinted"):
        for element in properties._element.findall(qn(name)):
            properties._element.remove(element)


def _stable(data: bytes) -> bytes:
    """The same zip, entries in the same order, with a fixed date and permissions."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry))
    return buffer.getvalue()
