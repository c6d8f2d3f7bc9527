"""Workbooks made to exhaust the machine or crash the reader: each is refused with exit 2 and a
message naming the file, before it can inflate; none leaves a traceback.

The hostile files are written part by part here, the sheet XML streamed, so that a test
builds in a moment what the limits stop; where a real-size bomb would be slow to build, the
limit is lowered through the environment instead.
"""

from __future__ import annotations

import struct
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from dahpkg.cli import main

from support.helpers import EPISODES_CSV, read_rows

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET = "worksheets/sheet1.xml"
COMMANDS = ["validate", "privacy"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def sheet_xml(rows: Iterable[bytes], dimension: str | None = None) -> Iterable[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    yield from rows
    yield b"</sheetData></worksheet>"


def cells(row: int, values: list[str]) -> bytes:
    """A row of inline-string cells from column A."""
    found = "".join(
        f'<c r="{column_letters(i)}{row}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values, start=1)
    )
    return f'<row r="{row}">{found}</row>'.encode()


def column_letters(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def workbook(path: Path, sheet: Iterable[bytes], *, strings: Iterable[bytes] = (),
             sheets: list[tuple[str, str]] | None = None, parts: dict[str, bytes] | None = None,
             skip: tuple[str, ...] = ()) -> Path:  # fmt: skip
    """An XLSX file: ``sheets`` (name, part) all pointing at parts the test writes (by default
    one sheet 'episodes' whose XML streams from ``sheet``), and shared strings."""
    sheets = sheets or [("episodes", SHEET)]
    listed = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _) in enumerate(sheets, 1)
    )
    related = (
        "".join(
            f'<Relationship Id="rId{i}" Type="{OFFICE}/worksheet" Target="{part}"/>'
            for i, (_, part) in enumerate(sheets, 1)
        )
        + f'<Relationship Id="rS" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
    )
    fixed = {
        "[Content_Types].xml": f'<Types xmlns="{TYPES}"><Default Extension="rels" ContentType="'
        'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{RELS}"><Relationship Id="r1" '
        f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>{listed}'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{RELS}">{related}</Relationships>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**fixed, **(parts or {})}.items():
            if name not in skip:
                archive.writestr(name, text)
        for name, pieces in (("xl/sharedStrings.xml", [f'<sst xmlns="{MAIN}">'.encode(),
                                                       *strings, b"</sst>"]),
                             (f"xl/{SHEET}", sheet)):  # fmt: skip
            if name in skip:
                continue
            with archive.open(name, "w") as out:
                for piece in pieces:
                    out.write(piece)
    return path


def declare(path: Path, member: str, size: int) -> None:
    """Make the zip's central directory say that ``member`` unzips to ``size`` bytes."""
    data = bytearray(path.read_bytes())
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == member.encode():
            struct.pack_into("<I", data, at + 24, size)
        at += 4
    path.write_bytes(bytes(data))


def episodes(path: Path) -> Path:
    """The shipped episodes as a workbook, written by openpyxl."""
    header, rows = read_rows(EPISODES_CSV)
    book = openpyxl.Workbook()
    book.active.title = "episodes"
    book.active.append(header)
    for row in rows:
        book.active.append([row[c] for c in header])
    book.save(path)
    return path


# --- case 1: a zip bomb is refused before it is inflated ------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("where", ["rows", "shared strings"])
def test_bomb_refused_from_its_declared_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             command: str, where: str) -> None:  # fmt: skip
    monkeypatch.setenv("DAHPKG_MAX_WORKBOOK_BYTES", str(1 << 20))
    row = cells(2, ["x"]) + b" " * 4000
    many = [b"<si><t>" + b"a" * 4000 + b"</t></si>"] * 1000
    path = workbook(tmp_path / "bomb.xlsx", sheet_xml([cells(1, ["patient_id"]), *[row] * 1000]),
                    strings=many if where == "shared strings" else ())  # fmt: skip
    assert path.stat().st_size < 200_000  # inflates 20 times and more
    opened: list[str] = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a[0]))
    code, _, err = run(command, str(path))
    assert code == 2
    assert err.startswith(
        f"Error: {path}: the size of a workbook once unzipped exceeds dahpkg's limit of "
        "1,048,576 bytes (its parts declare "
    )
    assert "raise it with DAHPKG_MAX_WORKBOOK_BYTES=N" in err
    assert opened == []  # refused before any part was inflated


@pytest.mark.parametrize("command", COMMANDS)
def test_sizes_that_lie_are_not_believed(tmp_path: Path, command: str) -> None:
    row = cells(2, ["x"]) + b" " * 4000
    path = workbook(tmp_path / "liar.xlsx", sheet_xml([cells(1, ["patient_id"]), *[row] * 500]))
    declare(path, f"xl/{SHEET}", 10_000)  # 2 MB that claim 10 kB
    code, _, err = run(command, str(path))
    assert code == 2
    assert err.startswith(f"Error: {path} is not a readable Excel workbook: its part ")
    assert "cannot be unzipped (Bad CRC-32" in err  # never inflated past what it declared


def test_bytes_inflated_are_counted_as_they_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Declared sizes under the limit, but one part read for many sheets: counted each time.
    monkeypatch.setenv("DAHPKG_MAX_WORKBOOK_BYTES", str(300_000))
    rows = [cells(1, ["patient_id"]), *[cells(2, ["x"]) + b" " * 1000] * 100]
    sheets = [(f"copy {i}", SHEET) for i in range(4)]  # 4 reads of 104 kB
    path = workbook(tmp_path / "again.xlsx", sheet_xml(rows), sheets=sheets)
    code, _, err = run("privacy", str(path))
    assert code == 2
    assert err.startswith(f"Error: {path}: the size of a workbook once unzipped exceeds")
    assert "(counted as it was unzipped)" in err


# --- case 2: a cell longer than Excel allows ------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_long_inline_cell_refused_where_it_is(tmp_path: Path, command: str) -> None:
    long = cells(2, ["1", "a" * 40_000])
    path = workbook(tmp_path / "cell.xlsx", sheet_xml([cells(1, ["patient_id", "race"]), long]))
    code, _, err = run(command, str(path))
    assert code == 2
    assert err == (
        f"Error: {path}, sheet 'episodes', row 2, cell B2: the length of one cell exceeds "
        "dahpkg's limit of 32,767 characters. If the file is trusted and the machine has the "
        "memory, raise it with DAHPKG_MAX_CELL_CHARS=N\n"
    )


def test_long_shared_string_refused(tmp_path: Path) -> None:
    strings = [b"<si><t>patient_id</t></si>", b"<si><r><t>" + b"b" * 20_000 + b"</t></r><r><t>"
               + b"b" * 20_000 + b"</t></r></si>"]  # fmt: skip
    rows = [b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
            b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>']  # fmt: skip
    path = workbook(tmp_path / "shared.xlsx", sheet_xml(rows), strings=strings)
    code, _, err = run("validate", str(path))
    assert code == 2
    assert err.startswith(f"Error: {path}, shared string 2: the length of one cell exceeds")


# --- case 3: no <dimension>, a wrong one, sparse cells far apart -----------------------------


def test_dimension_that_understates_the_rows_is_ignored(tmp_path: Path) -> None:
    path = episodes(tmp_path / "short.xlsx")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    part = "xl/worksheets/sheet1.xml"
    assert b'<dimension ref="A1:AE13"/>' in parts[part]
    parts[part] = parts[part].replace(b'<dimension ref="A1:AE13"/>', b'<dimension ref="A1:B3"/>')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    code, out, _ = run("validate", str(path))
    assert code == 0, out
    assert "12 episodes of 10 patients checked" in out  # all 13 rows, not the 3 declared


def test_rows_reaching_far_right_without_dimension_are_read_in_linear_time(tmp_path: Path) -> None:
    # Row r holds one cell in column r: padding each row to the widest made this quadratic.
    rows = [cells(1, ["patient_id"])]
    rows += [f'<row r="{r}"><c r="{column_letters(r)}{r}"><v>{r}</v></c></row>'.encode()
             for r in range(2, 4001)]  # fmt: skip
    path = workbook(tmp_path / "stairs.xlsx", sheet_xml(rows))
    started = time.perf_counter()
    code, out, _ = run("validate", str(path), "--format", "json")
    assert code == 1 and '"schema-no-unknown-fields"' in out
    assert time.perf_counter() - started < 10  # was 16 s for 8,000 rows, quadratic


@pytest.mark.parametrize("command", COMMANDS)
def test_sheet_whose_table_exceeds_the_cells_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("DAHPKG_MAX_CELLS", "1000000")
    rows = [cells(1, ["patient_id"]), b'<row r="2000"><c r="XFD2000"><v>1</v></c></row>']
    path = workbook(tmp_path / "far.xlsx", sheet_xml(rows))
    code, _, err = run(command, str(path))
    assert code == 2
    assert err.startswith(
        f"Error: {path}, sheet 'episodes': the number of cells of a table exceeds dahpkg's limit "
        "of 1,000,000 cells (2,000 rows of 16,384 columns, 32,768,000 cells)."
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (b'<row r="99999999999"><c><v>1</v></c></row>',
         "the number of cells of a table exceeds dahpkg's limit of 100,000,000 cells (a row "
         "numbered 99,999,999,999)"),
        (b'<row r="2"><c r="XFE2"><v>1</v></c></row>',
         "the number of columns of a table exceeds dahpkg's limit of 16,384 columns"),
        (b"<row/>" * 200_000 + b'<row><c r="A200002"><v>1</v></c></row>', None),
    ],
    ids=["row-number", "column", "empty-rows"],
)  # fmt: skip
def test_far_rows_and_columns_cost_nothing_until_refused(tmp_path: Path, row: bytes,
                                                         message: str | None) -> None:  # fmt: skip
    path = workbook(tmp_path / "far.xlsx", sheet_xml([cells(1, ["patient_id"]), row]))
    started = time.perf_counter()
    code, out, err = run("validate", str(path))
    assert time.perf_counter() - started < 5
    if message is None:
        assert code == 1 and "schema-blank-row" in out  # 200,000 blank rows, reported
    else:
        assert code == 2
        assert err.startswith(f"Error: {path}, sheet 'episodes': {message}")


# --- case 4: damaged workbooks ------------------------------------------------------------


BROKEN = {
    "malformed-xml": ({"sheet": [b"<worksheet><sheetData><row><c>"]},
                      "its part xl/worksheets/sheet1.xml is not well-formed XML (no element "
                      "found: line 1, column 30)"),
    "missing-sheet": ({"skip": (f"xl/{SHEET}",)},
                      "its sheet 'episodes' has no part xl/worksheets/sheet1.xml"),
    "missing-workbook": ({"skip": ("xl/workbook.xml",)}, "it lacks its part xl/workbook.xml"),
    "entities": ({"sheet": [b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
                            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet>&b;'
                            b"</worksheet>"]},
                 "its part xl/worksheets/sheet1.xml declares a DTD"),
    "deep": ({"sheet": [f'<worksheet xmlns="{MAIN}">'.encode(), b"<a>" * 100_000]},
             "its part xl/worksheets/sheet1.xml is nested too deep"),
    "bad-reference": ({"sheet": list(sheet_xml([b'<row r="1"><c r="1A"><v>1</v></c></row>']))},
                      "a cell is named '1A'"),
    "no-such-string": ({"sheet": list(sheet_xml([b'<row><c r="A1" t="s"><v>7</v></c></row>']))},
                       "a cell names a shared string the workbook lacks"),
}  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_damaged_workbook_is_an_input_error(tmp_path: Path, command: str, case: str) -> None:
    given, message = BROKEN[case]
    path = workbook(tmp_path / "broken.xlsx", given.get("sheet", sheet_xml([])),
                    skip=given.get("skip", ()))  # fmt: skip
    code, _, err = run(command, str(path))
    assert code == 2, err
    assert err.startswith(f"Error: {path}") and message in err
    assert "Excel or LibreOffice and save it again as .xlsx" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"patient_id,episode\n1,1\n", "is not a readable Excel workbook: it is not a zip "
                                       "archive (File is not a zip file)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "is not an .xlsx workbook (it is an "
                                                          "old .xls file, or one protected by a "
                                                          "password)"),
        (b"PK\x03\x04" + bytes(100), "it is not a zip archive"),
    ],
    ids=["csv", "ole", "truncated-zip"],
)  # fmt: skip
@pytest.mark.parametrize("command", COMMANDS)
def test_file_that_is_not_a_zip(tmp_path: Path, content: bytes, message: str,
                                command: str) -> None:  # fmt: skip
    path = tmp_path / "not.xlsx"
    path.write_bytes(content)
    code, _, err = run(command, str(path))
    assert code == 2
    assert err.startswith(f"Error: {path} {message}") or err.startswith(f"Error: {path} is not")
    assert message in err


def test_empty_columns_up_to_a_far_one_share_their_cells(tmp_path: Path) -> None:
    from dahpkg.package import open_package

    header = cells(1, ["patient_id"]).replace(b"</row>", b'<c r="XFD1"><v>7</v></c></row>')
    rows = [
        header,
        *(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'.encode() for r in range(2, 500)),
    ]
    [found] = open_package(workbook(tmp_path / "far.xlsx", sheet_xml(rows))).cells()
    assert len(found.labels) == 16_384 and len(found.rows) == 498
    empty = found.columns["(unnamed column 2)"]
    assert all(found.columns[f"(unnamed column {n})"] is empty for n in range(2, 16_384))
    assert found.columns["7"] is empty and found.columns["patient_id"].iloc[0] == "2"
