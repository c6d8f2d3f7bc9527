"""Files that are not what `dahpkg import redcap` expects, by mistake or on purpose: one line on
standard error and exit 2, never a traceback, nothing written."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from dahpkg.cli import main

from support.redcap_exports import write_dictionary, write_export


def run(export: Path, dictionary: Path, out: Path) -> tuple[int, str, str]:
    args = ["import", "redcap", str(export), "--dictionary", str(dictionary), "-o", str(out)]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


def _long_cell(export: Path) -> None:
    lines = export.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace(",70,", "," + "7" * 1_000_000 + ",", 1)
    export.write_text("\n".join(lines), encoding="utf-8")


def _wide(export: Path) -> None:
    export.write_text(",".join(f"c{i}" for i in range(20_000)) + "\n", encoding="utf-8")


def _workbook(export: Path) -> None:
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")


def _latin1(export: Path) -> None:
    export.write_bytes(export.read_bytes().replace(b"patient_complete", "pâtient".encode("cp1252")))


def _empty(export: Path) -> None:
    export.write_bytes(b"")


def _no_record(export: Path) -> None:
    export.write_text(export.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")


def _longitudinal(export: Path) -> None:
    text = export.read_text(encoding="utf-8")
    export.write_text(text.replace("patient_id,", "patient_id,redcap_event_name,", 1))


def _label_headers(export: Path) -> None:
    text = export.read_text(encoding="utf-8")
    export.write_text(text.replace("patient_id,", "Patient,", 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_long_cell, "the length of one cell exceeds dahpkg's limit of 32,767 characters"),
        (_wide, "header row: the number of columns of a table exceeds dahpkg's limit of 16,384"),
        (_workbook, "is a zip file (an Excel workbook?), not a CSV file: export it from REDCap"),
        (_latin1, "is not UTF-8 text: decoding fails on line 1"),
        (_empty, "is empty"),
        (_no_record, "has a header row but no record: export the project's records"),
        (_longitudinal, "comes from a longitudinal project (it has a redcap_event_name column)"),
        (_label_headers, "holds the fields' labels: export with raw variable names as headers"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[1:] or None,
)
def test_a_hostile_export_is_refused_in_one_line(
    tmp_path: Path, damage: Callable[[Path], None], expected: str
) -> None:
    dictionary = write_dictionary(tmp_path)
    export = write_export(tmp_path, dictionary)
    damage(export)
    out = tmp_path / "episodes.csv"
    code, stdout, stderr = run(export, dictionary, out)
    assert code == 2 and stdout == "" and "Traceback" not in stderr
    assert stderr.startswith("Error: ") and stderr.count("\n") == 1
    assert expected in stderr
    assert not out.exists()


def test_the_bounds_can_be_moved_and_the_dictionary_is_bounded_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dictionary = write_dictionary(tmp_path)
    export = write_export(tmp_path, dictionary)
    monkeypatch.setenv("DAHPKG_MAX_COLUMNS", "32")  # the schema's 31 fields fit
    code, _, stderr = run(export, dictionary, tmp_path / "e.csv")
    assert code == 2 and "header row" in stderr and "(34 columns)" in stderr
    assert "DAHPKG_MAX_COLUMNS=N" in stderr
    padding = "".join(f"note_{i},dah_episode,,descriptive,Note,,,,,,,,,,,,,\n" for i in range(20))
    dictionary.write_text(dictionary.read_text(encoding="utf-8") + padding, encoding="utf-8")
    code, _, stderr = run(export, dictionary, tmp_path / "e.csv")
    assert code == 2 and "(41 fields)" in stderr


@pytest.mark.parametrize("which", ["missing", "folder", "workbook"])
def test_a_dictionary_that_cannot_be_read_is_refused(tmp_path: Path, which: str) -> None:
    dictionary = write_dictionary(tmp_path)
    export = write_export(tmp_path, dictionary)
    given = {"missing": tmp_path / "nowhere.csv", "folder": tmp_path}.get(which, dictionary)
    if which == "workbook":
        _workbook(dictionary)
    code, _, stderr = run(export, given, tmp_path / "e.csv")
    assert code == 2 and "Traceback" not in stderr
    assert {
        "missing": "the REDCap data dictionary",
        "folder": "is a directory",
        "workbook": "not a CSV file",
    }[which] in stderr


def test_control_characters_in_a_cell_cannot_drive_the_terminal(tmp_path: Path) -> None:
    dictionary = write_dictionary(tmp_path)
    export = write_export(tmp_path, dictionary)
    lines = export.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("1,,,1,", "1,,,\x1b[2J,", 1)
    export.write_text("\n".join(lines), encoding="utf-8")
    code, stdout, _ = run(export, dictionary, tmp_path / "e.csv")
    assert code == 1 and "\x1b" not in stdout
    assert "'\\x1b[2J' is not one of the codes of Sex" in stdout


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace('"1, female | 2, male"', '"0, female | 1, male"'),
            "field sex has the choice codes 0, 1; the schema's are 1 = female, 2 = male",
        ),
        (
            lambda t: t + "hospital,patient,,text,Hospital,,,,,,,,,,,,,\n",
            "field(s) hospital are not in the schema, so the episode table has no column",
        ),
        (
            lambda t: "\n".join(x for x in t.split("\n") if not x.startswith("race,")),
            "field race (Race) is missing",
        ),
        (
            lambda t: t.replace("aps,patient,", "aps,dah_episode,"),
            "field aps is on the instrument 'dah_episode'; the schema puts it on patient",
        ),
        (
            lambda t: t.replace("icu,dah_episode,,yesno,", "icu,dah_episode,,text,"),
            "field icu is a 'text' field; the schema makes it yesno",
        ),
        (lambda t: "a,b,c\n1,2,3\n", "is not a REDCap data dictionary"),
    ],
    ids=["codes", "added", "missing", "moved", "type", "not-a-dictionary"],
)
def test_a_dictionary_that_no_longer_matches_the_schema_is_named_precisely(
    tmp_path: Path, edit: Callable[[str], str], expected: str
) -> None:
    dictionary = write_dictionary(tmp_path)
    export = write_export(tmp_path, dictionary)
    dictionary.write_text(edit(dictionary.read_text(encoding="utf-8")), encoding="utf-8")
    code, _, stderr = run(export, dictionary, tmp_path / "e.csv")
    assert code == 2 and expected in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("sex,patient,,radio,", "sex,patient,,dropdown,"),
        lambda t: "\ufeff" + t,
        lambda t: t.replace('"1, female | 2, male"', '"1, female|2, male"'),
    ],
    ids=["dropdown", "byte-order-mark", "bars-without-spaces"],
)
def test_what_redcap_may_change_without_changing_the_codes_is_accepted(
    tmp_path: Path, edit: Callable[[str], str]
) -> None:
    dictionary = write_dictionary(tmp_path)
    export = write_export(tmp_path, dictionary)
    dictionary.write_text(edit(dictionary.read_text(encoding="utf-8")), encoding="utf-8")
    code, _, stderr = run(export, dictionary, tmp_path / "e.csv")
    assert code == 0, stderr
