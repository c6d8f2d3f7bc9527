"""Table I rendered again from the episode table, in the letter's layout, and compared with
Table I as printed: Markdown, TSV, HTML, LaTeX and Word."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from typing import Any

from dahpkg.errors import InputError
from dahpkg.letter.layout import (
    AGE_DAH,
    APS_SUFFIX,
    ASYMPTOMATIC,
    CORRECTIONS,
    DIAGNOSIS,
    ID,
    MANIFESTATIONS,
    MANIFESTATIONS_PRINTED,
    NO,
    NOT_RECORDED,
    PATIENT_LEVEL,
    PRINTED_COLUMNS,
    SYMPTOMS,
    SYMPTOMS_PRINTED,
    YES,
    YES_NO,
)
from dahpkg.letter.scope import is_letter_package
from dahpkg.package import Package, PackageLike, is_missing, open_package

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
# Another package's table, in the same layout: its cases are not the letter's Table I.
NEUTRAL_CAPTION = (
    "Patients with immune-mediated DAH: demographics, clinical features and the management of "
    "each episode, in the layout of Table I of the letter (from {source})"
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


def render_tsv(rows: list[list[str]], caption: str = CAPTION) -> str:
    """Table I as tab-separated text, in the layout of data/raw/table1.tsv."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(PRINTED_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def caption_of(package: Package) -> str:
    """Table I's caption for the letter's package; a neutral one naming the package (its
    title, else its file) for any other (see `dahpkg.letter.scope`)."""
    if is_letter_package(package):
        return CAPTION
    title = package.descriptor.get("title")
    source = str(title) if isinstance(title, str) and title.strip() else package.table_path.name
    return NEUTRAL_CAPTION.format(source=source)


def render_markdown(rows: list[list[str]], caption: str = CAPTION) -> str:
    from dahpkg.validation.catalogue import markdown_row as line

    lines = [f"**{caption}**", "", line(PRINTED_COLUMNS), line("---" for _ in PRINTED_COLUMNS)]
    lines += [line(r) for r in rows]
    return "\n".join([*lines, "", footnote()]) + "\n"


def render_html(rows: list[list[str]], caption: str = CAPTION) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in PRINTED_COLUMNS)
    body = "\n".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(caption)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em}"
        "table{border-collapse:collapse;font-size:.85em}"
        "th,td{border:1px solid #bbb;padding:.25em .45em;text-align:center}"
        "caption{font-weight:bold;text-align:left;margin-bottom:.5em}"
        "p.note{font-size:.8em;max-width:60em}</style></head><body>\n"
        f"<table><caption>{e(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
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


def render_latex(rows: list[list[str]], caption: str = CAPTION) -> str:
    """A ``table`` environment; needs ``\\usepackage{amssymb,booktabs,graphicx}``."""
    spec = "l" * len(PRINTED_COLUMNS)
    lines = [
        "% Needs \\usepackage{amssymb,booktabs,graphicx} in the preamble.",
        "\\begin{table}[htbp]",
        # LaTeX numbers the table itself; the caption drops the printed "Table I." prefix.
        f"\\caption{{{_latex(caption.removeprefix('Table I. '))}}}",
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


def render_docx(rows: list[list[str]], caption: str = CAPTION) -> bytes:
    """Table I as a Word document, the format the journal takes: A4 landscape, the columns
    fitted to their words at the largest font size that fits the page width, the header row
    repeated on each page, rows that never split, the abbreviations under the table
    (`dahpkg.letter.word`)."""
    from dahpkg.letter.word import table_document

    # A relapse row, its patient number left blank, stays on the page of the patient's first row.
    relapses = [not row[PRINTED_COLUMNS.index(ID)] for row in rows]
    return table_document(PRINTED_COLUMNS, rows, caption, footnote(), relapses)


RENDERERS = {"md": render_markdown, "tsv": render_tsv, "html": render_html, "latex": render_latex}


@dataclass(frozen=True)
class Rendered:
    """Table I in one format, and where it differs from Table I as printed."""

    content: str | bytes
    differences: tuple[Difference, ...]


FORMATS = ("md", "tsv", "html", "docx", "latex")


def render(path: PackageLike = None, fmt: str = "md") -> Rendered:
    """Render Table I from the episode table of ``path`` (default: the shipped package).

    Cells the build filled (the package's ``inferences`` resource) are left blank as Table I
    prints them; where Table I as printed (the ``table1`` resource) is at hand, every cell that
    differs is listed, spelling corrections marked as such. Another package's table (see
    `dahpkg.letter.scope`) has the same layout and a caption naming that package, not the
    letter's.

    >>> rendered = render(fmt="tsv")
    >>> [d.describe() for d in rendered.differences]  # doctest: +ELLIPSIS
    ["correction: row 1, Other relevant manifestations: Table I prints 'Polynuropathy; ..."]
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown Table I format {fmt!r}; choose one of {', '.join(FORMATS)}")
    package = open_package(path)
    rows = printed_rows(package.episodes(), _inferred_cells(package))
    title = caption_of(package)
    content = render_docx(rows, title) if fmt == "docx" else RENDERERS[fmt](rows, title)
    printed = _companion_text(package, "table1")
    differences = tuple(compare(rows, printed)) if printed is not None else ()
    return Rendered(content, differences)


def _companion_text(package: Package, name: str) -> str | None:
    """The text of a companion table of the package, if it has one on disk."""
    path = package.resource_path(name)
    if path is None or not path.is_file():
        return None
    try:
        return package.read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start})") from None


def _inferred_cells(package: Package) -> frozenset[Cell]:
    text = _companion_text(package, "inferences")
    if text is None:
        return frozenset()
    return frozenset(
        (int(r["patient_id"]), int(r["episode"]), r["column"])
        for r in csv.DictReader(io.StringIO(text, newline=""))
    )
