"""The codebook: every variable of the episode table, and the rule catalogue, for people.

Generated from the Table Schema and the rule registry, as Markdown, as a self-contained HTML
page, and as rows for the workbook's codebook and rules sheets.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from dahpkg.export.formats.statistics import YES_NO, codes
from dahpkg.package import Field, TableSchema
from dahpkg.validation.catalogue import markdown_row
from dahpkg.validation.rules import RULES

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared

HEADER = ["variable", "label", "type", "unit", "allowed values", "SPSS/Stata coding",
          "missing values", "required", "codes", "disclosure role", "description"]  # fmt: skip
RULE_HEADER = ["rule", "kind", "severity", "confirmable", "description", "basis"]


def _allowed(item: Field) -> str:
    if item.type == "boolean":
        # The CSV is written in the Table Schema's canonical spelling; a file may use any other
        # spelling the field declares, and the codebook says which.
        return (
            f"true = yes, false = no (also read: {', '.join(item.true_values)} for yes; "
            f"{', '.join(item.false_values)} for no)"
        )
    if item.allowed:
        return "; ".join(item.meanings())
    if item.minimum is not None or item.maximum is not None:
        low = "" if item.minimum is None else f"{item.minimum:g}"
        high = "" if item.maximum is None else f"{item.maximum:g}"
        return f"{low} to {high}".strip() if high else f"at least {low}"
    return ""


def _coding(item: Field) -> str:
    # The codes the SPSS and Stata files use, from the one place that assigns them.
    if item.type == "boolean":
        return ", ".join(f"{code} = {label}" for code, label in sorted(YES_NO.items())[::-1])
    if item.allowed:
        return "; ".join(f"{code} = {item.categories.get(v, v)}" for v, code in codes(item).items())
    return "as is"


def _missing(item: Field, schema: TableSchema) -> str:
    return "; ".join(
        f"{'(empty cell)' if v == '' else repr(v)} = {label or schema.missing_label}"
        for v, label in item.missing_values.items()
    )


def _code(code: Any) -> str:
    text = f"{code['system']} {code['code']} ({code['label']})"
    return text + (" [unverified]" if code.get("verified", True) is False else "")


def _codes(item: Field) -> str:
    """The variable's vocabulary codes, then each category's."""
    parts = [_code(c) for c in item.codes]
    parts += [f"{value}: " + ", ".join(_code(c) for c in codes)
              for value, codes in item.category_codes.items() if codes]  # fmt: skip
    return "; ".join(parts)


def variable_rows(schema: TableSchema) -> list[list[str]]:
    """One row per variable, with ``HEADER`` first."""
    rows = [HEADER]
    for item in schema.fields:
        rows.append([
            item.name, item.label, item.type, item.unit or "", _allowed(item), _coding(item),
            _missing(item, schema), "yes" if item.required else "no", _codes(item),
            item.privacy or "", item.documentation,
        ])  # fmt: skip
    return rows


def rule_rows() -> list[list[str]]:
    # "confirmable": a centre may confirm a reviewed case of the rule (validation.confirm).
    return [RULE_HEADER] + [
        [r.id, r.kind, r.severity, "yes" if r.confirmable else "no", r.description, r.basis]
        for r in RULES
    ]


def _md_table(rows: list[list[str]]) -> list[str]:
    line = markdown_row
    return [line(rows[0]), line(["---"] * len(rows[0])), *(line(r) for r in rows[1:])]


def markdown(schema: TableSchema, title: str) -> str:
    lines = [
        f"# Codebook: {title}", "",
        "One row per DAH episode; the primary key is "
        + ", ".join(f"`{k}`" for k in schema.primary_key) + ". In the CSV, yes/no variables are "
        "written true/false and an empty cell is a missing value; in SPSS and Stata, yes/no "
        "variables are 1/0 and categories are numeric codes, both with value labels.", "",
        "## Variables", "", *_md_table(variable_rows(schema)), "",
        "## Rules the data obey", "",
        "Structural rules come from the Table Schema; clinical rules from the letter or from "
        "clinical facts. A rule that another centre's data could break legitimately says so.", "",
        *_md_table(rule_rows()),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def html_page(schema: TableSchema, title: str) -> str:
    e = html.escape

    def table(rows: list[list[str]]) -> str:
        head = "".join(f"<th>{e(c)}</th>" for c in rows[0])
        body = "\n".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows[1:]
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"

    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Codebook: {e(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:90em}"
        "table{border-collapse:collapse;font-size:.9em}"
        "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
        "th{background:#f2f2f2}</style></head><body>\n"
        f"<h1>Codebook: {e(title)}</h1>\n"
        "<p>One row per DAH episode. In the CSV, yes/no variables are written true/false and an "
        "empty cell is a missing value; in SPSS and Stata, yes/no variables are 1/0 and "
        "categories numeric codes, both with value labels.</p>\n"
        f"<h2>Variables</h2>\n{table(variable_rows(schema))}\n"
        f"<h2>Rules the data obey</h2>\n{table(rule_rows())}\n</body></html>\n"
    )


def write(prepared: Prepared, suffix: str = ".md") -> bytes:
    """The format registry's writer: Markdown, or a web page when ``suffix`` is .html."""
    if suffix.lower() in (".html", ".htm"):
        return html_page(prepared.schema, prepared.title).encode("utf-8")
    return markdown(prepared.schema, prepared.title).encode("utf-8")
