"""The HIPAA Safe Harbor conditions, 45 CFR 164.514(b)(2), as far as data can show them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dahpkg.privacy.generalise import SAFE_HARBOR_MAX_AGE, TOP_CODE, Generalisation, age_fields_in
from dahpkg.privacy.identifiers import Identifier
from dahpkg.privacy.patterns import COLUMN_WORDS, DATE, DECLARED, GEOGRAPHY, INITIALS

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package import TableSchema


@dataclass(frozen=True)
class SafeHarborCheck:
    condition: str
    status: str  # "pass", "fail" or "not checked"
    detail: str


def safe_harbor(frame: pd.DataFrame, schema: TableSchema, identifiers: list[Identifier],
                 generalise: Generalisation | None) -> tuple[SafeHarborCheck, ...]:  # fmt: skip
    kinds = {i.kind for i in identifiers}
    ages = age_fields_in(schema, frame)
    if generalise is not None:
        age = SafeHarborCheck("Ages above 89 aggregated", "pass",
                              f"this release top-codes them as {TOP_CODE}")  # fmt: skip
    elif not ages:
        age = SafeHarborCheck("Ages above 89 aggregated", "pass", "no age column")
    else:
        over = sum(int((frame[f.name] > SAFE_HARBOR_MAX_AGE).fillna(False).sum()) for f in ages)
        age = SafeHarborCheck(
            "Ages above 89 aggregated",
            "fail" if over else "pass",
            f"{over} age(s) above 89: add --generalise ages=90+ (or ages=10y)" if over
            else "no age above 89",
        )  # fmt: skip

    def absent(condition: str, wanted: set[str]) -> SafeHarborCheck:
        hits = sorted(kinds & wanted)
        return SafeHarborCheck(condition, "fail" if hits else "pass",
                               "found: " + "; ".join(hits) if hits else "none found")  # fmt: skip

    return (
        age,
        absent("No date element other than the year", {DATE}),
        absent("No geography smaller than a state", {GEOGRAPHY}),
        absent("None of the other listed identifiers (names, contact details, record "
               "numbers, web addresses, photographs)",
               set(COLUMN_WORDS) - {DATE, GEOGRAPHY} | {DECLARED, INITIALS}),
        SafeHarborCheck("No actual knowledge that the rest could identify a patient",
                        "not checked", "only the authors can state this"),
    )  # fmt: skip
