"""The Table Schema of the episode table, read from the package, and its pandera form.

`datapackage.json` and `schema/` are the single source of truth for columns, types,
categories, ranges and missing values. This module reads them into small typed objects and
generates the structural pandera checks from them; nothing here restates a field by hand.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.limits import limit

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

# Frictionless' defaults, used when a boolean field declares no trueValues/falseValues.
DEFAULT_TRUE_VALUES = ("true", "True", "TRUE", "1")
DEFAULT_FALSE_VALUES = ("false", "False", "FALSE", "0")
DEFAULT_MISSING_LABEL = "not recorded"
SUPPORTED_TYPES = ("integer", "number", "boolean", "string")
# A field's "privacy" property (a dahpkg extension of the Table Schema): a study number that
# links to nobody outside the data; an attribute that, combined with others, can single a
# patient out; the attribute a disclosure would reveal; or a direct identifier, never exported.
PRIVACY_ROLES = ("pseudonym", "quasi-identifier", "sensitive", "direct-identifier")
# A field's "level" property (a dahpkg extension): whether it describes the patient (the same on
# every episode of a patient, counted once per patient) or one DAH episode.
LEVELS = ("patient", "episode")


@dataclass(frozen=True)
class Field:
    """One column of the data dictionary, as the Table Schema declares it."""

    name: str
    type: str
    title: str
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] | None = None
    categories: Mapping[str, str] = field(default_factory=dict)
    true_values: tuple[str, ...] = DEFAULT_TRUE_VALUES
    false_values: tuple[str, ...] = DEFAULT_FALSE_VALUES
    missing_values: Mapping[str, str] = field(default_factory=dict)
    unit: str | None = None
    # Vocabulary codes of the variable, and of each category: {system, code, label, uri}.
    codes: tuple[Mapping[str, Any], ...] = ()
    category_codes: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)
    # Its part in a disclosure-risk assessment: one of PRIVACY_ROLES, or None.
    privacy: str | None = None
    # What it describes: one of LEVELS, or None when the schema does not say.
    level: str | None = None
    # The group each category belongs to (a category's "group" property: AAV for GPA).
    category_groups: Mapping[str, str] = field(default_factory=dict)
    # The other constraints of Table Schema v2 (see dahpkg.package.constraints).
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    unique: bool = False
    # How the letter's Table I gives the variable (a dahpkg extension, "letter"): documented
    # for the letter's data, left out of a centre's own data dictionary (dahpkg init).
    letter: str = ""

    @property
    def documentation(self) -> str:
        """What the variable is, and how the letter's Table I gives it where the schema says."""
        return f"{self.description} {self.letter}".strip()

    @property
    def label(self) -> str:
        """The human name of the column (its title, or its name when it has none)."""
        return self.title or self.name

    @property
    def allowed(self) -> tuple[str, ...] | None:
        """Allowed values of a categorical field: `constraints.enum`, else the categories."""
        if self.enum is not None:
            return self.enum
        return tuple(self.categories) or None

    def meanings(self, form: str = "{value} = {label}") -> list[str]:
        """Each allowed value with its label in ``form`` where the label says more than the
        value, else the value alone: how codebooks, templates and messages list them.

        >>> Field("sex", "string", "Sex", "", categories={"F": "female", "W": "W"}).meanings()
        ['F = female', 'W']
        """
        return [
            form.format(value=v, label=self.categories[v]) if self.categories.get(v, v) != v else v
            for v in self.allowed or ()
        ]

    def outside_categories(self, values: pd.Series) -> pd.Series:
        """True where a recorded value is not one of the field's categories."""
        if self.allowed is None:
            return values.isna() & False
        return values.notna() & ~values.isin(list(self.allowed))

    def out_of_range(self, values: pd.Series) -> pd.Series:
        """True where a recorded number lies outside the field's minimum and maximum."""
        outside = values.isna() & False
        if self.minimum is not None:
            outside |= (values < self.minimum).fillna(False)
        if self.maximum is not None:
            outside |= (values > self.maximum).fillna(False)
        if self.exclusive_minimum is not None:
            outside |= (values <= self.exclusive_minimum).fillna(False)
        if self.exclusive_maximum is not None:
            outside |= (values >= self.exclusive_maximum).fillna(False)
        return outside.astype(bool)

    def expectation(self) -> str:
        """What a valid cell looks like, in words, for messages."""
        if self.type == "boolean":
            return f"{self.true_values[0]} or {self.false_values[0]}"
        if self.type == "integer":
            return "a whole number"
        if self.type == "number":
            return "a number"
        return "text"

    @classmethod
    def from_descriptor(cls, item: Mapping[str, Any], missing: Mapping[str, str]) -> Field:
        constraints = item.get("constraints", {})
        categories: dict[str, str] = {}
        category_codes: dict[str, tuple[Mapping[str, Any], ...]] = {}
        category_groups: dict[str, str] = {}
        for cat in item.get("categories", []):
            if isinstance(cat, Mapping):
                categories[str(cat["value"])] = str(cat.get("label", cat["value"]))
                category_codes[str(cat["value"])] = tuple(cat.get("codes", ()))
                if cat.get("group") is not None:
                    category_groups[str(cat["value"])] = str(cat["group"])
            else:
                categories[str(cat)] = str(cat)
        enum = constraints.get("enum")
        field_missing = item.get("missingValues")
        return cls(
            name=str(item["name"]),
            type=str(item.get("type", "string")),
            title=str(item.get("title", "")),
            description=str(item.get("description", "")),
            required=bool(constraints.get("required", False)),
            minimum=constraints.get("minimum"),
            maximum=constraints.get("maximum"),
            enum=tuple(str(v) for v in enum) if enum is not None else None,
            categories=categories,
            true_values=tuple(item.get("trueValues", DEFAULT_TRUE_VALUES)),
            false_values=tuple(item.get("falseValues", DEFAULT_FALSE_VALUES)),
            missing_values=_missing_values(field_missing) if field_missing is not None else missing,
            unit=item.get("unit"),
            codes=tuple(item.get("codes", ())),
            category_codes=category_codes,
            privacy=item.get("privacy"),
            level=item.get("level"),
            category_groups=category_groups,
            exclusive_minimum=constraints.get("exclusiveMinimum"),
            exclusive_maximum=constraints.get("exclusiveMaximum"),
            pattern=constraints.get("pattern"),
            min_length=constraints.get("minLength"),
            max_length=constraints.get("maxLength"),
            unique=bool(constraints.get("unique", False)),
            letter=str(item.get("letter", "")),
        )


@dataclass(frozen=True)
class TableSchema:
    """The fields, primary key and missing-value labels of one tabular resource."""

    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    missing_values: Mapping[str, str]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def patient_attributes(self) -> tuple[str, ...]:
        """Fields that describe the patient (``level``: patient), the key excepted: the same
        on every episode of a patient.

        >>> from dahpkg.package import shipped_schema
        >>> shipped_schema().patient_attributes
        ('sex', 'race', 'tobacco_exposure', 'diagnosis', 'aps', 'age_at_diagnosis')
        """
        return tuple(f.name for f in self.fields
                     if f.level == "patient" and f.name not in self.primary_key)  # fmt: skip

    def groups(self, name: str) -> dict[str, str]:
        """The group of each category of field ``name`` (empty when it declares none).

        >>> from dahpkg.package import shipped_schema
        >>> shipped_schema().groups("diagnosis")
        {'GPA': 'AAV', 'MPA': 'AAV', 'EGPA': 'AAV', 'SLE': 'SLE'}
        """
        return dict(self.field(name).category_groups) if name in self.names else {}

    def field(self, name: str) -> Field:
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def missing_label(self) -> str:
        """The label shown for a missing cell ("not recorded" unless the schema says otherwise)."""
        for label in self.missing_values.values():
            if label:
                return label
        return DEFAULT_MISSING_LABEL

    @classmethod
    def from_descriptor(
        cls, descriptor: Mapping[str, Any], where: str = "the Table Schema"
    ) -> TableSchema:
        """Read a Table Schema descriptor, refusing (`InputError`) one that dahpkg cannot trust.

        The descriptor must follow the Table Schema v2 profile; numeric bounds must be numbers,
        the primary key must name declared fields, and field types must be ones dahpkg checks.
        """
        listed = descriptor.get("fields")
        columns = limit("max_columns")
        if isinstance(listed, list) and len(listed) > columns.value():
            # Checked before the profile, whose cost grows with every field.
            raise columns.exceeded(where, f"{len(listed):,} fields declared")
        check_profile(descriptor, "tableschema.json", where)
        try:
            missing = _missing_values(descriptor.get("missingValues", [""]))
            fields = tuple(Field.from_descriptor(f, missing) for f in descriptor["fields"])
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InputError(f"{where} cannot be read: {exc}") from None
        names = [f.name for f in fields]
        problems = sorted({f.type for f in fields} - set(SUPPORTED_TYPES))
        if problems:
            raise InputError(f"{where} uses field types dahpkg cannot check: {', '.join(problems)}")
        for item in fields:
            _check_text_constraints(item, where)
            bounds = (item.minimum, item.maximum, item.exclusive_minimum, item.exclusive_maximum)
            for bound in bounds:
                if bound is not None and (
                    item.type not in ("integer", "number") or not _is_number(bound)
                ):
                    raise InputError(
                        f"{where}: field {item.name} has a minimum or maximum that is not a number"
                    )
        for what, allowed, values in (
            ("privacy role", PRIVACY_ROLES, {f.name: f.privacy for f in fields}),
            ("level", LEVELS, {f.name: f.level for f in fields}),
        ):
            unknown = sorted(f"{n}: {v!r}" for n, v in values.items()
                             if v is not None and v not in allowed)  # fmt: skip
            if unknown:
                raise InputError(
                    f"{where}: unknown {what} ({'; '.join(unknown)}); use one of "
                    f"{', '.join(allowed)}"
                )
        duplicated = sorted(n for n, count in Counter(names).items() if count > 1)
        if duplicated:
            raise InputError(f"{where} declares a field twice: {', '.join(duplicated)}")
        pk = descriptor.get("primaryKey", [])
        primary_key = (pk,) if isinstance(pk, str) else tuple(pk)
        declared = set(names)
        unknown = [k for k in primary_key if k not in declared]
        if unknown:
            raise InputError(
                f"{where}: the primary key names undeclared field(s) {', '.join(unknown)}"
            )
        return cls(fields=fields, primary_key=primary_key, missing_values=missing)

    def completed_from(self, dictionary: TableSchema) -> TableSchema:
        """This schema, with a field that leaves its ``level`` unsaid (or a categorical field
        its categories' ``group``) taking the one ``dictionary`` declares for the field of the
        same name: a package made before dahpkg declared them reads as it did then."""
        known = {f.name: f for f in dictionary.fields}
        fields = []
        for item in self.fields:
            base = known.get(item.name)
            if base is not None and item.level is None:
                item = replace(item, level=base.level)
            if base is not None and not item.category_groups:
                groups = {
                    v: g for v, g in base.category_groups.items() if v in (item.allowed or ())
                }
                item = replace(item, category_groups=groups)
            fields.append(item)
        return replace(self, fields=tuple(fields))

    def to_pandera(self, checks: list[pa.Check] | None = None) -> pa.DataFrameSchema:
        """The structural part of the schema as a pandera ``DataFrameSchema``.

        Column dtypes are those of :func:`dahpkg.load` (``Int64``, ``boolean``, ``category``
        with the declared categories, ``str``); every check
        carries the id of the dahpkg rule it implements as its ``error``, so a pandera failure
        report names the same rules as ``dahpkg validate``.
        """
        import pandas as pd
        import pandera.pandas as pa

        columns = {}
        for item in self.fields:
            column_checks = []
            if item.allowed is not None:
                column_checks.append(pa.Check.isin(list(item.allowed), error="schema-category"))
            if item.minimum is not None and item.maximum is not None:
                column_checks.append(
                    pa.Check.in_range(item.minimum, item.maximum, error="schema-range")
                )
            elif item.minimum is not None:
                column_checks.append(pa.Check.ge(item.minimum, error="schema-range"))
            elif item.maximum is not None:
                column_checks.append(pa.Check.le(item.maximum, error="schema-range"))
            if item.exclusive_minimum is not None:
                column_checks.append(pa.Check.gt(item.exclusive_minimum, error="schema-range"))
            if item.exclusive_maximum is not None:
                column_checks.append(pa.Check.lt(item.exclusive_maximum, error="schema-range"))
            if item.min_length is not None or item.max_length is not None:
                column_checks.append(
                    pa.Check.str_length(item.min_length, item.max_length, error="schema-length")
                )
            if item.pattern is not None:
                # dahpkg's own RE2 check, not pandera's str_matches: no pattern can backtrack.
                column_checks.append(pa.Check(partial(_matches, item), error="schema-pattern"))
            dtype: Any = PANDAS_DTYPES[item.type]
            if item.type == "string" and item.allowed is not None:
                dtype = pd.CategoricalDtype(list(item.allowed))  # as dahpkg.load() gives it
            columns[item.name] = pa.Column(
                dtype, checks=column_checks, nullable=not item.required, unique=item.unique
            )
        return pa.DataFrameSchema(
            columns=columns,
            checks=list(checks or []),
            strict=True,
            unique=list(self.primary_key) or None,
            report_duplicates="exclude_first",
            name="episodes",
        )


# pandas' nullable dtypes keep a missing cell missing instead of turning it into NaN or False.
PANDAS_DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "string": "str"}


def _matches(item: Field, values: pd.Series) -> pd.Series:
    from dahpkg.package.constraints import breaks_pattern

    return ~breaks_pattern(item, values)


def _check_text_constraints(item: Field, where: str) -> None:
    from dahpkg.package.constraints import check_pattern

    given = {"pattern": item.pattern, "minLength": item.min_length, "maxLength": item.max_length}
    declared = [name for name, value in given.items() if value is not None]
    if declared and item.type != "string":
        raise InputError(
            f"{where}: field {item.name} declares {' and '.join(declared)}, which the Table "
            "Schema defines for text fields only"
        )
    if item.pattern is not None:
        check_pattern(str(item.pattern), f"{where}: field {item.name}")
    for length in (item.min_length, item.max_length):
        whole = isinstance(length, int) and not isinstance(length, bool)
        if length is not None and not (whole and length >= 0):
            raise InputError(
                f"{where}: field {item.name} has a minLength or maxLength that is not a whole "
                "number of characters"
            )


def _is_number(value: Any) -> bool:
    """A bound a column can be compared with: a finite number a float can hold."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer of hundreds of digits
        return False


PROFILES = Path(__file__).parent / "profiles"


@functools.cache
def _profile_validator(profile: str) -> Any:
    import jsonschema

    schema = json.loads((PROFILES / profile).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def check_profile(descriptor: Mapping[str, Any], profile: str, where: str) -> None:
    """Raise `InputError` naming the first place where ``descriptor`` breaks a v2 profile."""
    import jsonschema

    error = jsonschema.exceptions.best_match(_profile_validator(profile).iter_errors(descriptor))
    if error is not None:
        place = "/".join(str(p) for p in error.absolute_path) or "the top level"
        reason = error.message if len(error.message) <= 120 else "it has the wrong shape"
        raise InputError(f"{where} does not follow the {profile} v2 profile at {place}: {reason}")


def is_missing(value: Any) -> bool:
    """True for a cell that holds no value (None, NaN, pandas' NA or NaT).

    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    """
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _missing_values(value: Any) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in value:
        if isinstance(item, Mapping):
            result[str(item["value"])] = str(item.get("label", ""))
        else:
            result[str(item)] = ""
    return result
