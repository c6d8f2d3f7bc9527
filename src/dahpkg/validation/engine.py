"""Check an episode table against every rule of the catalogue and build a `Report`.

All problems are found in one run: a missing column only skips the clinical rules that read
it, and an unreadable cell is reported and then treated as missing by the other rules.
Failures are counted from vectorised boolean masks; only a capped number of examples per rule
is turned into findings. Confirmed exceptions are taken out of those masks before counting
(`dahpkg.validation.confirm`). Findings are returned in file order: what to fix, row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.package import (
    Field,
    PackageLike,
    TableSchema,
    constraints,
    open_package,
    shipped_schema,
)
from dahpkg.progress import silent
from dahpkg.validation import confirm
from dahpkg.validation.messages import (
    constraint_message,
    type_message,
    unknown_column_message,
    visible,
)
from dahpkg.validation.record import Recorder
from dahpkg.validation.report import (
    DEFAULT_MAX_EXAMPLES,
    Confirmation,
    Finding,
    Report,
    file_order,
)
from dahpkg.validation.rules import CLINICAL, RULES, Rule, rule

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package.table import Table


def validate(
    path: PackageLike = None,
    *,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    progress: Callable[[str], None] = silent,
    confirmations: str | Path | None = None,
) -> Report:
    """Check the episode table of ``path`` (a `Package`, a path, or None for the shipped
    package) against every rule.

    Raises `dahpkg.errors.InputError` when the input cannot be read at all; every problem of
    the data itself is a finding in the returned report. ``progress`` is called with the name
    of each step (see `dahpkg.progress.Progress`). Confirmed exceptions come from the
    package's ``confirmations`` resource or, for a loose file, the CSV file ``confirmations``.

    >>> report = validate()
    >>> report.valid, report.episodes, report.patients
    (True, 12, 10)
    """
    package = open_package(path)
    progress(f"reading {package.table_path.name}")
    table = package.table()
    name = package.name + (f", sheet '{table.sheet}'" if table.sheet else "")
    check = partial(check_table, max_examples=max_examples, clinical=False)
    confirmed = confirm.load(package, confirmations, check, max(0, max_examples))
    return check_table(
        table, package.schema, source=name, max_examples=max_examples, progress=progress,
        confirmations=confirmed,
    )  # fmt: skip


def check_table(
    table: Table,
    schema: TableSchema,
    *,
    source: str,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    progress: Callable[[str], None] = silent,
    clinical: bool = True,
    confirmations: confirm.Confirmations | None = None,
) -> Report:
    """Check a table already read (see `dahpkg.package.Package.table`) against the catalogue;
    against its Table Schema alone with ``clinical=False`` (a companion table)."""
    run = _Run(table, schema, max(0, max_examples), progress=progress,
               confirmations=confirmations)  # fmt: skip
    progress(f"checking the structure of {len(table.frame)} episodes")
    run.table_rules()
    run.cell_rules()
    run.primary_key()
    listed: tuple[Confirmation, ...] = ()
    if clinical:
        run.clinical_rules()
        listed = run.confirmation_rule()
    frame = table.frame
    patients = frame["patient_id"].nunique() if "patient_id" in frame else 0
    order = {r.id: n for n, r in enumerate(RULES)}
    return Report(
        source=source,
        episodes=len(frame),
        patients=int(patients),
        results=tuple(sorted(run.results, key=lambda r: order[r.rule.id])),
        findings=tuple(sorted(run.findings, key=file_order(table.labels, confirm.RULE_ID))),
        max_examples=run.max_examples,
        confirmations=listed,
    )


@dataclass
class _Run(Recorder):
    """One run of the catalogue over a table: the structural rules, then the clinical ones."""

    # --- structural rules --------------------------------------------------------------
    def _table_rule(
        self, rule_id: str, checked: int, problems: list[tuple[str, str | None, int | None]]
    ) -> None:
        """Record a rule about the table as a whole from (message, column, row) problems."""
        rule_ = rule(rule_id)
        found = [Finding(rule_.id, rule_.severity, m, column=c, row=r) for m, c, r in problems]
        self._record(rule_, checked, len(found), found)

    def table_rules(self) -> None:
        columns = list(self.table.labels)
        declared = self.schema.names
        absent = [n for n in declared if n not in columns]
        self._table_rule(
            "schema-fields-present",
            len(declared),
            [
                (
                    f"the column {n} ({self.schema.field(n).label}) is missing"
                    + self.table.sheet_hint(),
                    n,
                    None,
                )
                for n in absent
            ],
        )
        self._table_rule(
            "schema-no-unknown-fields",
            len(columns),
            [
                (unknown_column_message(c, absent, declared), c, None)
                for c in columns
                if c not in declared
            ],
        )
        self._table_rule(
            "schema-blank-row",
            len(self.table.frame) + len(self.table.blank_rows),
            [(f"row {r} is empty; delete it", None, r) for r in self.table.blank_rows],
        )
        self._ragged_rows()

    def _ragged_rows(self) -> None:
        """Rows with more cells than the header, or fewer: one finding per cell."""
        import numpy as np

        width = len(self.table.labels)
        extra: list[Finding] = []
        short: list[Finding] = []
        extra_rule, short_rule = rule("schema-extra-cell"), rule("schema-missing-cell")
        blank = set(self.table.blank_rows)
        for ragged in self.table.ragged:
            if ragged.row in blank:  # an empty line: reported as a blank row, once
                continue
            index = int(np.searchsorted(self.table.rows, ragged.row))
            for n in range(width + 1, ragged.cells + 1):
                extra.append(self.finding(
                    extra_rule, index, f"(cell {n})",
                    f"row {ragged.row} has {ragged.cells} cells but the header has {width}; "
                    f"cell {n} belongs to no column",
                ))  # fmt: skip
            for label in self.table.labels[ragged.cells :]:
                short.append(self.finding(
                    short_rule, index, label,
                    f"row {ragged.row} has {ragged.cells} cells but the header has {width}; "
                    f"it has no cell for {label}",
                ))  # fmt: skip
        rows = len(self.table.frame)
        self._record(extra_rule, rows, len(extra), extra)
        self._record(short_rule, rows, len(short), short)

    def confirmation_rule(self) -> tuple[Confirmation, ...]:
        """Record ``confirmation-valid``; return the confirmations that confirmed a finding."""
        rule_ = rule(confirm.RULE_ID)
        if self.matcher is None:
            self._record(rule_, 0, 0, [])
            return ()
        checked, failed, found, listed = self.matcher.outcome(self.max_examples)
        self._record(rule_, checked, failed, found)
        return listed

    def cell_rules(self) -> None:
        rows = len(self.table.frame)
        present = [f for f in self.schema.fields if f.name in self.table.frame.columns]
        field = self.schema.field
        self._failing_cells(
            rule("schema-type"),
            ((f.name, self.table.type_errors[f.name]) for f in present),
            lambda i, c: type_message(field(c), self.written(i, c)),
            rows,
        )
        self._failing_cells(
            rule("schema-required"),
            ((f.name, self.table.missing[f.name]) for f in present if f.required),
            lambda i, c: f"{field(c).label} is not recorded; it is required on every episode",
            rows,
        )
        # Categories and ranges: the same constraints the generated pandera checks carry.
        frame = self.table.frame
        tests: list[tuple[str, Callable[[Field, pd.Series], pd.Series]]] = [
            ("schema-category", Field.outside_categories),
            ("schema-range", Field.out_of_range),
            ("schema-pattern", constraints.breaks_pattern),
            ("schema-length", constraints.breaks_length),
            ("schema-unique", constraints.repeated),
        ]
        for rule_id, test in tests:
            self._failing_cells(
                rule(rule_id),
                ((f.name, test(f, frame[f.name])) for f in present),
                partial(self._constraint_message, rule_id),
                rows,
            )

    def primary_key(self) -> None:
        pk_rule = rule("schema-primary-key")
        key = list(self.schema.primary_key)
        frame = self.table.frame
        if not key:  # a table that declares none (Table I as printed) has nothing to repeat
            self._record(pk_rule, len(frame), 0, [])
            return
        missing = [k for k in key if k not in frame.columns]
        if missing:
            self._record(pk_rule, 0, 0, [], skipped=f"column {', '.join(missing)} is missing")
            return
        labels = [self.schema.field(k).label for k in key]
        # As frictionless does: a key whose cells are all empty identifies nothing (blank
        # rows included), and otherwise equal keys are duplicates, empty cells included.
        unidentified = frame[key].isna().all(axis=1)
        duplicate = frame[key].duplicated(keep="first") & ~unidentified
        count, examples = self._examples(duplicate)
        found = [
            self.finding(
                pk_rule, i, key[0],
                ", ".join(f"{lab} {visible(str(self._key(i, k)))}"
                          for lab, k in zip(labels, key, strict=True))
                + " is recorded on more than one row",
                self.written(i, key[0]),
            )
            for i in examples
        ]  # fmt: skip
        empty, examples = self._examples(unidentified)
        found += [
            self.finding(pk_rule, i, key[0], f"{' and '.join(labels)} are all missing: the row "
                         "identifies no episode", self.written(i, key[0]))
            for i in examples
        ]  # fmt: skip
        found += [
            Finding(pk_rule.id, pk_rule.severity, f"row {r} is empty, so it identifies no "
                    "episode", row=r)
            for r in self.table.blank_rows
        ]  # fmt: skip
        self._record(pk_rule, len(frame), count + empty + len(self.table.blank_rows), found)

    # --- clinical rules ----------------------------------------------------------------
    def clinical_rules(self) -> None:
        frame = self.table.frame
        contract = shipped_schema()  # the data dictionary the rules are written for
        for number, rule_ in enumerate(CLINICAL, start=1):
            self.progress(f"clinical rule {number} of {len(CLINICAL)}: {rule_.id}")
            absent = [c for c in rule_.columns if c not in frame.columns]
            if absent:
                self._record(
                    rule_, 0, 0, [], skipped=f"needs the missing column(s) {', '.join(absent)}"
                )
                continue
            mistyped = [
                f"{c} as {contract.field(c).type}, not {self.schema.field(c).type}"
                for c in rule_.columns
                if self.schema.field(c).type != contract.field(c).type
            ]
            if mistyped:
                self._record(rule_, 0, 0, [], skipped=f"needs {'; '.join(mistyped)}")
                continue
            # The rule's own vectorised function, which is also its pandera check (see
            # dahpkg.pandera_schema); called directly, it skips pandera's per-check
            # bookkeeping, which costs more than the rules themselves on large tables.
            assert rule_.holds is not None
            output = rule_.holds(frame)
            if hasattr(output, "columns"):  # a cell-wise rule: each column can fail
                failing = [(c, output[c]) for c in rule_.columns]
            else:  # a row-wise rule: the finding points to its first column
                failing = [(rule_.columns[0], output)]
            self._failing_cells(
                rule_,
                ((c, ~m.reindex(frame.index, fill_value=True).astype(bool)) for c, m in failing),
                partial(self._message, rule_),
                len(frame),
            )

    def _constraint_message(self, rule_id: str, index: Any, column: str) -> str:
        return constraint_message(rule_id, self.schema.field(column), self.written(index, column))

    def _message(self, rule_: Rule, index: Any, column: str) -> str:
        values = {name: self.display(index, name) for name in rule_.columns}
        values["column_label"] = self.schema.field(column).label
        values["value"] = self.display(index, column)
        return rule_.message.format(**values)
