"""Disclosure risk: identifiers injected into copies of the real data are caught, the risk of
the shipped data is reported honestly (k = 1), the gate blocks and the acknowledgement
unblocks, and generalisation lowers the risk it claims to lower."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from dahpkg import privacy
from dahpkg.cli import main
from dahpkg.errors import DataError, InputError
from dahpkg.export import export_supplement

from support.helpers import (
    ACCEPT,
    CONSENT,
    EPISODES_CSV,
    REPO,
    Edit,
    Rows,
    read_rows,
    row_of,
    write_rows,
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def independent_risk(path: Path, width: int = 1) -> tuple[int, int, int, int]:
    """k, unique patients, groups and l of survival, counted with the standard library only.

    A patient is sex, race, diagnosis, age at diagnosis and the ages at DAH of their episodes
    in order; the sensitive value is survival at the last episode.
    """

    def band(text: str) -> str:
        if not text:
            return ""
        age = int(text)
        return str(90 if age >= 90 else age // width * width)

    with path.open(encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: (r["patient_id"], int(r["episode"])))
    patients: dict[str, dict[str, object]] = {}
    for r in rows:
        p = patients.setdefault(r["patient_id"], {"key": (r["sex"], r["race"], r["diagnosis"],
                                                          band(r["age_at_diagnosis"])),
                                                  "ages": []})  # fmt: skip
        p["ages"].append(band(r["age_at_dah"]))  # type: ignore[attr-defined]
        p["survival"] = r["survival_1y"]
    keys = {pid: (*p["key"], tuple(p["ages"])) for pid, p in patients.items()}  # type: ignore[misc]
    sizes = Counter(keys.values())
    survival: dict[tuple[object, ...], set[object]] = {}
    for pid, key in keys.items():
        survival.setdefault(key, set()).add(patients[pid]["survival"])
    return (min(sizes.values()), sum(1 for pid in keys if sizes[keys[pid]] == 1), len(sizes),
            min(len(v) for v in survival.values()))  # fmt: skip


# --- the shipped data -----------------------------------------------------------------------


def test_shipped_data_report_is_honest() -> None:
    report = privacy.check()
    assert report.identifiers == ()
    assert report.files and len(report.files) == 3  # episodes, inferences, Table I as printed
    r = report.risk
    assert (r.k, r.unique, r.classes, r.l_diversity["1-year survival"]) == independent_risk(
        EPISODES_CSV
    )
    assert (r.patients, r.k, r.unique) == (10, 1, 10)  # per patient: 12 episodes, 10 patients
    assert r.attributes == ("Sex", "Race", "Underlying disease", "Age at diagnosis", "Age at DAH")
    assert report.needs_acknowledgement and report.blocks
    assert [c.status for c in report.safe_harbor] == ["pass", "pass", "pass", "pass",
                                                      "not checked"]  # fmt: skip


@pytest.mark.parametrize("width", [5, 10, 20])
def test_generalisation_risk_matches_an_independent_count(width: int) -> None:
    report = privacy.check(generalise=f"ages={width}y")
    r = report.released
    assert (r.k, r.unique, r.classes, r.l_diversity["1-year survival"]) == independent_risk(
        EPISODES_CSV, width
    )
    assert report.risk.unique == 10  # the risk before is reported too
    option = next(o for o in report.options if o.description == f"--generalise ages={width}y")
    assert option.risk == r


def test_cli_report_text_and_json(tmp_path: Path) -> None:
    code, out, err = run("privacy")
    assert code == 1, err  # an export would be blocked without an acknowledgement
    assert "k-anonymity: k = 1" in out and "unique patients: 10 of 10 (100%)" in out
    assert "l-diversity of 1-year survival: l = 1" in out
    assert "Direct identifiers\n  none found" in out and "--risk-accepted" in out
    assert "ages=10y" in out and "HIPAA Safe Harbor" in out
    code, out, _ = run("privacy", "--format", "json", "--generalise", "ages=10y")
    data = json.loads(out)
    assert code == 1 and data["risk"]["k"] == 1 and data["released"]["unique_patients"] == 8
    assert data["direct_identifiers"] == [] and data["blocks_export"] is True
    code, _, _ = run("privacy", "--min-k", "1")
    assert code == 0  # nothing blocks once one patient per group is accepted


def test_patients_not_episodes_are_counted(broken: Callable[[Edit], Path]) -> None:
    """With every patient alike, the two who relapsed form their own group (their second age
    at DAH tells them apart); a relapse never counts as a second patient."""
    package = broken(uniform)
    r = privacy.check(package).risk
    assert (r.patients, r.classes, r.k, r.unique) == (10, 2, 2, 0)
    assert (r.k, r.unique, r.classes, r.l_diversity["1-year survival"]) == independent_risk(
        package / "data" / "episodes.csv"
    )


# --- direct identifiers ---------------------------------------------------------------------

VALUES = [
    ("maria.garcia@hospital.example", privacy.EMAIL),
    ("+34 612 345 678", privacy.PHONE),
    ("(020) 7946 0958", privacy.PHONE),
    ("1958-03-12", privacy.DATE),
    ("12/03/2020", privacy.DATE),
    ("4 March 2021", privacy.DATE),
    ("2020-03-12 00:00:00", privacy.DATE),
    ("2019-03-04T10:00", privacy.DATE),
    ("2019/03/04", privacy.DATE),
    ("04-Mar-2019", privacy.DATE),
    ("admitted March 2019", privacy.DATE),
    ("12345678Z", privacy.RECORD),
    ("X1234567L", privacy.RECORD),
    ("123-45-6789", privacy.RECORD),
    ("NHC 554433", privacy.RECORD),
    ("processo 123456", privacy.RECORD),
    ("4857773456", privacy.RECORD),
    ("1234567", privacy.RECORD),
    ("Mrs Garcia", privacy.NAME),
    ("Maria Garcia Lopez", privacy.NAME),
    ("Pedro de la Fuente", privacy.NAME),
    ("João dos Santos", privacy.NAME),
    ("Dra. Ana Silva", privacy.NAME),
    ("Smith, John", privacy.NAME),
    ("JOHN SMITH", privacy.NAME),
    ("seen by John Smith on the ward", privacy.NAME),
    ("as for patient João Silva", privacy.NAME),
    ("91 123 45 67", privacy.PHONE),
    ("1000-001 Lisboa", privacy.GEOGRAPHY),
    ("28001 Madrid", privacy.GEOGRAPHY),
    ("SW1A 1AA", privacy.GEOGRAPHY),
    ("Calle Mayor 5", privacy.GEOGRAPHY),
    ("12 Baker Street", privacy.GEOGRAPHY),
    ("https://example.org/patient/7", privacy.WEB),
    ("192.168.1.10", privacy.WEB),
]
# A boolean, a whole-number, a categorical text column and the patient's study number.
COLUMNS = ["cough", "age_at_dah", "race", "patient_id"]


def put(column: str, value: str, patient: int = 3) -> Edit:
    def edit(header: list[str], rows: Rows) -> None:
        row_of(rows, patient, 1)[column] = value

    return edit


@pytest.mark.parametrize("column", COLUMNS)
def test_identifier_in_a_cell_is_caught(broken: Callable[[Edit], Path], column: str) -> None:
    """Each value on its own row (row n + 2 holds VALUES[n]) of a table of copies of patient
    3's first episode: every one is found, under its kind, at its row."""

    def one_per_row(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
        template = row_of(rows, 3, 1)
        return header, [{**template, "episode": str(n + 1), column: value}
                        for n, (value, _) in enumerate(VALUES)]  # fmt: skip

    report = privacy.check(broken(one_per_row))
    found = {(i.kind, row) for i in report.identifiers for row in i.rows}
    assert found == {(kind, n + 2) for n, (_, kind) in enumerate(VALUES)}
    assert {(Path(i.file).name, i.column) for i in report.identifiers} == {("episodes.csv", column)}
    assert sum(i.count for i in report.identifiers) == len(VALUES) and report.blocks
    # the report names where, never what: no identifier is repeated
    text, data = privacy.render_text(report), privacy.render_json(report)
    for value, _ in VALUES:
        assert value not in text and value not in data


def test_identifier_in_an_unknown_column_and_beyond_the_header(
    broken: Callable[[Edit], Path],
) -> None:
    def edit(header: list[str], rows: Rows) -> str:
        buffer = io.StringIO()
        write_rows_to(buffer, [*header, "comment"], rows, extra={"comment": "seen by Dr Smith"})
        lines = buffer.getvalue().splitlines()
        lines[3] += ",call +44 20 7946 0958"
        return "\n".join(lines) + "\n"

    report = privacy.check(broken(edit))
    found = {(i.column, i.kind) for i in report.identifiers}
    assert found == {("comment", privacy.NAME), ("(cells beyond the header)", privacy.PHONE)}


def write_rows_to(buffer: io.StringIO, header: list[str], rows: Rows,
                  extra: dict[str, str]) -> None:  # fmt: skip
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, **extra})


@pytest.mark.parametrize(
    ("label", "kind"),
    [("Patient name", privacy.NAME), ("e-mail", privacy.EMAIL), ("Phone", privacy.PHONE),
     ("date_of_birth", privacy.DATE), ("admissionDate", privacy.DATE),
     ("NHS number", privacy.RECORD), ("MRN", privacy.RECORD), ("Postcode", privacy.GEOGRAPHY),
     ("home_address", privacy.GEOGRAPHY), ("photo", privacy.BIOMETRIC)],
)  # fmt: skip
def test_identifier_in_a_column_name_is_caught(broken: Callable[[Edit], Path], label: str,
                                               kind: str) -> None:  # fmt: skip
    def edit(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
        return [*header, label], [{**r, label: ""} for r in rows]

    report = privacy.check(broken(edit))
    assert [(i.column, i.kind, i.in_name) for i in report.identifiers] == [(label, kind, True)]


CLINICAL_TEXT = [
    "Mononeuropathy Multiplex", "SARS-CoV2 infection", "fever, dyspnoea", "White", "SLE+APS",
    "Goodpasture Syndrome", "Kawasaki Disease", "Pulmonary Embolism", "Hospital Santa Maria",
    "Hb 7.8/10.2/9.1", "Hb 7.8", "IgG 1.5 g/L", "CMV viral load 1250000 copies/mL",
    "PMID 12345678", "10-12", "2019", "52", "1.5", "true", "Oral GC", "IV GC", "RPGN",
    "Table I prints a relapse on its own row (letter, paragraph 4)",
    "Methylprednisolone 500-1000 mg", "platelets 150 200 250", "tratamiento a largo plazo",
    "10000 Units Heparin", "Rituximab, Cyclophosphamide", "Positive, Negative", "Mild, Moderate",
    "Pulmonary Capillaritis", "Giant Cell Arteritis", "Staphylococcus Aureus", "Lung Biopsy",
    "Bronchoalveolar Lavage", "Not Available", "Lost To Follow-up", "referred by ICU team",
]  # fmt: skip


def test_clinical_text_and_declared_columns_are_not_identifiers(package: Path) -> None:
    assert [privacy.column_kind(n) for n in read_rows(EPISODES_CSV)[0]] == [None] * 31
    for label in ("drug_name", "test_name", "insurance_type", "ip_dose", "Diagnosis date"):
        assert privacy.column_kind(label) == (privacy.DATE if "date" in label else None)
    path = package / "data" / "inferences.csv"
    header, rows = read_rows(path)
    write_rows(path, header, [{**rows[0], "basis": text} for text in CLINICAL_TEXT])
    assert privacy.check(package).identifiers == ()


def test_the_words_of_every_schema_of_the_package_are_the_dictionarys(package: Path) -> None:
    # The episodes' schema counts too, vocabulary codes' labels included ("Decreased
    # hemoglobin concentration" is an HPO label).
    path = package / "data" / "inferences.csv"
    header, rows = read_rows(path)
    rows[0]["basis"] = "Decreased Hemoglobin"
    write_rows(path, header, rows)
    assert privacy.check(package).identifiers == ()
    # A schema given as a URL is never fetched: the package is refused when opened.
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["resources"][2]["schema"] = "https://example.org/table1.schema.json"
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    with pytest.raises(InputError, match="is a URL; dahpkg never fetches one"):
        privacy.check(package)


def test_a_reviewed_text_is_cleared_and_recorded(package: Path, tmp_path: Path) -> None:
    path = package / "data" / "inferences.csv"
    header, rows = read_rows(path)
    rows[0]["basis"] = "Churg  Strauss"
    write_rows(path, header, rows)
    assert [i.kind for i in privacy.check(package).identifiers] == [privacy.NAME]
    report = privacy.check(package, not_identifiers=["churg strauss"])
    assert report.identifiers == () and report.reviewed == ("churg strauss",)
    target = tmp_path / "s.zip"
    code, _, err = run("export", "supplement", str(package), *ACCEPT, "--not-identifier",
                       "churg strauss", "--output", str(target))  # fmt: skip
    assert code == 0, err
    with zipfile.ZipFile(target) as archive:
        readme = next(archive.read(n) for n in archive.namelist() if n.endswith("README.md"))
    assert "Reviewed by the authors as not identifying: 'churg strauss'." in readme.decode()


@pytest.mark.parametrize("reason", [
    "Written consent obtained; approved by Ethics Committee", "approved by Comissão de Ética",
    "aprobado por Comité Ético", "(Rheumatology, May 2025)", "IRB approval 2019-123-456",
])  # fmt: skip
def test_an_ordinary_acknowledgement_is_accepted(reason: str) -> None:
    from dahpkg.export import prepare

    assert prepare(None, risk_accepted=reason).risk_accepted == reason


def test_an_identifying_acknowledgement_is_refused(tmp_path: Path) -> None:
    reason = "consent signed by Maria Silva (MRN 1234567), tel +351 912 345 678"
    code, _, err = run("export", "csv", "--risk-accepted", reason, "--output",
                       str(tmp_path / "e.csv"))  # fmt: skip
    assert code == 2 and "published with the data" in err and "Silva" not in err
    assert not (tmp_path / "e.csv").exists()


def test_identifiers_in_a_header_are_caught_and_masked(package: Path) -> None:
    path = package / "data" / "inferences.csv"
    path.write_text(path.read_text().replace("basis", "john.smith@hospital.pt", 1))
    table1 = package / "data" / "raw" / "table1.tsv"
    table1.write_text(table1.read_text().replace("Antibiotics", "Tel 912345678", 1))
    report = privacy.check(package)
    found = {(Path(i.file).name, i.column, i.kind) for i in report.identifiers}
    assert ("inferences.csv", "(header row)", privacy.EMAIL) in found
    assert ("table1.tsv", "(header row)", privacy.RECORD) in found  # nine digits
    assert ("table1.tsv", "T… (13 characters)", privacy.PHONE) in found  # "Tel", masked
    text = privacy.render_text(report)
    assert "912345678" not in text and "john.smith" not in text


def test_unreadable_text_is_refused_without_quoting_it(tmp_path: Path) -> None:
    data = EPISODES_CSV.read_bytes().replace(b"\n3,1,M,White,", b"\n3,1,M,John Pe\xf1a,", 1)
    path = tmp_path / "latin1.csv"
    path.write_bytes(data.replace(b"\n4,1,", b"\n4,1,extra,", 1))
    code, out, err = run("privacy", str(path))
    assert code == 2 and "is not UTF-8 text" in err
    assert "John" not in err + out and "Traceback" not in err + out


def test_identifier_is_reported_before_validation(broken: Callable[[Edit], Path],
                                                  tmp_path: Path) -> None:  # fmt: skip
    package = broken(put("sex", "Maria Silva"))
    code, _, err = run("export", "csv", str(package), *ACCEPT, "--output",
                       str(tmp_path / "e.csv"))  # fmt: skip
    assert code == 1 and "direct identifier" in err and "Silva" not in err


def test_unnumbered_episodes_are_noted(broken: Callable[[Edit], Path]) -> None:
    def blank(header: list[str], rows: Rows) -> None:
        row_of(rows, 9, 1)["patient_id"] = ""

    report = privacy.check(broken(blank))
    assert report.risk.patients == 11
    assert report.notes == ("1 episode(s) without a patient number are each counted as a "
                            "patient of their own: number them for an exact count",)  # fmt: skip


def test_identifiers_in_companion_tables_are_caught(package: Path) -> None:
    inferences = package / "data" / "inferences.csv"
    inferences.write_text(inferences.read_text().replace("copied from that first row",
                                                         "copied on 03/04/2021", 1))  # fmt: skip
    table1 = package / "data" / "raw" / "table1.tsv"
    table1.write_text(table1.read_text().replace("Polynuropathy", "jane@clinic.example"))
    report = privacy.check(package)
    assert {(Path(i.file).name, i.column, i.kind, i.rows) for i in report.identifiers} == {
        ("inferences.csv", "basis", privacy.DATE, (2,)),
        ("table1.tsv", "Other relevant manifestations", privacy.EMAIL, (2,)),
    }


def test_identifiers_in_a_workbook_are_caught(tmp_path: Path) -> None:
    header, rows = read_rows(EPISODES_CSV)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "episodes"
    sheet.append([*header, "Surname"])
    for row in rows:
        sheet.append([*row.values(), "Garcia"])
    sheet.cell(row=3, column=header.index("race") + 1).value = pd.Timestamp("2020-03-12")
    notes = book.create_sheet("Notes")
    notes.append(["comment"])
    notes.append(["called j.doe@example.org"])
    path = tmp_path / "centre.xlsx"
    book.save(path)
    report = privacy.check(path)
    assert {(i.column, i.kind, i.rows) for i in report.identifiers} == {
        ("Surname", privacy.NAME, ()), ("race", privacy.DATE, (3,)),
        ("comment", privacy.EMAIL, (2,))}  # fmt: skip
    assert "sheet 'episodes'" in report.identifiers[0].file
    code, out, _ = run("privacy", str(path))
    assert code == 1 and "ERROR" in out and "Garcia" not in out


def test_a_field_declared_a_direct_identifier_is_never_released(package: Path) -> None:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text())
    schema["fields"][2]["privacy"] = "direct-identifier"
    path.write_text(json.dumps(schema))
    report = privacy.check(package)
    assert [(i.column, i.in_name) for i in report.identifiers] == [("sex", True)]


def test_unknown_privacy_role_is_an_input_error(package: Path) -> None:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text())
    schema["fields"][2]["privacy"] = "quasi identifier"
    path.write_text(json.dumps(schema))
    code, _, err = run("privacy", str(package))
    assert code == 2 and "unknown privacy role (sex: 'quasi identifier')" in err


# --- the gate -------------------------------------------------------------------------------


def test_gate_blocks_and_the_acknowledgement_unblocks(tmp_path: Path) -> None:
    target = tmp_path / "s.zip"
    code, _, err = run("export", "supplement", "--output", str(target))
    assert code == 1 and not target.exists()
    assert "k = 1, 10 of 10 patients unique" in err and "--risk-accepted" in err
    assert "Traceback" not in err
    code, _, err = run("export", "sav", "--output", str(tmp_path / "e.sav"),
                       "--risk-accepted", "   ")  # fmt: skip
    assert code == 1 and not (tmp_path / "e.sav").exists()  # a blank reason is no reason
    code, _, err = run("export", "supplement", *ACCEPT, "--output", str(target))
    assert code == 0, err
    with zipfile.ZipFile(target) as archive:
        top = archive.namelist()[0].split("/")[0]
        readme = archive.read(f"{top}/README.md").decode()
        zenodo = json.loads(archive.read(f"{top}/zenodo.json"))
        report = archive.read(f"{top}/disclosure-risk.txt").decode()
    assert f"Released with the risk acknowledged by the authors: {CONSENT}" in readme
    assert "k-anonymity: k = 1; 10 of 10 patients are unique" in readme
    assert CONSENT in zenodo["metadata"]["notes"] and "k = 1" in zenodo["metadata"]["notes"]
    assert "unique patients: 10 of 10" in report and CONSENT in report
    assert str(REPO) not in report  # no local path leaves the machine


def test_direct_identifier_blocks_even_with_the_acknowledgement(
    broken: Callable[[Edit], Path], tmp_path: Path,
) -> None:  # fmt: skip
    package = broken(put("cough", "maria.garcia@hospital.example"))
    for command in (["supplement"], ["csv"], ["metadata"]):
        output = tmp_path / f"out-{command[0]}"
        code, _, err = run("export", *command, str(package), *ACCEPT, "--output", str(output))
        assert code == 1 and not output.exists()
        # validation refuses the cell first; the gate would refuse it anyway
        assert "maria.garcia" not in err
    report = privacy.check(package)
    with pytest.raises(DataError, match="direct identifier") as raised:
        privacy.gate(report, CONSENT)
    assert "maria.garcia" not in str(raised.value)


def test_identifier_in_a_valid_package_is_stopped_by_the_gate(
    package: Path, tmp_path: Path,
) -> None:  # fmt: skip
    """Validation accepts any text in the table of inferred cells: only the gate stops it."""
    inferences = package / "data" / "inferences.csv"
    text = inferences.read_text()
    inferences.write_text(text.replace("copied from that first row", "Dr Lopez, 612 345 678", 1))
    assert run("validate", str(package))[0] == 0
    code, _, err = run("export", "supplement", str(package), *ACCEPT, "--output",
                       str(tmp_path / "s.zip"))  # fmt: skip
    assert code == 1 and "direct identifier" in err and "inferences.csv, column 'basis'" in err
    assert "Lopez" not in err and "612" not in err and not (tmp_path / "s.zip").exists()


def uniform(header: list[str], rows: Rows) -> None:
    """Every patient the same on every quasi-identifier: k = 10, still clinically valid."""
    for row in rows:
        row.update(sex="F", race="White", diagnosis="SLE", aps="true", age_at_diagnosis="40",
                   age_at_dah="40")  # fmt: skip


def test_low_risk_package_needs_no_acknowledgement(broken: Callable[[Edit], Path],
                                                   tmp_path: Path) -> None:  # fmt: skip
    def alike_without_relapses(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
        uniform(header, rows)
        return header, [r for r in rows if r["episode"] == "1"]

    package = broken(alike_without_relapses)
    report = privacy.check(package)
    assert (report.risk.k, report.risk.unique, report.blocks) == (10, 0, False)
    assert run("privacy", str(package))[0] == 0
    code, _, err = run("export", "csv", str(package), "--output", str(tmp_path / "e.csv"))
    assert code == 0, err


# --- generalisation and top-coding ----------------------------------------------------------


def test_generalisation_bands_and_top_codes() -> None:
    ages = pd.Series([0, 9, 10, 29, 89, 90, 95, 120, None], dtype="Int64")
    assert privacy.Generalisation.parse("ages=10y").ages(ages).tolist() == [
        0, 0, 10, 20, 80, 90, 90, 90, pd.NA]  # fmt: skip
    assert privacy.Generalisation.parse("ages=90+").ages(ages).tolist() == [
        0, 9, 10, 29, 89, 90, 90, 90, pd.NA]  # fmt: skip
    assert privacy.Generalisation.parse(" ages = 5y ").width == 5
    for bad in ("ages=3", "ages=0y", "weight=10y", "ages=100y", ""):
        with pytest.raises(InputError, match="ages=10y"):
            privacy.Generalisation.parse(bad)
    code, _, err = run("privacy", "--generalise", "age=10")
    assert code == 2 and "cannot read the generalisation" in err


def test_ages_over_89_fail_safe_harbor_until_top_coded(broken: Callable[[Edit], Path],
                                                       tmp_path: Path) -> None:  # fmt: skip
    def old(header: list[str], rows: Rows) -> None:
        uniform(header, rows)
        row_of(rows, 5, 1).update(age_at_diagnosis="93", age_at_dah="93")

    package = broken(old)
    report = privacy.check(package, min_k=1)
    assert report.safe_harbor[0].status == "fail" and report.needs_acknowledgement
    assert "2 age(s) above 89" in report.safe_harbor[0].detail  # at diagnosis and at DAH
    top = privacy.check(package, min_k=1, generalise="ages=90+")
    assert top.safe_harbor[0].status == "pass" and not top.needs_acknowledgement
    code, _, _ = run("export", "csv", str(package), "--output", str(tmp_path / "e.csv"))
    assert code == 1
    code, _, err = run("export", "csv", str(package), "--generalise", "ages=90+", "--output",
                       str(tmp_path / "e.csv"))  # fmt: skip
    assert code == 1 and "k = 1" in err  # 93 on its own is still one patient
    written = tmp_path / "e.csv"
    code, _, err = run("export", "csv", str(package), "--generalise", "ages=90+", *ACCEPT,
                       "--output", str(written))  # fmt: skip
    assert code == 0, err
    exported = pd.read_csv(written)
    assert exported["age_at_dah"].max() == 90 and 93 not in exported["age_at_diagnosis"].tolist()


def test_generalised_supplement(tmp_path: Path) -> None:
    target = tmp_path / "g.zip"
    bundle = export_supplement(output=target, risk_accepted=CONSENT, generalise="ages=10y")
    assert "data/raw/table1.tsv" not in bundle.files  # it prints the exact ages
    assert "schema/table1.schema.json" not in bundle.files
    folder = tmp_path / "g"
    with zipfile.ZipFile(target) as archive:
        archive.extractall(folder)
    (root,) = folder.iterdir()
    episodes = pd.read_csv(root / "data" / "episodes.csv")
    original = pd.read_csv(EPISODES_CSV)
    for column in ("age_at_diagnosis", "age_at_dah"):
        assert (episodes[column].dropna() % 10 == 0).all()
        assert episodes[column].tolist() == [
            a // 10 * 10 if a == a else a for a in original[column].tolist()]  # fmt: skip
    inferred = pd.read_csv(root / "data" / "inferences.csv", dtype=str)
    ages = inferred[inferred["column"].str.startswith("age_")]
    assert sorted(ages["value"]) == ["20", "20", "30"]  # patient 7: 34; patient 9: 26, 26
    schema = json.loads((root / "schema" / "episodes.schema.json").read_text())
    described = {f["name"]: f["description"] for f in schema["fields"]}
    assert "Generalised for release (ages=10y)" in described["age_at_dah"]
    assert "Generalised" not in described["sex"]
    report = (root / "disclosure-risk.txt").read_text()
    assert "unique patients: 10 of 10" in report and "unique patients: 8 of 10" in report
    readme = (root / "README.md").read_text()
    assert "Table I as printed in the letter is left out" in readme
    assert "also holds as printed" not in readme
    zenodo = json.loads((root / "zenodo.json").read_text())["metadata"]
    assert "is left out of it: it prints exact values" in zenodo["description"]
    assert run("validate", str(root))[0] == 0  # monotone bands keep every clinical rule
    descriptor = json.loads((root / "datapackage.json").read_text())
    assert [r["name"] for r in descriptor["resources"]] == ["episodes", "inferences"]


def test_python_api_gate() -> None:
    from dahpkg.export import prepare

    with pytest.raises(DataError, match="k = 1"):
        prepare(None)
    prepared = prepare(None, risk_accepted=CONSENT, generalise="ages=20y")
    assert prepared.risk_accepted == CONSENT and prepared.generalisation is not None
    assert set(prepared.episodes["age_at_dah"].dropna()) <= {20, 40, 60, 80}
    assert privacy.check().risk.k == 1  # the shipped files are untouched
