"""What the commands write: never over a file without --force, all files or none, and nothing a
cell holds can drive the terminal or swell the report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from dahpkg import _atomic
from dahpkg.cli import main

from support.helpers import ACCEPT, row_of


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# The exit code of each command on the shipped package: privacy says its patients can be
# re-identified (exit 1).
REPORTS = [
    (["validate"], 0),
    (["table1"], 0),
    (["reproduce"], 0),
    (["summary"], 0),
    (["privacy"], 1),
]


@pytest.mark.parametrize(("command", "done"), REPORTS)
def test_a_report_never_replaces_a_file_without_force(tmp_path: Path, command, done) -> None:
    output = tmp_path / "report.txt"
    output.write_text("the authors' notes", encoding="utf-8")
    code, out, err = run(*command, "--output", str(output))
    assert code == 2 and f"{output} exists; add --force to replace it" in err, out + err
    assert output.read_text(encoding="utf-8") == "the authors' notes"
    code, out, err = run(*command, "--output", str(output), "--force")
    assert code == done and output.read_text(encoding="utf-8") != "the authors' notes", out + err


def test_metadata_are_all_written_or_none(tmp_path: Path) -> None:
    folder = tmp_path / "metadata"
    folder.mkdir()
    (folder / "zenodo.json").write_text("{}", encoding="utf-8")  # one of the five exists
    code, out, err = run("export", "metadata", "--output", str(folder), *ACCEPT)
    assert code == 2 and "zenodo.json: already there; add --force to replace" in err, out + err
    assert sorted(p.name for p in folder.iterdir()) == ["zenodo.json"]
    code, out, err = run("export", "metadata", "--output", str(folder), "--force", *ACCEPT)
    assert code == 0, out + err
    # datacite.xml is not written without the DOI its kernel requires, and the output says so.
    assert "datacite.xml not written: DataCite requires the data set's DOI" in out + err
    assert len(list(folder.iterdir())) == 5 and (folder / "zenodo.json").stat().st_size > 2


def test_a_failure_half_way_puts_every_file_back(tmp_path: Path, monkeypatch) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old a", encoding="utf-8")
    second.write_text("old b", encoding="utf-8")
    real = os.replace
    calls = []

    def failing(src, dst):  # the disk fills when the second new file is moved into place
        calls.append(dst)
        if Path(dst) == second and str(src).endswith(".tmp"):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(_atomic.os, "replace", failing)
    with pytest.raises(OSError):
        _atomic.write_all({first: b"new a", second: b"new b"})
    monkeypatch.undo()
    assert first.read_text(encoding="utf-8") == "old a" and second.read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]  # no leftovers
    assert first in calls


def test_terminal_escapes_in_a_cell_are_shown_not_run(broken) -> None:
    def edit(header, rows) -> None:
        row_of(rows, 2, 1)["sex"] = "\x1b]0;owned\x07\x1b[2J\x08F"

    code, out, _ = run("validate", str(broken(edit)))
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out and "\x08" not in out
    assert "\\x1b]0;owned\\x07\\x1b[2J\\x08F" in out


def test_a_long_cell_is_quoted_by_its_start_and_length(broken) -> None:
    def edit(header, rows) -> None:
        row_of(rows, 2, 1)["race"] = "W" * 30_000

    code, out, _ = run("validate", str(broken(edit)), "--format", "json")
    assert code == 1
    assert len(out) < 20_000
    assert "W" * 200 + "... (30,000 characters)" in out
