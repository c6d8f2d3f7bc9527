"""Validation results: findings and per-rule summaries, gathered in a `Report`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from dahpkg.validation.messages import visible
from dahpkg.validation.rules import Rule, Severity

# Findings listed per rule by default; failures are always counted in full.
DEFAULT_MAX_EXAMPLES = 20


@dataclass(frozen=True)
class Confirmation:
    """A finding the centre reviewed and confirmed: its episode, rule and reason (see
    `dahpkg.validation.confirm`)."""

    patient_id: int
    episode: int
    rule: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "episode": self.episode,
            "rule": self.rule,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, where (row, patient, episode, column), and what was written;
    ``confirmed`` (with the reason) when the centre reviewed it and accepts it."""

    rule: str
    severity: Severity
    message: str
    patient_id: int | str | None = None
    episode: int | str | None = None
    column: str | None = None
    value: str | None = None
    row: int | None = None
    confirmed: bool = False
    reason: str | None = None

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
            "confirmed": self.confirmed,
            "reason": self.reason,
        }

    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.patient_id is not None:
            parts.append(f"patient {visible(str(self.patient_id))}")  # '3 ' read as text
        if self.episode is not None:
            parts.append(f"episode {visible(str(self.episode))}")
        if self.column is not None:
            parts.append(self.column)
        return ", ".join(parts) or "table"


@dataclass(frozen=True)
class RuleResult:
    """How one rule fared: rows checked, failures counted, examples kept, or why it was skipped;
    ``confirmed`` failures (reviewed and accepted by the centre) are counted apart."""

    rule: Rule
    checked: int
    failed: int
    shown: int
    skipped: str | None = None
    confirmed: int = 0

    @property
    def status(self) -> str:
        if self.skipped is not None:
            return "not checked"
        return "failed" if self.failed else "confirmed" if self.confirmed else "passed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "severity": self.rule.severity,
            "description": self.rule.description,
            "basis": self.rule.basis,
            "status": self.status,
            "checked": self.checked,
            "failures": self.failed,
            "confirmed": self.confirmed,
            "confirmable": self.rule.confirmable,
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
    confirmations: tuple[Confirmation, ...] = ()

    def count(self, severity: Severity) -> int:
        """Failures of that severity; confirmed ones are not failures."""
        return sum(r.failed for r in self.results if r.rule.severity == severity)

    @property
    def confirmed(self) -> int:
        """Failures the centre reviewed and confirmed, counted in full."""
        return sum(r.confirmed for r in self.results)

    @property
    def to_fix(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.confirmed)

    @property
    def confirmed_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.confirmed)

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
            "confirmed": self.confirmed,
            "rules_not_checked": self.not_checked,
            "max_examples_per_rule": self.max_examples,
            "findings": [f.to_dict() for f in self.findings],
            "rules": [r.to_dict() for r in self.results],
            "confirmations": [c.to_dict() for c in self.confirmations],
        }

    @property
    def not_checked(self) -> int:
        return sum(1 for r in self.results if r.skipped is not None)

    def headline(self) -> str:
        verdict = "valid" if self.valid else "INVALID"
        confirmed = f", {self.confirmed} confirmed" if self.confirmed else ""
        skipped = f", {self.not_checked} rules not checked" if self.not_checked else ""
        errors, warnings = (
            _counted(self.count("error"), "error"),
            _counted(self.count("warning"), "warning"),
        )
        return (
            f"{_counted(self.episodes, 'episode')} of {_counted(self.patients, 'patient')} "
            f"checked against {len(self.results)} rules: {verdict} "
            f"({errors}, {warnings}{confirmed}{skipped})"
        )


def _counted(count: int, noun: str) -> str:
    """``1 error``, ``2 errors``: a headline a clinician reads aloud."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def file_order(labels: Iterable[str], last: str) -> Callable[[Finding], tuple[int, int, int]]:
    """Where a finding is in the file, as a sort key: header problems first (by the column's
    place in the header), then row by row and, in a row, by the column's place; the findings
    of the rule ``last`` (about another file) at the end, in their own order."""
    place = {label: n for n, label in enumerate(labels)}

    def key(finding: Finding) -> tuple[int, int, int]:
        if finding.rule == last:
            return (2, 0, 0)
        column = -1 if finding.column is None else place.get(finding.column, len(place))
        return (0, 0, column) if finding.row is None else (1, finding.row, column)

    return key
