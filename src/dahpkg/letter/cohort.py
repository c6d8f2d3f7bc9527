"""The cohort: the episode table and one row per patient derived from it, with the counting
helpers that the letter's claims and the cohort summary share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dahpkg.package import is_missing

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package import TableSchema


class Undecidable(Exception):
    """The data cannot decide a claim: a named episode is absent or a needed cell is empty."""


@dataclass(frozen=True)
class Cohort:
    """The episode table and one row per patient derived from it.

    A patient's row holds the patient-level attributes (from the first episode), the disease
    group, and whether DAH was inaugural, MAS was recorded, the patient relapsed, and the
    patient was alive one year after every episode. These follow three-valued logic: a
    patient with a missing cell is ``<NA>`` unless the recorded episodes already decide the
    answer.
    """

    episodes: pd.DataFrame
    patients: pd.DataFrame
    groups: dict[str, str]  # the disease group of each diagnosis, as the schema declares it

    @classmethod
    def from_episodes(cls, episodes: pd.DataFrame, schema: TableSchema) -> Cohort:
        """The cohort of a typed episode table (see `dahpkg.load`) that follows ``schema``:
        its patient-level attributes and disease groups are the ones the schema declares."""
        by_patient = episodes.sort_values("episode").groupby("patient_id", observed=True)
        patients = by_patient[list(schema.patient_attributes)].first()
        patients["diagnosis"] = patients["diagnosis"].astype(str)
        groups = schema.groups("diagnosis")
        patients = patients.assign(
            group=patients["diagnosis"].map(groups),
            inaugural=by_patient["dah_inaugural"].any(skipna=False),
            alive_1y=by_patient["survival_1y"].all(skipna=False),
            mas=by_patient["mas"].any(skipna=False),
            episodes=by_patient.size(),
            relapsed=by_patient.size() > 1,
        )
        return cls(episodes=episodes, patients=patients, groups=groups)

    def episode(self, patient: int, episode: int, columns: tuple[str, ...]) -> pd.Series:
        """One episode's row; `Undecidable` if it is absent or one of ``columns`` is empty."""
        e = self.episodes
        rows = e.loc[(e["patient_id"] == patient) & (e["episode"] == episode)]
        if rows.empty:
            raise Undecidable(f"patient {patient}, episode {episode} is not in the data")
        row = rows.iloc[0]
        empty = [c for c in columns if is_missing(row[c])]
        if empty:
            raise Undecidable(
                f"patient {patient}, episode {episode}: {', '.join(empty)} not recorded"
            )
        return row

    def keys(self, mask: pd.Series) -> list[tuple[int, int]]:
        """(patient, episode) of the episodes where ``mask`` holds, in order."""
        chosen = self.episodes.loc[mask.fillna(False).astype(bool)]
        return sorted(
            zip(chosen["patient_id"].astype(int), chosen["episode"].astype(int), strict=True)
        )

    def not_recorded(self, columns: tuple[str, ...]) -> int:
        """How many cells of ``columns`` are empty across all episodes."""
        return int(self.episodes[list(columns)].isna().to_numpy().sum()) if columns else 0


def count(mask: pd.Series) -> int:
    return int(mask.fillna(False).astype(bool).sum())


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def share(part: int, whole: int, unit: str) -> str:
    return f"{part} of {whole} {unit} ({percent(part, whole):.1f}%)"
