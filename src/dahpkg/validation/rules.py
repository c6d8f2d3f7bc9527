"""The rule registry: structural rules generated from the Table Schema, then clinical rules.

Each rule has a stable id, a severity, a one-line description in clinical language and its
basis (where in the letter it comes from, or the clinical fact behind it). A clinical rule's
check is one small vectorised function of `dahpkg.validation.clinical`; the same functions
become pandera checks in :func:`pandera_schema`. Adding a rule is one entry here and its
function there.

The README's rule table, the validation reports and the codebook are generated from
:data:`RULES`, so the text of a rule exists here only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dahpkg.validation import clinical

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

    from dahpkg.package import TableSchema

Severity = Literal["error", "warning"]
Holds = Callable[["pd.DataFrame"], "pd.Series | pd.DataFrame"]


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue."""

    id: str
    severity: Severity
    description: str
    basis: str
    kind: Literal["structural", "clinical"]
    # The columns the rule reads; a function when the data dictionary says which (read when
    # first needed, so that importing the registry reads no file).
    needs: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()
    holds: Holds | None = None
    message: str = ""
    # A reviewed case may be confirmed (see `dahpkg.validation.confirm`): only the clinical
    # rules whose own text says another centre may legitimately differ, never a structural one.
    confirmable: bool = False

    def __post_init__(self) -> None:
        if self.confirmable and self.kind == "structural":
            raise ValueError(f"{self.id} is structural and cannot be confirmable")

    @property
    def columns(self) -> tuple[str, ...]:
        return self.needs() if callable(self.needs) else self.needs

    def pandera_check(self) -> pa.Check:
        """This clinical rule as a pandera DataFrame-level check named by the rule id."""
        import pandera.pandas as pa

        if self.holds is None:
            raise ValueError(f"{self.id} is structural: it comes from the Table Schema")
        return pa.Check(self.holds, error=self.id, name=self.id)


SCHEMA_BASIS = "Table Schema, schema/episodes.schema.json"

STRUCTURAL: tuple[Rule, ...] = (
    Rule(
        "schema-fields-present",
        "error",
        "Every column of the data dictionary is present.",
        f"{SCHEMA_BASIS}: fields",
        "structural",
    ),
    Rule(
        "schema-no-unknown-fields",
        "error",
        "No column outside the data dictionary (unknown columns are never exported).",
        f"{SCHEMA_BASIS}: fields",
        "structural",
    ),
    Rule(
        "schema-blank-row",
        "error",
        "No row is entirely empty.",
        "Table Schema rows: one row per episode",
        "structural",
    ),
    Rule(
        "schema-extra-cell",
        "error",
        "No row has more cells than the header has columns.",
        "Table Schema rows: one cell per column",
        "structural",
    ),
    Rule(
        "schema-missing-cell",
        "error",
        "No row has fewer cells than the header has columns.",
        "Table Schema rows: one cell per column",
        "structural",
    ),
    Rule(
        "schema-type",
        "error",
        "Every cell reads as the type its column declares (whole number, number, true/false "
        "or text).",
        f"{SCHEMA_BASIS}: field types",
        "structural",
    ),
    Rule(
        "schema-required",
        "error",
        "Every column the Table Schema marks as required has a value on every row.",
        f"{SCHEMA_BASIS}: constraints.required",
        "structural",
    ),
    Rule(
        "schema-category",
        "error",
        "Every categorical value is one of the categories its column declares.",
        f"{SCHEMA_BASIS}: categories and constraints.enum",
        "structural",
    ),
    Rule(
        "schema-range",
        "error",
        "Every number lies within the minimum and maximum its column declares.",
        f"{SCHEMA_BASIS}: constraints.minimum, maximum, exclusiveMinimum and exclusiveMaximum",
        "structural",
    ),
    Rule(
        "schema-pattern",
        "error",
        "Every text value has the form its column's pattern requires.",
        f"{SCHEMA_BASIS}: constraints.pattern",
        "structural",
    ),
    Rule(
        "schema-length",
        "error",
        "Every text value is as long as its column's minimum and maximum length allow.",
        f"{SCHEMA_BASIS}: constraints.minLength and constraints.maxLength",
        "structural",
    ),
    Rule(
        "schema-unique",
        "error",
        "No value repeats in a column the Table Schema declares unique.",
        f"{SCHEMA_BASIS}: constraints.unique",
        "structural",
    ),
    Rule(
        "schema-primary-key",
        "error",
        "No two rows share the primary key the Table Schema declares.",
        f"{SCHEMA_BASIS}: primaryKey",
        "structural",
    ),
    Rule(
        "confirmation-valid",
        "error",
        "Every confirmed exception gives a reason, names a confirmable rule and matches a "
        "finding of that rule on its patient's episode.",
        "Table Schema, schema/confirmations.schema.json, and the confirmable rules of this "
        "catalogue",
        "structural",
    ),
)


CLINICAL: tuple[Rule, ...] = (
    Rule(
        "ivig-sle-aps",
        "error",
        "Intravenous immunoglobulin only in patients with SLE and/or antiphospholipid "
        "syndrome. Holds in this series; another centre may legitimately give IVIg in "
        "ANCA-associated vasculitis, so confirm such a case rather than change it.",
        "Letter, paragraph 12 (IVIg use), with the three cases in paragraph 9",
        "clinical",
        ("ivig", "diagnosis", "aps"),
        clinical.ivig_sle_aps,
        "IVIg recorded for a patient with {diagnosis} and no antiphospholipid syndrome",
        confirmable=True,
    ),
    Rule(
        "relapse-at-most-one",
        "error",
        "At most one relapse per patient (two DAH episodes). Holds in this series; a "
        "registry with longer follow-up may legitimately record more.",
        "Letter, paragraph 4 and Table I: twelve episodes in ten patients, two relapses",
        "clinical",
        ("episode", "patient_id"),
        clinical.at_most_one_relapse,
        "episode {episode} is a second relapse of patient {patient_id}",
        confirmable=True,
    ),
    Rule(
        "episode-numbering",
        "error",
        "A patient's episodes are numbered 1, 2, ... without gaps.",
        "Data dictionary: episode 1 is the first DAH episode in the series, 2 the relapse",
        "clinical",
        ("episode", "patient_id"),
        clinical.episodes_numbered,
        "episode {episode} of patient {patient_id} breaks the numbering 1, 2, ... "
        "(an earlier episode is missing)",
    ),
    Rule(
        "survival-after-death",
        "error",
        "Once an episode records death within one year, no later episode of that patient "
        "records survival.",
        "Clinical fact: a patient who died cannot be alive one year after a later episode",
        "clinical",
        ("survival_1y", "patient_id", "episode"),
        clinical.no_survival_after_death,
        "1-year survival is {survival_1y} although an earlier episode of patient "
        "{patient_id} records death",
    ),
    Rule(
        "age-dah-after-diagnosis",
        "error",
        "Age at DAH is not below the age at diagnosis of the underlying disease. Holds in this "
        "series; elsewhere an inaugural DAH whose diagnosis was confirmed after a birthday "
        "could legitimately be one year younger.",
        "Clinical fact: immune-mediated DAH occurs at or after the disease is diagnosed, "
        "the inaugural episode being the moment of diagnosis",
        "clinical",
        ("age_at_dah", "age_at_diagnosis"),
        clinical.dah_after_diagnosis,
        "age at DAH {age_at_dah} is below age at diagnosis {age_at_diagnosis}",
        confirmable=True,
    ),
    Rule(
        "relapse-age-order",
        "error",
        "A relapse is not younger than the patient's earlier episode.",
        "Clinical fact: episodes are numbered in the order they happened",
        "clinical",
        ("age_at_dah", "patient_id", "episode"),
        clinical.relapse_not_younger,
        "age at DAH {age_at_dah} is younger than at an earlier episode of patient {patient_id}",
    ),
    Rule(
        "inaugural-first-episode",
        "error",
        "DAH can be the inaugural manifestation only on a patient's first episode.",
        "Data dictionary: dah_inaugural means DAH presented the disease, which happens once",
        "clinical",
        ("dah_inaugural", "episode"),
        clinical.inaugural_first,
        "DAH recorded as inaugural on episode {episode}, which is not the first",
    ),
    Rule(
        "inaugural-age",
        "error",
        "When DAH is the inaugural manifestation, age at DAH equals age at diagnosis. Holds "
        "in this series; elsewhere a diagnosis confirmed after a birthday could legitimately "
        "differ by one year.",
        "Letter, paragraph 6 and Table I: DAH presented the disease in six patients, each "
        "with equal ages",
        "clinical",
        ("age_at_dah", "dah_inaugural", "age_at_diagnosis"),
        clinical.inaugural_age,
        "DAH is inaugural but age at DAH {age_at_dah} differs from age at diagnosis "
        "{age_at_diagnosis}",
        confirmable=True,
    ),
    Rule(
        "patient-constant",
        "error",
        "Sex, race, tobacco exposure, diagnosis, APS and age at diagnosis are the same on "
        "every episode of a patient.",
        "Table I prints these once per patient; a relapse repeats them",
        "clinical",
        lambda: (*clinical.patient_attributes(), "patient_id", "episode"),
        clinical.patient_constant,
        "{column_label} {value} differs from the first episode of patient {patient_id}",
    ),
    Rule(
        "imv-needs-icu",
        "error",
        "Invasive mechanical ventilation only with admission to the intensive care unit. Holds "
        "in this series; elsewhere a patient ventilated in the emergency room or theatre who "
        "died before transfer could legitimately break it.",
        "Clinical fact: invasive ventilation is delivered in intensive care",
        "clinical",
        ("imv", "icu"),
        clinical.imv_in_icu,
        "invasive mechanical ventilation recorded without ICU admission (icu = {icu})",
        confirmable=True,
    ),
    Rule(
        "oral-gc-every-episode",
        "warning",
        "Every episode received oral glucocorticoids (prednisolone 1 mg/kg/day). The "
        "standard of care in this series; another centre may legitimately differ.",
        "Letter, paragraph 7 (all episodes received oral prednisolone)",
        "clinical",
        ("oral_gc",),
        clinical.oral_gc,
        "no oral glucocorticoids recorded for this episode",
        confirmable=True,
    ),
)

RULES: tuple[Rule, ...] = STRUCTURAL + CLINICAL
CONFIRMABLE: tuple[Rule, ...] = tuple(r for r in RULES if r.confirmable)


def rule(rule_id: str) -> Rule:
    """The rule with id ``rule_id``."""
    for item in RULES:
        if item.id == rule_id:
            return item
    raise KeyError(rule_id)


def pandera_schema(schema: TableSchema | None = None) -> pa.DataFrameSchema:
    """The whole catalogue as one pandera ``DataFrameSchema``: structure plus clinical rules.

    Validate a frame from :func:`dahpkg.load` with it to use dahpkg's rules inside a pandera
    pipeline; each failure's ``check`` is the dahpkg rule id.
    """
    from dahpkg.package import shipped_schema
    from dahpkg.package.frame_schema import to_pandera

    table_schema = schema or shipped_schema()
    return to_pandera(table_schema, checks=[r.pandera_check() for r in CLINICAL])
