"""The clinical rules' checks: one small vectorised function each on the typed episode frame.

Each returns ``True`` where the row (or, for a cell-wise rule, the cell) satisfies the rule; a
missing value never fails a clinical rule (the required-value rule reports it). The rules that
use them, with their ids, descriptions and bases, are declared in `dahpkg.validation.rules`; the
same functions become pandera checks there.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# Each function receives the typed frame with every column its rule names present.


def ivig_sle_aps(d: pd.DataFrame) -> pd.Series:
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


def at_most_one_relapse(d: pd.DataFrame) -> pd.Series:
    return (_episode_rank(d) <= 2).fillna(True).astype(bool) | d["patient_id"].isna()


def episodes_numbered(d: pd.DataFrame) -> pd.Series:
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


def no_survival_after_death(d: pd.DataFrame) -> pd.Series:
    s = _in_episode_order(d)
    died = (~s["survival_1y"]).fillna(False).astype(int)
    deaths_before = died.groupby(s["patient_id"]).cumsum() - died
    fails = (deaths_before > 0) & s["survival_1y"].fillna(False).astype(bool)
    return ~fails.reindex(d.index, fill_value=False) | _order_unknown(d)


def dah_after_diagnosis(d: pd.DataFrame) -> pd.Series:
    return (d["age_at_dah"] >= d["age_at_diagnosis"]).fillna(True).astype(bool)


def relapse_not_younger(d: pd.DataFrame) -> pd.Series:
    s = _in_episode_order(d)
    # cummax leaves a gap where an age is missing; carry the oldest age across it.
    oldest_so_far = s.groupby("patient_id")["age_at_dah"].cummax()
    oldest_so_far = oldest_so_far.groupby(s["patient_id"]).ffill()
    earlier = oldest_so_far.groupby(s["patient_id"]).shift(1)
    ok = (s["age_at_dah"] >= earlier).fillna(True).astype(bool)
    return ok.reindex(d.index, fill_value=True) | _order_unknown(d)


def inaugural_first(d: pd.DataFrame) -> pd.Series:
    return (~d["dah_inaugural"] | (d["episode"] == 1)).fillna(True).astype(bool)


def inaugural_age(d: pd.DataFrame) -> pd.Series:
    same_age = d["age_at_dah"] == d["age_at_diagnosis"]
    return (~d["dah_inaugural"] | same_age).fillna(True).astype(bool)


@functools.cache
def patient_attributes() -> tuple[str, ...]:
    """The fields the data dictionary declares as describing the patient (``level``), which
    the rules are written for."""
    from dahpkg.package import shipped_schema

    return shipped_schema().patient_attributes


def patient_constant(d: pd.DataFrame) -> pd.DataFrame:
    attributes = list(patient_attributes())
    s = _in_episode_order(d)
    first = s.groupby("patient_id")[attributes].transform("first")
    unknown_patient = s["patient_id"].isna().to_numpy()[:, None]
    same = (s[attributes] == first) | s[attributes].isna()
    same = same.fillna(True) | unknown_patient
    # pandera wants a cell-wise result shaped like the frame: other columns always hold.
    import pandas as pd

    cells = pd.DataFrame(True, index=d.index, columns=d.columns)
    cells[attributes] = same.fillna(True).astype(bool).reindex(d.index)
    return cells


def imv_in_icu(d: pd.DataFrame) -> pd.Series:
    return (~d["imv"] | d["icu"]).fillna(True).astype(bool)


def oral_gc(d: pd.DataFrame) -> pd.Series:
    return d["oral_gc"].fillna(True).astype(bool)
