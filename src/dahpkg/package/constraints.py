"""The Table Schema constraints on text and uniqueness: pattern, minLength, maxLength, unique
(categories and ranges are `Field.outside_categories` and `Field.out_of_range`).

Each is one vectorised mask per column. A pattern runs on RE2 (through pyarrow), whose time is
linear in the text whatever the pattern, so a schema dahpkg did not write cannot stall it with a
catastrophic backtracking pattern such as ``(a+)+$``; RE2 refuses back-references and
look-arounds, and such a pattern is refused when the schema is read, naming the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from dahpkg.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


class Field(Protocol):
    """What these checks read of a `dahpkg.package.schema.Field` (which imports this module)."""

    @property
    def type(self) -> str: ...
    @property
    def pattern(self) -> str | None: ...
    @property
    def min_length(self) -> int | None: ...
    @property
    def max_length(self) -> int | None: ...
    @property
    def unique(self) -> bool: ...


# Constraints the Table Schema defines for text: a field of another type may not declare them.
TEXT_ONLY = ("pattern", "minLength", "maxLength")


def anchored(pattern: str) -> str:
    """The pattern as the Table Schema means it: the whole value must match (XML Schema)."""
    return f"^(?:{pattern})$"


def check_pattern(pattern: str, where: str) -> None:
    """Refuse a pattern RE2 cannot run (a back-reference, a look-around, a syntax error)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""], pa.string()), anchored(pattern))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        reason = str(exc).removeprefix("Invalid regular expression: ")
        raise InputError(
            f"{where}: its pattern {pattern!r} cannot be checked ({reason}); write it without "
            "back-references or look-arounds"
        ) from None


def breaks_pattern(item: Field, values: pd.Series) -> pd.Series:
    """True where a recorded text does not match the field's whole pattern."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if item.pattern is None or item.type != "string":
        return values.isna() & False
    text = pa.array(values.astype("string"), type=pa.string(), from_pandas=True)
    matched = pc.match_substring_regex(text, anchored(item.pattern)).to_numpy(zero_copy_only=False)
    return values.notna() & ~_filled(matched, values)


def breaks_length(item: Field, values: pd.Series) -> pd.Series:
    """True where a recorded text is shorter than minLength or longer than maxLength."""
    outside = values.isna() & False
    if item.type != "string" or (item.min_length is None and item.max_length is None):
        return outside
    length = values.astype("string").str.len()
    if item.min_length is not None:
        outside |= (length < item.min_length).fillna(False)
    if item.max_length is not None:
        outside |= (length > item.max_length).fillna(False)
    return outside.astype(bool)


def repeated(item: Field, values: pd.Series) -> pd.Series:
    """True on every recorded value of a unique field seen on an earlier row."""
    if not item.unique:
        return values.isna() & False
    return (values.notna() & values.duplicated(keep="first")).astype(bool)


def _filled(matched: object, values: pd.Series) -> pd.Series:
    import pandas as pd

    # A missing cell matched nothing (null); it is not a failure: `required` covers it.
    return pd.Series(matched, index=values.index).fillna(True).astype(bool)
