"""Confirmed exceptions: findings of a confirmable rule that a centre reviewed and accepts.

A package carries them as its ``confirmations`` resource (``data/confirmations.csv``, Table
Schema ``schema/confirmations.schema.json``); a loose file takes them from ``--confirmations
FILE``. The engine matches them against the full failing masks of the confirmable rules (never
the capped examples): a confirmed finding is reported as such and fails nothing. What a
confirmation itself gets wrong (no reason, a rule that cannot be confirmed, nothing to confirm)
is a finding of the ``confirmation-valid`` rule.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.package import Package, TableSchema, package_root
from dahpkg.package.descriptor import parse_json, read_json_bytes
from dahpkg.validation.messages import visible
from dahpkg.validation.report import Confirmation, Finding, Report
from dahpkg.validation.rules import CONFIRMABLE, RULES, Rule, rule

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package.table import Table

RESOURCE = "confirmations"
SCHEMA_FILE = "confirmations.schema.json"
RULE_ID = "confirmation-valid"
# The columns the matching reads; their types come from dahpkg's confirmations schema.
KEY = ("patient_id", "episode")
RULE, REASON = "rule", "reason"
LOOSE_SUFFIXES = (".csv", ".tsv", ".txt")
# A file this small may be a header alone: read whole to see if it holds no confirmation.
HEADER_ONLY_BYTES = 65_536
NO_REASON = "gives no reason: write why the case was reviewed and is correct as recorded"


@functools.cache
def confirmations_schema() -> TableSchema:
    """dahpkg's Table Schema of a confirmations table (the one a loose file is read with)."""
    path = package_root() / "schema" / SCHEMA_FILE
    data = read_json_bytes(path, what="Table Schema")
    return TableSchema.from_descriptor(parse_json(data, path, what="Table Schema"), str(path))


def read(package: Package, file: str | Path | None) -> tuple[Table, TableSchema, str] | None:
    """The confirmations table of ``package`` or the loose ``file``, its schema and its name;
    None when there are none."""
    own = RESOURCE in package.resource_names()
    if file is None:
        path = package.resource_path(RESOURCE) if own else None
        if path is None or _header_only(package.read_bytes(path, what="the confirmations")):
            return None
        table, schema = package.resource_table(RESOURCE)
        return table, schema, str(path)
    if own:
        raise InputError(
            f"{package.name} carries its own confirmations ({package.resource_path(RESOURCE)}): "
            "add the confirmation to that table instead of giving --confirmations"
        )
    from dahpkg.package.table import read_csv

    path = Path(file)
    if path.suffix.lower() not in LOOSE_SUFFIXES:
        raise InputError(
            f"cannot read confirmations from {path.name}: give a CSV file with the columns "
            f"{', '.join(confirmations_schema().names)}"
        )
    if not path.is_file():  # missing, a folder, or a pipe that would wait for ever
        raise InputError(f"confirmations file not found (or not a regular file): {path}")
    schema = confirmations_schema()
    if path.stat().st_size <= HEADER_ONLY_BYTES and _header_only(path.read_bytes()):
        return None
    try:
        with path.open("rb") as source:
            table, _ = read_csv(source, str(path), None, schema)
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}") from None
    return table, schema, str(path)


def _header_only(data: bytes) -> bool:
    """A table of confirmations with none in it yet: no confirmation, not an unreadable file
    (the reader refuses a table without rows)."""
    return b"\n" not in data.strip()


def load(package: Package, file: str | Path | None, check: Callable[..., Report],
         max_examples: int) -> Confirmations | None:  # fmt: skip
    """The confirmations of ``package`` (or the loose ``file``), checked against their Table
    Schema by ``check`` (the engine's `check_table`); None when there are none."""
    found = read(package, file)
    if found is None:
        return None
    table, schema, where = found
    return prepare(table, schema, where, check(table, schema, source=where), max_examples)


@dataclass(frozen=True)
class Confirmations:
    """The usable confirmations (a key, a confirmable rule and a reason on each row), and the
    ``confirmation-valid`` findings found before matching them, counted in full."""

    source: str
    rows: int
    usable: pd.DataFrame  # columns: KEY, RULE, REASON and "row" (in the file)
    problems: tuple[Finding, ...]
    problem_count: int

    def keys(self, rule_id: str) -> pd.MultiIndex:
        import pandas as pd

        chosen = self.usable[self.usable[RULE] == rule_id]
        return pd.MultiIndex.from_frame(chosen[list(KEY)])

    @functools.cached_property
    def _reasons(self) -> dict[tuple[str, int, int], str]:
        # One entry per confirmation: a side table, bounded by the reader's cell limit.
        columns = [self.usable[c].tolist() for c in (RULE, *KEY, REASON)]
        return {(r, int(p), int(e)): text for r, p, e, text in zip(*columns, strict=True)}

    def reason(self, rule_id: str, patient_id: Any, episode: Any) -> str | None:
        try:
            return self._reasons.get((rule_id, int(patient_id), int(episode)))
        except (TypeError, ValueError):
            return None

    def unmatched(self, matched: pd.DataFrame, shown: int) -> tuple[int, list[Finding]]:
        """Confirmations that matched no finding (``matched``: the rule and key of every
        confirmed failure): their count and the first ``shown`` as findings."""
        merged = self.usable.merge(matched.drop_duplicates(), how="left", on=[RULE, *KEY],
                                   indicator=True)  # fmt: skip
        alone = merged[merged["_merge"] == "left_only"]
        found = [
            _finding(
                self.source, row, patient, episode,
                f"confirms {rule_id} for patient {patient}, episode {episode}, but that episode "
                f"has no finding of {rule_id} (the rule holds, the rule could not be checked, "
                "or the patient and episode are not in the table): correct the patient, "
                "episode or rule, or delete the confirmation",
            )
            for row, patient, episode, rule_id in zip(
                alone["row"][:shown], alone[KEY[0]][:shown], alone[KEY[1]][:shown],
                alone[RULE][:shown], strict=True,
            )
        ]  # fmt: skip
        return len(alone), found

    def listed(self, matched: pd.DataFrame) -> tuple[Confirmation, ...]:
        """The confirmations that confirmed a finding, in the order of their file."""
        used = self.usable.merge(matched.drop_duplicates(), on=[RULE, *KEY]).sort_values("row")
        columns = [used[c].tolist() for c in (*KEY, RULE, REASON)]
        return tuple(
            Confirmation(int(p), int(e), r, text) for p, e, r, text in zip(*columns, strict=True)
        )


class Matcher:
    """Confirmations matched against one episode table, rule by rule, from the full failing
    masks: which rows each confirms, and what each confirmed."""

    def __init__(self, given: Confirmations, frame: pd.DataFrame) -> None:
        self.given = given
        self.frame = frame
        self.found: list[pd.DataFrame] = []  # rule and key of every confirmed failure

    def accepted(self, checked: Rule) -> pd.Series | None:
        """True on the rows whose patient and episode confirm ``checked``; None if none do."""
        import pandas as pd

        frame = self.frame
        if not checked.confirmable or any(k not in frame.columns for k in KEY):
            return None
        keys = self.given.keys(checked.id)
        if not len(keys):
            return None
        here = pd.MultiIndex.from_frame(frame[list(KEY)].astype("Int64"))
        return pd.Series(here.isin(keys), index=frame.index)

    def matched(self, checked: Rule, rows: pd.Series) -> None:
        keys = self.frame.loc[rows, list(KEY)].drop_duplicates()
        self.found.append(keys.assign(**{RULE: checked.id}))

    def reason(self, checked: Rule, index: Any) -> str | None:
        return self.given.reason(checked.id, *(self.frame.at[index, k] for k in KEY))

    def outcome(self, shown: int) -> tuple[int, int, list[Finding], tuple[Confirmation, ...]]:
        """``confirmation-valid`` as checked: the rows checked, the problems counted in full
        (the confirmations' own, and those that matched no finding), the first ``shown`` of
        them, and the confirmations that confirmed a finding."""
        import pandas as pd

        matched = (
            pd.concat(self.found, ignore_index=True) if self.found
            else pd.DataFrame({k: pd.Series(dtype="Int64") for k in KEY})
            .assign(**{RULE: pd.Series(dtype=str)})
        )  # fmt: skip
        for key in KEY:
            matched[key] = matched[key].astype("Int64")
        alone, unmatched = self.given.unmatched(matched, shown)
        given = self.given
        return (given.rows, given.problem_count + alone, [*given.problems, *unmatched],
                given.listed(matched))  # fmt: skip


def _finding(source: str, row: Any, patient: Any, episode: Any, message: str) -> Finding:
    from dahpkg.package import is_missing

    def key(value: Any) -> int | None:
        return None if is_missing(value) else int(value)

    return Finding(
        RULE_ID, rule(RULE_ID).severity, f"{source} row {row}: {message}",
        patient_id=key(patient), episode=key(episode),
    )  # fmt: skip


def prepare(table: Table, schema: TableSchema, source: str, checked: Report,
            max_examples: int) -> Confirmations:  # fmt: skip
    """The confirmations of ``table``, whose check against its own Table Schema is
    ``checked``: each problem of that check, and each row that names an unknown or
    unconfirmable rule or gives no reason, becomes a ``confirmation-valid`` finding."""
    import pandas as pd

    frame = table.frame
    contract = confirmations_schema()
    wrong = [
        n for n in (*KEY, RULE, REASON)
        if n not in schema.names or schema.field(n).type != contract.field(n).type
    ]  # fmt: skip
    if wrong:
        problem = _finding(
            source, 1, None, None,
            f"the confirmations table lacks {', '.join(wrong)} or types it differently from "
            f"dahpkg's {SCHEMA_FILE}: give it that schema's columns (patient_id, episode, "
            "rule, reason)",
        )  # fmt: skip
        empty = pd.DataFrame(columns=[*KEY, RULE, REASON, "row"])
        return Confirmations(source, len(frame), empty, (problem,), 1)
    problems: list[Finding] = []
    count = 0
    for result in checked.results:  # the schema's own rules: types, required, lengths, ...
        count += result.failed
    for f in checked.findings:
        if f.severity != "error":
            continue
        message = f.message
        if f.column == REASON:
            message = NO_REASON
        place = " ".join(p for p in (f"row {f.row}" if f.row else "",
                                     f"({f.column})" if f.column else "") if p)  # fmt: skip
        problems.append(Finding(RULE_ID, "error", f"{source} {place}: {message}".replace(" :", ":"),
                                patient_id=f.patient_id, episode=f.episode))  # fmt: skip
    rows = pd.Series(table.rows, index=frame.index)
    named = frame[RULE].astype("string").str.strip()
    reason = frame[REASON].astype("string").str.strip()
    complete = frame[list(KEY)].notna().all(axis=1) & named.notna() & named.ne("")
    # Only spaces pass minLength but say nothing: refused like an empty reason.
    spaces = reason.notna() & reason.eq("") & frame[REASON].notna()
    known = named.isin([r.id for r in RULES])
    allowed = named.isin([r.id for r in CONFIRMABLE])
    ids = ", ".join(r.id for r in CONFIRMABLE)
    checks: list[tuple[pd.Series, Callable[[Any], str]]] = [
        (spaces, lambda i: NO_REASON),
        (complete & ~known, lambda i: f"'{visible(str(named[i])[:60])}' is not a rule of "
         f"dahpkg's catalogue (see `dahpkg rules`); write one of the confirmable rules: {ids}"),
        (complete & known & ~allowed, lambda i: f"{named[i]} cannot be confirmed: "
         f"{_why_not(str(named[i]))}; correct the data instead (confirmable rules: {ids})"),
    ]  # fmt: skip
    for mask, say in checks:
        failing = mask[mask.fillna(False).astype(bool)].index
        count += len(failing)
        problems += [
            _finding(source, rows[i], frame.at[i, KEY[0]], frame.at[i, KEY[1]], say(i))
            for i in failing[:max_examples]
        ]
    ok = complete & allowed & reason.fillna("").ne("")
    ok = ok.fillna(False).astype(bool)
    usable = frame.loc[ok, list(KEY)].copy()
    usable[RULE] = named[ok].astype(str)
    usable[REASON] = frame.loc[ok, REASON].astype(str)
    usable["row"] = rows[ok]
    return Confirmations(source, len(frame), usable.reset_index(drop=True), tuple(problems),
                         count)  # fmt: skip


def _why_not(rule_id: str) -> str:
    if rule(rule_id).kind == "structural":
        return "it is a structural rule of the data dictionary, which every centre follows"
    return "its text does not say another centre may legitimately differ"
