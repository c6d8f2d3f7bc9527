"""`dahpkg reproduce`: every claim of the letter checked against a package's episodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from dahpkg.letter.claims import CLAIMS, Claim
from dahpkg.letter.cohort import Cohort, Undecidable
from dahpkg.letter.scope import require_letter
from dahpkg.package import PackageLike, open_package

Status = Literal["match", "mismatch", "not-derivable"]


@dataclass(frozen=True)
class ClaimResult:
    """A claim checked against the data."""

    claim: Claim
    observed: str
    status: Status

    @property
    def documented(self) -> bool:
        """A mismatch that the claim documents as a discrepancy of the letter itself."""
        return self.status == "mismatch" and bool(self.claim.discrepancy)

    @property
    def note(self) -> str:
        parts = [self.claim.note]
        if self.claim.discrepancy:
            parts.insert(0, "Discrepancy of the letter: " + self.claim.discrepancy)
        return " ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.claim.id,
            "statement": self.claim.statement,
            "where": self.claim.where,
            "reported": self.claim.reported,
            "observed": self.observed,
            "status": self.status,
            "note": self.note,
            "documented_discrepancy": self.documented,
        }


def check(claim: Claim, cohort: Cohort) -> ClaimResult:
    """Recompute one claim from the cohort."""
    if claim.observe is None:
        return ClaimResult(claim, "not in the data", "not-derivable")
    try:
        value, observed = claim.observe(cohort)
    except Undecidable as exc:
        return ClaimResult(claim, str(exc), "not-derivable")
    empty = cohort.not_recorded(claim.columns)
    if empty:
        observed += f"; {empty} cell(s) of {', '.join(claim.columns)} not recorded"
        return ClaimResult(claim, observed, "not-derivable")
    return ClaimResult(claim, observed, "match" if value == claim.expected else "mismatch")


@dataclass(frozen=True)
class Reproduction:
    """Every claim of the letter checked against one episode table."""

    source: str
    results: tuple[ClaimResult, ...]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def undocumented_mismatches(self) -> tuple[ClaimResult, ...]:
        return tuple(r for r in self.results if r.status == "mismatch" and not r.documented)

    @property
    def reproduced(self) -> bool:
        """True when every mismatch is a documented discrepancy of the letter."""
        return not self.undocumented_mismatches

    def headline(self) -> str:
        documented = sum(1 for r in self.results if r.documented)
        return (
            f"{len(self.results)} claims of the letter: {self.count('match')} match, "
            f"{self.count('mismatch')} mismatch ({documented} documented discrepancies of the "
            f"letter), {self.count('not-derivable')} not derivable from the data"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "reproduced": self.reproduced,
            "summary": {s: self.count(s) for s in ("match", "mismatch", "not-derivable")},
            "claims": [r.to_dict() for r in self.results],
        }


def reproduce(path: PackageLike = None) -> Reproduction:
    """Check every claim of the letter against the episode table of ``path``.

    Only the letter's own package can be checked (see `dahpkg.letter.scope`): on any other,
    `InputError` says so, and points to `dahpkg summary`.

    >>> result = reproduce()
    >>> result.reproduced, result.count("mismatch") == len(
    ...     [r for r in result.results if r.documented])
    (True, True)
    """
    package = open_package(path)
    require_letter(
        package,
        "reproduce",
        "it checks the numbers in the letter's text against its Table I",
        f"describe these cases with `dahpkg summary {package.name}` instead",
    )
    cohort = Cohort.from_episodes(package.episodes(), package.schema)
    return Reproduction(package.name, tuple(check(c, cohort) for c in CLAIMS))


def render_text(result: Reproduction) -> str:
    lines = [f"dahpkg reproduce: {result.source}", result.headline(), ""]
    for r in result.results:
        status = "mismatch (documented)" if r.documented else r.status
        lines.append(f"[{status}] {r.claim.id} ({r.claim.where}): {r.claim.statement}")
        lines.append(f"    letter: {r.claim.reported}; data: {r.observed}")
        if r.note:
            lines.append(f"    note: {r.note}")
    if result.undocumented_mismatches:
        lines += [
            "",
            "Claims the data contradict: "
            + ", ".join(r.claim.id for r in result.undocumented_mismatches),
        ]
    return "\n".join(lines) + "\n"


def render_json(result: Reproduction) -> str:
    import json

    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
