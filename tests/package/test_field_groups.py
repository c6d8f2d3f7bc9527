"""Field groups: the schema says which yes/no fields answer one question (Table I's Symptoms and
Other relevant manifestations columns), and refuses a group a box per member cannot show."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dahpkg.errors import InputError
from dahpkg.letter import layout
from dahpkg.package import open_package, shipped_schema

Schema = dict[str, Any]


def edit_schema(package: Path, edit: Callable[[Schema], None]) -> Path:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema), encoding="utf-8")
    return package


def field(schema: Schema, name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def test_the_groups_are_table_i_s_two_free_text_columns() -> None:
    groups = {g.name: g for g in shipped_schema().field_groups}
    assert [(g.name, g.title) for g in groups.values()] == [
        ("symptoms", layout.SYMPTOMS),
        ("manifestations", layout.MANIFESTATIONS),
    ]
    # The members are the columns the letter's build fills from those two printed columns.
    assert set(groups["symptoms"].members) == {c for _, c in layout.SYMPTOMS_PRINTED}
    assert set(groups["manifestations"].members) == {c for _, c in layout.MANIFESTATIONS_PRINTED}
    assert "asymptomatic" in groups["symptoms"].description
    assert shipped_schema().field("fever").group == "symptoms"
    assert shipped_schema().field("haemoglobin_drop").group is None


def test_codes_are_declared_once_on_the_field() -> None:
    schema = shipped_schema()
    assert schema.field("diagnosis").value_codes() == {"GPA": 1, "MPA": 2, "EGPA": 3, "SLE": 4}
    assert schema.field("age_at_dah").value_codes() == {}
    assert schema.field("age_at_dah").bounds() == (0, 120)


def _nullable_member(s: Schema) -> None:
    field(s, "haemoglobin_drop")["group"] = "symptoms"


def _text_member(s: Schema) -> None:
    field(s, "race")["group"] = "symptoms"
    field(s, "race")["level"] = "episode"


def _undeclared(s: Schema) -> None:
    field(s, "fever")["group"] = "signs"


def _clash(s: Schema) -> None:
    s["fieldGroups"][0]["name"] = "fever"
    for name in ("fever", "dyspnoea", "haemoptysis", "cough", "chest_pain"):
        field(s, name)["group"] = "fever"


def _empty(s: Schema) -> None:
    s["fieldGroups"].append({"name": "signs", "title": "Signs"})


def _twice(s: Schema) -> None:
    s["fieldGroups"].append(dict(s["fieldGroups"][0]))


def _mixed_levels(s: Schema) -> None:
    field(s, "tobacco_exposure")["group"] = "symptoms"


def _not_a_list(s: Schema) -> None:
    s["fieldGroups"] = {"symptoms": "Symptoms"}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_nullable_member, "haemoglobin_drop is not required, so a missing value would become no"),
        (_text_member, "race is not a yes/no field"),
        (_undeclared, "fieldGroups does not declare (fever: 'signs')"),
        (_clash, "the field group(s) fever have the name of a field"),
        (_empty, "no field belongs to the field group signs; remove it"),
        (_twice, "declares the field group(s) symptoms twice"),
        (_mixed_levels, "the group symptoms mixes fields of the patient and of the episode"),
        (_not_a_list, "fieldGroups must be a list of groups"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[1:] or None,
)
def test_a_group_a_box_cannot_show_is_refused(
    package: Path, edit: Callable[[Schema], None], expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        open_package(edit_schema(package, edit))
    assert expected in str(caught.value)


def test_a_schema_without_groups_reads_as_before(package: Path) -> None:
    def ungrouped(s: Schema) -> None:
        s.pop("fieldGroups")
        for item in s["fields"]:
            item.pop("group", None)

    schema = open_package(edit_schema(package, ungrouped)).schema
    assert schema.field_groups == () and schema.field("fever").group is None
