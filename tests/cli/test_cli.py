"""`dahpkg validate` from the command line: formats, exit codes, bad input, loose files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from dahpkg.cli import main

from support.helpers import EPISODES_CSV, REPO, read_rows, row_of


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_shipped_package_is_valid() -> None:
    code, out, _ = run("validate")
    assert code == 0
    assert (
        "12 episodes of 10 patients checked against 25 rules: valid (0 errors, 0 warnings)" in out
    )
    assert "ivig-sle-aps" in out and "Intravenous immunoglobulin only" in out


def test_json_report_shape(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 2, 1).update(ivig="true", survival_1y=""))
    code, out, _ = run("validate", str(path), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False
    assert {"valid", "findings", "rules"} <= set(report)
    assert len(report["rules"]) == 25
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert by_rule["ivig-sle-aps"] | {"message": None} == {
        "rule": "ivig-sle-aps",
        "severity": "error",
        "message": None,
        "patient_id": 2,
        "episode": 1,
        "column": "ivig",
        "value": "true",
        "row": 3,
        "confirmed": False,
        "reason": None,
    }
    assert by_rule["schema-required"]["value"] == "not recorded"
    assert {r["rule"]: r["failures"] for r in report["rules"]}["ivig-sle-aps"] == 1
    for finding in report["findings"]:
        assert isinstance(finding["patient_id"], int) and isinstance(finding["episode"], int)


def test_missing_values_are_shown_in_words(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 5, 1).update(survival_1y=""))
    code, out, _ = run("validate", str(path))
    assert code == 1
    assert "1-year survival is not recorded" in " ".join(out.split())  # the report is wrapped
    for word in ("nan", "NaN", "<NA>", "None"):
        assert word not in out


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._in_cell = tag == "td"

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells.append(data)


def test_html_report_to_a_file(broken, tmp_path: Path) -> None:
    path = broken(lambda h, rows: row_of(rows, 3, 1).update(imv="true"))
    target = tmp_path / "out" / "report.html"
    code, out, _ = run("validate", str(path), "--format", "html", "--output", str(target))
    assert code == 1
    assert "report written to" in out and "INVALID (1 error, 0 warnings)" in out
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text
    parser = _Tables()
    parser.feed(text)
    assert "imv-needs-icu" in parser.cells
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]  # no temp file left


def test_strict_fails_on_warnings(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 6, 1).update(oral_gc="false"))
    assert run("validate", str(path))[0] == 0
    assert run("validate", str(path), "--strict")[0] == 1


def test_loose_csv_is_checked_against_the_shipped_schema() -> None:
    code, out, _ = run("validate", str(EPISODES_CSV))
    assert code == 0 and "valid (0 errors" in out


def write_xlsx(path: Path, edit=None) -> Path:
    header, rows = read_rows(EPISODES_CSV)
    if edit:
        edit(rows)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "episodes"
    sheet.append(header)
    for row in rows:
        values = []
        for column in header:
            text = row[column]
            values.append(
                {"true": True, "false": False, "": None}.get(
                    text, int(text) if text.isdigit() else text
                )
            )
        sheet.append(values)
    notes = book.create_sheet("notes")
    notes.append(["filled in by a partner centre"])
    book.save(path)
    return path


def test_xlsx_from_another_centre(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "centre.xlsx")
    code, out, _ = run("validate", str(good))
    assert code == 0, out

    bad = write_xlsx(
        tmp_path / "bad.xlsx", lambda rows: row_of(rows, 8, 1).update(sex="Male", icu="false")
    )
    code, out, _ = run("validate", str(bad), "--format", "json")
    assert code == 1
    findings = {(f["rule"], f["row"], f["column"]) for f in json.loads(out)["findings"]}
    assert findings == {("schema-category", 10, "sex"), ("imv-needs-icu", 10, "imv")}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file or folder"),
        ("empty.csv", b"", "is empty"),
        ("garbage.csv", bytes(range(128, 256)) * 4, "is not UTF-8"),
        ("garbage.xlsx", b"PK\x03\x04 not really a workbook", "not a readable Excel workbook"),
        ("datapackage.json", b'{"name": "x", "resources": [', "is not valid JSON"),
        ("datapackage.json", b"[1, 2]", "must be a JSON object"),
        ("datapackage.json", b'{"resources": []}', "no resource named 'episodes'"),
        (
            "datapackage.json",
            b'{"resources": [{"name": "episodes", "path": "../../etc/passwd.csv", "schema": {}}]}',
            "leads outside the package",
        ),
        ("notes.pdf", b"hello", "give a datapackage.json"),  # .txt is Excel's "Unicode text"
    ],
)
def test_unreadable_input_exits_2_without_traceback(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, out, err = run("validate", str(path))
    assert code == 2, out + err
    assert message in err
    assert err.startswith("Error: ") and err.count("\n") == 1
    assert "Traceback" not in out + err


def test_folder_without_descriptor(tmp_path: Path) -> None:
    code, _, err = run("validate", str(tmp_path))
    assert code == 2 and "without a datapackage.json" in err


def test_usage_error_exits_2() -> None:
    assert run("validate", "--format", "pdf")[0] == 2


def test_rules_command_lists_the_catalogue() -> None:
    code, out, _ = run("rules", "--format", "json")
    assert code == 0
    assert len(json.loads(out)["rules"]) == 25


def test_real_subprocess_from_another_folder(tmp_path: Path, broken) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "dahpkg", "validate", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["valid"] is True

    path = broken(lambda h, rows: row_of(rows, 3, 1).update(imv="true"))
    done = subprocess.run(
        [sys.executable, "-m", "dahpkg", "validate", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert "imv-needs-icu  row 4, patient 3, episode 1, imv" in done.stdout

    done = subprocess.run(
        [sys.executable, "-m", "dahpkg", "validate", "nowhere.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert (
        done.returncode == 2 and done.stderr.strip() == "Error: no such file or folder: nowhere.csv"
    )


def test_repo_checkout_is_the_shipped_package_when_run_from_source() -> None:
    from dahpkg.package import package_root

    root = package_root()
    assert (root / "datapackage.json").read_bytes() == (REPO / "datapackage.json").read_bytes()
