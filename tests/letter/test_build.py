"""Table I as printed -> the tidy episode table, reproducibly and faithfully."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.letter.build import build

from support.helpers import REPO, read_rows, row_of

SEED = REPO.parent / "shared" / "seed"
BOOLEAN = {"true", "false"}


def test_build_reproduces_the_shipped_files_byte_for_byte(package: Path) -> None:
    shipped = {p: (package / p).read_bytes() for p in ("data/episodes.csv", "data/inferences.csv")}
    for p in shipped:
        (package / p).unlink()
    files = build(package)
    assert all(f.changed for f in files)
    for p, content in shipped.items():
        assert (package / p).read_bytes() == content
    assert not any(f.changed for f in build(package, check=True))


def test_build_check_through_the_cli(package: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(package), "--check"])
    assert result.exit_code == 0, result.output
    assert result.output.count("up to date") == 2

    episodes = package / "data" / "episodes.csv"
    episodes.write_text(episodes.read_text().replace("EGPA", "GPA", 1))
    result = runner.invoke(main, ["build", str(package), "--check"])
    assert result.exit_code == 1
    assert "episodes.csv: differs from a fresh build" in result.output

    result = runner.invoke(main, ["build", str(package)])
    assert result.exit_code == 0 and "episodes.csv: written" in result.output
    assert "EGPA" in episodes.read_text()


# Table I as transcribed from the letter; checked against the letter itself below when the
# letter lies beside the checkout (as in CI), and by this checksum everywhere.
TABLE1_SHA256 = "0a1f65aae7e537d70d66a2475a4ff252e24ec3e40c326932a43bad74e0cdc753"


def test_raw_table_is_unchanged() -> None:
    raw = (REPO / "data" / "raw" / "table1.tsv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == TABLE1_SHA256


def test_raw_table_is_table_one_as_printed() -> None:
    if not SEED.is_dir():
        pytest.skip("the letter (../shared/seed) is not beside this checkout")
    letter = "".join(p.read_text(encoding="utf-8") for p in sorted(SEED.glob("*.txt")))
    raw = (REPO / "data" / "raw" / "table1.tsv").read_text(encoding="utf-8")
    assert raw.endswith("\n")
    assert raw in letter
    assert "Polynuropathy" in raw and raw.count("\n") == 13


def test_tidy_table_follows_table_one() -> None:
    with (REPO / "data" / "raw" / "table1.tsv").open(encoding="utf-8") as handle:
        printed = list(csv.DictReader(handle, delimiter="\t"))
    header, rows = read_rows(REPO / "data" / "episodes.csv")
    assert len(rows) == len(printed) == 12
    assert len({r["patient_id"] for r in rows}) == 10
    yes_no = {"✓": "true", "X": "false", "-": ""}
    for table_row, tidy in zip(printed, rows, strict=True):
        assert tidy["survival_1y"] == yes_no[table_row["1-year survival"]]
        assert tidy["icu"] == yes_no[table_row["ICU"]]
        assert tidy["plasma_exchange"] == yes_no[table_row["PLEX"]]
        assert tidy["haemoglobin_drop"] == yes_no[table_row["Haemoglobin drop"]]
        symptoms = table_row["Symptoms"]
        assert (tidy["chest_pain"] == "true") == ("chest pain" in symptoms)
        assert (tidy["haemoptysis"] == "true") == ("haemoptysis" in symptoms)
        if table_row["ID"]:
            assert tidy["patient_id"] == table_row["ID"]
            assert (tidy["aps"] == "true") == table_row["Diagnosis"].endswith("+APS")
    schema = json.loads((REPO / "schema" / "episodes.schema.json").read_text())
    for field in schema["fields"]:
        values = {r[field["name"]] for r in rows}
        if field["type"] == "boolean":
            allowed = BOOLEAN | ({""} if field["name"] == "haemoglobin_drop" else set())
            assert values <= allowed, field["name"]
    assert header == [f["name"] for f in schema["fields"]]
    assert row_of(rows, 1, 1)["polyneuropathy"] == "true"
    assert [r["patient_id"] for r in rows if r["haemoglobin_drop"] == ""] == ["4"]
    for patient in ("3", "5"):  # printed "asymptomatic"
        row = next(r for r in rows if r["patient_id"] == patient)
        assert all(
            row[s] == "false" for s in ("fever", "dyspnoea", "haemoptysis", "cough", "chest_pain")
        )
    assert row_of(rows, 9, 2)["mas"] == "true" and row_of(rows, 9, 1)["mas"] == "false"


def test_every_filled_cell_is_recorded_with_its_basis() -> None:
    _, inferences = read_rows(REPO / "data" / "inferences.csv")
    cells = {(r["patient_id"], r["episode"], r["column"]) for r in inferences}
    patient_level = {
        "patient_id",
        "sex",
        "race",
        "tobacco_exposure",
        "diagnosis",
        "aps",
        "age_at_diagnosis",
    }
    assert cells == (
        {("7", "2", c) for c in patient_level}
        | {("9", "2", c) for c in patient_level}
        | {("9", "2", "age_at_dah")}
    )
    _, rows = read_rows(REPO / "data" / "episodes.csv")
    for item in inferences:
        assert "paragraph" in item["basis"]
        assert (
            row_of(rows, int(item["patient_id"]), int(item["episode"]))[item["column"]]
            == item["value"]
        )
    age = next(r for r in inferences if r["column"] == "age_at_dah")
    assert age["value"] == row_of(rows, 9, 1)["age_at_dah"] == "26"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Mononeuropathy multiplex", "Mononeuritis", "unknown term 'Mononeuritis'"),
        ("fever, dyspnoea\t✓\tSARS", "fever, dyspnoea\t?\tSARS", "'?' is not ✓ or X"),
    ],
)
def test_build_refuses_what_it_cannot_map(package: Path, old: str, new: str, message: str) -> None:
    raw = package / "data" / "raw" / "table1.tsv"
    text = raw.read_text(encoding="utf-8")
    assert old in text
    raw.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = (package / "data" / "episodes.csv").read_bytes()
    result = CliRunner().invoke(main, ["build", str(package)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert (package / "data" / "episodes.csv").read_bytes() == before


def test_build_outside_a_package_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 2
    assert "holds no datapackage.json" in result.output
