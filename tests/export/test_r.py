"""load.R: generated from the Table Schema, escaped, and (with Rscript) loading typed columns."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.export.formats.r import string

from support.helpers import ACCEPT, REPO

SCHEMA = json.loads((REPO / "schema" / "episodes.schema.json").read_text())
HAS_R = shutil.which("Rscript") is not None


def export(package: Path | None, folder: Path) -> Path:
    """load.R and the CSV as the bundle lays them out, in ``folder``."""
    (folder / "data").mkdir(parents=True)
    where = [str(package)] if package else []
    for kind, name in (("r", "load.R"), ("csv", "data/episodes.csv")):
        result = CliRunner().invoke(
            main, ["export", kind, *where, *ACCEPT, "--output", str(folder / name)]
        )
        assert result.exit_code == 0, result.output
    return folder / "load.R"


def rscript(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    probe = 'if (!requireNamespace("readr", quietly = TRUE)) quit(status = 3);'
    run = subprocess.run(
        ["Rscript", "-e", probe + code], cwd=folder, capture_output=True, text=True, timeout=120
    )
    if run.returncode == 3:
        pytest.skip("the R package readr is not installed")
    return run


def test_every_field_has_its_readr_type_from_the_schema(tmp_path: Path) -> None:
    text = export(None, tmp_path).read_text(encoding="ascii")
    for field in SCHEMA["fields"]:
        kind = {"boolean": "col_logical()", "integer": "col_integer()"}.get(field["type"])
        if "categories" in field:
            levels = ", ".join(f'"{c["value"]}"' for c in field["categories"])
            kind = f"col_factor(levels = c({levels}))"
        assert f'"{field["name"]}" = readr::{kind}' in text
    assert 'na = ""' in text and 'path = "data/episodes.csv"' in text
    assert 'levels(episodes[["sex"]]) <- c("female", "male")' in text


def test_r_strings_are_escaped_ascii() -> None:
    assert string('a"); system("x") #') == '"a\\"); system(\\"x\\") #"'
    assert string("Sjögren\\\n") == '"Sj\\u00f6gren\\\\\\n"'


@pytest.mark.skipif(not HAS_R, reason="R (Rscript) is not installed")
def test_load_r_gives_typed_columns_and_na(tmp_path: Path) -> None:
    export(None, tmp_path)
    run = rscript(
        tmp_path,
        'source("load.R"); cat(nrow(episodes), "\\n");'
        "cat(sapply(episodes, function(c) class(c)[1]), '\\n');"
        "cat(which(is.na(episodes$haemoglobin_drop)), sum(is.na(episodes)), '\\n');"
        "cat(levels(episodes$sex), attr(episodes$icu, 'label'), sep = '|')",
    )
    assert run.returncode == 0, run.stderr
    rows, classes, missing, labels = run.stdout.splitlines()
    assert rows.strip() == "12"
    expected = [
        "factor" if "categories" in f else {"boolean": "logical", "integer": "integer"}[f["type"]]
        for f in SCHEMA["fields"]
    ]
    assert classes.split() == expected
    # The one empty cell of the CSV (haemoglobin drop of patient 4) is NA, and no other.
    assert missing.split() == ["4", "1"]
    assert labels == "female|male|ICU admission"


@pytest.mark.skipif(not HAS_R, reason="R (Rscript) is not installed")
def test_a_hostile_label_stays_text_and_a_bad_cell_stops_the_script(
    package: Path, tmp_path: Path
) -> None:
    schema_path = package / "schema" / "episodes.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"][2]["title"] = 'Sex"); file.create("pwned"); ("\nSexo é'
    schema_path.write_text(json.dumps(schema))
    folder = tmp_path / "out"
    export(package, folder)
    run = rscript(folder, 'source("load.R"); cat(attr(episodes$sex, "label"))')
    assert run.returncode == 0, run.stderr
    assert not (folder / "pwned").exists()
    assert run.stdout == 'Sex"); file.create("pwned"); ("\nSexo é'
    csv = folder / "data" / "episodes.csv"
    csv.write_text(csv.read_text().replace("\n1,1,F,", "\n1,1,X,", 1))
    run = rscript(folder, 'source("load.R")')
    assert run.returncode != 0
    assert "1 cell(s) of data/episodes.csv do not have the type the codebook gives" in run.stderr


@pytest.mark.skipif(not HAS_R, reason="R (Rscript) is not installed")
def test_load_r_says_where_the_csv_was_looked_for(tmp_path: Path) -> None:
    export(None, tmp_path)
    (tmp_path / "data" / "episodes.csv").unlink()
    run = rscript(tmp_path, 'source("load.R")')
    assert run.returncode != 0
    assert "data/episodes.csv not found in" in run.stderr and "setwd" in run.stderr
