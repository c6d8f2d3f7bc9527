"""The structural part of a Table Schema as a pandera ``DataFrameSchema``.

Column dtypes are those of :func:`dahpkg.load` (``Int64``, ``boolean``, ``category`` with the
declared categories, ``str``); every check carries the id of the dahpkg rule it implements as
its ``error``, so a pandera failure report names the same rules as ``dahpkg validate``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

    from dahpkg.package.schema import Field, TableSchema


def to_pandera(schema: TableSchema, checks: list[pa.Check] | None = None) -> pa.DataFrameSchema:
    """``schema`` as a pandera ``DataFrameSchema``, with the frame-wide ``checks`` added."""
    import pandas as pd
    import pandera.pandas as pa

    columns = {}
    for item in schema.fields:
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
        unique=list(schema.primary_key) or None,
        report_duplicates="exclude_first",
        name="episodes",
    )


# pandas' nullable dtypes keep a missing cell missing instead of turning it into NaN or False.
PANDAS_DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "string": "str"}


def _matches(item: Field, values: pd.Series) -> pd.Series:
    from dahpkg.package.constraints import breaks_pattern

    return ~breaks_pattern(item, values)
