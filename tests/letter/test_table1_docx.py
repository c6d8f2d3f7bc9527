"""Table I in Word as a journal takes it: the XML everywhere, and the page LibreOffice renders
when `soffice` (LibreOffice) and `pdftotext` (poppler) are installed."""

from __future__ import annotations

import csv
import io
import re
import shutil
import struct
import subprocess
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from dahpkg.cli import main
from dahpkg.letter import fonts
from dahpkg.letter.layout import PRINTED_COLUMNS
from dahpkg.letter.table1 import footnote, render
from dahpkg.letter.word import CELL_MARGIN, fit_columns

from support.helpers import Edit, Rows

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
LIBERATION = [Path("/usr/share/fonts/truetype") / f for f in ("liberation2", "liberation")]
# The widths are Arial's; LibreOffice draws Arial with Liberation Sans, the same metrics. With
# another fallback font the rendering would measure that font, not the layout.
needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None
    or shutil.which("pdftotext") is None
    or not any((f / "LiberationSans-Regular.ttf").is_file() for f in LIBERATION),
    reason="rendering Table I needs LibreOffice (soffice), poppler (pdftotext) and Liberation "
    "Sans (fonts-liberation2), which LibreOffice draws Arial with",
)


def write_docx(target: Path, package: Path | None = None) -> Path:
    args = [str(package)] if package is not None else []
    result = CliRunner().invoke(
        main, ["table1", *args, "--format", "docx", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    return target


def part(path: Path, name: str) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(path).read(name))


def letter_rows() -> list[list[str]]:
    """Table I's header and rows, as `dahpkg table1 --format tsv` renders them."""
    text = render(fmt="tsv").content
    assert isinstance(text, str)
    return list(csv.reader(io.StringIO(text), delimiter="\t"))


def cell_texts(docx: Path) -> list[list[str]]:
    """The text of every cell of the document's table, row by row."""
    rows = part(docx, "word/document.xml").findall(".//w:tr", NS)
    return [["".join(cell.itertext()) for cell in row.findall("w:tc", NS)] for row in rows]


def twips(element: etree._Element, attribute: str) -> int:
    return int(element.get(W + attribute))


@pytest.fixture(scope="module")
def table1_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_docx(tmp_path_factory.mktemp("docx") / "table1.docx")


# --- The XML: runs everywhere --------------------------------------------------------------


def test_landscape_page_and_columns_that_fill_its_width(table1_docx: Path) -> None:
    body = part(table1_docx, "word/document.xml")
    [size] = body.findall(".//w:sectPr/w:pgSz", NS)
    [margins] = body.findall(".//w:sectPr/w:pgMar", NS)
    assert size.get(W + "orient") == "landscape"
    assert twips(size, "w") > twips(size, "h")
    usable = twips(size, "w") - twips(margins, "left") - twips(margins, "right")
    widths = [twips(c, "w") for c in body.findall(".//w:tblGrid/w:gridCol", NS)]
    assert len(widths) == len(PRINTED_COLUMNS) == 20
    assert sum(widths) == usable
    assert len(set(widths)) > 10  # fitted to their content, not twenty equal columns
    [layout] = body.findall(".//w:tblPr/w:tblLayout", NS)
    assert layout.get(W + "type") == "fixed"  # the reader keeps the widths
    for row in body.findall(".//w:tr", NS):
        cells = [twips(c, "w") for c in row.findall("w:tc/w:tcPr/w:tcW", NS)]
        assert cells == widths


def test_header_repeats_and_no_row_splits(table1_docx: Path) -> None:
    rows = part(table1_docx, "word/document.xml").findall(".//w:tr", NS)
    assert len(rows) == 1 + 12
    headers = [row.find("w:trPr/w:tblHeader", NS) is not None for row in rows]
    assert headers == [True] + [False] * 12
    assert all(row.find("w:trPr/w:cantSplit", NS) is not None for row in rows)
    # The header keeps with the first row, and patients 7 and 9 with their relapses (rows 8, 11).
    kept = [row.findall(".//w:p/w:pPr/w:keepNext", NS) for row in rows]
    assert [number for number, keep in enumerate(kept) if keep] == [0, 7, 10]
    assert {len(keep) for keep in kept} == {0, len(PRINTED_COLUMNS)}


def test_font_size_and_every_word_fits_its_column(table1_docx: Path) -> None:
    styles = part(table1_docx, "word/styles.xml")
    [normal] = styles.xpath("//w:style[@w:styleId='Normal']", namespaces=NS)
    points = int(normal.find("w:rPr/w:sz", NS).get(W + "val")) / 2
    assert points == 8  # the largest half-point size at which Table I's words fit the page
    assert normal.find("w:rPr/w:rFonts", NS).get(W + "ascii") == fonts.FONT
    body = part(table1_docx, "word/document.xml")
    widths = [twips(c, "w") for c in body.findall(".//w:tblGrid/w:gridCol", NS)]
    texts = cell_texts(table1_docx)
    assert texts == letter_rows()
    for number, row in enumerate(texts):
        for text, room in zip(row, widths, strict=True):
            for word in text.split():
                needed = fonts.width(word, points, bold=number == 0) * 20 + 2 * CELL_MARGIN
                assert needed <= room, (word, needed, room)


def test_abbreviations_under_the_table(table1_docx: Path) -> None:
    body = part(table1_docx, "word/document.xml").find("w:body", NS)
    after = body[list(body).index(body.find("w:tbl", NS)) + 1]
    assert "".join(after.itertext()) == footnote()
    assert "RPGN, rapidly progressive glomerulonephritis" in footnote()


def test_the_same_bytes_each_time(table1_docx: Path, tmp_path: Path) -> None:
    again = write_docx(tmp_path / "again.docx")
    assert again.read_bytes() == table1_docx.read_bytes()
    assert {i.date_time for i in zipfile.ZipFile(again).infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = zipfile.ZipFile(again).read("docProps/core.xml").decode("utf-8")
    assert "2013" not in core and "python-docx" not in core and "Table I." in core


def test_a_longer_word_takes_a_smaller_size_and_still_fits() -> None:
    rows = letter_rows()
    body = [list(row) for row in rows[1:]]
    wide = fit_columns(rows[0], body)
    body[0][2] = "White-European-Portuguese"  # Race
    narrower = fit_columns(rows[0], body)
    assert narrower.whole_words and narrower.points < wide.points
    assert sum(narrower.widths) == sum(wide.widths)
    body[0][2] = "W" * 400  # no page is wide enough: widths still fill it, smallest size
    impossible = fit_columns(rows[0], body)
    assert not impossible.whole_words and impossible.points == 6.0
    assert sum(impossible.widths) == sum(wide.widths)


def _unpack(data: bytes, at: int, fmt: str) -> tuple[int, ...]:
    return struct.unpack_from(">" + fmt, data, at)


def _advances(font: Path, text: str) -> list[int]:
    """Advance widths of ``text`` read from a TrueType file (cmap format 4, then hmtx)."""
    data = font.read_bytes()
    [count] = _unpack(data, 4, "H")
    tables = {}
    for at in range(12, 12 + 16 * count, 16):
        tables[data[at : at + 4].decode()] = _unpack(data, at + 8, "I")[0]
    [metrics] = _unpack(data, tables["hhea"] + 34, "H")
    cmap = tables["cmap"]
    [subtables] = _unpack(data, cmap + 2, "H")
    offsets = {}
    for at in range(cmap + 4, cmap + 4 + 8 * subtables, 8):
        platform, encoding, offset = _unpack(data, at, "HHI")
        offsets[platform, encoding] = offset
    at = cmap + offsets[3, 1]  # Windows, Unicode BMP
    n = _unpack(data, at + 6, "H")[0] // 2
    ends = _unpack(data, at + 14, f"{n}H")
    starts = _unpack(data, at + 16 + 2 * n, f"{n}H")
    deltas = _unpack(data, at + 16 + 4 * n, f"{n}H")
    ranges_at = at + 16 + 6 * n
    ranges = _unpack(data, ranges_at, f"{n}H")
    result = []
    for code in map(ord, text):
        k = next(k for k in range(n) if starts[k] <= code <= ends[k])
        glyph = code
        if ranges[k]:
            glyph = _unpack(data, ranges_at + 2 * k + ranges[k] + 2 * (code - starts[k]), "H")[0]
        glyph = (glyph + deltas[k]) & 0xFFFF
        result.append(_unpack(data, tables["hmtx"] + 4 * min(glyph, metrics - 1), "H")[0])
    return result


@pytest.mark.parametrize(("style", "bold"), [("Regular", False), ("Bold", True)])
def test_the_kept_widths_are_liberation_sans(style: str, bold: bool) -> None:
    found = [f / f"LiberationSans-{style}.ttf" for f in LIBERATION]
    found = [path for path in found if path.is_file()]
    if not found:
        pytest.skip("Liberation Sans is not installed (fonts-liberation2)")
    ascii_text = "".join(map(chr, range(0x20, 0x7F)))
    kept = [fonts.ADVANCES[bold][ch] for ch in ascii_text]
    assert kept == _advances(found[0], ascii_text)


# --- The page LibreOffice renders ------------------------------------------------------------


def to_pdf_text(docx: Path) -> list[str]:
    """The text of each page of ``docx`` rendered to PDF by LibreOffice, laid out as printed."""
    profile = docx.parent / "lo-profile"  # its own profile: other soffice runs may be going on
    convert = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless"]
    convert += ["--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)]
    subprocess.run(convert, check=True, capture_output=True, timeout=240)
    extract = ["pdftotext", "-layout", str(docx.with_suffix(".pdf")), "-"]
    text = subprocess.run(extract, check=True, capture_output=True, timeout=60).stdout
    text = text.decode("utf-8")
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def broken_words(rows: list[list[str]], pages: list[str]) -> list[str]:
    """Words of the table that are not whole in the rendered text as often as in its cells
    (a word broken across lines, "Whit" then "e", is not found whole)."""
    wanted = Counter(word for row in rows for text in row for word in text.split())
    found = Counter(word for page in pages for word in page.split())
    return sorted(word for word, count in wanted.items() if found[word] < count)


@needs_libreoffice
def test_libreoffice_prints_table_one_on_one_page_with_no_word_broken(tmp_path: Path) -> None:
    docx = write_docx(tmp_path / "table1.docx")
    pages = to_pdf_text(docx)
    assert len(pages) == 1  # twelve rows at 8 pt take about half an A4 landscape page
    assert broken_words(cell_texts(docx), pages) == []


def more_patients(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
    """Table I's patients five times over, under new patient numbers: a table of five pages."""
    copies = [
        {**row, "patient_id": str(int(row["patient_id"]) + 10 * copy)}
        for copy in range(5)
        for row in rows
    ]
    return header, copies


@needs_libreoffice
def test_libreoffice_repeats_the_header_on_every_page(
    broken: Callable[[Edit], Path], tmp_path: Path
) -> None:
    docx = write_docx(tmp_path / "long.docx", broken(more_patients))
    pages = to_pdf_text(docx)
    assert len(pages) >= 2
    # "Haemoglobin" is only in the header row: once at the top of each page.
    found = [re.findall(r"\bHaemoglobin\b", page) for page in pages]
    assert found == [["Haemoglobin"]] * len(pages)
    assert broken_words(cell_texts(docx)[1:], pages) == []
    # No page starts with a relapse row, whose patient number and sex are blank: the first row
    # under the header (its line with the yes/no symbols) is a patient's first episode.
    for page in pages:
        first = next(line for line in page.splitlines() if re.search(r" (✓|X) ", line))
        assert re.match(r" {0,3}\d+ +[FM] ", first), first


def test_render_api_gives_the_same_document(table1_docx: Path) -> None:
    assert render(fmt="docx").content == table1_docx.read_bytes()


def test_a_control_character_is_refused_in_words_not_a_traceback(
    package: Path, tmp_path: Path
) -> None:
    # A hostile package whose race category, and its eight patients, hold U+0001.
    schema = package / "schema" / "episodes.schema.json"
    schema.write_text(schema.read_text("utf-8").replace('"White"', '"Wh\\u0001ite"'), "utf-8")
    table = package / "data" / "episodes.csv"
    table.write_text(table.read_text("utf-8").replace("White", "Wh\x01ite"), "utf-8")
    target = tmp_path / "hostile.docx"
    result = CliRunner().invoke(
        main, ["table1", str(package), "--format", "docx", "--output", str(target)]
    )
    assert result.exit_code == 2
    assert "row 1, column 'Race' holds the control character U+0001" in result.stderr
    assert "Traceback" not in result.output and not target.exists()
