"""The rule catalogue rendered for people: terminal text, Markdown (README, codebook), JSON."""

from __future__ import annotations

import json

from dahpkg.rules import RULES


def render_rules(fmt: str = "text") -> str:
    """The catalogue of :data:`dahpkg.rules.RULES` as ``text``, ``markdown`` or ``json``."""
    if fmt == "json":
        items = [
            {"id": r.id, "kind": r.kind, "severity": r.severity, "description": r.description,
             "basis": r.basis, "columns": list(r.columns)}
            for r in RULES
        ]
        return json.dumps({"rules": items}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        lines = ["| id | kind | severity | description | basis |", "|---|---|---|---|---|"]
        lines += [
            f"| `{r.id}` | {r.kind} | {r.severity} | {_md(r.description)} | {_md(r.basis)} |"
            for r in RULES
        ]
        return "\n".join(lines) + "\n"
    width = max(len(r.id) for r in RULES)
    lines = [f"{r.id:<{width}}  {r.severity:<7}  {r.description}\n{'':<{width}}  "
             f"{'':<7}  basis: {r.basis}" for r in RULES]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")
