"""The data dictionary of a registry pooled by `dahpkg merge`: every centre's must be the same,
and the registry's is that one with two patient fields added, the centre and the patient's
number there.

Two dictionaries are the same when they declare the same fields with the same types,
categories, constraints, levels and privacy roles, the same primary key and missing values.
What a package may word its own way is not compared: the descriptions, and the notes on how the
letter's Table I gives a variable (the ``letter`` property), which the registry leaves out as
`dahpkg init` does (its data do not come from Table I).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.export.init import without_letter
from dahpkg.package.descriptor import shown

if TYPE_CHECKING:
    from dahpkg.package import Field, Package, TableSchema

CENTRE = "centre"
CENTRE_PATIENT_ID = "centre_patient_id"
PATIENT_ID = "patient_id"
SHOWN = 8  # differences listed in a message; the rest are counted


def check_same(sources: list[Package]) -> None:
    """Refuse (`InputError`) a source whose data dictionary is not the first source's, with
    what differs; or one that is already a registry (it has a ``centre`` field)."""
    for package in sources:
        names = package.schema.names
        if CENTRE in names or CENTRE_PATIENT_ID in names:
            raise InputError(
                f"{package.name} is already a registry pooled from several centres (it has a "
                f"'{CENTRE}' or '{CENTRE_PATIENT_ID}' field): merge the centres' own packages, "
                "listed in its sources, with the new one instead, so that each keeps its centre"
            )
        if PATIENT_ID not in names:
            raise InputError(
                f"the data dictionary of {package.name} has no {PATIENT_ID} field: a registry "
                "numbers each centre's patients from it"
            )
    first = sources[0]
    for other in sources[1:]:
        found = differences(first.schema, other.schema)
        if found:
            more = f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
            raise InputError(
                f"{other.name} does not follow the data dictionary of {first.name}, so their "
                f"episodes cannot be pooled: {'; '.join(found[:SHOWN])}{more}. Record both "
                "with the same dictionary (the one `dahpkg init` writes) and merge again"
            )


def differences(first: TableSchema, other: TableSchema) -> list[str]:
    """What ``other`` declares differently from ``first``, in words (empty: the same): every
    property of every field, then of the table (primary key, missing values, field groups...),
    the wording apart."""
    mine, theirs = _fields(first), _fields(other)
    found = [f"it lacks the field {n}" for n in mine if n not in theirs]
    found += [f"it has a field {n} the other lacks" for n in theirs if n not in mine]
    for name in (n for n in mine if n in theirs):
        found += [f"{name}: {d}" for d in _compared(mine[name], theirs[name])]
    found += [f"its {d}" for d in _compared(_worded(first), _worded(other), skip=("fields",))]
    return found


def _compared(first: Any, other: Any, skip: tuple[str, ...] = ()) -> list[str]:
    """Each property of two dataclasses that differs, as "key value instead of value"."""
    found = []
    for key in (f.name for f in dataclasses.fields(first) if f.name not in skip):
        was, now = getattr(first, key), getattr(other, key)
        if was != now:
            found.append(f"{_words(key)} {shown(_plain(now))} instead of {shown(_plain(was))}")
    return found


def _fields(schema: TableSchema) -> dict[str, Field]:
    return {f.name: _worded(f) for f in schema.fields}


def _worded(item: Any) -> Any:
    """``item`` (a field, a table, a group of fields) without the words a package may choose:
    its description, and the notes on how the letter's Table I gives a variable."""
    blank: dict[str, Any] = {k: "" for k in ("description", "letter") if hasattr(item, k)}
    if hasattr(item, "field_groups"):
        blank["field_groups"] = tuple(_worded(g) for g in item.field_groups)
    return dataclasses.replace(item, **blank)


def _words(key: str) -> str:
    """A field's property as the Table Schema names it: ``true_values`` -> ``trueValues``."""
    head, *rest = key.split("_")
    return head + "".join(w.title() for w in rest)


def _plain(value: Any) -> Any:
    """Mappings and tuples as JSON shows them, for a message."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


def registry_schema(dictionary: dict[str, Any], centres: list[tuple[str, str]]) -> dict[str, Any]:
    """The registry's Table Schema (as JSON): the centres' ``dictionary`` without the letter's
    notes, ``patient_id`` numbering the patients across centres, and after it ``centre``
    (``centres``: each centre's value and label, in source order) and ``centre_patient_id``
    (the patient's number at the centre, constrained as ``patient_id`` is there)."""
    schema = without_letter(dictionary)
    fields: list[dict[str, Any]] = schema["fields"]
    at = next(i for i, f in enumerate(fields) if f.get("name") == PATIENT_ID)
    patient = fields[at]
    constraints = dict(patient.get("constraints", {}))
    patient["description"] = (
        "Patient number within the registry, unique across its centres and the same on every "
        f"episode of the patient; the patient's number at the centre is {CENTRE_PATIENT_ID}."
    )
    centre = {
        "name": CENTRE,
        "type": "string",
        "title": "Centre",
        "description": "The centre whose data package holds the episode, as the sources of "
        "datapackage.json list the packages.",
        "level": "patient",
        "privacy": "quasi-identifier",
        "categories": [{"value": value, "label": label} for value, label in centres],
        "constraints": {"required": True, "enum": [value for value, _ in centres]},
    }
    number = {
        "name": CENTRE_PATIENT_ID,
        "type": "integer",
        "title": "Patient at the centre",
        "description": f"The patient's number in the centre's own package (its {PATIENT_ID} "
        "there), the same on every episode of the patient.",
        "level": "patient",
        "privacy": "pseudonym",
        "constraints": constraints,
    }
    fields[at + 1 : at + 1] = [centre, number]
    return schema
