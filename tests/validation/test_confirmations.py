"""Confirmed exceptions: a copy of the real package broken on purpose (IVIg given to a GPA
patient, a third episode), with the cases confirmed in its own confirmations table."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.validation.rules import CONFIRMABLE, RULES

from support.helpers import ACCEPT, EPISODES_CSV, Rows, read_rows, row_of, write_rows

HEADER = "patient_id,episode,rule,reason\n"
IVIG = "2,1,ivig-sle-aps,IVIg for refractory haemorrhage after plasma exchange; team review\n"
THIRD = "7,3,relapse-at-most-one,A third episode confirmed in the clinical record\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def two_exceptions(header: list[str], rows: Rows) -> None:
    """IVIg for patient 2 (GPA, no APS) and a third episode of patient 7."""
    row_of(rows, 2, 1)["ivig"] = "true"
    rows.append(dict(row_of(rows, 7, 2), episode="3"))


def with_confirmations(package: Path, text: str | None) -> Path:
    """The package with ``text`` as data/confirmations.csv, declared as its resource."""
    if text is None:
        return package
    (package / "data" / "confirmations.csv").write_text(text, encoding="utf-8")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({
        "name": "confirmations", "type": "table", "title": "Confirmed exceptions",
        "path": "data/confirmations.csv", "format": "csv", "mediatype": "text/csv",
        "encoding": "utf-8", "schema": "schema/confirmations.schema.json",
    })  # fmt: skip
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2), "utf-8")
    return package


@pytest.fixture
def confirmed(broken):
    def make(text: str | None = HEADER + IVIG + THIRD) -> Path:
        return with_confirmations(broken(two_exceptions), text)

    return make


def test_only_the_clinical_rules_that_say_so_are_confirmable() -> None:
    assert {r.id for r in CONFIRMABLE} == {
        "ivig-sle-aps", "relapse-at-most-one", "imv-needs-icu", "age-dah-after-diagnosis",
        "inaugural-age", "oral-gc-every-episode",
    }  # fmt: skip
    assert not any(r.confirmable for r in RULES if r.kind == "structural")
    for rule in CONFIRMABLE:  # each says in its own words that another centre may differ
        assert "legitimately" in rule.description, rule.id


def test_confirmed_exceptions_validate_and_are_listed_with_their_reason(confirmed) -> None:
    path = confirmed()
    code, out, _ = run("validate", str(path))
    assert code == 0, out
    assert "valid (0 errors, 0 warnings, 2 confirmed)" in out
    flat = " ".join(out.split())
    assert "Confirmed exceptions (2 reviewed by the centre)" in flat
    assert "A third episode confirmed in the clinical record" in flat
    assert "To fix" not in out

    code, out, _ = run("validate", str(path), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["valid"] is True and report["confirmed"] == 2
    assert (report["errors"], report["warnings"]) == (0, 0)
    found = {(f["rule"], f["patient_id"], f["episode"]): f for f in report["findings"]}
    assert found["ivig-sle-aps", 2, 1]["confirmed"] is True
    assert found["ivig-sle-aps", 2, 1]["reason"].startswith("IVIg for refractory")
    assert found["relapse-at-most-one", 7, 3]["confirmed"] is True
    statuses = {r["rule"]: r["status"] for r in report["rules"]}
    assert statuses["ivig-sle-aps"] == statuses["relapse-at-most-one"] == "confirmed"
    assert [c["rule"] for c in report["confirmations"]] == ["ivig-sle-aps", "relapse-at-most-one"]


def test_without_the_confirmations_the_same_data_fail(confirmed) -> None:
    code, out, _ = run("validate", str(confirmed(None)))
    assert code == 1 and "INVALID (2 errors, 0 warnings)" in out


def test_a_confirmation_confirms_only_its_own_episode_and_rule(confirmed) -> None:
    path = confirmed(HEADER + IVIG)  # the third episode is not confirmed
    report = dahpkg.validate(path)
    assert not report.valid and report.confirmed == 1
    assert report.result("relapse-at-most-one").failed == 1
    assert report.result("ivig-sle-aps").failed == 0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("3,1,imv-needs-icu,\n", "gives no reason"),
        ("3,1,imv-needs-icu,   \n", "gives no reason"),
        ("2,1,schema-type,typed as recorded\n", "schema-type cannot be confirmed: it is a "
         "structural rule"),
        ("9,2,episode-numbering,reviewed\n", "episode-numbering cannot be confirmed"),
        ("2,1,ivig-in-gpa,reviewed\n", "'ivig-in-gpa' is not a rule of dahpkg's catalogue"),
        ("3,1,imv-needs-icu,reviewed\n", "confirms imv-needs-icu for patient 3, episode 1, but "
         "that episode has no finding of imv-needs-icu"),
        ("x,1,ivig-sle-aps,reviewed\n", "'x' is not a whole number"),
    ],
)  # fmt: skip
def test_a_wrong_confirmation_is_itself_an_error(confirmed, line: str, message: str) -> None:
    path = confirmed(HEADER + IVIG + THIRD + line)
    code, out, _ = run("validate", str(path), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    [problem] = [f for f in report["findings"] if f["rule"] == "confirmation-valid"]
    assert message in problem["message"] and "confirmations.csv row 4" in problem["message"]
    assert report["confirmed"] == 2  # the good confirmations still confirm their findings
    code, out, _ = run("validate", str(path))
    assert code == 1 and message.split(":")[0] in " ".join(out.split())


def test_matching_uses_every_failure_not_only_the_examples_shown(broken) -> None:
    def ivig_for_every_aav_patient(header: list[str], rows: Rows) -> None:
        for row in rows:
            if row["diagnosis"] != "SLE":
                row["ivig"] = "true"

    aav = [r for r in read_rows(EPISODES_CSV)[1] if r["diagnosis"] != "SLE"]
    text = HEADER + "".join(
        f"{r['patient_id']},{r['episode']},ivig-sle-aps,reviewed: IVIg for refractory DAH\n"
        for r in aav
    )
    path = with_confirmations(broken(ivig_for_every_aav_patient), text)
    report = dahpkg.validate(path, max_examples=1)
    assert report.valid and report.confirmed == len(aav) == 5
    assert len(report.confirmations) == 5
    assert len(report.confirmed_findings) == 1  # examples capped; counts in full


def test_a_confirmed_warning_passes_strict(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 6, 1).update(oral_gc="false"))
    assert run("validate", str(path), "--strict")[0] == 1
    with_confirmations(path, HEADER + "6,1,oral-gc-every-episode,intolerant of prednisolone\n")
    code, out, _ = run("validate", str(path), "--strict")
    assert code == 0 and "0 warnings, 1 confirmed" in out


def test_a_loose_file_takes_its_confirmations_from_a_csv(tmp_path: Path) -> None:
    header, rows = read_rows(EPISODES_CSV)
    two_exceptions(header, rows)
    episodes = tmp_path / "our_centre.csv"
    write_rows(episodes, header, rows)
    confirmations = tmp_path / "confirmed.csv"
    confirmations.write_text(HEADER + IVIG + THIRD, encoding="utf-8")

    assert run("validate", str(episodes))[0] == 1
    code, out, _ = run("validate", str(episodes), "--confirmations", str(confirmations))
    assert code == 0 and "2 confirmed" in out
    report = dahpkg.validate(episodes, confirmations=confirmations)
    assert report.valid and report.confirmed == 2

    code, _, err = run("validate", str(episodes), "--confirmations", str(tmp_path / "no.csv"))
    assert code == 2 and "confirmations file not found" in err


def test_a_package_with_its_own_confirmations_refuses_another_file(
    confirmed, tmp_path: Path
) -> None:
    other = tmp_path / "other.csv"
    other.write_text(HEADER + IVIG, encoding="utf-8")
    code, _, err = run("validate", str(confirmed()), "--confirmations", str(other))
    assert code == 2 and "carries its own confirmations" in err


def without_the_letter(package: Path) -> Path:
    """The package as a centre's own: no Table I of the letter, no cells inferred from it (an
    export refuses the letter's Table I beside episodes that are not the letter's)."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [
        r for r in descriptor["resources"] if r["name"] not in ("table1", "inferences")
    ]
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2), "utf-8")
    return package


def test_a_confirmed_package_exports_and_its_readme_lists_the_confirmations(
    confirmed, tmp_path: Path
) -> None:
    path = without_the_letter(confirmed())
    target = tmp_path / "supplement.zip"
    code, out, err = run("export", "supplement", *ACCEPT, str(path), "--output", str(target))
    assert code == 0, out + err
    with zipfile.ZipFile(target) as bundle:
        [name] = [n for n in bundle.namelist() if n.endswith("/README.md")]
        readme = bundle.read(name).decode("utf-8")
        shipped = [n for n in bundle.namelist() if n.endswith("/data/confirmations.csv")]
        assert [bundle.read(n).decode("utf-8") for n in shipped] == [HEADER + IVIG + THIRD]
    assert "## Confirmed exceptions" in readme
    assert "- patient 2, episode 1, rule `ivig-sle-aps`: IVIg for refractory" in readme
    assert "- patient 7, episode 3, rule `relapse-at-most-one`: A third episode" in readme


def test_an_unconfirmed_package_does_not_export(confirmed, tmp_path: Path) -> None:
    path = without_the_letter(confirmed(HEADER + IVIG))
    target = tmp_path / "supplement.zip"
    code, _, err = run("export", "supplement", *ACCEPT, str(path), "--output", str(target))
    assert code != 0 and "relapse-at-most-one: 1 failure(s)" in err
    assert "A reviewed case of relapse-at-most-one" in err and "data/confirmations.csv" in err
    assert not target.exists()


def test_a_table_of_confirmations_with_none_yet_confirms_nothing(confirmed) -> None:
    code, out, err = run("validate", str(confirmed(HEADER)))
    assert code == 1 and "INVALID (2 errors, 0 warnings)" in out, err


def test_an_empty_table_of_confirmations_is_no_error(package: Path) -> None:
    code, out, err = run("validate", str(with_confirmations(package, HEADER.strip() + "\r\n")))
    assert code == 0 and "valid (0 errors, 0 warnings)" in out, err
