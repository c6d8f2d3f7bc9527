"""The layout of Table I as printed in the letter, and how its cells map to tidy columns.

Used to build the episode table from ``data/raw/table1.tsv`` (and, in the other direction, to
render Table I again). Paragraph numbers count the letter's body paragraphs from "Dear
Editor" on, Table I and its legend excluded.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dahpkg.schema import is_missing

# Printed symbols of the yes/no columns. "-" appears only under haemoglobin drop.
YES, NO, NOT_RECORDED = "✓", "X", "-"
SYMBOLS = {YES: True, NO: False}

ID = "ID"
DIAGNOSIS = "Diagnosis"
AGE_DAH = "Age DAH (years)"
SYMPTOMS = "Symptoms"
MANIFESTATIONS = "Other relevant manifestations"

PRINTED_COLUMNS = (
    "ID", "Sex", "Race", "Tobacco exposure", "Diagnosis", "Age diagnosis (years)",
    "Age DAH (years)", "DAH as inaugural manifestation", "Symptoms", "Haemoglobin drop",
    "Other relevant manifestations", "Oral GC", "IV GC", "CYC", "PLEX", "IVIg", "IMV", "ICU",
    "Antibiotics", "1-year survival",
)  # fmt: skip

# Columns printed once per patient and left blank on the row of a relapse.
PATIENT_LEVEL = {
    ID: ("patient_id",),
    "Sex": ("sex",),
    "Race": ("race",),
    "Tobacco exposure": ("tobacco_exposure",),
    DIAGNOSIS: ("diagnosis", "aps"),
    "Age diagnosis (years)": ("age_at_diagnosis",),
}

# Columns copied as they are (text or number).
VERBATIM = {
    "Sex": "sex",
    "Race": "race",
    "Age diagnosis (years)": "age_at_diagnosis",
    AGE_DAH: "age_at_dah",
}

# Yes/no columns printed with SYMBOLS.
YES_NO = {
    "Tobacco exposure": "tobacco_exposure",
    "DAH as inaugural manifestation": "dah_inaugural",
    "Haemoglobin drop": "haemoglobin_drop",
    "Oral GC": "oral_gc",
    "IV GC": "iv_gc",
    "CYC": "cyclophosphamide",
    "PLEX": "plasma_exchange",
    "IVIg": "ivig",
    "IMV": "imv",
    "ICU": "icu",
    "Antibiotics": "antibiotics",
    "1-year survival": "survival_1y",
}

# Yes/no columns where Table I may print NOT_RECORDED.
MAY_BE_NOT_RECORDED = {"haemoglobin_drop"}

# "SLE+APS" in the diagnosis column: the disease, plus antiphospholipid syndrome.
APS_SUFFIX = "+APS"

# Terms of the free-text columns in the order Table I prints them, with the tidy column each
# one sets to true. Reading Table I matches them without regard to case.
ASYMPTOMATIC = "asymptomatic"
SYMPTOMS_PRINTED = (
    ("fever", "fever"),
    ("dyspnoea", "dyspnoea"),
    ("chest pain", "chest_pain"),
    ("haemoptysis", "haemoptysis"),
    ("cough", "cough"),
)
MANIFESTATIONS_PRINTED = (
    ("Polyneuropathy", "polyneuropathy"),
    ("Mononeuropathy multiplex", "mononeuropathy_multiplex"),
    ("Proteinuria", "proteinuria"),
    ("RPGN", "rpgn"),
    ("SARS-CoV2 infection", "sars_cov2_infection"),
    ("MAS", "mas"),
)

# Spelling corrections made when a printed term becomes a controlled one: Table I's spelling,
# and the spelling dahpkg writes when it renders Table I again.
CORRECTIONS = {"Polynuropathy": "Polyneuropathy"}

SYMPTOM_TERMS = {term.lower(): column for term, column in SYMPTOMS_PRINTED}
MANIFESTATION_TERMS = {term.lower(): column for term, column in MANIFESTATIONS_PRINTED}
MANIFESTATION_TERMS.update(
    {wrong.lower(): MANIFESTATION_TERMS[right.lower()] for wrong, right in CORRECTIONS.items()}
)
SYMPTOM_SEPARATOR = ","
MANIFESTATION_SEPARATOR = ";"

RELAPSE_ROW_BASIS = (
    "Table I prints a relapse on its own row under the patient's first episode and leaves the "
    "patient-level cells blank; the value is the patient's, copied from that first row "
    "(letter, paragraph 4: twelve episodes in ten patients)"
)

# Relapses that happened during the admission of the first episode: the age at DAH, which
# Table I leaves blank on the relapse row, is the age at the first episode.
SAME_ADMISSION_RELAPSES = {
    9: (
        "Table I leaves the age at DAH blank; patient 9 relapsed before discharge from the "
        "admission of the first episode (letter, paragraph 10), so the age is taken from that "
        "episode. The letter gives no dates: a birthday during the admission cannot be excluded"
    ),
}


# --- Table I rendered from the episode table ----------------------------------------------

# Abbreviations used in the rendered table, written for this project.
ABBREVIATIONS = (
    ("ID", "patient number"),
    ("DAH", "diffuse alveolar haemorrhage"),
    ("GC", "glucocorticoids (oral: prednisolone 1 mg/kg/day; IV: methylprednisolone pulses)"),
    ("CYC", "cyclophosphamide"),
    ("PLEX", "plasma exchange"),
    ("IVIg", "intravenous immunoglobulin (2 g/kg)"),
    ("IMV", "invasive mechanical ventilation"),
    ("ICU", "intensive care unit"),
    ("F", "female"),
    ("M", "male"),
    (YES, "yes"),
    (NO, "no"),
    (NOT_RECORDED, "not recorded"),
    ("EGPA", "eosinophilic granulomatosis with polyangiitis"),
    ("GPA", "granulomatosis with polyangiitis"),
    ("MPA", "microscopic polyangiitis"),
    ("SLE", "systemic lupus erythematosus"),
    ("APS", "antiphospholipid syndrome"),
    ("RPGN", "rapidly progressive glomerulonephritis"),
    ("SARS-CoV2", "severe acute respiratory syndrome coronavirus 2"),
    ("MAS", "macrophage activation syndrome"),
)
CAPTION = (
    "Table I. Patients with immune-mediated DAH: demographics, clinical features and the "
    "management of each episode (regenerated from data/episodes.csv)"
)
Cell = tuple[int, int, str]  # (patient_id, episode, column) of the episode table


def footnote() -> str:
    """The abbreviations of Table I as one line."""
    return "; ".join(f"{short}, {meaning}" for short, meaning in ABBREVIATIONS) + "."


def printed_rows(
    episodes: Any, inferred: set[Cell] | frozenset[Cell] = frozenset()
) -> list[list[str]]:
    """Table I's rows, in its layout, from a frame like :func:`dahpkg.load` returns.

    A relapse (episode after the first) leaves the patient-level cells blank, as Table I does,
    and so does any cell in ``inferred`` (cells that Table I leaves blank and the build filled).
    """
    rows = []
    ordered = episodes.sort_values(["patient_id", "episode"], kind="stable")
    for record in ordered.to_dict("records"):
        patient, episode = int(record["patient_id"]), int(record["episode"])
        # A cell the build filled is shown blank, as Table I printed it.
        age_at_dah = (
            "" if (patient, episode, "age_at_dah") in inferred else _number(record["age_at_dah"])
        )
        cells = {
            AGE_DAH: age_at_dah,
            SYMPTOMS: _terms(record, SYMPTOMS_PRINTED, ", ", ASYMPTOMATIC),
            MANIFESTATIONS: _terms(record, MANIFESTATIONS_PRINTED, "; ", ""),
        }
        patient_cells = {
            "ID": str(patient),
            "Sex": _text(record["sex"]),
            "Race": _text(record["race"]),
            "Tobacco exposure": _symbol(record["tobacco_exposure"]),
            DIAGNOSIS: _diagnosis(record["diagnosis"], record["aps"]),
            "Age diagnosis (years)": _number(record["age_at_diagnosis"]),
        }
        for printed, text in patient_cells.items():
            cells[printed] = text if episode == 1 else ""
        for printed, column in YES_NO.items():
            if printed not in PATIENT_LEVEL:
                cells[printed] = _symbol(record[column])
        rows.append([cells[c] for c in PRINTED_COLUMNS])
    return rows


def _text(value: Any) -> str:
    return NOT_RECORDED if is_missing(value) else str(value)


def _diagnosis(diagnosis: Any, aps: Any) -> str:
    text = _text(diagnosis)
    flag = _flag(aps)
    if flag is None:
        return f"{text} (APS {NOT_RECORDED})"
    return text + (APS_SUFFIX if flag else "")


def _terms(record: dict[str, Any], printed: tuple[tuple[str, str], ...], separator: str,
           none: str) -> str:  # fmt: skip
    """A free-text cell from its yes/no columns; "-" when nothing is listed but some are empty."""
    flags = [(term, _flag(record[column])) for term, column in printed]
    listed = separator.join(term for term, flag in flags if flag)
    if listed:
        return listed
    return NOT_RECORDED if any(flag is None for _, flag in flags) else none


def _flag(value: Any) -> bool | None:
    """A nullable boolean cell as True, False or None when not recorded."""
    return None if is_missing(value) else bool(value)


def _symbol(value: Any) -> str:
    flag = _flag(value)
    return NOT_RECORDED if flag is None else YES if flag else NO


def _number(value: Any) -> str:
    return NOT_RECORDED if is_missing(value) else str(int(value))


@dataclass(frozen=True)
class Difference:
    """A cell where the rendered table differs from Table I as printed."""

    row: int  # data row of Table I, 1 = the first patient row
    column: str
    printed: str
    rendered: str

    @property
    def is_correction(self) -> bool:
        """True when a documented spelling correction explains the difference."""
        corrected = self.printed
        for wrong, right in CORRECTIONS.items():
            corrected = corrected.replace(wrong, right)
        return corrected == self.rendered and corrected != self.printed

    def describe(self) -> str:
        kind = "correction" if self.is_correction else "DIFFERENCE"
        return (
            f"{kind}: row {self.row}, {self.column}: Table I prints '{self.printed}', "
            f"rendered '{self.rendered}'"
        )


def compare(rendered: list[list[str]], printed_tsv: str) -> list[Difference]:
    """Every cell where ``rendered`` differs from Table I as printed (a TSV text)."""
    printed = list(csv.reader(io.StringIO(printed_tsv), delimiter="\t"))[1:]
    differences = []
    for number in range(max(len(printed), len(rendered))):
        left = printed[number] if number < len(printed) else [""] * len(PRINTED_COLUMNS)
        right = rendered[number] if number < len(rendered) else [""] * len(PRINTED_COLUMNS)
        for column, a, b in zip(PRINTED_COLUMNS, left, right, strict=False):
            if a != b:
                differences.append(Difference(number + 1, column, a, b))
    return differences


def render_tsv(rows: list[list[str]]) -> str:
    """Table I as tab-separated text, in the layout of data/raw/table1.tsv."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(PRINTED_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def render_markdown(rows: list[list[str]]) -> str:
    from dahpkg.catalogue import markdown_row as line

    lines = [f"**{CAPTION}**", "", line(PRINTED_COLUMNS), line("---" for _ in PRINTED_COLUMNS)]
    lines += [line(r) for r in rows]
    return "\n".join([*lines, "", footnote()]) + "\n"


def render_html(rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in PRINTED_COLUMNS)
    body = "\n".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(CAPTION)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em}"
        "table{border-collapse:collapse;font-size:.85em}"
        "th,td{border:1px solid #bbb;padding:.25em .45em;text-align:center}"
        "caption{font-weight:bold;text-align:left;margin-bottom:.5em}"
        "p.note{font-size:.8em;max-width:60em}</style></head><body>\n"
        f"<table><caption>{e(CAPTION)}</caption>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{body}\n</tbody></table>\n"
        f'<p class="note">{e(footnote())}</p>\n</body></html>\n'
    )


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    YES: r"\checkmark{}",
}  # fmt: skip


def _latex(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def render_latex(rows: list[list[str]]) -> str:
    """A ``table`` environment; needs ``\\usepackage{amssymb,booktabs,graphicx}``."""
    spec = "l" * len(PRINTED_COLUMNS)
    lines = [
        "% Needs \\usepackage{amssymb,booktabs,graphicx} in the preamble.",
        "\\begin{table}[htbp]",
        # LaTeX numbers the table itself; the caption drops the printed "Table I." prefix.
        f"\\caption{{{_latex(CAPTION.removeprefix('Table I. '))}}}",
        "\\resizebox{\\textwidth}{!}{%",
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(_latex(c) for c in PRINTED_COLUMNS) + " \\\\",
        "\\midrule",
        *(" & ".join(_latex(c) for c in r) + " \\\\" for r in rows),
        "\\bottomrule",
        "\\end{tabular}}",
        f"\\par\\footnotesize {_latex(footnote())}",
        "\\end{table}",
    ]
    return "\n".join(lines) + "\n"


def render_docx(rows: list[list[str]]) -> bytes:
    """Table I as a Word document (landscape), the format the journal takes."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_paragraph().add_run(CAPTION).bold = True
    table = document.add_table(rows=1, cols=len(PRINTED_COLUMNS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, PRINTED_COLUMNS, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(7)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).font.size = Pt(7)
    document.add_paragraph().add_run(footnote()).font.size = Pt(7)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


RENDERERS = {"md": render_markdown, "tsv": render_tsv, "html": render_html, "latex": render_latex}


@dataclass(frozen=True)
class Rendered:
    """Table I in one format, and where it differs from Table I as printed."""

    content: str | bytes
    differences: tuple[Difference, ...]


FORMATS = ("md", "tsv", "html", "docx", "latex")


def render(path: str | Path | None = None, fmt: str = "md") -> Rendered:
    """Render Table I from the episode table at ``path`` (default: the shipped package).

    Cells the build filled (the package's ``inferences`` resource) are left blank as Table I
    prints them; where Table I as printed (the ``table1`` resource) is at hand, every cell that
    differs is listed, spelling corrections marked as such.

    >>> rendered = render(fmt="tsv")
    >>> [d.describe() for d in rendered.differences]  # doctest: +ELLIPSIS
    ["correction: row 1, Other relevant manifestations: Table I prints 'Polynuropathy; ..."]
    """
    from dahpkg.package import load, locate, resource_file

    if fmt not in FORMATS:
        raise ValueError(f"unknown Table I format {fmt!r}; choose one of {', '.join(FORMATS)}")
    source = locate(path)
    rows = printed_rows(load(path), _inferred_cells(resource_file(source, "inferences")))
    content = render_docx(rows) if fmt == "docx" else RENDERERS[fmt](rows)
    printed = resource_file(source, "table1")
    differences: tuple[Difference, ...] = ()
    if printed is not None and printed.is_file():
        differences = tuple(compare(rows, printed.read_text(encoding="utf-8")))
    return Rendered(content, differences)


def _inferred_cells(path: Path | None) -> frozenset[Cell]:
    if path is None or not path.is_file():
        return frozenset()
    with path.open(encoding="utf-8", newline="") as handle:
        return frozenset(
            (int(r["patient_id"]), int(r["episode"]), r["column"]) for r in csv.DictReader(handle)
        )
