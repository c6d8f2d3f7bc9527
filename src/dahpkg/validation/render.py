"""A validation `Report` as terminal text, JSON or a self-contained HTML page.

Every form leads with what to fix: the verdict, then the findings in file order (row, then the
column's place in the file), then the confirmed exceptions, then the summary of every rule.
The text is wrapped to the terminal's width. An input that cannot be read at all still gets a
report in the requested form (`render_unreadable`), saying why.
"""

from __future__ import annotations

import html
import json
import shutil
import textwrap
from collections.abc import Iterable
from typing import Any

from dahpkg.validation.messages import visible
from dahpkg.validation.report import Finding, Report

# The width of text written to a file or a pipe, where the terminal has no width to give.
FALLBACK_WIDTH = 100
# Narrower than this, the rule table puts each description under its rule.
NARROWEST = 40
# The description column of the rule table is at least this wide, else it goes under the rule.
DESCRIPTION_COLUMN = 24


def render(report: Report, fmt: str, *, width: int | None = None) -> str:
    """The report as ``text`` (wrapped to ``width``, by default the terminal's), ``json`` or
    ``html``."""
    if fmt == "text":
        return render_text(report, width=width)
    renderers = {"json": render_json, "html": render_html}
    return renderers[fmt](report)


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` first), 100 when there is no terminal."""
    return max(NARROWEST, shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns)


def _capped_note(report: Report) -> str | None:
    capped = [r for r in report.results if r.shown < r.failed]
    if not capped:
        return None
    return (
        f"Showing at most {report.max_examples} findings per rule; "
        + ", ".join(f"{r.rule.id} has {r.failed}" for r in capped)
        + "."
    )


def _wrap(text: str, width: int, indent: str = "", hanging: str = "    ") -> list[str]:
    """``text`` in lines of at most ``width`` characters, the first indented by ``indent`` and
    the others by ``hanging`` (long words are broken rather than overflow)."""
    return textwrap.wrap(
        text, width, initial_indent=indent, subsequent_indent=hanging,
        break_on_hyphens=False,
    ) or [indent.rstrip()]  # fmt: skip


def _finding_text(f: Finding) -> str:
    value = "" if f.value is None else f" [written: {visible(f.value)}]"
    reason = f"; confirmed: {f.reason}" if f.confirmed and f.reason else ""
    label = "CONFIRMED" if f.confirmed else f.severity.upper()
    return f"{label:7} {f.rule}  {f.where()}: {f.message}{value}{reason}"


def render_text(report: Report, *, width: int | None = None) -> str:
    width = max(NARROWEST, width or terminal_width())
    lines = _wrap(f"dahpkg validate: {report.source}", width)
    lines += _wrap(report.headline(), width)
    to_fix, confirmed = report.to_fix, report.confirmed_findings
    if to_fix:
        lines += ["", "To fix, in file order:"]
        for f in to_fix:
            lines += _wrap(_finding_text(f), width, "  ", "      ")
        note = _capped_note(report)
        if note:
            lines += _wrap(note, width)
    if confirmed:
        lines += ["", f"Confirmed exceptions ({report.confirmed} reviewed by the centre):"]
        for f in confirmed:
            lines += _wrap(_finding_text(f), width, "  ", "      ")
    lines += ["", "Rules:", *_rule_table(report, width)]
    for r in report.results:
        if r.skipped:
            lines += _wrap(f"{r.rule.id} not checked: {r.skipped}", width, "  ", "      ")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _rule_table(report: Report, width: int) -> list[str]:
    """One line per rule, the description wrapped in its column (or under the rule when the
    terminal is too narrow for a column)."""
    header = ("rule", "severity", "checked", "failures", "status")
    rows = [
        (r.rule.id, r.rule.severity, str(r.checked), str(r.failed), r.status)
        for r in report.results
    ]
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]

    def cells(values: Iterable[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in (2, 3) else c.ljust(w)
            for i, (c, w) in enumerate(zip(values, widths, strict=True))
        )

    start = sum(widths) + 2 * len(widths)
    room = width - start
    lines = []
    if room >= DESCRIPTION_COLUMN:
        lines.append(cells(header) + "  description")
        for row, r in zip(rows, report.results, strict=True):
            lines += _wrap(r.rule.description, width, cells(row) + "  ", " " * start)
        return lines
    lines += _wrap("rule  severity  status  failures of checked", width)
    for r in report.results:
        lines += _wrap(f"{r.rule.id}  {r.rule.severity}  {r.status}  {r.failed} of {r.checked}",
                       width)  # fmt: skip
        lines += _wrap(r.rule.description, width, "    ", "    ")
    return lines


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2} td.n{text-align:right}
.failed{background:#fde8e8} .valid{color:#0a6b2b} .invalid{color:#b00020}
.warning{background:#fff6db} .confirmed{background:#e8f1fd}
"""


def _page(title: str, body: list[str]) -> str:
    e = html.escape
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>dahpkg validation report: {e(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>dahpkg validation report</h1>",
        f"<p>Source: <code>{e(title)}</code></p>",
        *body,
        "</body></html>",
    ]) + "\n"  # fmt: skip


def _findings_table(findings: Iterable[Finding], *, reasons: bool) -> list[str]:
    e = html.escape
    head = ["Severity", "Row", "Patient", "Episode", "Column", "Written", "Message", "Rule"]
    out = ["<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head)
           + ("<th>Reason confirmed</th>" if reasons else "") + "</tr></thead><tbody>"]  # fmt: skip
    for f in findings:
        written = None if f.value is None else visible(f.value)
        cells: list[Any] = [f.severity, f.row, f.patient_id, f.episode, f.column, written,
                            f.message, f.rule, *([f.reason] if reasons else [])]  # fmt: skip
        css = "confirmed" if f.confirmed else "failed" if f.severity == "error" else "warning"
        out.append(f'<tr class="{css}">'
                   + "".join(f"<td>{e('' if c is None else str(c))}</td>" for c in cells)
                   + "</tr>")  # fmt: skip
    out.append("</tbody></table>")
    return out


def render_html(report: Report) -> str:
    e = html.escape
    verdict = "valid" if report.valid else "invalid"
    out = [f'<p class="{verdict}"><strong>{e(report.headline())}</strong></p>', "<h2>To fix</h2>"]
    if report.to_fix:
        out.append("<p>In file order: row, then the column's place in the file.</p>")
        out += _findings_table(report.to_fix, reasons=False)
        note = _capped_note(report)
        if note:
            out.append(f"<p>{e(note)}</p>")
    else:
        out.append("<p>Nothing to fix.</p>")
    if report.confirmed_findings:
        out.append(f"<h2>Confirmed exceptions ({report.confirmed})</h2>")
        out.append("<p>Reviewed by the centre and accepted as clinically correct: they do not "
                   "fail validation.</p>")  # fmt: skip
        out += _findings_table(report.confirmed_findings, reasons=True)
    out.append(
        "<h2>Rules</h2><table><thead><tr><th>Rule</th><th>Severity</th><th>Description</th>"
        "<th>Basis</th><th>Checked</th><th>Failures</th><th>Confirmed</th><th>Status</th>"
        "</tr></thead><tbody>"
    )
    for r in report.results:
        css = (
            ' class="failed"' if r.failed and r.rule.severity == "error"
            else ' class="warning"' if r.failed
            else ' class="confirmed"' if r.confirmed
            else ""
        )  # fmt: skip
        status = r.status if r.skipped is None else f"not checked: {r.skipped}"
        out.append(
            f"<tr{css}><td><code>{e(r.rule.id)}</code></td><td>{r.rule.severity}</td>"
            f"<td>{e(r.rule.description)}</td><td>{e(r.rule.basis)}</td>"
            f'<td class="n">{r.checked}</td><td class="n">{r.failed}</td>'
            f'<td class="n">{r.confirmed}</td><td>{e(status)}</td></tr>'
        )
    out.append("</tbody></table>")
    return _page(report.source, out)


def render_unreadable(source: str, reason: str, fmt: str) -> str:
    """The report of an input that could not be read at all: the verdict and why, in the form
    asked for, so that a pipeline expecting a report file gets one."""
    headline = f"{source} could not be read: nothing was checked"
    if fmt == "json":
        data = {
            "valid": False,
            "readable": False,
            "source": source,
            "error": reason,
            "episodes": 0,
            "patients": 0,
            "errors": 0,
            "warnings": 0,
            "confirmed": 0,
            "rules_not_checked": 0,
            "findings": [],
            "rules": [],
            "confirmations": [],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        e = html.escape
        return _page(source, [f'<p class="invalid"><strong>{e(headline)}</strong></p>',
                              f"<p>{e(reason)}</p>"])  # fmt: skip
    return f"dahpkg validate: {source}\n{headline}\n{reason}\n"
