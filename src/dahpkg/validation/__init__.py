"""The second stage (``dahpkg validate``): check a package's episodes against the Table
Schema and the clinical rules.

`validate` takes a `dahpkg.package.Package` (or a path) and returns a `Report`. The modules:
`rules` (the rule registry), `clinical` (the clinical rules' checks), `engine` (runs them all
in one pass), `report` (findings and per-rule results), `render` (text, JSON, HTML) and
`catalogue` (the rule catalogue and data dictionary for people).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dahpkg import _lazy

# Imported on first use: the CLI reads the defaults of validation/report.py at start-up.
__getattr__ = _lazy.attributes(
    "dahpkg.validation",
    {
        "validate": ("dahpkg.validation.engine", "validate"),
        "check_table": ("dahpkg.validation.engine", "check_table"),
        **{n: ("dahpkg.validation.report", n)
           for n in ("DEFAULT_MAX_EXAMPLES", "Finding", "Report", "RuleResult")},
        **{n: ("dahpkg.validation.rules", n)
           for n in ("CLINICAL", "RULES", "STRUCTURAL", "Rule", "pandera_schema", "rule")},
    },
)  # fmt: skip

if TYPE_CHECKING:
    from dahpkg.validation.engine import check_table, validate
    from dahpkg.validation.report import DEFAULT_MAX_EXAMPLES, Finding, Report, RuleResult
    from dahpkg.validation.rules import (
        CLINICAL,
        RULES,
        STRUCTURAL,
        Rule,
        pandera_schema,
        rule,
    )

__all__ = [
    "CLINICAL",
    "DEFAULT_MAX_EXAMPLES",
    "RULES",
    "STRUCTURAL",
    "Finding",
    "Report",
    "Rule",
    "RuleResult",
    "check_table",
    "pandera_schema",
    "rule",
    "validate",
]
