"""The descriptive cohort table: counts and percentages, medians and quartiles, by disease group
or by the categories of a field describing the patient (see `dahpkg.letter.columns`).

Patient-level variables are counted once per patient, episode-level variables once per episode,
and every percentage states its denominator (a missing value leaves the denominator, and is
counted as not recorded). Quartiles follow SPSS's default definition (weighted average at
(n + 1)p; numpy's "weibull" method), the software the letter's analysis used, so medians and
IQRs agree with what the authors would compute. `tableone` was considered: it brings scipy and
statsmodels, computes quartiles by linear interpolation and has no notion of two units of
analysis in one table, so the few statistics needed here are computed directly.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dahpkg.letter.cohort import Cohort
from dahpkg.letter.columns import OVERALL, columns
from dahpkg.letter.scope import is_letter_package
from dahpkg.package import PackageLike, open_package

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package import TableSchema

Unit = Literal["patients", "episodes"]


@dataclass(frozen=True)
class Variable:
    """One line of the table: the column counted (or summarised), and for a categorical
    field the category counted. Its unit, patients or episodes, is the field's ``level`` in
    the Table Schema; the cohort derives the other patient columns (see `DERIVED`)."""

    section: str
    label: str
    column: str
    kind: Literal["count", "median"] = "count"
    value: str | None = None

    def unit(self, schema: TableSchema) -> Unit:
        if self.column in schema.names:
            return "patients" if schema.field(self.column).level == "patient" else "episodes"
        return DERIVED[self.column]

    def select(self, frame: pd.DataFrame) -> pd.Series:
        if self.column == ASYMPTOMATIC:
            return ~frame[[c for c, _ in SYMPTOMS]].any(axis=1)
        values = frame[self.column]
        if self.value is None:
            return values
        return (values.astype(str) == self.value).where(values.notna())


# Columns that are not fields: the cohort's per-patient summaries, and asymptomatic episodes.
ASYMPTOMATIC = "asymptomatic"
DERIVED: dict[str, Unit] = {"inaugural": "patients", "relapsed": "patients",
                            "alive_1y": "patients", ASYMPTOMATIC: "episodes"}  # fmt: skip
SYMPTOMS = (("fever", "Fever"), ("dyspnoea", "Dyspnoea"), ("haemoptysis", "Haemoptysis"),
            ("cough", "Cough"), ("chest_pain", "Chest pain"))  # fmt: skip
MANIFESTATIONS = "Other relevant manifestations, as listed in Table I"

VARIABLES: tuple[Variable, ...] = (
    Variable("Patients", "Female", "sex", value="F"),
    Variable("Patients", "Race: White", "race", value="White"),
    Variable("Patients", "Race: Black", "race", value="Black"),
    Variable("Patients", "Race: Asian", "race", value="Asian"),
    Variable("Patients", "Tobacco exposure", "tobacco_exposure"),
    Variable("Patients", "Diagnosis: GPA", "diagnosis", value="GPA"),
    Variable("Patients", "Diagnosis: MPA", "diagnosis", value="MPA"),
    Variable("Patients", "Diagnosis: EGPA", "diagnosis", value="EGPA"),
    Variable("Patients", "Diagnosis: SLE", "diagnosis", value="SLE"),
    Variable("Patients", "Antiphospholipid syndrome", "aps"),
    Variable("Patients", "Age at diagnosis, years", "age_at_diagnosis", "median"),
    Variable("Patients", "DAH as inaugural manifestation", "inaugural"),
    Variable("Patients", "Relapse (a second DAH episode)", "relapsed"),
    Variable("Patients", "Alive one year after every episode", "alive_1y"),
    Variable("Episodes", "Age at DAH, years", "age_at_dah", "median"),
    Variable("Episodes", "Haemoglobin drop", "haemoglobin_drop"),
    *(Variable("Symptoms", label, column) for column, label in SYMPTOMS),
    Variable("Symptoms", "Asymptomatic", ASYMPTOMATIC),
    Variable(MANIFESTATIONS, "Polyneuropathy", "polyneuropathy"),
    Variable(MANIFESTATIONS, "Mononeuropathy multiplex", "mononeuropathy_multiplex"),
    Variable(MANIFESTATIONS, "Proteinuria", "proteinuria"),
    Variable(MANIFESTATIONS, "RPGN", "rpgn"),
    Variable(MANIFESTATIONS, "SARS-CoV-2 infection", "sars_cov2_infection"),
    Variable(MANIFESTATIONS, "Macrophage activation syndrome", "mas"),
    Variable("Treatment", "Oral prednisolone 1 mg/kg/day", "oral_gc"),
    Variable("Treatment", "Methylprednisolone pulses", "iv_gc"),
    Variable("Treatment", "Cyclophosphamide", "cyclophosphamide"),
    Variable("Treatment", "Plasma exchange", "plasma_exchange"),
    Variable("Treatment", "IVIg", "ivig"),
    Variable("Care and outcome", "Invasive mechanical ventilation", "imv"),
    Variable("Care and outcome", "ICU admission", "icu"),
    Variable("Care and outcome", "Antibiotics", "antibiotics"),
    Variable("Care and outcome", "Alive one year after the episode", "survival_1y"),
)


@dataclass(frozen=True)
class Statistic:
    """One cell: a count of N with its percentage, or a median with quartiles."""

    n: int = 0
    denominator: int = 0
    missing: int = 0
    median: float | None = None
    q1: float | None = None
    q3: float | None = None

    @property
    def percent(self) -> float | None:
        return round(100 * self.n / self.denominator, 1) if self.denominator else None

    def text(self, kind: str) -> str:
        if kind == "median":
            if self.median is None:
                return "-"
            out = f"{_num(self.median)} ({_num(self.q1)}-{_num(self.q3)}), n={self.denominator}"
        else:
            out = f"{self.n}/{self.denominator}" + (
                f" ({self.percent:.1f}%)" if self.percent is not None else ""
            )
        return out + (f"; {self.missing} not recorded" if self.missing else "")


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@dataclass(frozen=True)
class Line:
    variable: Variable
    unit: Unit
    cells: dict[str, Statistic]


@dataclass(frozen=True)
class Summary:
    """The cohort table: one line per variable, one column per group plus overall."""

    source: str
    groups: tuple[str, ...]
    patients: dict[str, int]
    episodes: dict[str, int]
    lines: tuple[Line, ...]
    letter: bool = False  # the letter's own package (see `dahpkg.letter.scope`)

    def section(self, variable: Variable) -> str:
        """The heading of a variable's section; another package's table does not speak of
        the letter's Table I."""
        if variable.section == MANIFESTATIONS and not self.letter:
            return MANIFESTATIONS.split(",")[0]
        return variable.section

    @property
    def note(self) -> str:
        return NOTE if self.letter else NOTE.replace(INFERRED, "")

    def line(self, label: str) -> Line:
        for item in self.lines:
            if item.variable.label == label:
                return item
        raise KeyError(label)


def summarise(path: PackageLike = None, by: str = "group") -> Summary:
    """The descriptive table of the episode table of ``path`` (default: the shipped package).

    ``by`` is ``group`` (the disease groups the schema declares: AAV vs SLE), ``none``, or
    the name of a categorical field that describes the patient (``level``: patient), one
    column per category in the schema's order: ``diagnosis``, ``sex``, ``race``, or
    ``centre`` in a registry pooled by `dahpkg merge`. An overall column is always last.

    >>> table = summarise()
    >>> table.line("ICU admission").cells["Overall"].text("count")
    '7/12 (58.3%)'
    >>> summarise(by="sex").groups
    ('F', 'M', 'Overall')
    """
    package = open_package(path)
    cohort = Cohort.from_episodes(package.episodes(), package.schema)
    frames = {"patients": cohort.patients, "episodes": cohort.episodes}
    groups, keys = columns(cohort, package.schema, by)
    lines = []
    for variable in VARIABLES:
        unit = variable.unit(package.schema)
        frame, key = frames[unit], keys[unit]
        values = variable.select(frame)
        cells = {
            g: _statistic(values[key == g] if g != OVERALL else values, variable.kind)
            for g in groups
        }
        lines.append(Line(variable, unit, cells))
    count = {
        unit: {
            g: int((keys[unit] == g).sum()) if g != OVERALL else len(frames[unit]) for g in groups
        }
        for unit in frames
    }
    return Summary(package.name, groups, count["patients"], count["episodes"], tuple(lines),
                   is_letter_package(package))  # fmt: skip


def _statistic(values: pd.Series, kind: str) -> Statistic:
    import numpy as np

    recorded = values.dropna()
    missing = len(values) - len(recorded)
    if kind == "median":
        if recorded.empty:
            return Statistic(missing=missing)
        numbers = recorded.astype(float).to_numpy()
        q1, median, q3 = np.percentile(numbers, [25, 50, 75], method="weibull")
        return Statistic(
            denominator=len(numbers),
            missing=missing,
            median=float(median),
            q1=float(q1),
            q3=float(q3),
        )
    return Statistic(n=int(recorded.astype(bool).sum()), denominator=len(recorded), missing=missing)


def _header(summary: Summary) -> list[str]:
    return [
        "",
        *(
            f"{g} (patients {summary.patients[g]}, episodes {summary.episodes[g]})"
            for g in summary.groups
        ),
    ]


def _rows(summary: Summary) -> list[tuple[str, list[str]]]:
    """(section, cells) per line; the first cell names the variable and its unit."""
    rows = []
    for line in summary.lines:
        v = line.variable
        stat = "median (Q1-Q3)" if v.kind == "median" else "n/N (%)"
        rows.append(
            (
                summary.section(v),
                [
                    f"{v.label}, {stat} of {line.unit}",
                    *(line.cells[g].text(v.kind) for g in summary.groups),
                ],
            )
        )
    return rows


INFERRED = " (cells the build filled from the letter are listed in data/inferences.csv)"
NOTE = (
    "Patient-level lines count each patient once, episode-level lines each DAH episode. "
    f"N is the number with the value recorded{INFERRED}. Quartiles as SPSS computes them by "
    "default."
)


def render_text(summary: Summary) -> str:
    header = _header(summary)
    rows = _rows(summary)
    widths = [max(len(r[i]) for r in [header, *(c for _, c in rows)]) for i in range(len(header))]
    out = [f"dahpkg summary: {summary.source}", ""]
    section = None
    for name, cells in [("", header), *rows]:
        if name and name != section:
            out.append(name)
            section = name
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join([*out, "", summary.note]) + "\n"


def render_markdown(summary: Summary) -> str:
    from dahpkg.validation.catalogue import markdown_row as line

    header = _header(summary)
    out = [line(header), line(["---"] * len(header))]
    section = None
    for name, cells in _rows(summary):
        if name != section:
            out.append(line([f"**{name}**", *[""] * (len(header) - 1)]))
            section = name
        out.append(line(cells))
    return "\n".join([*out, "", summary.note]) + "\n"


def render_html(summary: Summary) -> str:
    e = html.escape
    header = "".join(f"<th>{e(c)}</th>" for c in _header(summary))
    body, section = [], None
    for name, cells in _rows(summary):
        if name != section:
            body.append(f'<tr><th colspan="{len(cells)}" class="s">{e(name)}</th></tr>')
            section = name
        body.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Cohort summary</title><style>body{font-family:system-ui,sans-serif;margin:2em}"
        "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25em .5em;"
        "text-align:left}th.s{background:#f2f2f2}</style></head><body>\n"
        f"<h1>Cohort summary</h1><p>Source: <code>{e(summary.source)}</code></p>\n"
        f"<table><thead><tr>{header}</tr></thead><tbody>\n"
        + "\n".join(body)
        + f"\n</tbody></table>\n<p>{e(summary.note)}</p>\n</body></html>\n"
    )


def render_csv(summary: Summary) -> str:
    """One row per variable and group, with every number in its own column."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "section",
            "variable",
            "unit",
            "statistic",
            "group",
            "n",
            "denominator",
            "percent",
            "median",
            "q1",
            "q3",
            "not_recorded",
        ]
    )
    for line in summary.lines:
        v = line.variable
        for group in summary.groups:
            s = line.cells[group]
            counted = v.kind == "count"
            writer.writerow([
                summary.section(v), v.label, line.unit,
                "n/N (%)" if counted else "median (Q1-Q3)", group,
                s.n if counted else "", s.denominator,
                "" if not counted or s.percent is None else f"{s.percent:.1f}",
                *(("", "", "") if counted else (_num(s.median), _num(s.q1), _num(s.q3))),
                s.missing,
            ])  # fmt: skip
    return out.getvalue()


RENDERERS = {"text": render_text, "md": render_markdown, "html": render_html, "csv": render_csv}
