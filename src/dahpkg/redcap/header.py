"""The header row of a REDCap record export: what kind of export it is, and which of its
columns holds each variable of the project.

A flat export of a classic project starts with the record ID, then ``redcap_repeat_instrument``
and ``redcap_repeat_instance`` when the project has repeating instruments (REDCap leaves them out
of an export with no repeat row), then the fields in dictionary order, a checkbox as one column
per option (``symptoms___fever``), each instrument followed by its ``<form>_complete`` status.
A longitudinal project adds ``redcap_event_name``; an export with label headers has the fields'
labels instead of their names: both are refused with what to export instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dahpkg.errors import InputError
from dahpkg.redcap.design import (
    ADMINISTRATIVE,
    CHECKBOX,
    COMPLETE,
    EVENT,
    REPEAT_INSTANCE,
    REPEAT_INSTRUMENT,
    TIMESTAMP,
    Project,
)

if TYPE_CHECKING:
    from dahpkg.redcap.problems import Problems
    from dahpkg.redcap.reading import TextTable


def check_kind(table: TextTable, design: Project) -> None:
    """Refuse an export that is not a flat record export of a classic project, or that
    holds no record."""
    labels = set(table.labels)
    if design.record_id not in labels:
        variable = design.variable(design.record_id)
        hint = (
            "its header row holds the fields' labels: export with raw variable names as "
            "headers (rawOrLabelHeaders=raw)"
            if variable.label in labels or table.labels[:1] == ("Record ID",)
            else "export the records as a flat CSV file with raw variable names as headers"
        )
        raise InputError(
            f"{table.where} has no column {design.record_id}, the project's record ID: {hint}"
        )
    if EVENT in labels:
        raise InputError(
            f"{table.where} comes from a longitudinal project (it has a {EVENT} column): "
            f"dahpkg reads a classic project whose {design.episode_form} instrument repeats, "
            "as `dahpkg template --format redcap` makes it"
        )
    if (REPEAT_INSTRUMENT in labels) != (REPEAT_INSTANCE in labels):
        raise InputError(
            f"{table.where} has only one of {REPEAT_INSTRUMENT} and {REPEAT_INSTANCE}: export "
            "the records again, unchanged"
        )
    if not len(table):
        raise InputError(
            f"{table.where} has a header row but no record: export the project's records "
            "(all records, all fields)"
        )


def variable_columns(
    table: TextTable, design: Project, problems: Problems
) -> dict[str, list[tuple[str, str]]]:
    """The export's column and checkbox code of each variable, those missing reported, and
    every column that is neither a variable's nor one REDCap adds reported too."""
    present = set(table.labels)
    found: dict[str, list[tuple[str, str]]] = {}
    known = {design.record_id, REPEAT_INSTRUMENT, REPEAT_INSTANCE, *ADMINISTRATIVE}
    known |= {form + suffix for form in design.forms for suffix in (COMPLETE, TIMESTAMP)}
    for variable in design.variables:
        codes = [c for c, _ in variable.choices] if variable.type == "checkbox" else [""]
        pairs = list(zip(variable.export_columns(), codes, strict=True))
        known |= {column for column, _ in pairs}
        found[variable.name] = [(c, code) for c, code in pairs if c in present]
        for column in (c for c, _ in pairs if c not in present):
            problems.column(
                column,
                "is not in the export, so the episode table would have no "
                "value for it: export every field of both instruments (a report or "
                "a de-identified export leaves fields out)",
            )
    for column in table.labels:
        if column not in known:
            option = column.partition(CHECKBOX)
            what = (
                f"is not an option of {option[0]}"
                if option[1] and option[0] in found
                else "is neither a field of the dictionary nor a column REDCap adds"
            )
            problems.column(
                column,
                f"{what}: its cells have no place in the episode table; "
                "export the project the dictionary describes",
            )
    return found
