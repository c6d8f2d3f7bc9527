"""Every rule is broken on a copy of the real data and must report exactly that problem."""

from __future__ import annotations

from collections.abc import Callable

import pandera.pandas as pa
import pytest

import dahpkg
from dahpkg.package import open_package
from dahpkg.validation import rules
from dahpkg.validation.rules import CLINICAL, RULES, STRUCTURAL

from support.helpers import Rows, row_of


def set_cell(patient: int, episode: int, column: str, value: str):
    def edit(header: list[str], rows: Rows) -> None:
        row_of(rows, patient, episode)[column] = value

    return edit


def add_copy(patient: int, of_episode: int, **changes: str):
    def edit(header: list[str], rows: Rows) -> None:
        new = dict(row_of(rows, patient, of_episode))
        new.update(changes)
        rows.append(new)

    return edit


def drop_column(column: str):
    def edit(header: list[str], rows: Rows):
        for row in rows:
            del row[column]
        return [c for c in header if c != column], rows

    return edit


def add_column(column: str, value: str):
    def edit(header: list[str], rows: Rows):
        for row in rows:
            row[column] = value
        return [*header, column], rows

    return edit


def blank_row(header: list[str], rows: Rows) -> None:
    rows.insert(4, dict.fromkeys(header, ""))


def retyped_line(patient: int, change) -> Callable[[list[str], Rows], str]:
    """The file as text, with the line of the patient's first episode changed."""

    def edit(header: list[str], rows: Rows) -> str:
        lines = [",".join(header)] + [",".join(r[c] for c in header) for r in rows]
        number = next(
            i
            for i, r in enumerate(rows, start=1)
            if (r["patient_id"], r["episode"]) == (str(patient), "1")
        )
        lines[number] = change(lines[number])
        return "\n".join(lines) + "\n"

    return edit


# (rule that must fail, edit, where the finding must point: patient, episode, column, row)
CASES = {
    "schema-fields-present": (drop_column("icu"), None, None, "icu", None),
    "schema-no-unknown-fields": (
        add_column("patient_name", "Jane"),
        None,
        None,
        "patient_name",
        None,
    ),
    "schema-blank-row": (blank_row, None, None, None, 6),
    "schema-extra-cell": (retyped_line(3, lambda line: line + ",x"), 3, 1, "(cell 32)", 4),
    "schema-missing-cell": (
        retyped_line(3, lambda line: line.rsplit(",", 1)[0]),
        3,
        1,
        "survival_1y",
        4,
    ),
    "schema-type": (set_cell(2, 1, "age_at_dah", "twenty-nine"), 2, 1, "age_at_dah", 3),
    "schema-required": (set_cell(5, 1, "survival_1y", ""), 5, 1, "survival_1y", 6),
    "schema-category": (set_cell(6, 1, "diagnosis", "Lupus"), 6, 1, "diagnosis", 7),
    "schema-range": (set_cell(6, 1, "age_at_dah", "121"), 6, 1, "age_at_dah", 7),
    "schema-primary-key": (add_copy(3, 1), 3, 1, "patient_id", 14),
    "ivig-sle-aps": (set_cell(2, 1, "ivig", "true"), 2, 1, "ivig", 3),
    "relapse-at-most-one": (add_copy(7, 2, episode="3"), 7, 3, "episode", 14),
    "episode-numbering": (set_cell(9, 2, "episode", "3"), 9, 3, "episode", 12),
    "survival-after-death": (set_cell(7, 1, "survival_1y", "false"), 7, 2, "survival_1y", 9),
    "age-dah-after-diagnosis": (set_cell(6, 1, "age_at_dah", "18"), 6, 1, "age_at_dah", 7),
    "relapse-age-order": (set_cell(7, 2, "age_at_dah", "50"), 7, 2, "age_at_dah", 9),
    "inaugural-first-episode": (set_cell(9, 2, "dah_inaugural", "true"), 9, 2, "dah_inaugural", 12),
    "inaugural-age": (set_cell(1, 1, "age_at_dah", "71"), 1, 1, "age_at_dah", 2),
    "patient-constant": (set_cell(7, 2, "race", "Black"), 7, 2, "race", 9),
    "imv-needs-icu": (set_cell(3, 1, "imv", "true"), 3, 1, "imv", 4),
    "oral-gc-every-episode": (set_cell(6, 1, "oral_gc", "false"), 6, 1, "oral_gc", 7),
}


ALSO_FAILING = {
    # A missing cell is also a missing value, and a blank row identifies no episode: both
    # reported twice, as frictionless reports them.
    "schema-missing-cell": {"schema-required"},
    "schema-blank-row": {"schema-primary-key"},
}


# The shipped schema declares no pattern, length or unique constraint: these rules are broken by
# a schema that does, in test_constraints.py.
SCHEMA_DECLARED = {"schema-pattern", "schema-length", "schema-unique"}
# Broken by a confirmations table, in test_confirmations.py.
CONFIRMATIONS = {"confirmation-valid"}


def test_every_rule_has_a_breaking_case() -> None:
    assert set(CASES) | SCHEMA_DECLARED | CONFIRMATIONS == {r.id for r in RULES}


def test_rule_ids_are_unique_and_described() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.description.endswith(".") and rule.basis
        assert (rule.holds is None) == (rule in STRUCTURAL)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_breaking_a_rule_is_reported_exactly(rule_id: str, broken) -> None:
    edit, patient, episode, column, row = CASES[rule_id]
    report = dahpkg.validate(broken(edit))

    failing = {r.rule.id for r in report.results if r.failed}
    assert failing == {rule_id} | ALSO_FAILING.get(rule_id, set())
    assert report.result(rule_id).failed == 1
    [finding] = [f for f in report.findings if f.rule == rule_id]
    assert (finding.patient_id, finding.episode, finding.column, finding.row) == (
        patient,
        episode,
        column,
        row,
    )
    assert "nan" not in finding.message.lower()
    severity = rules.rule(rule_id).severity
    assert report.valid is (severity == "warning")


def test_shipped_package_passes_every_rule() -> None:
    report = dahpkg.validate()
    assert report.valid and report.passed(strict=True)
    assert (report.episodes, report.patients) == (12, 10)
    assert all(r.status == "passed" for r in report.results)
    assert [r.rule.id for r in report.results] == [r.id for r in RULES]


def test_missing_column_skips_only_the_rules_that_need_it(broken) -> None:
    def edit(header: list[str], rows: Rows):
        row_of(rows, 2, 1)["ivig"] = "true"
        return drop_column("icu")(header, rows)

    report = dahpkg.validate(broken(edit))
    assert report.result("imv-needs-icu").status == "not checked"
    assert "icu" in (report.result("imv-needs-icu").skipped or "")
    assert report.result("ivig-sle-aps").failed == 1
    assert report.result("schema-fields-present").failed == 1


def test_unreadable_cell_does_not_stop_other_checks(broken) -> None:
    def edit(header: list[str], rows: Rows) -> None:
        row_of(rows, 1, 1)["icu"] = "maybe"
        row_of(rows, 2, 1)["ivig"] = "true"
        row_of(rows, 8, 1)["sex"] = "male"

    report = dahpkg.validate(broken(edit))
    assert report.result("schema-type").failed == 1
    assert report.result("ivig-sle-aps").failed == 1
    assert report.result("schema-category").failed == 1
    # icu unreadable on patient 1, who was ventilated: the cell is missing, not "no".
    assert report.result("imv-needs-icu").failed == 0


def test_a_patient_with_two_deaths_and_a_survival_flags_the_later_episode(broken) -> None:
    def edit(header: list[str], rows: Rows) -> None:
        add_copy(5, 1, episode="2", survival_1y="true", dah_inaugural="false")(header, rows)

    report = dahpkg.validate(broken(edit))
    [finding] = [f for f in report.findings if f.rule == "survival-after-death"]
    assert (finding.patient_id, finding.episode) == (5, 2)


def test_failures_are_counted_in_full_and_examples_capped(broken) -> None:
    def edit(header: list[str], rows: Rows) -> None:
        for row in rows:
            if row["diagnosis"] != "SLE":
                row["ivig"] = "true"

    report = dahpkg.validate(broken(edit), max_examples=2)
    result = report.result("ivig-sle-aps")
    assert (result.failed, result.shown) == (5, 2)
    assert len([f for f in report.findings if f.rule == "ivig-sle-aps"]) == 2


def test_pandera_schema_names_the_same_rules(broken) -> None:
    """pandera's own validation of the generated schema agrees with dahpkg's report."""
    path = broken(set_cell(2, 1, "ivig", "true"))
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        dahpkg.pandera_schema().validate(dahpkg.load(path), lazy=True)
    cases = caught.value.failure_cases
    assert set(cases["check"]) == {"ivig-sle-aps"}
    assert set(cases["index"]) == {1}  # the second row: patient 2

    dahpkg.pandera_schema().validate(dahpkg.load(), lazy=True)


def test_pandera_schema_reports_structural_rules_by_id(broken) -> None:
    path = broken(set_cell(6, 1, "age_at_dah", "121"))
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        dahpkg.pandera_schema().validate(dahpkg.load(path), lazy=True)
    assert "schema-range" in set(caught.value.failure_cases["check"])


def test_clinical_rules_read_only_declared_columns() -> None:
    names = set(open_package(None).schema.names)
    for rule in CLINICAL:
        assert set(rule.columns) <= names, rule.id


def test_a_missing_age_does_not_hide_a_younger_relapse(broken) -> None:
    def edit(header: list[str], rows: Rows) -> None:
        row_of(rows, 7, 2)["age_at_dah"] = ""
        add_copy(7, 2, episode="3", age_at_dah="40")(header, rows)

    report = dahpkg.validate(broken(edit))
    [finding] = [f for f in report.findings if f.rule == "relapse-age-order"]
    assert (finding.patient_id, finding.episode) == (7, 3)


def test_an_unknown_patient_is_not_compared_with_anyone(broken) -> None:
    report = dahpkg.validate(broken(set_cell(9, 2, "patient_id", "")))
    assert report.result("schema-required").failed == 1
    assert report.result("patient-constant").failed == 0


def test_a_missing_episode_number_does_not_fail_the_patients_other_episodes(broken) -> None:
    report = dahpkg.validate(broken(set_cell(9, 1, "episode", "")))
    failing = {r.rule.id for r in report.results if r.failed}
    assert failing == {"schema-required"}


def test_missing_diagnosis_and_aps_are_reported_not_crashed_on(broken) -> None:
    def edit(header: list[str], rows: Rows) -> None:
        row_of(rows, 8, 1).update(diagnosis="", aps="")

    report = dahpkg.validate(broken(edit))
    assert report.result("schema-required").failed == 2
    assert report.result("ivig-sle-aps").failed == 0  # cannot judge: not "no APS"
