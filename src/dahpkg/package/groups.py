"""Field groups: yes/no fields that together answer one question, such as the symptoms of an
episode, declared in the Table Schema (a dahpkg extension).

Table I prints the symptoms in one column ("fever, dyspnoea"; "asymptomatic" when none) and the
other relevant manifestations in another; the tidy table gives each its own yes/no field. The
schema says which fields belong together: each member carries ``"group": NAME``, and the group's
title and description are declared once, in the schema's ``fieldGroups`` list. A form may then
show a group as one question with a box to tick per member (a REDCap ``checkbox`` field).

A box left unticked reads as no, so only a required yes/no field can be a member: a missing
value (not recorded) cannot be told from no once it is a box.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dahpkg.errors import InputError

KEY = "fieldGroups"  # the Table Schema's property that declares the groups


class Field(Protocol):
    """What a group needs to know of a field (`dahpkg.package.schema.Field` has it): named here
    so that the schema, which reads the groups, is not imported back."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def level(self) -> str | None: ...
    @property
    def group(self) -> str | None: ...


@dataclass(frozen=True)
class FieldGroup:
    """One group: its name, title and description as the schema declares them, and its
    members in the schema's order of fields."""

    name: str
    title: str
    description: str
    members: tuple[str, ...]

    @property
    def label(self) -> str:
        """The human name of the group (its title, or its name when it has none)."""
        return self.title or self.name


def read_groups(
    descriptor: Mapping[str, Any], fields: Sequence[Field], where: str
) -> tuple[FieldGroup, ...]:
    """The groups ``descriptor`` declares, with the ``fields`` that belong to each; an
    `InputError` for a group that is not declared, declared twice or left empty, named as a
    field is, or holding a field that a box cannot stand for."""
    declared = descriptor.get(KEY, [])
    if not isinstance(declared, list) or not all(
        isinstance(g, Mapping) and isinstance(g.get("name"), str) and g["name"] for g in declared
    ):
        raise InputError(
            f'{where}: {KEY} must be a list of groups, each with a "name" (and a "title" and '
            'a "description")'
        )
    names = [str(g["name"]) for g in declared]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"{where} declares the field group(s) {', '.join(twice)} twice")
    fields_named = {f.name for f in fields}
    clash = sorted(set(names) & fields_named)
    if clash:
        raise InputError(
            f"{where}: the field group(s) {', '.join(clash)} have the name of a field; give "
            "each group a name of its own"
        )
    undeclared = sorted(
        {f"{f.name}: {f.group!r}" for f in fields if f.group is not None and f.group not in names}
    )
    if undeclared:
        raise InputError(
            f"{where}: field(s) name a group that {KEY} does not declare ({'; '.join(undeclared)})"
            f"; declare it there, or use one of: {', '.join(names) or 'no group is declared'}"
        )
    groups = []
    for item in declared:
        name = str(item["name"])
        members = [f for f in fields if f.group == name]
        if not members:
            raise InputError(f"{where}: no field belongs to the field group {name}; remove it")
        _check_members(name, members, where)
        groups.append(
            FieldGroup(
                name,
                str(item.get("title", "")),
                str(item.get("description", "")),
                tuple(f.name for f in members),
            )
        )
    return tuple(groups)


def _check_members(name: str, members: list[Field], where: str) -> None:
    """Refuse a member a box cannot stand for, and members of different levels."""
    for item in members:
        if item.type != "boolean" or not item.required:
            what = "not a yes/no field" if item.type != "boolean" else "not required"
            raise InputError(
                f"{where}: field {item.name} is in the group {name}, whose members are boxes "
                f"ticked or left unticked, and an unticked box reads as no; but {item.name} is "
                f"{what}, so a missing value would become no. Make it a required boolean "
                f'(type "boolean", constraints.required true) or take it out of the group'
            )
    levels = sorted({str(f.level) for f in members})
    if len(levels) > 1:
        raise InputError(
            f"{where}: the group {name} mixes fields of the patient and of the episode "
            f"({', '.join(f'{f.name}: {f.level}' for f in members)}); a group is one question "
            "about one of them"
        )
