"""The encodings and delimiters a spreadsheet saves "CSV" in (issue 14, item 4).

Each file is the shipped episode table, written by the test as a spreadsheet would save it.
"""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.errors import InputError
from dahpkg.package import open_package

from support.helpers import EPISODES_CSV, REPO

TEXT = EPISODES_CSV.read_text(encoding="utf-8")
# The shipped table in Portuguese, as a centre would type it: "Não" is where cp1252 and
# UTF-8 differ.
PORTUGUESE = TEXT.replace(",false,", ",Não,").replace(",true,", ",Sim,")


def saved(text: str, delimiter: str, encoding: str, bom: bytes = b"") -> bytes:
    lines = [line.replace(",", delimiter) for line in text.splitlines()]
    return bom + "\r\n".join([*lines, ""]).encode(encoding)


SPREADSHEET_FILES = {
    "utf8.csv": saved(TEXT, ",", "utf-8"),
    "utf8-bom-semicolon.csv": saved(PORTUGUESE, ";", "utf-8", codecs.BOM_UTF8),
    "tab.tsv": saved(TEXT, "\t", "utf-8"),
    # Excel's "Unicode text": UTF-16, little-endian, with its mark, TAB-separated, .txt
    "unicode-text.txt": saved(PORTUGUESE, "\t", "utf-16-le", codecs.BOM_UTF16_LE),
    "utf16-be.csv": saved(PORTUGUESE, ",", "utf-16-be", codecs.BOM_UTF16_BE),
}


@pytest.mark.parametrize("name", sorted(SPREADSHEET_FILES))
def test_every_encoding_and_delimiter_a_spreadsheet_saves_is_read(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(SPREADSHEET_FILES[name])
    report = dahpkg.validate(path)
    assert report.valid and (report.episodes, report.patients) == (12, 10)
    assert dahpkg.load(path).equals(dahpkg.load())  # the same episodes, whatever the file


def test_cp1252_is_refused_with_its_line_byte_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "windows.csv"
    data = saved(PORTUGUESE, ";", "cp1252")
    path.write_bytes(data)
    first = data.index(b"\xe3")  # the "ã" of the first "Não"
    line = data[:first].count(b"\n") + 1
    with pytest.raises(InputError) as refused:
        dahpkg.validate(path)
    message = str(refused.value)
    assert f"is not UTF-8 text: decoding fails on line {line}, at byte {first:,} (0xE3)" in message
    assert "cp1252 reads as 'ã'" in message
    assert '"CSV UTF-8' in message and "--encoding cp1252" in message
    report = dahpkg.validate(open_package(path, encoding="cp1252"))
    assert report.valid and report.episodes == 12


def test_a_bad_byte_far_into_a_large_file_is_placed_exactly(tmp_path: Path) -> None:
    # Past the first block read: the line and byte are counted across blocks.
    lines = TEXT.splitlines()
    body = lines[1:] * 8000
    body[-3] = body[-3].replace("White", "Wh\xefte", 1)
    data = ("\n".join([lines[0], *body, ""])).encode("latin-1")
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    offset = data.index("ï".encode("latin-1"))
    with pytest.raises(InputError, match=rf"line {len(body) - 1}, at byte {offset:,} \(0xEF\)"):
        dahpkg.validate(path)


def test_an_encoding_is_for_a_loose_csv_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an encoding Python knows"):
        open_package(EPISODES_CSV, encoding="klingon")
    with pytest.raises(InputError, match="declares its tables' encoding itself"):
        open_package(REPO / "datapackage.json", encoding="cp1252")
    path = tmp_path / "no-mark.csv"
    path.write_bytes(saved(TEXT, ",", "utf-16-le"))
    with pytest.raises(InputError, match="cannot be read as utf-16"):
        dahpkg.validate(open_package(path, encoding="utf-16"))


def test_a_package_resource_declares_its_encoding(tmp_path: Path) -> None:
    target = tmp_path / "pkg"
    (target / "data").mkdir(parents=True)
    shutil.copytree(REPO / "schema", target / "schema")
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "episodes"]
    descriptor["resources"][0]["encoding"] = "windows-1252"
    (target / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (target / "data" / "episodes.csv").write_bytes(saved(PORTUGUESE, ",", "cp1252"))
    assert dahpkg.validate(target).valid


def test_the_cli_reads_an_encoding_and_refuses_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "windows.csv"
    path.write_bytes(saved(PORTUGUESE, ";", "cp1252"))
    result = CliRunner().invoke(main, ["validate", "-q", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--encoding cp1252" in result.stderr and "line 2" in result.stderr
    result = CliRunner().invoke(main, ["validate", "-q", str(path), "--encoding", "cp1252"])
    assert result.exit_code == 0, result.output


def test_a_utf16_file_is_decoded_within_the_bounds(tmp_path: Path) -> None:
    # A header row that never ends is refused as it is decoded, before the rest is.
    path = tmp_path / "wide.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + ("a\t" * 200_000).encode("utf-16-le"))
    with pytest.raises(InputError, match="header row: the number of columns"):
        dahpkg.validate(path)


@pytest.mark.parametrize("encoding", ["utf-16", "UTF-16LE", "utf8"])
def test_a_named_encoding_agrees_with_the_mark_or_reads_utf8(tmp_path: Path, encoding: str) -> None:
    # The byte-order mark is never read as part of the first column's name.
    name = "utf8.csv" if encoding == "utf8" else "unicode-text.txt"
    path = tmp_path / name
    path.write_bytes(SPREADSHEET_FILES[name])
    assert dahpkg.validate(open_package(path, encoding=encoding)).valid
