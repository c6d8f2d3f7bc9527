"""Generalisation for release: ages in bands of N years and every age above 89 top-coded, in
the data, the Table Schema and its descriptor alike."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package import Field, TableSchema

SAFE_HARBOR_MAX_AGE = 89  # ages above are aggregated into "90 or older"
TOP_CODE = SAFE_HARBOR_MAX_AGE + 1


@dataclass(frozen=True)
class Generalisation:
    """Ages in bands of ``width`` years (1: unchanged), given as the band's first year, and
    every age above 89 top-coded as 90 ("90 or older")."""

    width: int

    @property
    def spec(self) -> str:
        return f"ages={self.width}y" if self.width > 1 else f"ages={TOP_CODE}+"

    def describe(self) -> str:
        if self.width == 1:
            return f"ages above {SAFE_HARBOR_MAX_AGE} top-coded as {TOP_CODE} (90 or older)"
        return (f"ages in {self.width}-year bands, given as the band's first year, "
                f"and {TOP_CODE} meaning {TOP_CODE} or older")  # fmt: skip

    @classmethod
    def parse(cls, spec: str) -> Generalisation:
        """``ages=10y`` (bands of 10 years and 90+) or ``ages=90+`` (top-coding only)."""
        match = re.fullmatch(r"\s*ages\s*=\s*(?:(\d{1,2})\s*y|90\+)\s*", spec)
        width = int(match.group(1)) if match and match.group(1) else 1
        if match is None or not 1 <= width <= 50:
            raise InputError(
                f"cannot read the generalisation {spec!r}: use ages=<N>y for bands of N years "
                "(1 to 50), for example ages=10y, or ages=90+ for top-coding only"
            )
        return cls(width)

    def ages(self, values: pd.Series) -> pd.Series:
        banded = values // self.width * self.width if self.width > 1 else values
        return banded.where((values < TOP_CODE).fillna(True), TOP_CODE)


def _is_age(unit: Any, type_: Any) -> bool:
    """A field measured in years is an age: generalised, top-coded, checked for over 89."""
    return unit == "year" and type_ in ("integer", "number")


def age_fields(schema: TableSchema) -> list[Field]:
    """The fields of ``schema`` that are ages."""
    return [f for f in schema.fields if _is_age(f.unit, f.type)]


def age_fields_in(schema: TableSchema, frame: pd.DataFrame) -> list[Field]:
    """The age fields of ``schema`` that ``frame`` has."""
    return [f for f in age_fields(schema) if f.name in frame]


def generalise_frame(frame: pd.DataFrame, schema: TableSchema,
                     rule: Generalisation) -> pd.DataFrame:  # fmt: skip
    """A copy of ``frame`` with every age (a field whose unit is years) generalised."""
    result = frame.copy()
    for item in age_fields_in(schema, frame):
        result[item.name] = rule.ages(frame[item.name])
    return result


def generalise_schema(schema: TableSchema, rule: Generalisation) -> TableSchema:
    """``schema`` with the description of every age field saying how it was generalised."""
    ages = age_fields(schema)
    fields = tuple(
        replace(f, description=f"{f.description} {_note(rule)}") if f in ages else f
        for f in schema.fields
    )
    return replace(schema, fields=fields)


def generalise_descriptor(descriptor: dict[str, Any], rule: Generalisation) -> dict[str, Any]:
    """A Table Schema descriptor with the same note on every age field."""
    result: dict[str, Any] = json.loads(json.dumps(descriptor))
    for item in result.get("fields", []):
        if _is_age(item.get("unit"), item.get("type")):
            item["description"] = f"{item.get('description', '')} {_note(rule)}".strip()
    return result


def _note(rule: Generalisation) -> str:
    return f"Generalised for release ({rule.spec}): {rule.describe()}."
