"""The rule catalogue: structural rules generated from the Table Schema, then clinical rules.

Each rule has a stable id, a severity, a one-line description in clinical language and its
basis (where in the letter it comes from, or the clinical fact behind it). Clinical rules are
one small vectorised function each on the typed episode frame, returning ``True`` where the
row satisfies the rule; a missing value never fails a clinical rule (the required-value rule
reports it). The same functions become pandera checks in :func:`pandera_schema`.

The README's rule table, the validation reports and the codebook are generated from
:data:`RULES`, so the text of a rule exists here only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

    from dahpkg.schema import TableSchema

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
    columns: tuple[str, ...] = ()
    holds: Holds | None = None
    message: str = ""

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
        f"{SCHEMA_BASIS}: constraints.minimum and constraints.maximum",
        "structural",
    ),
    Rule(
        "schema-primary-key",
        "error",
        "No two rows share the primary key the Table Schema declares.",
        f"{SCHEMA_BASIS}: primaryKey",
        "structural",
    ),
)


# --- clinical rules -------------------------------------------------------------------------
# Each function receives the typed frame with every column it names present.


def _ivig_sle_aps(d: pd.DataFrame) -> pd.Series:
    # Text compares to pyarrow booleans; as pandas' nullable booleans they combine with aps.
    allowed = (d["diagnosis"] == "SLE").astype("boolean") | d["aps"]
    return (~d["ivig"] | allowed).fillna(True).astype(bool)


def _episode_rank(d: pd.DataFrame) -> pd.Series:
    return d.groupby("patient_id")["episode"].rank(method="dense")


def _order_unknown(d: pd.DataFrame) -> pd.Series:
    """Rows of patients with an episode number missing: the order of their episodes is not
    known, so rules about that order cannot judge them."""
    missing = d["episode"].isna()
    if not missing.any():  # the usual case: nothing to group
        return missing.astype(bool)
    return missing.groupby(d["patient_id"]).transform("any").fillna(True).astype(bool)


def _at_most_one_relapse(d: pd.DataFrame) -> pd.Series:
    return (_episode_rank(d) <= 2).fillna(True).astype(bool) | d["patient_id"].isna()


def _episodes_numbered(d: pd.DataFrame) -> pd.Series:
    return (d["episode"] == _episode_rank(d)).fillna(True).astype(bool) | _order_unknown(d)


def _in_episode_order(d: pd.DataFrame) -> pd.DataFrame:
    """The frame sorted by patient and episode (most tables already are: then no copy)."""
    import numpy as np

    if len(d) > 1 and not (d["patient_id"].hasnans or d["episode"].hasnans):
        pid = d["patient_id"].to_numpy(dtype="int64")
        episode = d["episode"].to_numpy(dtype="int64")
        later = (pid[1:] > pid[:-1]) | ((pid[1:] == pid[:-1]) & (episode[1:] >= episode[:-1]))
        if bool(np.all(later)):
            return d
    return d.sort_values(["patient_id", "episode"], kind="stable")


def _no_survival_after_death(d: pd.DataFrame) -> pd.Series:
    s = _in_episode_order(d)
    died = (~s["survival_1y"]).fillna(False).astype(int)
    deaths_before = died.groupby(s["patient_id"]).cumsum() - died
    fails = (deaths_before > 0) & s["survival_1y"].fillna(False).astype(bool)
    return ~fails.reindex(d.index, fill_value=False) | _order_unknown(d)


def _dah_after_diagnosis(d: pd.DataFrame) -> pd.Series:
    return (d["age_at_dah"] >= d["age_at_diagnosis"]).fillna(True).astype(bool)


def _relapse_not_younger(d: pd.DataFrame) -> pd.Series:
    s = _in_episode_order(d)
    # cummax leaves a gap where an age is missing; carry the oldest age across it.
    oldest_so_far = s.groupby("patient_id")["age_at_dah"].cummax()
    oldest_so_far = oldest_so_far.groupby(s["patient_id"]).ffill()
    earlier = oldest_so_far.groupby(s["patient_id"]).shift(1)
    ok = (s["age_at_dah"] >= earlier).fillna(True).astype(bool)
    return ok.reindex(d.index, fill_value=True) | _order_unknown(d)


def _inaugural_first(d: pd.DataFrame) -> pd.Series:
    return (~d["dah_inaugural"] | (d["episode"] == 1)).fillna(True).astype(bool)


def _inaugural_age(d: pd.DataFrame) -> pd.Series:
    same_age = d["age_at_dah"] == d["age_at_diagnosis"]
    return (~d["dah_inaugural"] | same_age).fillna(True).astype(bool)


PATIENT_ATTRIBUTES = ("sex", "race", "tobacco_exposure", "diagnosis", "aps", "age_at_diagnosis")


def _patient_constant(d: pd.DataFrame) -> pd.DataFrame:
    s = _in_episode_order(d)
    first = s.groupby("patient_id")[list(PATIENT_ATTRIBUTES)].transform("first")
    unknown_patient = s["patient_id"].isna().to_numpy()[:, None]
    same = (s[list(PATIENT_ATTRIBUTES)] == first) | s[list(PATIENT_ATTRIBUTES)].isna()
    same = same.fillna(True) | unknown_patient
    # pandera wants a cell-wise result shaped like the frame: other columns always hold.
    import pandas as pd

    cells = pd.DataFrame(True, index=d.index, columns=d.columns)
    cells[list(PATIENT_ATTRIBUTES)] = same.fillna(True).astype(bool).reindex(d.index)
    return cells


def _imv_in_icu(d: pd.DataFrame) -> pd.Series:
    return (~d["imv"] | d["icu"]).fillna(True).astype(bool)


def _oral_gc(d: pd.DataFrame) -> pd.Series:
    return d["oral_gc"].fillna(True).astype(bool)


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
        _ivig_sle_aps,
        "IVIg recorded for a patient with {diagnosis} and no antiphospholipid syndrome",
    ),
    Rule(
        "relapse-at-most-one",
        "error",
        "At most one relapse per patient (two DAH episodes). Holds in this series; a "
        "registry with longer follow-up may legitimately record more.",
        "Letter, paragraph 4 and Table I: twelve episodes in ten patients, two relapses",
        "clinical",
        ("episode", "patient_id"),
        _at_most_one_relapse,
        "episode {episode} is a second relapse of patient {patient_id}",
    ),
    Rule(
        "episode-numbering",
        "error",
        "A patient's episodes are numbered 1, 2, ... without gaps.",
        "Data dictionary: episode 1 is the first DAH episode in the series, 2 the relapse",
        "clinical",
        ("episode", "patient_id"),
        _episodes_numbered,
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
        _no_survival_after_death,
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
        _dah_after_diagnosis,
        "age at DAH {age_at_dah} is below age at diagnosis {age_at_diagnosis}",
    ),
    Rule(
        "relapse-age-order",
        "error",
        "A relapse is not younger than the patient's earlier episode.",
        "Clinical fact: episodes are numbered in the order they happened",
        "clinical",
        ("age_at_dah", "patient_id", "episode"),
        _relapse_not_younger,
        "age at DAH {age_at_dah} is younger than at an earlier episode of patient {patient_id}",
    ),
    Rule(
        "inaugural-first-episode",
        "error",
        "DAH can be the inaugural manifestation only on a patient's first episode.",
        "Data dictionary: dah_inaugural means DAH presented the disease, which happens once",
        "clinical",
        ("dah_inaugural", "episode"),
        _inaugural_first,
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
        _inaugural_age,
        "DAH is inaugural but age at DAH {age_at_dah} differs from age at diagnosis "
        "{age_at_diagnosis}",
    ),
    Rule(
        "patient-constant",
        "error",
        "Sex, race, tobacco exposure, diagnosis, APS and age at diagnosis are the same on "
        "every episode of a patient.",
        "Table I prints these once per patient; a relapse repeats them",
        "clinical",
        (*PATIENT_ATTRIBUTES, "patient_id", "episode"),
        _patient_constant,
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
        _imv_in_icu,
        "invasive mechanical ventilation recorded without ICU admission (icu = {icu})",
    ),
    Rule(
        "oral-gc-every-episode",
        "warning",
        "Every episode received oral glucocorticoids (prednisolone 1 mg/kg/day). The "
        "standard of care in this series; another centre may legitimately differ.",
        "Letter, paragraph 7 (all episodes received oral prednisolone)",
        "clinical",
        ("oral_gc",),
        _oral_gc,
        "no oral glucocorticoids recorded for this episode",
    ),
)

RULES: tuple[Rule, ...] = STRUCTURAL + CLINICAL


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

    table_schema = schema or shipped_schema()
    return table_schema.to_pandera(checks=[r.pandera_check() for r in CLINICAL])
