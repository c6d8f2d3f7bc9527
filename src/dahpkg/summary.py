"""The descriptive cohort table: counts and percentages, medians and quartiles, by disease group.

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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

Unit = Literal["patients", "episodes"]
GROUPINGS = ("group", "diagnosis", "none")
DISEASE_GROUP = {"GPA": "AAV", "MPA": "AAV", "EGPA": "AAV", "SLE": "SLE"}
OVERALL = "Overall"


@dataclass(frozen=True)
class Variable:
    """One line of the table: what is counted (or summarised), on which unit."""

    section: str
    label: str
    unit: Unit
    select: Callable[[pd.DataFrame], pd.Series]
    kind: Literal["count", "median"] = "count"


def _flag(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda frame: frame[column]


def _is(column: str, value: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda frame: (frame[column].astype(str) == value).where(frame[column].notna())


SYMPTOMS = (("fever", "Fever"), ("dyspnoea", "Dyspnoea"), ("haemoptysis", "Haemoptysis"),
            ("cough", "Cough"), ("chest_pain", "Chest pain"))  # fmt: skip


def _asymptomatic(frame: pd.DataFrame) -> pd.Series:
    return ~frame[[c for c, _ in SYMPTOMS]].any(axis=1)


MANIFESTATIONS = "Other relevant manifestations, as listed in Table I"

VARIABLES: tuple[Variable, ...] = (
    Variable("Patients", "Female", "patients", _is("sex", "F")),
    Variable("Patients", "Race: White", "patients", _is("race", "White")),
    Variable("Patients", "Race: Black", "patients", _is("race", "Black")),
    Variable("Patients", "Race: Asian", "patients", _is("race", "Asian")),
    Variable("Patients", "Tobacco exposure", "patients", _flag("tobacco_exposure")),
    Variable("Patients", "Diagnosis: GPA", "patients", _is("diagnosis", "GPA")),
    Variable("Patients", "Diagnosis: MPA", "patients", _is("diagnosis", "MPA")),
    Variable("Patients", "Diagnosis: EGPA", "patients", _is("diagnosis", "EGPA")),
    Variable("Patients", "Diagnosis: SLE", "patients", _is("diagnosis", "SLE")),
    Variable("Patients", "Antiphospholipid syndrome", "patients", _flag("aps")),
    Variable(
        "Patients", "Age at diagnosis, years", "patients", _flag("age_at_diagnosis"), "median"
    ),
    Variable("Patients", "DAH as inaugural manifestation", "patients", _flag("inaugural")),
    Variable("Patients", "Relapse (a second DAH episode)", "patients", _flag("relapsed")),
    Variable("Patients", "Alive one year after every episode", "patients", _flag("alive_1y")),
    Variable("Episodes", "Age at DAH, years", "episodes", _flag("age_at_dah"), "median"),
    Variable("Episodes", "Haemoglobin drop", "episodes", _flag("haemoglobin_drop")),
    *(Variable("Symptoms", label, "episodes", _flag(column)) for column, label in SYMPTOMS),
    Variable("Symptoms", "Asymptomatic", "episodes", _asymptomatic),
    Variable(MANIFESTATIONS, "Polyneuropathy", "episodes", _flag("polyneuropathy")),
    Variable(
        "Other manifestations",
        "Mononeuropathy multiplex",
        "episodes",
        _flag("mononeuropathy_multiplex"),
    ),
    Variable(MANIFESTATIONS, "Proteinuria", "episodes", _flag("proteinuria")),
    Variable(MANIFESTATIONS, "RPGN", "episodes", _flag("rpgn")),
    Variable(
        "Other manifestations", "SARS-CoV-2 infection", "episodes", _flag("sars_cov2_infection")
    ),
    Variable(MANIFESTATIONS, "Macrophage activation syndrome", "episodes", _flag("mas")),
    Variable("Treatment", "Oral prednisolone 1 mg/kg/day", "episodes", _flag("oral_gc")),
    Variable("Treatment", "Methylprednisolone pulses", "episodes", _flag("iv_gc")),
    Variable("Treatment", "Cyclophosphamide", "episodes", _flag("cyclophosphamide")),
    Variable("Treatment", "Plasma exchange", "episodes", _flag("plasma_exchange")),
    Variable("Treatment", "IVIg", "episodes", _flag("ivig")),
    Variable("Care and outcome", "Invasive mechanical ventilation", "episodes", _flag("imv")),
    Variable("Care and outcome", "ICU admission", "episodes", _flag("icu")),
    Variable("Care and outcome", "Antibiotics", "episodes", _flag("antibiotics")),
    Variable(
        "Care and outcome", "Alive one year after the episode", "episodes", _flag("survival_1y")
    ),
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
    cells: dict[str, Statistic]


@dataclass(frozen=True)
class Summary:
    """The cohort table: one line per variable, one column per group plus overall."""

    source: str
    groups: tuple[str, ...]
    patients: dict[str, int]
    episodes: dict[str, int]
    lines: tuple[Line, ...]

    def line(self, label: str) -> Line:
        for item in self.lines:
            if item.variable.label == label:
                return item
        raise KeyError(label)


def summarise(path: str | Path | None = None, by: str = "group") -> Summary:
    """The descriptive table of the episode table at ``path`` (default: the shipped package).

    ``by`` is ``group`` (AAV vs SLE), ``diagnosis`` or ``none``; an overall column is always
    last.

    >>> table = summarise()
    >>> table.line("ICU admission").cells["Overall"].text("count")
    '7/12 (58.3%)'
    """
    from dahpkg.claims import Cohort
    from dahpkg.package import load, locate

    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; choose one of {', '.join(GROUPINGS)}")
    cohort = Cohort.from_episodes(load(path))
    frames = {"patients": cohort.patients, "episodes": cohort.episodes}
    keys = {unit: _group_keys(frame, by) for unit, frame in frames.items()}
    groups = (*sorted(set(keys["patients"]) - {OVERALL}, key=_group_order), OVERALL)
    lines = []
    for variable in VARIABLES:
        frame, key = frames[variable.unit], keys[variable.unit]
        values = variable.select(frame)
        cells = {
            g: _statistic(values[key == g] if g != OVERALL else values, variable.kind)
            for g in groups
        }
        lines.append(Line(variable, cells))
    count = {
        unit: {
            g: int((keys[unit] == g).sum()) if g != OVERALL else len(frames[unit]) for g in groups
        }
        for unit in frames
    }
    return Summary(locate(path).name, groups, count["patients"], count["episodes"], tuple(lines))


def _group_keys(frame: pd.DataFrame, by: str) -> pd.Series:
    import pandas as pd

    diagnosis = frame["diagnosis"].astype(str)
    if by == "group":
        return diagnosis.map(DISEASE_GROUP).fillna("Other")
    if by == "diagnosis":
        return diagnosis
    return pd.Series(OVERALL, index=frame.index)


def _group_order(name: str) -> tuple[int, str]:
    order = ["AAV", "GPA", "MPA", "EGPA", "SLE"]
    return (order.index(name) if name in order else len(order), name)


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
                v.section,
                [
                    f"{v.label}, {stat} of {v.unit}",
                    *(line.cells[g].text(v.kind) for g in summary.groups),
                ],
            )
        )
    return rows


NOTE = (
    "Patient-level lines count each patient once, episode-level lines each DAH episode. "
    "N is the number with the value recorded (cells the build filled from the letter are "
    "listed in data/inferences.csv). Quartiles as SPSS computes them by default."
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
    return "\n".join([*out, "", NOTE]) + "\n"


def render_markdown(summary: Summary) -> str:
    from dahpkg.catalogue import markdown_row as line

    header = _header(summary)
    out = [line(header), line(["---"] * len(header))]
    section = None
    for name, cells in _rows(summary):
        if name != section:
            out.append(line([f"**{name}**", *[""] * (len(header) - 1)]))
            section = name
        out.append(line(cells))
    return "\n".join([*out, "", NOTE]) + "\n"


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
        + f"\n</tbody></table>\n<p>{e(NOTE)}</p>\n</body></html>\n"
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
                v.section, v.label, v.unit, "n/N (%)" if counted else "median (Q1-Q3)", group,
                s.n if counted else "", s.denominator,
                "" if not counted or s.percent is None else f"{s.percent:.1f}",
                *(("", "", "") if counted else (_num(s.median), _num(s.q1), _num(s.q3))),
                s.missing,
            ])  # fmt: skip
    return out.getvalue()


RENDERERS = {"text": render_text, "md": render_markdown, "html": render_html, "csv": render_csv}
