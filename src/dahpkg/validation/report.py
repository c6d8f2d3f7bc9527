"""Validation results: findings and per-rule summaries, gathered in a `Report`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dahpkg.validation.rules import Rule, Severity

# Findings listed per rule by default; failures are always counted in full.
DEFAULT_MAX_EXAMPLES = 20


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, where (row, patient, episode, column), and what was written."""

    rule: str
    severity: Severity
    message: str
    patient_id: int | str | None = None
    episode: int | str | None = None
    column: str | None = None
    value: str | None = None
    row: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "patient_id": self.patient_id,
            "episode": self.episode,
            "column": self.column,
            "value": self.value,
            "row": self.row,
        }

    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.patient_id is not None:
            parts.append(f"patient {self.patient_id}")
        if self.episode is not None:
            parts.append(f"episode {self.episode}")
        if self.column is not None:
            parts.append(self.column)
        return ", ".join(parts) or "table"


@dataclass(frozen=True)
class RuleResult:
    """How one rule fared: rows checked, failures counted, examples kept, or why it was skipped."""

    rule: Rule
    checked: int
    failed: int
    shown: int
    skipped: str | None = None

    @property
    def status(self) -> str:
        if self.skipped is not None:
            return "not checked"
        return "failed" if self.failed else "passed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "severity": self.rule.severity,
            "description": self.rule.description,
            "basis": self.rule.basis,
            "status": self.status,
            "checked": self.checked,
            "failures": self.failed,
            "shown": self.shown,
            "skipped_because": self.skipped,
        }


@dataclass(frozen=True)
class Report:
    """The outcome of checking one episode table against every rule."""

    source: str
    episodes: int
    patients: int
    results: tuple[RuleResult, ...]
    findings: tuple[Finding, ...]
    max_examples: int

    def count(self, severity: Severity) -> int:
        return sum(r.failed for r in self.results if r.rule.severity == severity)

    @property
    def valid(self) -> bool:
        """True when no error-severity rule failed and every rule could be checked."""
        return self.count("error") == 0 and not any(
            r.skipped and r.rule.severity == "error" for r in self.results
        )

    def passed(self, *, strict: bool = False) -> bool:
        """Valid, and with ``strict`` also free of warnings."""
        return self.valid and not (strict and self.count("warning"))

    def result(self, rule_id: str) -> RuleResult:
        for item in self.results:
            if item.rule.id == rule_id:
                return item
        raise KeyError(rule_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "source": self.source,
            "episodes": self.episodes,
            "patients": self.patients,
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "rules_not_checked": self.not_checked,
            "max_examples_per_rule": self.max_examples,
            "findings": [f.to_dict() for f in self.findings],
            "rules": [r.to_dict() for r in self.results],
        }

    @property
    def not_checked(self) -> int:
        return sum(1 for r in self.results if r.skipped is not None)

    def headline(self) -> str:
        verdict = "valid" if self.valid else "INVALID"
        skipped = f", {self.not_checked} rules not checked" if self.not_checked else ""
        return (
            f"{self.episodes} episodes of {self.patients} patients checked against "
            f"{len(self.results)} rules: {verdict} "
            f"({self.count('error')} errors, {self.count('warning')} warnings{skipped})"
        )
