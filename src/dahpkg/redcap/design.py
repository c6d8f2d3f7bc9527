"""The REDCap project a Table Schema makes, and the names REDCap gives things.

One record per patient: REDCap's record ID is the schema's patient key (the primary-key field
whose ``level`` is patient). The non-repeating instrument `patient` holds the other fields that
describe the patient; the instrument `dah_episode`, to be marked repeating, those that describe
one episode: each DAH episode is one instance, and the instance number is the episode number
(the primary-key field whose ``level`` is episode), so that number is not a field of its own.
Yes/no fields are REDCap ``yesno`` fields (1 = Yes, 0 = No); categories are ``radio`` fields
coded as the SPSS and Stata files code them (`dahpkg.package.Field.value_codes`); a field group
(`dahpkg.package.groups`) is one ``checkbox`` field whose options are its members' names.

Both directions use the `Project` made here: the data dictionary (`dahpkg.redcap.dictionary`)
and the reading of a record export (`dahpkg.redcap.records`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from dahpkg.errors import InputError
from dahpkg.package import Field, TableSchema

# The instrument of each level of field.
FORMS = {"patient": "patient", "episode": "dah_episode"}
# The columns REDCap adds to a flat record export, and the suffixes of the per-instrument ones.
REPEAT_INSTRUMENT, REPEAT_INSTANCE = "redcap_repeat_instrument", "redcap_repeat_instance"
EVENT = "redcap_event_name"
ADMINISTRATIVE = ("redcap_data_access_group", "redcap_survey_identifier")
COMPLETE, TIMESTAMP = "_complete", "_timestamp"
CHECKBOX = "___"  # a checkbox option's column: <field>___<code>
# The header row of a data dictionary as REDCap writes it, commas and suffixes included, and
# the same columns as its API names them (content=metadata).
HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
API_HEADER = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
# What the episode table writes for yes and no (the Table Schema's canonical spelling).
TRUE, FALSE = "true", "false"
YES_NO = {"1": TRUE, "0": FALSE}  # REDCap's own codes of yesno, truefalse and a ticked box
# REDCap's names for variables and instruments: lowercase letters, digits and underscores,
# starting with a letter.
NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
# A checkbox option's code as dahpkg writes it (a group member's field name); REDCap names its
# export column with the code lower-cased and '-' made '_' (`option_column`).
OPTION_CODE = re.compile(r"[A-Za-z0-9_-]+\Z")


@dataclass(frozen=True)
class Variable:
    """One field of the REDCap project (a row of its data dictionary) and what its codes stand
    for in the episode table: ``values`` maps a radio code to the category, a yes/no code to
    true or false, a checkbox option to the member field it ticks; a text field has none."""

    name: str
    form: str
    type: str  # text, yesno, radio or checkbox
    label: str
    note: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (code, label), for radio and checkbox
    validation: str = ""
    minimum: str = ""
    maximum: str = ""
    identifier: bool = False
    required: bool = False
    section: str = ""
    values: Mapping[str, str] = field(default_factory=dict)

    def export_columns(self) -> tuple[str, ...]:
        """Its columns in a flat record export: one, or one per checkbox option."""
        if self.type == "checkbox":
            return tuple(option_column(self.name, code) for code, _ in self.choices)
        return (self.name,)

    def coding(self) -> str:
        """Its codes and labels for messages ("1 = female, 2 = male")."""
        if self.type == "yesno":
            return "1 = Yes, 0 = No"
        return ", ".join(f"{code} = {label}" for code, label in self.choices)


def option_column(field: str, code: str) -> str:
    """The export column of a checkbox option, named as REDCap names it: ``symptoms___fever``;
    a code ``Fever`` or ``chest-pain`` gives ``___fever``, ``___chest_pain``."""
    return f"{field}{CHECKBOX}{code.lower().replace('-', '_')}"


@dataclass(frozen=True)
class Project:
    """The REDCap project of a Table Schema: the record ID field, the field whose value is the
    instance number of the repeating instrument, and every variable in dictionary order."""

    record_id: str
    instance: str
    variables: tuple[Variable, ...]
    columns: tuple[str, ...]  # the episode table's, in the schema's order

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.form for v in self.variables))

    @property
    def patient_form(self) -> str:
        return FORMS["patient"]

    @property
    def episode_form(self) -> str:
        return FORMS["episode"]

    def variable(self, name: str) -> Variable:
        for item in self.variables:
            if item.name == name:
                return item
        raise KeyError(name)


def project(schema: TableSchema) -> Project:
    """The REDCap project of ``schema``; an `InputError` saying what to change in a schema that
    cannot be one (no patient key and episode number, a field of no level, a name REDCap
    refuses)."""
    record_id, instance = _keys(schema)
    unplaced = [f.name for f in schema.fields if f.level not in FORMS]
    if unplaced:
        raise InputError(
            f"the Table Schema does not say whether {', '.join(unplaced)} describe(s) the patient "
            'or the episode: add "level": "patient" or "level": "episode" to each, so that '
            "the field goes on the patient or on the dah_episode instrument"
        )
    groups = {g.name: g for g in schema.field_groups}
    placed: dict[str, list[Variable]] = {level: [] for level in FORMS}
    done: set[str] = set()
    placed["patient"].append(_variable(schema.field(record_id), FORMS["patient"], True))
    for item in schema.fields:
        if item.name in (record_id, instance) or item.group in done:
            continue
        assert item.level is not None
        form = FORMS[item.level]
        if item.group is not None:
            group = groups[item.group]
            members = [schema.field(n) for n in group.members]
            placed[item.level].append(
                Variable(
                    group.name,
                    form,
                    "checkbox",
                    group.label,
                    group.description,
                    choices=tuple((m.name, m.label) for m in members),
                    values={m.name: m.name for m in members},
                )
            )
            done.add(item.group)
            continue
        placed[item.level].append(_variable(item, form, False))
    episode = schema.field(instance)
    first = placed["episode"][0] if placed["episode"] else None
    if first is not None:
        # Where the data-entry form says what the instances are: above its first field.
        section = (
            f"One instance of this repeating instrument per {episode.label}: the instance "
            f"number is the {episode.name} of the data set. {episode.description}"
        ).strip()
        placed["episode"][0] = replace(first, section=section)
    variables = (*placed["patient"], *placed["episode"])
    _check_names(variables)
    return Project(record_id, instance, variables, schema.names)


def _keys(schema: TableSchema) -> tuple[str, str]:
    """The patient key (REDCap's record ID) and the episode number (the repeat instance)."""
    key = [schema.field(n) for n in schema.primary_key]
    patient = [f.name for f in key if f.level == "patient"]
    episode = [f.name for f in key if f.level == "episode" and f.type == "integer"]
    if len(key) != 2 or len(patient) != 1 or len(episode) != 1:
        given = ", ".join(f"{f.name} ({f.level or 'no level'}, {f.type})" for f in key)
        raise InputError(
            "a REDCap project needs the Table Schema's primary key to be a patient field (the "
            "record ID: one record per patient) and a whole-number episode field (the instance "
            f"of the repeating dah_episode instrument); this primary key is {given or 'empty'}"
        )
    return patient[0], episode[0]


def _variable(item: Field, form: str, record_id: bool) -> Variable:
    """The REDCap field of a field of the schema that belongs to no group."""
    note = item.description
    if record_id:
        note = f"{note} REDCap's record ID: one record per patient.".strip()
    kind, validation, low, high = "text", "", None, None
    choices: tuple[tuple[str, str], ...] = ()
    values: Mapping[str, str] = {}
    if item.type == "boolean":
        kind, values = "yesno", YES_NO
    elif item.allowed is not None:
        codes = item.value_codes()
        labels = {v: item.categories.get(v, v) for v in item.allowed}
        piped = [v for v, label in labels.items() if "|" in label]
        if piped:
            raise InputError(
                f"the label of the category {piped[0]!r} of {item.name} holds a '|', which a "
                "REDCap dictionary puts between choices: write the label without one"
            )
        kind = "radio"
        choices = tuple((str(codes[v]), labels[v]) for v in item.allowed)
        values = {str(codes[v]): v for v in item.allowed}
    elif item.type in ("integer", "number"):
        validation = item.type  # REDCap's validations of the same names
        low, high = item.bounds()
    return Variable(
        item.name,
        form,
        kind,
        item.label,
        note,
        choices,
        validation,
        _number(low),
        _number(high),
        identifier=item.privacy == "direct-identifier",
        required=item.required,
        values=values,
    )


def _number(value: float | None) -> str:
    """A bound as REDCap's validation takes it: whole numbers without a decimal point."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _check_names(variables: tuple[Variable, ...]) -> None:
    """Refuse a field name REDCap does not take, or one that an export column already has."""
    bad = [v.name for v in variables if not NAME.match(v.name)]
    if bad:
        raise InputError(
            f"REDCap cannot name a field {', '.join(repr(b) for b in bad)}: a REDCap variable "
            "has lowercase letters, digits and underscores only, and starts with a letter; "
            "rename the field (or group) in the Table Schema"
        )
    taken = {f"{form}{COMPLETE}" for form in FORMS.values()} | {
        REPEAT_INSTRUMENT,
        REPEAT_INSTANCE,
        EVENT,
        *ADMINISTRATIVE,
    }
    clash = [v.name for v in variables if v.name in taken or CHECKBOX in v.name]
    if clash:
        raise InputError(
            f"the field name(s) {', '.join(clash)} are columns REDCap adds to every export "
            "(or hold its checkbox separator ___): rename them in the Table Schema"
        )
    for variable in (v for v in variables if v.type == "checkbox"):
        codes = [code for code, _ in variable.choices]
        odd = [code for code in codes if not OPTION_CODE.match(code)]
        columns = [option_column(variable.name, code) for code in codes]
        if odd or len(set(columns)) < len(columns):
            shown = ", ".join(repr(c) for c in odd) or ", ".join(codes)
            raise InputError(
                f"the fields of the group {variable.name} ({shown}) cannot be the options of a "
                "REDCap checkbox: its option codes are the fields' names, which must be "
                "letters, digits, '_' or '-' and stay distinct in lower case (REDCap names an "
                "option's export column in lower case); rename them in the Table Schema"
            )
