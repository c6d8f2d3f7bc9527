"""The disclosure-risk assessment of one package, and its text and JSON forms."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dahpkg.privacy.anonymity import Option, Risk
from dahpkg.privacy.freetext import FreeText
from dahpkg.privacy.generalise import Generalisation
from dahpkg.privacy.identifiers import MAX_LOCATIONS, Identifier
from dahpkg.privacy.patterns import INITIALS
from dahpkg.privacy.safe_harbor import SafeHarborCheck


@dataclass(frozen=True)
class PrivacyReport:
    """The disclosure-risk assessment of one package or file."""

    source: str
    files: tuple[str, ...]
    cells: int
    episodes: int
    identifiers: tuple[Identifier, ...]
    risk: Risk
    released: Risk
    generalisation: Generalisation | None
    drivers: tuple[Option, ...]
    options: tuple[Option, ...]
    safe_harbor: tuple[SafeHarborCheck, ...]
    min_k: int
    sensitive: tuple[str, ...]
    notes: tuple[str, ...] = ()
    reviewed: tuple[str, ...] = ()  # texts the authors reviewed as not identifying
    # the data dictionary's words, to judge the --risk-accepted reason as the cells are judged
    vocabulary: frozenset[str] = field(default=frozenset(), repr=False)
    # columns of free text: undeclared (they block a release) or declared (to be read)
    free_text: tuple[FreeText, ...] = ()

    @property
    def undeclared(self) -> tuple[FreeText, ...]:
        """The columns of text the Table Schema does not declare."""
        return tuple(f for f in self.free_text if not f.declared)

    @property
    def over_age(self) -> bool:
        return any(c.status == "fail" and c.condition.startswith("Ages") for c in self.safe_harbor)

    @property
    def needs_acknowledgement(self) -> bool:
        """True when the quasi-identifier risk of the release is above the threshold."""
        return not self.released.meets(self.min_k) or self.over_age

    @property
    def blocks(self) -> bool:
        """True when an export without an acknowledgement would be refused."""
        return bool(self.identifiers) or bool(self.undeclared) or self.needs_acknowledgement

    def headline(self) -> str:
        if self.identifiers:
            found = sum(max(i.count, 1) for i in self.identifiers)
            return f"{found} direct identifier(s) found: nothing may leave the machine"
        if self.undeclared:
            return (
                f"{len(self.undeclared)} column(s) of free text not in the data dictionary: "
                "nothing may leave the machine until they are removed or declared"
            )
        verdict = "above" if self.needs_acknowledgement else "within"
        return (f"no direct identifier found; re-identification risk {verdict} the threshold "
                f"({self.released.brief()}, threshold k >= {self.min_k})")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "files": list(self.files),
            "cells_searched": self.cells,
            "episodes": self.episodes,
            "direct_identifiers": [
                {"file": i.file, "column": None if i.in_metadata else i.column, "kind": i.kind,
                 "cells": i.count, "in_column_name": i.in_name, "json_path": i.json_path,
                 "rows": list(i.rows), "examples_masked": list(i.examples)}
                for i in self.identifiers
            ],
            "quasi_identifiers": list(self.risk.attributes),
            "sensitive": list(self.sensitive),
            "threshold_min_k": self.min_k,
            "risk": self.risk.to_dict(),
            "generalisation": self.generalisation.spec if self.generalisation else None,
            "released": self.released.to_dict(),
            "drivers": [{"attribute": o.description, **o.risk.to_dict()} for o in self.drivers],
            "options": [{"option": o.description, **o.risk.to_dict()} for o in self.options],
            "safe_harbor": [c.__dict__ for c in self.safe_harbor],
            "needs_acknowledgement": self.needs_acknowledgement,
            "blocks_export": self.blocks,
            "free_text": [
                {"file": f.file, "column": f.column, "declared": f.declared, "cells": f.cells,
                 "rows": list(f.rows)}
                for f in self.free_text
            ],
            "notes": list(self.notes),
            "reviewed_as_not_identifying": list(self.reviewed),
        }  # fmt: skip

    def summary_lines(self) -> list[str]:
        """The few lines a bundle README carries."""
        r = self.released
        found = (f"{sum(max(i.count, 1) for i in self.identifiers)} found" if self.identifiers
                 else "none found")  # fmt: skip
        lines = [
            f"- Direct identifiers: {found} ({self.cells:,} cells, column names included, "
            f"of {len(self.files)} table(s) searched).",
            f"- Quasi-identifiers, per patient: {', '.join(r.attributes) or 'none declared'}.",
            f"- k-anonymity: k = {r.k}; {r.unique} of {r.patients} patients are unique; "
            f"highest re-identification risk {r.highest:.2f}, average {r.average:.2f} "
            f"(dahpkg's threshold: k >= {self.min_k}).",
        ]
        for name, value in r.l_diversity.items():
            lines.append(f"- l-diversity of {name}: l = {value}.")
        if self.generalisation is not None:
            lines.append(f"- Generalised for this release: {self.generalisation.describe()} "
                         f"(before: {self.risk.brief()}).")  # fmt: skip
        if self.reviewed:
            lines.append("- Reviewed by the authors as not identifying: "
                         + "; ".join(repr(t) for t in self.reviewed) + ".")  # fmt: skip
        return lines


def render_text(report: PrivacyReport) -> str:
    r = report.risk
    lines = [f"Disclosure risk of {report.source}: {r.patients} patients, "
             f"{report.episodes} episodes", "", "Direct identifiers"]  # fmt: skip
    if report.identifiers:
        lines += [f"  ERROR  {i.describe()}" for i in report.identifiers]
    else:
        lines.append(
            f"  none found: {report.cells:,} cells, column names included, of "
            f"{len(report.files)} table(s) searched for names, initials, e-mail addresses, phone "
            "numbers, full dates, record numbers, addresses, web addresses"
        )
    if any(i.kind == INITIALS for i in report.identifiers):
        lines.append(f"  {INITIALS_ADVICE}")
    if report.reviewed:
        lines.append("  reviewed by the authors as not identifying (--not-identifier): "
                     + "; ".join(repr(t) for t in report.reviewed))  # fmt: skip
    lines += ["", "Free text", *free_text_lines(report.free_text)]
    lines += ["", "Quasi-identifiers, counted per patient",
              f"  {', '.join(r.attributes) or 'none declared in the schema'}",
              f"  sensitive attribute: {', '.join(report.sensitive) or 'none declared'} "
              "(for an episode attribute, the patient's last episode)"]  # fmt: skip
    lines += _risk_lines(r, report.min_k)
    if report.generalisation is not None:
        lines += ["", f"After generalisation ({report.generalisation.describe()})"]
        lines += _risk_lines(report.released, report.min_k)
    if report.drivers:
        lines += ["", "What drives it (each quasi-identifier on its own)"]
        lines += [f"  {o.description:<30} {o.risk.brief()}" for o in report.drivers]
    if report.options:
        lines += ["", "What would lower it"]
        width = max(len(o.description) for o in report.options)
        lines += [f"  {o.description:<{width}}  {o.risk.brief()}" for o in report.options]
        if not any(o.risk.meets(report.min_k) for o in report.options):
            lines.append(
                f"  none of these reaches k >= {report.min_k} with {r.patients} patients: "
                "rely on the patients' consent or on controlled access, and say so with "
                "--risk-accepted"
            )
    lines += ["", "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)"]
    lines += [f"  {c.status.upper():<11} {c.condition}: {c.detail}" for c in report.safe_harbor]
    lines += ["", *(f"Note: {n}" for n in report.notes)] if report.notes else []
    lines += ["", f"Result: {report.headline()}."]
    if report.identifiers:
        lines.append("Export and deposit are blocked until the identifiers are removed.")
    elif report.undeclared:
        lines.append(
            "Export and deposit are blocked until those columns are removed from the "
            "file or declared in its Table Schema."
        )
    elif report.needs_acknowledgement:
        lines.append(
            "Export and deposit are blocked unless the risk is acknowledged with "
            '--risk-accepted "REASON" (recorded in the bundle and the deposit).'
        )
    return "\n".join(lines) + "\n"


INITIALS_ADVICE = (
    "initials are two to four capitals standing alone, or dotted capitals; an abbreviation "
    "read as initials (your centre's, say) is cleared wherever it appears with "
    "--not-identifier ABC (the abbreviation itself)"
)


def free_text_lines(found: tuple[FreeText, ...]) -> list[str]:
    """The free-text columns, undeclared first; the declared ones of a file on one line."""
    if not found:
        return ["  none: every column with text is declared with its categories or a pattern"]
    undeclared = [f for f in found if not f.declared]
    lines = [f"  ERROR  {f.describe()}" for f in undeclared[:MAX_LOCATIONS]]
    if len(undeclared) > MAX_LOCATIONS:
        lines.append(
            f"  ERROR  and {len(undeclared) - MAX_LOCATIONS} more column(s) of text "
            "not in the data dictionary"
        )
    by_file: dict[str, list[FreeText]] = {}
    for f in found:
        if f.declared:
            by_file.setdefault(f.file, []).append(f)
    for file, columns in by_file.items():
        names = ", ".join(f"'{f.column}'" for f in columns)
        cells = sum(f.cells for f in columns)
        lines.append(
            f"  REVIEW {file}: free text in {names} ({cells} cell(s) with text; fields without "
            "categories or a pattern): read them for names, initials, dates and places before "
            "release; the search above finds the common forms only"
        )
    return lines


def _risk_lines(r: Risk, min_k: int) -> list[str]:
    share = f"{r.unique / r.patients:.0%}" if r.patients else "0%"
    lines = [
        f"  k-anonymity: k = {r.k} (the smallest group of patients who share every "
        "quasi-identifier)",
        f"  unique patients: {r.unique} of {r.patients} ({share}), in {r.classes} group(s)",
        f"  re-identification risk: highest {r.highest:.2f}, average {r.average:.2f} "
        f"(threshold: k >= {min_k}, highest <= {1 / min_k:.2f})",
    ]
    lines += [f"  l-diversity of {name}: l = {value} (distinct values in the least diverse "
              "group)" for name, value in r.l_diversity.items()]  # fmt: skip
    return lines


def render_json(report: PrivacyReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
