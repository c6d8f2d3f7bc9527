"""A validation `Report` as terminal text, JSON or a self-contained HTML page."""

from __future__ import annotations

import html
import json

from dahpkg.validation.report import Report


def render(report: Report, fmt: str) -> str:
    """The report as ``text``, ``json`` or ``html``."""
    renderers = {"text": render_text, "json": render_json, "html": render_html}
    return renderers[fmt](report)


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _capped_note(report: Report) -> str | None:
    capped = [r for r in report.results if r.shown < r.failed]
    if not capped:
        return None
    return (
        f"Showing at most {report.max_examples} findings per rule; "
        + ", ".join(f"{r.rule.id} has {r.failed}" for r in capped)
        + "."
    )


def render_text(report: Report) -> str:
    lines = [f"dahpkg validate: {report.source}", report.headline(), ""]
    header = ("rule", "severity", "checked", "failures", "status", "description")
    rows = [
        (r.rule.id, r.rule.severity, str(r.checked), str(r.failed), r.status, r.rule.description)
        for r in report.results
    ]
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
    for cells in [header, *rows]:
        lines.append(
            "  ".join(
                c.rjust(w) if i in (2, 3) else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()
        )
    skipped = [r for r in report.results if r.skipped]
    for r in skipped:
        lines.append(f"  {r.rule.id} not checked: {r.skipped}")
    if report.findings:
        lines += ["", "Findings:"]
        for f in report.findings:
            value = "" if f.value is None else f" [written: {f.value}]"
            lines.append(f"  {f.severity.upper():7} {f.rule}  {f.where()}: {f.message}{value}")
        note = _capped_note(report)
        if note:
            lines.append(note)
    return "\n".join(lines) + "\n"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2} td.n{text-align:right}
.failed{background:#fde8e8} .valid{color:#0a6b2b} .invalid{color:#b00020}
.warning{background:#fff6db}
"""


def render_html(report: Report) -> str:
    e = html.escape
    verdict = "valid" if report.valid else "invalid"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>dahpkg validation report: {e(report.source)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>dahpkg validation report</h1>",
        f"<p>Source: <code>{e(report.source)}</code></p>",
        f'<p class="{verdict}"><strong>{e(report.headline())}</strong></p>',
        "<h2>Rules</h2><table><thead><tr><th>Rule</th><th>Severity</th><th>Description</th>"
        "<th>Basis</th><th>Checked</th><th>Failures</th><th>Status</th></tr></thead><tbody>",
    ]
    for r in report.results:
        css = (
            ' class="failed"'
            if r.failed and r.rule.severity == "error"
            else (' class="warning"' if r.failed else "")
        )
        status = r.status if r.skipped is None else f"not checked: {r.skipped}"
        out.append(
            f"<tr{css}><td><code>{e(r.rule.id)}</code></td><td>{r.rule.severity}</td>"
            f"<td>{e(r.rule.description)}</td><td>{e(r.rule.basis)}</td>"
            f'<td class="n">{r.checked}</td><td class="n">{r.failed}</td><td>{e(status)}</td></tr>'
        )
    out.append("</tbody></table>")
    out.append("<h2>Findings</h2>")
    if report.findings:
        out.append(
            "<table><thead><tr><th>Severity</th><th>Rule</th><th>Row</th><th>Patient</th>"
            "<th>Episode</th><th>Column</th><th>Written</th><th>Message</th></tr></thead><tbody>"
        )
        for f in report.findings:
            cells = [
                f.severity,
                f.rule,
                f.row,
                f.patient_id,
                f.episode,
                f.column,
                f.value,
                f.message,
            ]
            out.append(
                "<tr>"
                + "".join(f"<td>{e('' if c is None else str(c))}</td>" for c in cells)
                + "</tr>"
            )
        out.append("</tbody></table>")
        note = _capped_note(report)
        if note:
            out.append(f"<p>{e(note)}</p>")
    else:
        out.append("<p>No findings.</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
