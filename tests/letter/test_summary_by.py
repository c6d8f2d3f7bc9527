"""`dahpkg summary --by FIELD`: one column per category of a categorical field describing the
patient, counted from the shipped episodes (and from copies changed on purpose)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.errors import InputError

from support.helpers import EPISODES_CSV, read_rows, write_rows


def summary_csv(*args: str) -> dict[tuple[str, str], dict[str, str]]:
    result = CliRunner().invoke(main, ["summary", "--format", "csv", *args])
    assert result.exit_code == 0, result.stderr
    return {(r["variable"], r["group"]): r for r in csv.DictReader(io.StringIO(result.stdout))}


def test_by_sex_counts_each_sexs_patients_and_episodes() -> None:
    _, rows = read_rows(EPISODES_CSV)
    episodes = Counter(r["sex"] for r in rows)
    patients = Counter(r["sex"] for r in {r["patient_id"]: r for r in rows}.values())
    summary = dahpkg.summarise(by="sex")
    assert summary.groups == ("F", "M", "Overall")  # the categories' order in the schema
    assert summary.patients == {"F": patients["F"], "M": patients["M"], "Overall": 10}
    assert summary.episodes == {"F": episodes["F"], "M": episodes["M"], "Overall": 12}
    table = summary_csv("--by", "sex")
    female = table[("Female", "F")], table[("Female", "M")]
    assert [(f["n"], f["denominator"]) for f in female] == [
        (str(patients["F"]), str(patients["F"])),
        ("0", str(patients["M"])),
    ]
    icu = sum(r["icu"] == "true" for r in rows if r["sex"] == "M")
    male_icu = table[("ICU admission", "M")]
    assert (male_icu["n"], male_icu["denominator"]) == (str(icu), str(episodes["M"]))


def test_by_diagnosis_is_the_same_as_before() -> None:
    table = summary_csv("--by", "diagnosis")
    assert {g for _, g in table} == {"GPA", "MPA", "EGPA", "SLE", "Overall"}


def test_a_patient_without_the_value_has_a_column_of_its_own(tmp_path: Path) -> None:
    header, rows = read_rows(EPISODES_CSV)
    for row in rows:
        if row["patient_id"] == "2":
            row["race"] = ""  # not recorded: the summary counts the patient, validate objects
    source = tmp_path / "episodes.csv"
    write_rows(source, header, rows)
    summary = dahpkg.summarise(source, by="race")
    assert summary.groups[-2:] == ("not recorded", "Overall")
    assert summary.patients["not recorded"] == 1
    assert sum(summary.patients[g] for g in summary.groups[:-1]) == 10


@pytest.mark.parametrize(
    ("by", "why"),
    [
        ("age_at_dah", "age_at_dah describes the episode"),
        ("aps", "aps is not categorical"),
        ("height", "cannot group the summary by 'height'"),
        ("race\x1b[2J", "cannot group the summary by 'race\\x1b[2J'"),
    ],
)
def test_a_field_that_cannot_make_columns_is_refused(by: str, why: str) -> None:
    with pytest.raises(InputError, match="categorical field describing the patient"):
        dahpkg.summarise(by=by)
    result = CliRunner().invoke(main, ["summary", "--by", by])
    assert result.exit_code == 2 and why in result.stderr
    assert "sex, race, diagnosis" in result.stderr and "Traceback" not in result.output
