"""k-anonymity and l-diversity counted per patient, what drives the risk and what would lower it.

Measures follow ARX and sdcMicro (see ../shared/reference/fair.md, section 4): the highest
re-identification risk is 1/k; the average, weighted by patient, is classes/patients.
pycanon computes the same k and l but pins pandas 2, which dahpkg cannot install beside pandas 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dahpkg.limits import limit
from dahpkg.privacy.generalise import Generalisation, age_fields_in, generalise_frame

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package import Field, TableSchema

# dahpkg's default: at least five patients share every combination of quasi-identifiers
# (a highest re-identification risk of 0.2). fair.md section 4 advises relying on consent or
# controlled access rather than claiming anonymity when k is below 2 to 5.
DEFAULT_MIN_K = 5
SUGGESTED_WIDTHS = (5, 10, 20)


@dataclass(frozen=True)
class Risk:
    """How identifiable the patients are through one set of quasi-identifiers."""

    attributes: tuple[str, ...]
    patients: int
    classes: int
    k: int
    unique: int
    l_diversity: dict[str, int] = field(default_factory=dict)

    @property
    def highest(self) -> float:
        return 1 / self.k if self.k else 0.0

    @property
    def average(self) -> float:
        return self.classes / self.patients if self.patients else 0.0

    def meets(self, min_k: int) -> bool:
        return self.k >= min_k

    def brief(self) -> str:
        return f"k = {self.k}, {self.unique} of {self.patients} patients unique"

    def to_dict(self) -> dict[str, Any]:
        return {"attributes": list(self.attributes), "patients": self.patients,
                "classes": self.classes, "k": self.k, "unique_patients": self.unique,
                "highest_risk": round(self.highest, 4), "average_risk": round(self.average, 4),
                "l_diversity": self.l_diversity}  # fmt: skip


@dataclass(frozen=True)
class Option:
    """A way to lower the risk and the risk it leaves."""

    description: str
    risk: Risk


def patient_table(
    frame: pd.DataFrame, schema: TableSchema
) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, str]]:
    """One row per patient: the quasi-identifiers and sensitive attributes.

    Attributes of the patient (sex, race, diagnosis, age at diagnosis) are taken once; those
    of an episode (age at DAH) become one column per episode, so that a relapse neither counts
    as a second patient nor hides its age. The sensitive attribute of an episode (1-year
    survival) is the patient's at the last episode. Returns the table, the columns of each
    quasi-identifier (by its label), and the column of each sensitive attribute.
    """
    import pandas as pd

    quasi = [f for f in schema.fields if f.privacy == "quasi-identifier" and f.name in frame]
    sensitive = [f for f in schema.fields if f.privacy == "sensitive" and f.name in frame]
    row = pd.Series(range(len(frame)), index=frame.index).astype("str")
    patient = (frame["patient_id"].astype("string") if "patient_id" in frame
               else pd.Series(pd.NA, index=frame.index, dtype="string"))  # fmt: skip
    episodes = pd.DataFrame({
        "_patient": patient.fillna("row " + row),
        "_episode": frame.get("episode", 0),
        **{f.name: frame[f.name] for f in (*quasi, *sensitive)},
    }).sort_values(["_patient", "_episode"], kind="stable")  # fmt: skip
    episodes["_n"] = episodes.groupby("_patient").cumcount() + 1
    _check_width(episodes, [f for f in quasi if f.level != "patient"])
    by_patient = episodes.groupby("_patient", sort=True)
    parts: list[pd.DataFrame | pd.Series] = []
    attributes: dict[str, list[str]] = {}
    for item in quasi:
        if item.level == "patient":
            parts.append(by_patient[item.name].first())
            attributes[item.label] = [item.name]
        else:
            wide = episodes.pivot(index="_patient", columns="_n", values=item.name)
            wide.columns = [f"{item.name} #{n}" for n in wide.columns]
            parts.append(wide)
            attributes[item.label] = list(wide.columns)
    columns: dict[str, str] = {}
    for item in sensitive:
        take = (
            by_patient[item.name].first()
            if item.level == "patient"
            else (episodes.groupby("_patient").tail(1).set_index("_patient")[item.name])
        )
        parts.append(take.rename(f"{item.name} (sensitive)"))
        columns[item.label] = f"{item.name} (sensitive)"
    # Every part is indexed by the patients in the same (sorted) order: concat aligns them.
    if not parts:
        index = pd.Index(sorted(episodes["_patient"].unique()), name="_patient")
        return pd.DataFrame(index=index), attributes, columns
    patients = pd.concat(parts, axis=1)
    return patients, attributes, columns


def _check_width(episodes: pd.DataFrame, per_episode: list[Field]) -> None:
    """Refuse a patient table wider than a table may be: each attribute of an episode takes one
    column per episode of the patient who has the most (a file of thousands of episodes of one
    patient would otherwise cost minutes and gigabytes)."""
    if not per_episode or episodes.empty:
        return
    most = int(episodes["_n"].max())
    columns = limit("max_columns")
    if most * len(per_episode) > columns.value():
        who = episodes["_patient"].to_numpy()[int(episodes["_n"].to_numpy().argmax())]
        raise columns.exceeded(
            "the patient table of the disclosure-risk check",
            f"patient {who} has {most:,} episodes, each giving {len(per_episode)} column(s)",
        )


def risk(patients: pd.DataFrame, attributes: dict[str, list[str]],
          sensitive: dict[str, str]) -> Risk:  # fmt: skip
    import pandas as pd

    count = len(patients)
    columns = [c for cs in attributes.values() for c in cs]
    if count == 0:
        return Risk(tuple(attributes), 0, 0, 0, 0, {})
    if columns:
        keys = patients[columns].astype("string").fillna("\x00")
        group = keys.groupby(columns, sort=False).ngroup()
    else:
        group = pd.Series(0, index=patients.index)
    sizes = group.map(group.value_counts())
    diversity = {
        label: int(patients[column].astype("string").fillna("\x00").groupby(group).nunique().min())
        for label, column in sensitive.items()
    }
    return Risk(tuple(attributes), count, int(group.nunique()), int(sizes.min()),
                int((sizes == 1).sum()), diversity)  # fmt: skip


def _without(attributes: dict[str, list[str]], label: str) -> dict[str, list[str]]:
    return {k: v for k, v in attributes.items() if k != label}


def options(frame: pd.DataFrame, schema: TableSchema, patients: pd.DataFrame,
             attributes: dict[str, list[str]],
             sensitive: dict[str, str]) -> tuple[Option, ...]:  # fmt: skip
    """Generalisations that lower the risk, and the risk each leaves (``patients`` is the
    patient table of ``frame`` as it is)."""
    ages = {f.label for f in age_fields_in(schema, frame)}
    if not ages & set(attributes):
        return ()
    options = [Option("leave out the ages", risk(
        patients, {k: v for k, v in attributes.items() if k not in ages}, sensitive))]  # fmt: skip
    for width in SUGGESTED_WIDTHS:
        rule = Generalisation(width)
        patients = patient_table(generalise_frame(frame, schema, rule), schema)[0]
        options.append(Option(f"--generalise {rule.spec}", risk(patients, attributes, sensitive)))
        if width == 10:
            for label in attributes:
                if label not in ages:
                    options.append(Option(f"--generalise {rule.spec} and leave out {label}",
                                          risk(patients, _without(attributes, label),
                                                sensitive)))  # fmt: skip
    return tuple(options)
