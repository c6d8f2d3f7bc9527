"""Reproducing the letter: Table I, every claim of the text, the cohort summary."""

from __future__ import annotations

import csv
import io
import json
import statistics
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from dahpkg.cli import main

from conftest import EPISODES_CSV, REPO, read_rows, row_of

RAW = (REPO / "data" / "raw" / "table1.tsv").read_text(encoding="utf-8")
_, ROWS = read_rows(EPISODES_CSV)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def yes(row: dict[str, str], column: str) -> bool:
    return row[column] == "true"


# --- Table I ---------------------------------------------------------------------------------


def test_tsv_is_table_one_as_printed_but_for_documented_corrections() -> None:
    code, out, err = run("table1", "--format", "tsv")
    assert code == 0
    assert out == RAW.replace("Polynuropathy", "Polyneuropathy")
    assert err.splitlines() == [
        "correction: row 1, Other relevant manifestations: Table I prints "
        "'Polynuropathy; Proteinuria', rendered 'Polyneuropathy; Proteinuria'"
    ]


def test_relapse_rows_leave_patient_cells_blank() -> None:
    rows = list(csv.reader(io.StringIO(run("table1", "--format", "tsv")[1]), delimiter="\t"))
    relapses = [r for r in rows[1:] if r[0] == ""]
    assert len(relapses) == 2
    assert all(cell == "" for r in relapses for cell in r[:6])
    assert relapses[0][6] == "52" and relapses[1][6] == ""  # patient 9's age is inferred


def test_a_changed_cell_is_listed_as_a_difference(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 3, 1).update(icu="true"))
    code, _, err = run("table1", str(path), "--format", "tsv")
    assert code == 0
    assert "DIFFERENCE: row 3, ICU: Table I prints 'X', rendered '✓'" in err


class Cells(HTMLParser):
    """Table rows of an HTML page, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.text: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self._in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_cell:
            self.rows[-1][-1] += data


def tsv_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(run("table1", "--format", "tsv")[1]), delimiter="\t"))


def test_html_is_self_contained_and_complete() -> None:
    code, out, _ = run("table1", "--format", "html")
    assert code == 0 and "<script" not in out and "<link" not in out
    parser = Cells()
    parser.feed(out)
    assert parser.rows == tsv_rows()
    assert "MAS, macrophage activation syndrome" in "".join(parser.text)


def test_docx_opens_in_python_docx(tmp_path: Path) -> None:
    target = tmp_path / "table1.docx"
    code, out, _ = run("table1", "--format", "docx", "--output", str(target))
    assert code == 0 and "Table I written to" in out
    document = docx.Document(str(target))
    [table] = document.tables
    assert [[c.text for c in row.cells] for row in table.rows] == tsv_rows()
    assert "ICU, intensive care unit" in document.paragraphs[-1].text


def test_docx_needs_a_file() -> None:
    code, _, err = run("table1", "--format", "docx")
    assert code == 2 and "--output" in err


def test_markdown_and_latex() -> None:
    code, md, _ = run("table1", "--format", "md")
    assert code == 0
    lines = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(lines) == 1 + 1 + 12
    assert lines[1].count("---") == 20
    code, tex, _ = run("table1", "--format", "latex")
    assert code == 0
    assert tex.count("\\\\\n") == 13 and "\\checkmark{}" in tex and "✓" not in tex
    assert "\\begin{tabular}" in tex and "\\end{table}" in tex


# --- reproduce -------------------------------------------------------------------------------


def episodes(column: str) -> list[dict[str, str]]:
    return [r for r in ROWS if yes(r, column)]


def patients() -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in ROWS:
        grouped.setdefault(row["patient_id"], []).append(row)
    return grouped


def count_patients(test) -> str:
    return f"{sum(1 for rows in patients().values() if test(rows))} of 10 patients"


def keys(column: str) -> str:
    return "; ".join(f"patient {r['patient_id']} episode {r['episode']}" for r in episodes(column))


AAV = {"GPA", "MPA", "EGPA"}
# Each derivable claim's observed value, counted here without dahpkg.
INDEPENDENT = {
    "episodes": f"{len(ROWS)} episodes",
    "patients": f"{len(patients())} patients",
    "relapses": count_patients(lambda rs: len(rs) > 1),
    "icu-episodes": f"{len(episodes('icu'))} episodes",
    "sle-patients": "5 of 10 patients (50.0%)",
    "sle-secondary-aps": count_patients(
        lambda rs: rs[0]["diagnosis"] == "SLE" and yes(rs[0], "aps")
    ),
    "aav-patients": count_patients(lambda rs: rs[0]["diagnosis"] in AAV),
    "inaugural-patients": "6 of 10 patients (60.0%)",
    "inaugural-aav": count_patients(
        lambda rs: rs[0]["diagnosis"] in AAV and any(yes(r, "dah_inaugural") for r in rs)
    ),
    "inaugural-sle-mas": count_patients(
        lambda rs: (
            rs[0]["diagnosis"] == "SLE"
            and any(yes(r, "dah_inaugural") for r in rs)
            and any(yes(r, "mas") for r in rs)
        )
    ),
    "oral-gc-all": f"{len(episodes('oral_gc'))} episodes",
    "methylprednisolone": "10 of 12 episodes (83.3%)",
    "cyc-with-gc": f"{len(episodes('cyclophosphamide'))} episodes",
    "no-cyc-or-rtx": f"{12 - len(episodes('cyclophosphamide'))} episodes",
    "no-cyc-which": "; ".join(
        f"patient {r['patient_id']} episode {r['episode']}"
        for r in ROWS
        if not yes(r, "cyclophosphamide")
    ),
    "patient5-sars-cov2": "SARS-CoV-2 infection: no (patient 5, episode 1)",
    "patient7-relapse-sars-cov2": "SARS-CoV-2 infection: yes (patient 7, episode 2)",
    "patient7-relapse-gc-only": "glucocorticoids only: yes (patient 7, episode 2)",
    "ivig-episodes": f"{len(episodes('ivig'))} episodes",
    "ivig-which": keys("ivig"),
    "plex-episodes": f"{len(episodes('plasma_exchange'))} episodes",
    "plex-which": keys("plasma_exchange"),
    "plex-proteinuria": "proteinuria with plasma exchange in patients 1 and 8: yes",
    "plex-rpgn": "plasma exchange with RPGN: yes (patient 5, episode 1)",
    "plex-with-ivig": "plasma exchange with IVIg: yes (patient 7, episode 1)",
    "patient9-mas": "patient 9, episodes: 2",
    "patient9-plex-both": "patient 9, episodes: 1 and 2",
    "patient9-relapse-treatment": "cyclophosphamide and plasma exchange: yes (patient 9, "
    "episode 2)",
    "survivors": count_patients(lambda rs: all(yes(r, "survival_1y") for r in rs)),
    "deaths": count_patients(lambda rs: not all(yes(r, "survival_1y") for r in rs)),
    "ivig-only-sle-aps": "3 of 3 IVIg episodes in SLE and/or APS",
    "plex-kidney-half": "3 of 5 patients (60.0%); 3 of 6 episodes (50.0%)",
    "ivig-mostly-icu": "3 of 3 IVIg episodes (100.0%) were ICU admissions; "
    "3 of 7 ICU admissions received IVIg",
    "plex-mostly-icu": "4 of 6 PLEX episodes (66.7%) were ICU admissions; "
    "4 of 7 ICU admissions received PLEX",
    "rescue-add-on": "5 IVIg/PLEX episodes with cyclophosphamide, 2 without",
    "aps-patients": count_patients(lambda rs: yes(rs[0], "aps")),
    "antibiotics": f"{len(episodes('antibiotics'))} episodes",
    "gc-cyc-most-used": "9 of 12 episodes (75.0%) with GC and CYC; 3 with GC without CYC",
}
NOT_DERIVABLE = {
    "study-period", "bal-diagnosis", "clinical-diagnosis", "hospital-stay", "icu-stay",
    "patient7-relapse-interval", "ivig-reasons", "patient9-relapse-timing", "cyc-over-rtx",
}  # fmt: skip
DOCUMENTED = {"patient5-sars-cov2", "patient9-mas", "plex-kidney-half"}


def test_the_independent_counts_agree_with_the_letter() -> None:
    # The counts above, from the CSV, against the letter's own numbers (paragraphs 4 to 13).
    assert (len(ROWS), len(patients())) == (12, 10)
    assert [len(episodes(c)) for c in ("icu", "ivig", "plasma_exchange", "antibiotics")] == [
        7,
        3,
        6,
        10,
    ]
    assert len(episodes("iv_gc")) == 10 and len(episodes("cyclophosphamide")) == 9


@pytest.fixture(scope="module")
def claims() -> dict[str, dict]:
    code, out, _ = run("reproduce", "--format", "json")
    assert code == 0
    return {c["id"]: c for c in json.loads(out)["claims"]}


def test_every_claim_has_the_contract_fields(claims) -> None:
    for claim in claims.values():
        assert {"id", "statement", "where", "reported", "observed", "status", "note"} <= set(claim)
        assert claim["where"].startswith("paragraph ")
        assert claim["status"] in ("match", "mismatch", "not-derivable")


def test_every_claim_is_classified(claims) -> None:
    assert set(claims) == set(INDEPENDENT) | NOT_DERIVABLE
    assert {i for i, c in claims.items() if c["status"] == "not-derivable"} == NOT_DERIVABLE
    assert {i for i, c in claims.items() if c["status"] == "mismatch"} == DOCUMENTED
    assert all(claims[i]["documented_discrepancy"] for i in DOCUMENTED)
    assert all(claims[i]["note"] for i in NOT_DERIVABLE | DOCUMENTED)


@pytest.mark.parametrize("claim_id", sorted(INDEPENDENT))
def test_observed_value_equals_an_independent_count(claims, claim_id: str) -> None:
    assert claims[claim_id]["observed"] == INDEPENDENT[claim_id]


def test_an_undocumented_mismatch_fails(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 3, 1).update(antibiotics="true"))
    code, out, _ = run("reproduce", str(path))
    assert code == 1
    assert "[mismatch] antibiotics (paragraph 13)" in out
    assert "letter: 10; data: 11 episodes" in out
    assert "Claims the data contradict: antibiotics" in out


def test_text_report_headline() -> None:
    code, out, _ = run("reproduce")
    assert code == 0
    assert (
        "47 claims of the letter: 35 match, 3 mismatch (3 documented discrepancies of the "
        "letter), 9 not derivable from the data"
    ) in out


# --- summary ---------------------------------------------------------------------------------


def summary_csv(*args: str) -> dict[tuple[str, str], dict[str, str]]:
    code, out, _ = run("summary", "--format", "csv", *args)
    assert code == 0
    return {(r["variable"], r["group"]): r for r in csv.DictReader(io.StringIO(out))}


def test_summary_counts_patients_once_and_episodes_each() -> None:
    table = summary_csv()
    icu = table[("ICU admission", "Overall")]
    assert (icu["n"], icu["denominator"], icu["percent"]) == ("7", "12", "58.3")
    female = table[("Female", "AAV")]
    assert (female["n"], female["denominator"]) == ("3", "5")
    sle_female = table[("Female", "SLE")]
    assert (sle_female["n"], sle_female["denominator"]) == ("4", "5")
    relapse = table[("Relapse (a second DAH episode)", "SLE")]
    assert (relapse["n"], relapse["denominator"]) == ("2", "5")
    hb = table[("Haemoglobin drop", "Overall")]
    assert (hb["n"], hb["denominator"], hb["not_recorded"]) == ("10", "11", "1")


def test_summary_medians_use_spss_quartiles() -> None:
    table = summary_csv()
    ages = sorted(
        int(rows[0]["age_at_diagnosis"])
        for rows in patients().values()
        if rows[0]["diagnosis"] == "SLE"
    )
    q1, median, q3 = statistics.quantiles(ages, n=4, method="exclusive")  # SPSS's definition
    cell = table[("Age at diagnosis, years", "SLE")]
    assert [float(cell[k]) for k in ("q1", "median", "q3")] == [q1, median, q3]
    assert cell["denominator"] == "5"


def test_summary_by_diagnosis_and_overall_only() -> None:
    table = summary_csv("--by", "diagnosis")
    assert {g for _, g in table} == {"GPA", "MPA", "EGPA", "SLE", "Overall"}
    assert table[("ICU admission", "GPA")]["denominator"] == "3"
    assert {g for _, g in summary_csv("--by", "none")} == {"Overall"}


def test_summary_formats_are_readable(tmp_path: Path) -> None:
    code, text, _ = run("summary")
    assert code == 0 and "AAV (patients 5, episodes 5)" in text
    code, md, _ = run("summary", "--format", "md")
    assert md.splitlines()[0].startswith("|  | AAV")
    target = tmp_path / "summary.html"
    code, _, _ = run("summary", "--format", "html", "--output", str(target))
    assert code == 0
    parser = Cells()
    parser.feed(target.read_text(encoding="utf-8"))
    icu = next(r for r in parser.rows if r and r[0].startswith("ICU admission"))
    assert icu[1:] == ["3/5 (60.0%)", "4/7 (57.1%)", "7/12 (58.3%)"]
