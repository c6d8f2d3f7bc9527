"""episodes.xlsx: what a reader's software finds in it (read through openpyxl and through
dahpkg's own reader), on the shipped package, on a copy given awkward text and on a synthetic
registry; and how LibreOffice prints it when soffice is installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.export import look
from dahpkg.export.formats import workbook
from dahpkg.export.formats.codebook import variable_rows
from dahpkg.package import open_package, shipped_schema

from support.helpers import ACCEPT, REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import registry


def _export(target: Path, *package: str) -> Path:
    result = CliRunner().invoke(main, ["export", "xlsx", *package, "--output", str(target),
                                       *ACCEPT])  # fmt: skip
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(tmp_path_factory.mktemp("xlsx") / "episodes.xlsx")


def _widths(sheet: Any) -> dict[int, float]:
    """Each column's width by its number (openpyxl keeps a run of equal columns as one)."""
    return {n: d.width for d in sheet.column_dimensions.values()
            for n in range(d.min, d.max + 1)}  # fmt: skip


def test_two_exports_are_the_same_bytes(exported: Path, tmp_path: Path) -> None:
    again = _export(tmp_path / "again.xlsx")
    assert again.read_bytes() == exported.read_bytes()
    core = zipfile.ZipFile(exported).read("docProps/core.xml").decode()
    assert "<dc:creator>dahpkg</dc:creator>" in core
    assert core.count("2026-11-25T00:00:00Z") == 2  # created and modified: the package's date


def test_each_sheet_prints_landscape_one_page_wide_its_header_on_every_page(
    exported: Path,
) -> None:
    from openpyxl import load_workbook

    book = load_workbook(exported)
    assert book.sheetnames == ["data", "codebook", "rules"]
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(c.font.b for c in sheet[1]), sheet.title


def test_long_codebook_text_wraps_in_a_bounded_column_and_its_row_grows(exported: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(exported)["codebook"]
    widths = _widths(sheet)
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value]
    longest = max(cells, key=lambda c: len(c.value))
    expected = max(len(c) for row in variable_rows(shipped_schema()) for c in row)
    assert len(longest.value) == expected > 300  # 594 characters when this test was written
    width = widths[longest.column]
    assert width <= workbook.TEXT_WIDTH["most"] + 1 < len(longest.value)
    assert all(c.alignment.wrap_text for c in cells)
    lines = len(longest.value) / width
    assert sheet.row_dimensions[longest.row].height >= look.LINE_POINTS * lines
    # A short column is as wide as its text, not as the widest.
    assert widths[3] < 15  # type


def test_data_columns_are_as_wide_as_their_header_or_values(exported: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(exported)["data"]
    widths = _widths(sheet)
    for column in sheet.iter_cols(min_row=1):
        longest = max(len(str(c.value)) for c in column if c.value is not None)
        fitted = look.fitted(longest, **workbook.DATA_WIDTH)
        assert fitted <= widths[column[0].column] <= fitted + 2, column[0].value


def test_awkward_text_reads_back_as_written_and_never_as_a_formula(
    package: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    schema_path = package / "schema" / "episodes.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"].append({"name": "note", "type": "string", "title": "Note",
                             "description": "Free text from a partner centre."})  # fmt: skip
    schema_path.write_text(json.dumps(schema))
    notes = ['=HYPERLINK("x")', "-2", "  indented ", "a < b & c > d", "_x0041_ as typed",
             "first line\nsecond line", "long " * 30]  # fmt: skip
    csv_path = package / "data" / "episodes.csv"
    lines = csv_path.read_text().splitlines()
    quoted = ['"' + n.replace('"', '""') + '"' for n in notes]
    lines = [lines[0] + ",note"] + [
        line + "," + (quoted[i] if i < len(quoted) else "") for i, line in enumerate(lines[1:])
    ]
    csv_path.write_text("\n".join(lines) + "\n")
    assert dahpkg.validate(package).valid

    exported = _export(tmp_path / "e.xlsx", str(package))
    shown = ["'" + notes[0], "'" + notes[1], *notes[2:]]
    # Text that looks like Excel's escape of a character is itself escaped, as XlsxWriter does,
    # so that Excel and LibreOffice show "_x0041_ as typed" rather than "A as typed"; openpyxl
    # and dahpkg's own reader (which reads as openpyxl does) show the escape as stored.
    stored = [*shown[:4], "_x005F_x0041_ as typed", *shown[5:]]
    cells = open_package(exported).cells()[0].columns["note"]
    assert list(cells[: len(notes) + 1]) == [*stored, ""]
    sheet = load_workbook(exported)["data"]
    column = [c for c in next(sheet.iter_cols(min_col=32, max_col=32))]
    assert [c.value for c in column[1 : len(notes) + 1]] == stored
    assert column[len(notes) + 1].value is None  # a missing value: an empty cell
    assert not [c for s in load_workbook(exported).worksheets for r in s.iter_rows() for c in r
                if c.data_type == "f"]  # fmt: skip
    # The long note wraps in a column of bounded width, its row as high as its lines.
    width = _widths(sheet)[32]
    assert width <= workbook.DATA_WIDTH["most"] + 1 and column[7].alignment.wrap_text
    assert sheet.row_dimensions[8].height >= look.LINE_POINTS * len(notes[6]) / width


def test_a_registry_in_several_blocks_reads_back_cell_for_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    frame = registry.generate(2500)
    package = registry.write_package(registry.as_text(frame), tmp_path / "registry")
    monkeypatch.setattr(workbook, "BLOCK_ROWS", 1000)  # three blocks, the last one short
    exported = _export(tmp_path / "registry.xlsx", str(package))
    rows = list(load_workbook(exported, read_only=True)["data"].values)
    assert rows[0] == tuple(frame.columns) and len(rows) == 2501
    expected = frame.astype(object).where(frame.notna(), None)
    for name in frame.columns[frame.dtypes.eq(object) | frame.dtypes.eq(bool)]:
        expected[name] = expected[name].replace({True: "Yes", False: "No"})
    assert [tuple(r) for r in expected.itertuples(index=False)] == rows[1:]
    report = dahpkg.validate(exported)
    assert report.valid and report.episodes == 2500
    sheet = zipfile.ZipFile(exported).read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:AE2501"/>' in sheet
    assert re.findall(r'<row r="(\d+)"', sheet) == [str(n) for n in range(1, 2502)]


def test_a_release_longer_than_a_worksheet_is_refused_and_says_what_to_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(look, "MAX_ROWS", 12)  # the shipped 12 episodes and their header: 13
    target = tmp_path / "e.xlsx"
    result = CliRunner().invoke(main, ["export", "xlsx", "--output", str(target), *ACCEPT])
    assert result.exit_code == 1
    assert "holds at most 11 episodes" in result.output and "CSV, Parquet" in result.output
    assert "Traceback" not in result.output and not target.exists()


READERS = ("soffice", "pdftotext", "pdfinfo")


@pytest.mark.skipif(
    not all(shutil.which(r) for r in READERS),
    reason="LibreOffice (soffice) or poppler (pdftotext, pdfinfo) not installed",
)
def test_libreoffice_prints_landscape_pages_with_the_header_and_the_whole_codebook_text(
    exported: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "episodes.xlsx"
    shutil.copy(exported, copy)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(copy)], check=True, capture_output=True, timeout=180)  # fmt: skip
    pdf = tmp_path / "episodes.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout)
    assert size is not None and float(size[1]) > float(size[2])  # landscape
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout)[1])  # type: ignore[index]
    texts = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                            check=True, capture_output=True, text=True).stdout
             for n in range(1, pages + 1)]  # fmt: skip
    firsts = [next(line.split()[0] for line in t.splitlines() if line.strip()) for t in texts]
    # Every page starts with its sheet's header: data, codebook, then rules over two pages.
    assert firsts[0] == "patient_id" and "variable" in firsts
    assert firsts.count("rule") >= 2, firsts
    # The longest codebook text is printed whole (wrapped), not cut at its column's edge.
    longest = max((c for row in variable_rows(shipped_schema()) for c in row), key=len)
    printed = " ".join(" ".join(texts).split())
    assert all(word in printed for word in longest.split()[-4:])
