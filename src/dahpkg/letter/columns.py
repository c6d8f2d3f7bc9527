"""The columns of the cohort summary: the disease groups, each category of a field describing
the patient, or none; every patient and every episode is given its column, and an overall
column comes last."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dahpkg.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.letter.cohort import Cohort
    from dahpkg.package import TableSchema

# Besides these two, a summary may be grouped by any field `groupable` lists.
GROUPINGS = ("group", "none")
OVERALL = "Overall"
OTHER = "Other"  # the group of a diagnosis the schema puts in none


def groupable(schema: TableSchema) -> tuple[str, ...]:
    """The fields a summary can be grouped by: categorical, and describing the patient (so
    that every episode of a patient falls in the patient's column).

    >>> from dahpkg.package import shipped_schema
    >>> groupable(shipped_schema())
    ('sex', 'race', 'diagnosis')
    """
    return tuple(
        f.name
        for f in schema.fields
        if f.level == "patient" and f.type == "string" and f.allowed is not None
    )


Keys = dict[str, "pd.Series"]  # the column of each patient ("patients"), each episode ("episodes")


def columns(cohort: Cohort, schema: TableSchema, by: str) -> tuple[tuple[str, ...], Keys]:
    """The columns for ``by`` (in the order the schema declares the groups or categories,
    overall last), and each patient's and each episode's column."""
    _check(schema, by)
    missing = schema.missing_label
    keys = {
        "patients": _keys(cohort.patients, by, cohort.groups, missing),
        "episodes": _keys(cohort.episodes, by, cohort.groups, missing),
    }
    order: list[str] = []
    if by == "group":
        order = list(dict.fromkeys(cohort.groups.values()))
    elif by != "none":
        order = list(schema.field(by).allowed or ())
    found = sorted(set(keys["patients"]) - {OVERALL}, key=lambda g: _order(g, order))
    return (*found, OVERALL), keys


def _check(schema: TableSchema, by: str) -> None:
    if by in GROUPINGS or by in groupable(schema):
        return
    why = ""
    if by in schema.names and schema.field(by).level != "patient":
        why = f" ({by} describes the episode: a patient's episodes could fall in two columns)"
    elif by in schema.names:
        why = f" ({by} is not categorical: it has no categories to make columns of)"
    raise InputError(
        f"cannot group the summary by {by!r}{why}: use group (AAV vs SLE), none, or a "
        f"categorical field describing the patient: {', '.join(groupable(schema))}"
    )


def _keys(frame: pd.DataFrame, by: str, groups: dict[str, str], missing: str) -> pd.Series:
    import pandas as pd

    if by == "group":
        return frame["diagnosis"].astype(str).map(groups).fillna(OTHER)
    if by == "none":
        return pd.Series(OVERALL, index=frame.index)
    # A patient without the value is counted in a column of its own, never dropped.
    return frame[by].astype("string").fillna(missing).astype(str)


def _order(name: str, order: list[str]) -> tuple[int, str]:
    """Groups and categories in the order the schema declares them, any other after."""
    return (order.index(name) if name in order else len(order), name)
