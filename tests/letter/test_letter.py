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

import dahpkg
from dahpkg.cli import main

from support.helpers import EPISODES_CSV, REPO, read_rows, row_of

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


def pct(part: int, whole: int) -> str:
    return f"{part} of {whole}"


def share(part: int, whole: int, unit: str) -> str:
    return f"{part} of {whole} {unit} ({100 * part / whole:.1f}%)"


def among(subset, test, label: str) -> str:
    chosen = [rs for rs in patients().values() if subset(rs)]
    return f"{sum(1 for rs in chosen if test(rs))} of {len(chosen)} {label}"


def everyone(rs: list[dict[str, str]]) -> bool:
    return True


def n_episodes(test) -> str:
    return f"{sum(1 for r in ROWS if test(r))} episodes"


def keys(test) -> str:
    return "; ".join(f"patient {r['patient_id']} episode {r['episode']}" for r in ROWS if test(r))


def flag(label: str, patient: int, episode: int, test) -> str:
    holds = test(row_of(ROWS, patient, episode))
    return f"{label}: {'yes' if holds else 'no'} (patient {patient}, episode {episode})"


def listed(patient: int, column: str) -> str:
    return " and ".join(r["episode"] for r in patients()[str(patient)] if yes(r, column))


AAV = {"GPA", "MPA", "EGPA"}
inaugural = lambda rs: any(yes(r, "dah_inaugural") for r in rs)  # noqa: E731
alive = lambda rs: all(yes(r, "survival_1y") for r in rs)  # noqa: E731
diagnosis = lambda rs: rs[0]["diagnosis"]  # noqa: E731
PLEX = episodes("plasma_exchange")


def count(test) -> int:
    return sum(1 for r in ROWS if test(r))


def inaugural_sle(r: dict[str, str]) -> bool:
    return yes(r, "dah_inaugural") and r["diagnosis"] == "SLE"


def rescue(r: dict[str, str]) -> bool:
    return yes(r, "ivig") or yes(r, "plasma_exchange")


PLEX_KIDNEY = [r for r in PLEX if yes(r, "proteinuria") or yes(r, "rpgn")]
N_PATIENTS = len(patients())

# Each derivable claim's observed value, counted here from the CSV without dahpkg.
INDEPENDENT = {
    "episodes": f"{len(ROWS)} episodes",
    "patients": f"{N_PATIENTS} patients",
    "relapses": among(everyone, lambda rs: len(rs) > 1, "patients"),
    "icu-episodes": n_episodes(lambda r: yes(r, "icu")),
    "sle-patients": share(sum(1 for rs in patients().values() if diagnosis(rs) == "SLE"),
                          N_PATIENTS, "patients"),
    "sle-secondary-aps": among(lambda rs: diagnosis(rs) == "SLE", lambda rs: yes(rs[0], "aps"),
                               "patients with SLE"),
    "aav-patients": among(everyone, lambda rs: diagnosis(rs) in AAV, "patients"),
    "inaugural-patients": share(sum(1 for rs in patients().values() if inaugural(rs)),
                                N_PATIENTS, "patients"),
    "inaugural-aav": among(inaugural, lambda rs: diagnosis(rs) in AAV,
                           "patients with inaugural DAH"),
    "inaugural-sle": among(inaugural, lambda rs: diagnosis(rs) == "SLE",
                           "patients with inaugural DAH"),
    "inaugural-sle-mas": (
        f"{count(lambda r: inaugural_sle(r) and yes(r, 'mas'))} of {count(inaugural_sle)}"
        " inaugural SLE episodes record MAS; "
        + str(sum(1 for rs in patients().values()
                  if inaugural(rs) and diagnosis(rs) == "SLE" and any(yes(r, "mas") for r in rs)))
        + " patient with inaugural SLE DAH has MAS on a later episode"
    ),
    "oral-gc-all": f"{len(episodes('oral_gc'))} of {len(ROWS)} episodes",
    "methylprednisolone": share(len(episodes("iv_gc")), len(ROWS), "episodes"),
    "cyc-with-gc": n_episodes(lambda r: yes(r, "cyclophosphamide")
                              and (yes(r, "oral_gc") or yes(r, "iv_gc"))),
    "no-cyc-or-rtx": n_episodes(lambda r: not yes(r, "cyclophosphamide")),
    "no-cyc-which": keys(lambda r: not yes(r, "cyclophosphamide")),
    "patient7-relapse-sars-cov2": flag("SARS-CoV-2 infection", 7, 2,
                                       lambda r: yes(r, "sars_cov2_infection")),
    "patient7-relapse-gc-only": flag(
        "glucocorticoids only", 7, 2,
        lambda r: yes(r, "oral_gc") and yes(r, "iv_gc")
        and not any(yes(r, c) for c in ("cyclophosphamide", "plasma_exchange", "ivig"))),
    "ivig-episodes": n_episodes(lambda r: yes(r, "ivig")),
    "ivig-which": keys(lambda r: yes(r, "ivig")),
    "ivig-patient10-under-cyc": flag("IVIg with CYC", 10, 1,
                                     lambda r: yes(r, "ivig") and yes(r, "cyclophosphamide")),
    "plex-episodes": n_episodes(lambda r: yes(r, "plasma_exchange")),
    "plex-which": keys(lambda r: yes(r, "plasma_exchange")),
    "plex-proteinuria": "plasma exchange with proteinuria in patients 1 and 8: " + (
        "yes" if all(yes(row_of(ROWS, p, 1), "plasma_exchange")
                     and yes(row_of(ROWS, p, 1), "proteinuria") for p in (1, 8)) else "no"),
    "plex-rpgn": flag("plasma exchange with RPGN", 5, 1,
                      lambda r: yes(r, "plasma_exchange") and yes(r, "rpgn")),
    "plex-with-ivig": flag("plasma exchange with IVIg", 7, 1,
                           lambda r: yes(r, "plasma_exchange") and yes(r, "ivig")),
    "patient9-mas": f"MAS on patient 9's episodes: {listed(9, 'mas')}",
    "patient9-plex-both": f"patient 9, episodes: {listed(9, 'plasma_exchange')}",
    "patient9-relapse-treatment": flag(
        "cyclophosphamide and plasma exchange", 9, 2,
        lambda r: yes(r, "cyclophosphamide") and yes(r, "plasma_exchange")),
    "survivors": among(everyone, alive, "patients"),
    "deaths": among(everyone, lambda rs: not alive(rs), "patients"),
    "ivig-only-sle-aps": (
        f"{sum(1 for r in episodes('ivig') if r['diagnosis'] == 'SLE' or yes(r, 'aps'))} of "
        f"{len(episodes('ivig'))} IVIg episodes in SLE and/or APS"),
    "plex-kidney-half": (
        share(len({r["patient_id"] for r in PLEX_KIDNEY}), len({r["patient_id"] for r in PLEX}),
              "patients")
        + "; " + share(len(PLEX_KIDNEY), len(PLEX), "episodes")),
    "ivig-mostly-icu": (
        share(sum(1 for r in episodes("ivig") if yes(r, "icu")), len(episodes("ivig")),
              "IVIg episodes")
        + f" were ICU admissions; {sum(1 for r in episodes('ivig') if yes(r, 'icu'))} of "
        f"{len(episodes('icu'))} ICU admissions received IVIg"),
    "plex-mostly-icu": (
        share(sum(1 for r in PLEX if yes(r, "icu")), len(PLEX), "PLEX episodes")
        + f" were ICU admissions; {sum(1 for r in PLEX if yes(r, 'icu'))} of "
        f"{len(episodes('icu'))} ICU admissions received PLEX"),
    "rescue-add-on": (
        f"{count(lambda r: rescue(r) and yes(r, 'cyclophosphamide'))} IVIg/PLEX episodes with "
        f"cyclophosphamide, {count(lambda r: rescue(r) and not yes(r, 'cyclophosphamide'))} "
        "without"),
    "aps-obstetric-woman": (
        f"{sum(1 for rs in patients().values() if yes(rs[0], 'aps') and rs[0]['sex'] == 'F')} of "
        f"{sum(1 for rs in patients().values() if yes(rs[0], 'aps'))} APS patients are women"),
    "antibiotics": n_episodes(lambda r: yes(r, "antibiotics")),
    "gc-cyc-most-used": (
        share(sum(1 for r in ROWS if yes(r, "cyclophosphamide")), len(ROWS), "episodes")
        + f" with GC and CYC; {sum(1 for r in ROWS if not yes(r, 'cyclophosphamide'))}"
        " with GC without CYC"),
}  # fmt: skip
NOT_DERIVABLE = {
    "study-period", "bal-diagnosis", "clinical-diagnosis", "hospital-stay", "icu-stay",
    "methylprednisolone-dose", "no-cyc-reason", "patient5-infection", "patient7-risk",
    "patient7-relapse-dose", "patient7-relapse-interval", "ivig-reasons",
    "patient9-relapse-timing", "death-timing-cause", "aps-anticoagulation",
    "favourable-response", "cyc-over-rtx",
}  # fmt: skip
DOCUMENTED = {"inaugural-sle-mas", "plex-kidney-half"}


def test_the_independent_counts_agree_with_the_letter() -> None:
    # The counts above, from the CSV, against the letter's own numbers (paragraphs 4 to 13).
    assert (len(ROWS), N_PATIENTS) == (12, 10)
    assert [len(episodes(c)) for c in ("icu", "ivig", "plasma_exchange", "antibiotics")] == [
        7,
        3,
        6,
        10,
    ]
    assert len(episodes("iv_gc")) == 10 and len(episodes("cyclophosphamide")) == 9
    assert all(yes(r, "oral_gc") for r in ROWS)


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
        "56 claims of the letter: 37 match, 2 mismatch (2 documented discrepancies of the "
        "letter), 17 not derivable from the data"
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


# --- other centres' data: nothing crashes, nothing missing is counted as "no" ---------------


def test_a_missing_episode_makes_its_claims_undecidable(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 9, 2).update(episode="3"))
    code, out, err = run("reproduce", str(path), "--format", "json")
    assert "Traceback" not in err
    claims = {c["id"]: c for c in json.loads(out)["claims"]}
    relapse = claims["patient9-relapse-treatment"]
    assert relapse["status"] == "not-derivable"
    assert relapse["observed"] == "patient 9, episode 2 is not in the data"
    assert code == 1  # patient9-plex-both now contradicts the letter ([1, 3])


def test_a_missing_cell_is_not_counted_as_no(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 5, 1).update(survival_1y=""))
    claims = {c.claim.id: c for c in dahpkg.reproduce(path).results}
    assert claims["survivors"].status == "not-derivable"
    assert "1 cell(s) of survival_1y not recorded" in claims["survivors"].observed
    path = broken(lambda h, rows: row_of(rows, 6, 1).update(oral_gc=""))
    assert {c.claim.id: c for c in dahpkg.reproduce(path).results}[
        "oral-gc-all"
    ].status == "not-derivable"


def test_a_patient_with_unknown_survival_is_not_counted_alive(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 5, 1).update(survival_1y=""))
    alive = dahpkg.summarise(path).line("Alive one year after every episode").cells["Overall"]
    assert (alive.n, alive.denominator, alive.missing) == (9, 9, 1)


def test_another_centres_patient_keeps_all_meaning_all(broken) -> None:
    def edit(header, rows) -> None:
        rows.append(dict(row_of(rows, 3, 1), patient_id="11"))

    path = broken(edit)
    claims = {c.claim.id: c for c in dahpkg.reproduce(path).results}
    assert claims["oral-gc-all"].status == "match"
    assert claims["oral-gc-all"].observed == "13 of 13 episodes"
    assert claims["episodes"].status == "mismatch"  # 13 is not the letter's 12
    code, _, err = run("summary", str(path))
    assert code == 0 and not err


def test_table1_shows_missing_text_cells_as_not_recorded(broken) -> None:
    path = broken(
        lambda h, rows: row_of(rows, 6, 1).update(diagnosis="", aps="", fever="", dyspnoea="")
    )
    code, out, _ = run("table1", str(path), "--format", "tsv")
    assert code == 0 and "nan" not in out
    row = next(r for r in csv.reader(io.StringIO(out), delimiter="\t") if r[0] == "6")
    assert row[4] == "- (APS -)" and row[8] == "-"


def test_summary_names_each_section_once() -> None:
    # The defect: two lines carried "Other manifestations" as a literal, so the Markdown and
    # text tables alternated between two headings for one section.
    code, md, _ = run("summary", "--format", "md")
    headings = [line for line in md.splitlines() if line.startswith("| **")]
    assert code == 0 and len(headings) == len(set(headings)) == 6
    assert "**Other manifestations**" not in md
    code, text, _ = run("summary")
    assert text.count("Other relevant manifestations, as listed in Table I") == 1


def test_table1_refuses_a_companion_table_that_is_not_utf8(package: Path) -> None:
    path = package / "data" / "inferences.csv"
    path.write_bytes(path.read_bytes().replace(b"copied", "copi\u00e9".encode("latin-1"), 1))
    code, _, err = run("table1", str(package))
    assert code == 2 and "inferences.csv is not UTF-8 text" in err and "Traceback" not in err
