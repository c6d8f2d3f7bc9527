"""The rule catalogue rendered for people: terminal text, Markdown (README, codebook), JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dahpkg.validation.rules import RULES

if TYPE_CHECKING:
    from dahpkg.package import TableSchema


def render_rules(fmt: str = "text") -> str:
    """The catalogue of :data:`dahpkg.rules.RULES` as ``text``, ``markdown`` or ``json``."""
    if fmt == "json":
        items = [
            {
                "id": r.id,
                "kind": r.kind,
                "severity": r.severity,
                "confirmable": r.confirmable,
                "description": r.description,
                "basis": r.basis,
                "columns": list(r.columns),
            }
            for r in RULES
        ]
        return json.dumps({"rules": items}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        lines = [
            "| id | kind | severity | confirmable | description | basis |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            markdown_row([f"`{r.id}`", r.kind, r.severity, "yes" if r.confirmable else "no",
                          r.description, r.basis])
            for r in RULES
        ]  # fmt: skip
        return "\n".join(lines) + "\n"
    width = max(len(r.id) for r in RULES)
    lines = [
        f"{r.id:<{width}}  {r.severity:<7}  {r.description}\n{'':<{width}}  "
        f"{'':<7}  basis: {r.basis}"
        + (f"\n{'':<{width}}  {'':<7}  confirmable: a reviewed case may be confirmed"
           if r.confirmable else "")
        for r in RULES
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def markdown_row(cells: Iterable[str]) -> str:
    """One row of a Markdown table, with the cells' pipes escaped and line breaks flattened.

    >>> markdown_row(["a|b", "c"])
    '| a\\\\|b | c |'
    """
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def render_dictionary(schema: TableSchema | None = None) -> str:
    """The data dictionary of the episode table as a Markdown table, from the Table Schema."""
    from dahpkg.package import shipped_schema

    schema = schema or shipped_schema()
    lines = [
        "| column | type | required | allowed values | level | disclosure role "
        "| title: description |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in schema.fields:
        if item.allowed:
            allowed = ", ".join(
                meaning + (f" ({item.category_groups[v]})" if v in item.category_groups else "")
                for v, meaning in zip(item.allowed, item.meanings(), strict=True)
            )
        elif item.type == "boolean":
            allowed = "true, false"
        elif item.minimum is not None or item.maximum is not None:
            if item.maximum is None:
                allowed = f"≥ {item.minimum:g}"
            elif item.minimum is None:
                allowed = f"≤ {item.maximum:g}"
            else:
                allowed = f"{item.minimum:g} to {item.maximum:g}"
            allowed += f" {item.unit}s" if item.unit else ""
        else:
            allowed = ""
        required = "yes" if item.required else f"no (empty = {schema.missing_label})"
        lines.append(
            markdown_row(
                [
                    f"`{item.name}`",
                    item.type,
                    required,
                    allowed,
                    item.level or "",
                    item.privacy or "",
                    f"**{item.label}**: {item.documentation}",
                ]
            )
        )
    return "\n".join(lines) + "\n"
