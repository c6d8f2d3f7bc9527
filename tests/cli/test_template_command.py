"""`dahpkg template` and `dahpkg validate --annotate` from the command line: exit codes, messages,
the registry behind --format."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.cli.template import template
from dahpkg.export.template import TEMPLATES

from support.helpers import Edit, Rows, row_of


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_format_choices_are_the_registry_s() -> None:
    (option,) = [p for p in template.params if p.name == "fmt"]
    assert list(option.type.choices) == list(TEMPLATES)  # type: ignore[attr-defined]


def test_template_writes_a_workbook_and_says_what_to_do_next(tmp_path: Path) -> None:
    out = tmp_path / "entry.xlsx"
    code, stdout, _ = run("template", "--output", str(out))
    assert code == 0 and out.read_bytes()[:2] == b"PK"
    assert f"dahpkg validate {out}" in stdout
    code, _, stderr = run("template", "--output", str(out))
    assert code == 2 and "add --force" in stderr and "Traceback" not in stderr
    assert run("template", "--output", str(out), "--force")[0] == 0


def test_template_csv_writes_the_header_and_its_codebook(tmp_path: Path) -> None:
    code, stdout, _ = run("template", "--format", "csv", "-o", str(tmp_path / "entry.csv"))
    assert code == 0 and "entry.codebook.csv" in stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry.codebook.csv", "entry.csv"]


def test_template_mistakes_exit_2_with_a_reason(tmp_path: Path) -> None:
    code, _, stderr = run("template", "--format", "csv", "-o", str(tmp_path / "entry.xlsx"))
    assert code == 2 and "name it entry.csv" in stderr
    code, _, stderr = run("template", str(tmp_path / "nowhere"), "-o", str(tmp_path / "e.xlsx"))
    assert code == 2 and "no such file or folder" in stderr
    code, _, stderr = run("template", "--format", "pdf", "-o", str(tmp_path / "e.pdf"))
    assert code == 2 and "'pdf' is not one of 'xlsx', 'csv', 'redcap'" in stderr
    assert not list(tmp_path.iterdir())


def _wrong_sex(header: list[str], rows: Rows) -> None:
    row_of(rows, 2, 1)["sex"] = "male"


def test_validate_annotate_keeps_the_validation_s_exit_code(
    broken: Callable[[Edit], Path], tmp_path: Path
) -> None:
    source = broken(_wrong_sex) / "data" / "episodes.csv"
    before = hashlib.sha256(source.read_bytes()).digest()
    out = tmp_path / "checked.xlsx"
    code, stdout, stderr = run("validate", str(source), "-q", "--annotate", str(out))
    assert code == 1 and "INVALID" in stdout and f"marked on its cell in {out}" in stderr
    assert out.is_file() and hashlib.sha256(source.read_bytes()).digest() == before
    code, _, stderr = run("validate", str(source), "-q", "--annotate", str(out))
    assert code == 2 and "add --force" in stderr
    assert run("validate", str(source), "-q", "--annotate", str(out), "--force")[0] == 1
    code, _, stderr = run("validate", str(source), "-q", "--annotate", str(source))
    assert code == 2 and "is the file being checked" in stderr
    assert hashlib.sha256(source.read_bytes()).digest() == before


def test_validate_annotate_on_a_valid_package_exits_0(tmp_path: Path) -> None:
    code, _, _ = run("validate", "-q", "--annotate", str(tmp_path / "checked.xlsx"))
    assert code == 0 and (tmp_path / "checked.xlsx").is_file()


def test_the_template_command_runs_in_a_real_process(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dahpkg", "template", "-o", str(tmp_path / "t.xlsx")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "t.xlsx").is_file()


def test_validate_annotate_follows_sheet_and_confirmations(tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    from support.helpers import EPISODES_CSV, read_rows

    header, rows = read_rows(EPISODES_CSV)
    row_of(rows, 2, 1)["ivig"] = "true"  # patient 2 has GPA: a confirmable rule
    book = Workbook()
    book.active.title = "Pivot data"
    book.active.append(["diagnosis", "count"])
    sheet = book.create_sheet("Sheet1")
    sheet.append(header)
    for row in rows:
        sheet.append([row[n] for n in header])
    sheet.cell(2, header.index("sex") + 1, "female")  # row 2: an error left to fix
    source = tmp_path / "ours.xlsx"
    book.save(source)
    confirmations = tmp_path / "confirmations.csv"
    confirmations.write_text(
        "patient_id,episode,rule,reason\n2,1,ivig-sle-aps,IVIg given for refractory disease\n",
        encoding="utf-8",
    )
    out = tmp_path / "checked.xlsx"
    options = ["--sheet", "Sheet1", "--confirmations", str(confirmations), "--annotate", str(out)]
    code, _, stderr = run("validate", str(source), "-q", *options)
    assert code == 1, stderr
    checked = load_workbook(out)
    data = checked.worksheets[0]
    assert data.title == "Sheet1"
    assert data.cell(2, header.index("sex") + 1).comment.text.startswith("error (schema-category)")
    ivig = data.cell(3, header.index("ivig") + 1).comment.text
    assert ivig.startswith("confirmed (ivig-sle-aps)") and "refractory" in ivig
