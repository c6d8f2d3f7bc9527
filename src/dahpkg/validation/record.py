"""Findings recorded against a table's cells: how a rule's failing masks become counted
results and capped, quoted examples, confirmed exceptions set apart.

The engine (`dahpkg.validation.engine`) runs the rules; this is what every rule shares once it
has a mask: where a row is in the file, how a cell was written, and the finding that says so.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dahpkg.package import TableSchema, is_missing
from dahpkg.progress import silent
from dahpkg.validation import confirm
from dahpkg.validation.messages import visible
from dahpkg.validation.report import Finding, RuleResult
from dahpkg.validation.rules import Rule

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package.table import Table

# The characters of a cell a finding quotes: enough to find it, never a whole pasted document.
QUOTED = 200


def shortened(text: str, keep: int = QUOTED) -> str:
    """A cell as a finding quotes it: whole when short, else its start and its length.

    >>> shortened("x" * 500)[-30:]
    'xxxxxxxxxx... (500 characters)'
    """
    return text if len(text) <= keep else f"{text[:keep]}... ({len(text):,} characters)"


@dataclass
class Recorder:
    """The table being checked, and the results and findings recorded so far."""

    table: Table
    schema: TableSchema
    max_examples: int
    progress: Callable[[str], None] = silent
    confirmations: confirm.Confirmations | None = None
    results: list[RuleResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @functools.cached_property
    def matcher(self) -> confirm.Matcher | None:
        if self.confirmations is None:
            return None
        return confirm.Matcher(self.confirmations, self.table.frame)

    # --- helpers -----------------------------------------------------------------------
    def _record(
        self,
        rule_: Rule,
        checked: int,
        failed: int,
        found: list[Finding],
        skipped: str | None = None,
        confirmed: tuple[int, list[Finding]] = (0, []),
    ) -> None:
        shown = found[: self.max_examples]
        self.results.append(RuleResult(rule_, checked, failed, len(shown), skipped, confirmed[0]))
        self.findings.extend(shown + confirmed[1][: self.max_examples])

    def _key(self, index: Any, name: str) -> int | str | None:
        """A row's patient_id or episode: the number, else the text as written, else None."""
        frame = self.table.frame
        if name in frame.columns:
            value: Any = frame.at[index, name]
            if not is_missing(value):
                # A key column of a companion table may be text (the inferences' "column").
                return int(value) if isinstance(value, numbers.Integral) else shortened(str(value))
        if name in self.table.text:
            return shortened(str(self.table.text[name].iat[index])) or None
        return None

    def written(self, index: Any, name: str) -> str:
        """The cell as written (numbers and yes/no cells read typed: in canonical form), or
        the missing-value label when it is empty."""
        item = self.schema.field(name)
        if name in self.table.text:
            text = str(self.table.text[name].iat[index])
            if text not in item.missing_values:
                return shortened(text)
            return item.missing_values.get(text) or self.schema.missing_label
        value: Any = self.table.frame.at[index, name]
        if is_missing(value):
            return self.schema.missing_label
        if item.type == "boolean":
            return "true" if value else "false"
        return str(value)

    def display(self, index: Any, name: str) -> str:
        """A typed value in clinical words: yes / no / not recorded / the value."""
        import numpy as np

        value = self.table.frame.at[index, name]
        if is_missing(value):
            return self.schema.missing_label
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "no"
        return visible(str(value))  # a category written 'GPA ' is quoted as 'GPA␣'

    def finding(
        self, rule_: Rule, index: Any, column: str | None, message: str, value: str | None = None
    ) -> Finding:
        row: Any = self.table.rows[index]
        return Finding(
            rule=rule_.id,
            severity=rule_.severity,
            message=message,
            patient_id=self._key(index, "patient_id"),
            episode=self._key(index, "episode"),
            column=column,
            value=value,
            row=int(row),
        )

    def _examples(self, mask: pd.Series) -> tuple[int, list[Any]]:
        failing = mask[mask]
        return int(failing.size), list(failing.index[: self.max_examples])

    def _failing_cells(
        self,
        rule_: Rule,
        failing: Iterable[tuple[str, pd.Series]],
        message: Callable[[Any, str], str],
        checked: int,
    ) -> None:
        """Record a rule from per-column masks (True = the cell fails) and a message builder;
        a confirmed failure is counted and listed apart."""
        failed, found, confirmed, kept = 0, [], 0, []
        matcher = self.matcher
        accepted = None if matcher is None else matcher.accepted(rule_)
        for column, mask in failing:
            if matcher is not None and accepted is not None:
                yes, mask = mask & accepted, mask & ~accepted
                count, examples = self._examples(yes)
                confirmed += count
                if count:
                    matcher.matched(rule_, yes)
                kept += [
                    replace(
                        self.finding(rule_, i, column, message(i, column), self.written(i, column)),
                        confirmed=True, reason=matcher.reason(rule_, i),
                    )
                    for i in examples
                ]  # fmt: skip
            count, examples = self._examples(mask)
            failed += count
            found += [
                self.finding(rule_, i, column, message(i, column), self.written(i, column))
                for i in examples
            ]
        self._record(rule_, checked, failed, found, confirmed=(confirmed, kept))
