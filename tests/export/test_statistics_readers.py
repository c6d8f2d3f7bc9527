"""SPSS and Stata files as their readers see them: pyreadstat everywhere; R haven and PSPP when
installed (skipped, saying why, when not)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pyreadstat
import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.export.formats.statistics import STATA_INTEGERS

from support.helpers import ACCEPT, REPO

SCHEMA = json.loads((REPO / "schema" / "episodes.schema.json").read_text())
FIELDS = {f["name"]: f for f in SCHEMA["fields"]}
BOOLEANS = [n for n, f in FIELDS.items() if f["type"] == "boolean"]
CATEGORIES = [n for n, f in FIELDS.items() if "categories" in f]
AGES = [n for n, f in FIELDS.items() if f.get("unit") == "year"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("statistics")
    out = {}
    for kind in ("sav", "dta"):
        out[kind] = folder / f"episodes.{kind}"
        result = CliRunner().invoke(main, ["export", kind, *ACCEPT, "--output", str(out[kind])])
        assert result.exit_code == 0, result.output
    return out


def test_stata_is_release_118_with_the_smallest_storage(files: dict[str, Path]) -> None:
    data = files["dta"].read_bytes()
    assert data.startswith(b"<stata_dta><header><release>118</release>")
    frame, meta = pyreadstat.read_dta(str(files["dta"]))
    types = meta.readstat_variable_types
    assert {types[n] for n in BOOLEANS + CATEGORIES} == {"int8"}  # Stata's byte
    # Ages go up to 120, past a byte's 100: Stata's int.
    assert {types[n] for n in AGES} == {"int16"}
    assert "double" not in types.values()
    assert meta.file_label.startswith("Immune-mediated diffuse alveolar haemorrhage")
    assert meta.variable_value_labels["sex"] == {1: "female", 2: "male"}
    assert len(frame) == 12 and frame["haemoglobin_drop"].isna().sum() == 1


def test_a_byte_holds_at_most_100_in_stata() -> None:
    assert STATA_INTEGERS[0][1:] == (-127, 100)


def test_spss_levels_and_documents(files: dict[str, Path]) -> None:
    _, meta = pyreadstat.read_sav(str(files["sav"]))
    # Bytecode-compressed, as SPSS writes by default (a 100,000-episode file: 4 MB, not 25).
    assert int.from_bytes(files["sav"].read_bytes()[72:76], "little") == 1
    levels = meta.variable_measure
    assert levels["patient_id"] == levels["episode"] == "nominal"
    assert {levels[n] for n in BOOLEANS + CATEGORIES} == {"nominal"}
    assert {levels[n] for n in AGES} == {"scale"}
    notes = " ".join(meta.notes)
    assert "twelve episodes in ten patients" in notes and "version 0.1.0" in notes
    assert "Management and outcome of immune-mediated diffuse alveolar" in notes
    assert all(len(line.encode()) <= 80 for line in meta.notes)


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R (Rscript) is not installed")
def test_r_haven_reads_types_labels_and_values(files: dict[str, Path]) -> None:
    code = (
        'if (!requireNamespace("haven", quietly = TRUE)) quit(status = 3);'
        "for (f in commandArgs(TRUE)) {"
        ' x <- if (grepl("dta$", f)) haven::read_dta(f) else haven::read_sav(f);'
        " cat(nrow(x), as.character(haven::as_factor(x$diagnosis)[1]),"
        " sum(is.na(x$haemoglobin_drop)), attr(x$icu, 'label'),"
        ' paste(names(attr(x$icu, "labels")), collapse = "/"), sep = "|"); cat("\\n")}'
    )
    run = subprocess.run(
        ["Rscript", "-e", code, str(files["dta"]), str(files["sav"])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if run.returncode == 3:
        pytest.skip("the R package haven is not installed")
    assert run.returncode == 0, run.stderr
    labels = {c["value"]: c["label"] for c in FIELDS["diagnosis"]["categories"]}
    diagnosis = labels[(REPO / "data" / "episodes.csv").read_text().splitlines()[1].split(",")[5]]
    first = f"12|{diagnosis}|1|ICU admission|No/Yes"
    assert run.stdout.splitlines() == [first, first]


@pytest.mark.skipif(shutil.which("pspp") is None, reason="PSPP is not installed")
def test_pspp_shows_levels_labels_and_documents(files: dict[str, Path], tmp_path: Path) -> None:
    syntax = tmp_path / "check.sps"
    syntax.write_text(
        f"GET FILE='{files['sav']}'.\nDISPLAY DOCUMENTS.\n"
        "DISPLAY DICTIONARY /VARIABLES=patient_id episode sex age_at_dah.\n"
    )
    run = subprocess.run(
        ["pspp", "-O", "format=txt", str(syntax)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = {
        line.split("|")[1].strip(): line for line in run.stdout.splitlines() if line.count("|") > 4
    }
    assert "Nominal" in lines["patient_id"] and "Nominal" in lines["episode"]
    assert "Scale" in lines["age_at_dah"]
    assert "|Data package im-dah-case-series, version 0.1.0, of 2026-11-25." in run.stdout
    assert "female" in run.stdout and "Sex" in lines["sex"]


def test_spss_documents_give_the_doi_a_deposit_reserved() -> None:
    from dahpkg.export.formats.statistics import write_sav
    from dahpkg.export.release import prepare

    from support.helpers import CONSENT

    cited = prepare(None, risk_accepted=CONSENT).citing("10.5281/zenodo.1234567", "the draft")
    data = write_sav(cited)
    assert b"Data set DOI: https://doi.org/10.5281/zenodo.1234567" in data
    assert b"Data set DOI" not in write_sav(prepare(None, risk_accepted=CONSENT))
