"""A person's initials in free text are a direct identifier (issue 14): "J.M.S. seen in ED" and
"patient JMS" in a notes column added to a copy of the shipped episodes are caught, while the
clinical text the package itself holds (Table I, the inferences, every title and description)
and the abbreviations of its dictionary are not."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from dahpkg import privacy
from dahpkg.cli import main
from dahpkg.errors import DataError
from dahpkg.package.cells import read_cells

from support.helpers import ACCEPT, EPISODES_CSV, REPO, Edit, Rows, read_rows, write_rows

CLINICAL_NOTE = (
    "Admitted to ICU with DAH on IMV; PLEX, IVIg and CYC given. GPA (AAV), ANCA positive, "
    "RPGN; SARS-CoV-2 negative; no MAS, APS or SLE. EGPA and MPA excluded."
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def with_notes(notes: list[str]) -> Edit:
    """A "notes" column after the last: note n on row n + 2, each row a copy of patient 3's
    first episode with its own episode number (a blank note leaves the cell empty)."""

    def edit(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
        template = next(r for r in rows if r["patient_id"] == "3")
        return [*header, "notes"], [
            {**template, "episode": str(n + 1), "notes": note} for n, note in enumerate(notes)
        ]

    return edit


def initials_rows(report: privacy.PrivacyReport) -> set[int]:
    return {row for i in report.identifiers if i.kind == privacy.INITIALS for row in i.rows}


def test_initials_in_a_notes_column_are_caught(broken: Callable[[Edit], Path]) -> None:
    notes = ["J.M.S. seen in ED", "patient JMS", CLINICAL_NOTE, ""]
    report = privacy.check(broken(with_notes(notes)))
    assert [(i.column, i.kind, i.count, i.rows) for i in report.identifiers] == [
        ("notes", privacy.INITIALS, 2, (2, 3))
    ]
    assert report.blocks
    text = privacy.render_text(report)
    assert "look like a person's initials (row 2, 3;" in text
    assert "--not-identifier ABC" in text  # what to do with an abbreviation read as initials
    assert "JMS" not in text and "J.M.S" not in text  # never quoted
    names = next(c for c in report.safe_harbor if c.condition.startswith("None of the other"))
    assert (names.status, names.detail) == ("fail", f"found: {privacy.INITIALS}")


INITIALS = [
    "J.M.S.",
    "J. M. S.",
    "J.M.S",
    "JMS",
    "patient JMS",
    "J.M.S. seen in ED",
    "J.M.Silva",
    "J.Silva",
    "JMS's daughter called",
    "Seen with A.C. (mother)",
    "doente AMR, 54 anos",
    "(JM)",
    "Á.B.",
    "ICU: JMS, ED: none",
    "Doente A.C.R.",
    "J.P.T.",
    "J. P.T. at home",
]
NOT_INITIALS = [
    CLINICAL_NOTE,
    "SARS-CoV-2 infection",
    "SARS-CoV2 infection",
    "IVIg 2 g/kg",
    "PLEX x5",
    "Oral GC",
    "IV GC",
    "GPA/MPA",
    "SLE+APS",
    "I.V. methylprednisolone",
    "vitamin D. Started",
    "Table I",
    "Hb 7.8",
    "CT: ground-glass; BAL haemorrhagic",
    "ANCA-associated vasculitis",
    "PR3-ANCA",
    "Sim",
    "NÃO",
    "YES",
    "type II",
    "e.g. fever",
    "TRUE",
    "transferred from the ED to the ICU",
    "AKI on CKD, HD started",
    "=SUM(A1)",
    "Reviewed at the MDT meeting; BVAS 18, FFS 1",
    "Started PLEX x7 and IV MP 1 g x3, then CYC per EUVAS protocol",
    "Doente com LES e SAF, internada na UCI com VMI",
    "COVID-19 PCR negative on admission",
    "O.K. to discharge",
]


def test_the_forms_of_initials_are_caught_and_abbreviations_are_not(
    broken: Callable[[Edit], Path],
) -> None:
    report = privacy.check(broken(with_notes(INITIALS + NOT_INITIALS)))
    assert initials_rows(report) == {n + 2 for n in range(len(INITIALS))}


def shipped_texts() -> list[str]:
    """The clinical text the package holds: every cell of its companion tables, and every
    title, description and label of its descriptor and Table Schemas (authors excepted)."""
    texts: list[str] = []
    for name in ("inferences.csv", "raw/table1.tsv"):
        path = REPO / "data" / name
        for cells in read_cells(path.read_bytes(), str(path), path.suffix):
            texts += cells.labels
            texts += [t for column in cells.columns.values() for t in column.tolist()]

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in ("contributors", "sources", "licenses"):
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in ("title", "description", "label", "keywords"):
            texts.append(value)

    for path in [REPO / "datapackage.json", *sorted((REPO / "schema").glob("*.json"))]:
        walk(json.loads(path.read_text(encoding="utf-8")))
    return sorted({t for t in texts if t.strip()})


def test_the_clinical_text_of_the_package_is_not_read_as_initials(
    broken: Callable[[Edit], Path],
) -> None:
    texts = shipped_texts()
    assert len(texts) > 100 and "Polynuropathy; Proteinuria" in texts and "RPGN" in texts
    # The same texts as the cells of a notes column: the loose file has no other schema.
    report = privacy.check(broken(with_notes(texts)))
    assert initials_rows(report) == set()


def test_the_shipped_package_holds_no_initials() -> None:
    report = privacy.check()
    assert report.identifiers == ()


def test_an_abbreviation_of_a_centre_is_cleared_by_the_authors(
    broken: Callable[[Edit], Path],
) -> None:
    package = broken(with_notes(["transferred from HGO", "HGO, then home", "patient JMS"]))
    assert initials_rows(privacy.check(package)) == {2, 3, 4}
    # Cleared once, wherever it appears; the patient's initials stay.
    report = privacy.check(package, not_identifiers=["HGO"])
    assert initials_rows(report) == {4} and report.reviewed == ("HGO",)
    code, out, _ = run("privacy", str(package), "--not-identifier", "HGO", "--format", "json")
    found = json.loads(out)["direct_identifiers"]
    assert code == 1 and [(f["column"], f["rows"]) for f in found] == [("notes", [4])]


def test_a_column_name_in_capitals_is_not_initials(broken: Callable[[Edit], Path]) -> None:
    def edit(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
        return [*header, "HGO"], [{**r, "HGO": ""} for r in rows]

    assert privacy.check(broken(edit)).identifiers == ()


def test_initials_stop_an_export_with_advice(
    broken: Callable[[Edit], Path], tmp_path: Path
) -> None:
    package = broken(with_notes(["J.M.S. seen in ED"]))
    with pytest.raises(DataError, match="person's initials") as caught:
        privacy.gate(privacy.check(package), "consent")
    assert "--not-identifier ABC" in str(caught.value) and "J.M.S" not in str(caught.value)
    target = tmp_path / "out.csv"
    code, out, err = run("export", "csv", str(package), *ACCEPT, "--output", str(target))
    assert code == 1 and not target.exists()
    assert "person's initials" in err and "Traceback" not in err and "J.M.S" not in err + out


def test_initials_in_another_sheet_of_a_workbook_are_caught(tmp_path: Path) -> None:
    import openpyxl

    header, rows = read_rows(EPISODES_CSV)
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Sheet1"
    data.append(header)
    for row in rows:
        data.append([row[h] for h in header])
    notes = book.create_sheet("Notes")
    notes.append(["patient", "note"])
    notes.append(["3", "J.M.S. came back"])
    notes.append(["4", CLINICAL_NOTE])
    path = tmp_path / "cases.xlsx"
    book.save(path)
    report = privacy.check(path)
    assert [
        (i.file.endswith("sheet 'Notes'"), i.column, i.kind, i.rows) for i in report.identifiers
    ] == [(True, "note", privacy.INITIALS, (2,))]
    # The sheet is not read as data: its columns are not the episode table's.
    assert report.undeclared == ()


def test_a_copy_of_the_episodes_written_back_holds_no_initials(tmp_path: Path) -> None:
    header, rows = read_rows(EPISODES_CSV)
    path = tmp_path / "episodes.csv"
    write_rows(path, header, rows)
    assert privacy.check(path).identifiers == ()


def test_initials_in_the_package_descriptions_are_caught(package: Path) -> None:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["title"] = "DAH at our centre, 2010-2024: the case of J.M.S. and others"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    found = [(i.json_path, i.kind) for i in privacy.check(package).identifiers]
    assert found == [("title", privacy.INITIALS)]
    # The shipped descriptions, full of the dictionary's abbreviations, hold none.
    assert privacy.check().identifiers == ()
