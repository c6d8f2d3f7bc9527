"""How a claim of the letter is observed in the cohort: small factories of observers, each
returning the value compared with the letter's and the observation in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dahpkg.letter.cohort import Cohort, count, percent, share

if TYPE_CHECKING:
    import pandas as pd

Observe = Callable[[Cohort], tuple[Any, str]]


def episodes_with(test: Callable[[pd.DataFrame], pd.Series]) -> Observe:
    return lambda c: (n := count(test(c.episodes)), f"{n} episodes")


def size(unit: str) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        n = len(c.patients if unit == "patients" else c.episodes)
        return n, f"{n} {unit}"

    return observe


def share_of(unit: str, test: Callable[[pd.DataFrame], pd.Series]) -> Observe:
    """How many patients (or episodes) pass ``test``, with the percentage of all of them."""

    def observe(c: Cohort) -> tuple[Any, str]:
        frame = c.patients if unit == "patients" else c.episodes
        n = count(test(frame))
        return (n, percent(n, len(frame))), share(n, len(frame), unit)

    return observe


def patients_with(test: Callable[[pd.DataFrame], pd.Series]) -> Observe:
    """How many of all patients pass ``test``."""
    return lambda c: (n := count(test(c.patients)), f"{n} of {len(c.patients)} patients")


def patients_among(
    among: Callable[[pd.DataFrame], pd.Series],
    test: Callable[[pd.DataFrame], pd.Series],
    label: str,
) -> Observe:
    """How many of the patients selected by ``among`` pass ``test`` (``label`` names them)."""

    def observe(c: Cohort) -> tuple[Any, str]:
        group = c.patients.loc[among(c.patients).fillna(False).astype(bool)]
        n = count(test(group))
        return n, f"{n} of {len(group)} {label}"

    return observe


def all_episodes(column: str) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        n = count(c.episodes[column])
        return n == len(c.episodes), f"{n} of {len(c.episodes)} episodes"

    return observe


def episode_flag(
    patient: int, episode: int, columns: tuple[str, ...], test: Callable[[pd.Series], bool],
    label: str,
) -> Observe:  # fmt: skip
    def observe(c: Cohort) -> tuple[Any, str]:
        holds = bool(test(c.episode(patient, episode, columns)))
        return holds, f"{label}: {'yes' if holds else 'no'} (patient {patient}, episode {episode})"

    return observe


def keys(column: str) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        keys = c.keys(c.episodes[column])
        return keys, "; ".join(f"patient {p} episode {e}" for p, e in keys)

    return observe


def episodes_of(patient: int, column: str) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        episodes = [e for p, e in c.keys(c.episodes[column]) if p == patient]
        listed = " and ".join(str(e) for e in episodes) or "none"
        return episodes, f"patient {patient}, episodes: {listed}"

    return observe


def mas_recorded(patient: int) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        episodes, _ = episodes_of(patient, "mas")(c)
        listed = " and ".join(str(e) for e in episodes) or "none"
        return bool(episodes), f"MAS on patient {patient}'s episodes: {listed}"

    return observe


def inaugural_mas(c: Cohort) -> tuple[Any, str]:
    e = c.episodes
    inaugural_sle = (e["dah_inaugural"] & (e["diagnosis"] == "SLE")).fillna(False).astype(bool)
    with_mas = count(e.loc[inaugural_sle, "mas"])
    by_patient = count(c.patients["inaugural"] & (c.patients["diagnosis"] == "SLE")
                       & c.patients["mas"])  # fmt: skip
    return with_mas, (
        f"{with_mas} of {int(inaugural_sle.sum())} inaugural SLE episodes record MAS; "
        f"{by_patient} patient with inaugural SLE DAH has MAS on a later episode"
    )


def plex_kidney(c: Cohort) -> tuple[Any, str]:
    e = c.episodes
    plex = e["plasma_exchange"].fillna(False).astype(bool)
    kidney = (e["proteinuria"] | e["rpgn"]).fillna(False).astype(bool)
    patients = e.loc[plex, "patient_id"].nunique()
    patients_kidney = e.loc[plex & kidney, "patient_id"].nunique()
    episodes, episodes_kidney = int(plex.sum()), int((plex & kidney).sum())
    observed = (
        f"{share(patients_kidney, patients, 'patients')}; "
        f"{share(episodes_kidney, episodes, 'episodes')}"
    )
    return percent(patients_kidney, patients), observed


def ivig_only_sle_aps(c: Cohort) -> tuple[Any, str]:
    e = c.episodes[c.episodes["ivig"].fillna(False).astype(bool)]
    allowed = count((e["diagnosis"] == "SLE") | e["aps"])
    return allowed == len(e), f"{allowed} of {len(e)} IVIg episodes in SLE and/or APS"


def mostly_in_icu(column: str, label: str) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        e = c.episodes
        treated = e[column].fillna(False).astype(bool)
        icu = e["icu"].fillna(False).astype(bool)
        both = int((treated & icu).sum())
        observed = (
            f"{share(both, int(treated.sum()), label + ' episodes')} were ICU admissions; "
            f"{both} of {int(icu.sum())} ICU admissions received {label}"
        )
        return both > int(treated.sum()) / 2, observed

    return observe


def add_on(c: Cohort) -> tuple[Any, str]:
    e = c.episodes
    rescue = (e["ivig"] | e["plasma_exchange"]).fillna(False).astype(bool)
    cyc = e["cyclophosphamide"].fillna(False).astype(bool)
    with_cyc, without = int((rescue & cyc).sum()), int((rescue & ~cyc).sum())
    observed = f"{with_cyc} IVIg/PLEX episodes with cyclophosphamide, {without} without"
    return with_cyc > without, observed


def gc_cyc(c: Cohort) -> tuple[Any, str]:
    e = c.episodes
    gc = (e["oral_gc"] | e["iv_gc"]).fillna(False).astype(bool)
    cyc = e["cyclophosphamide"].fillna(False).astype(bool)
    with_cyc, without = int((gc & cyc).sum()), int((gc & ~cyc).sum())
    return with_cyc > without, (
        f"{share(with_cyc, len(e), 'episodes')} with GC and CYC; {without} with GC without CYC"
    )


def plex_proteinuria(c: Cohort) -> tuple[Any, str]:
    columns = ("plasma_exchange", "proteinuria")
    rows = [c.episode(p, 1, columns) for p in (1, 8)]
    holds = all(bool(r["plasma_exchange"]) and bool(r["proteinuria"]) for r in rows)
    return (
        holds,
        f"plasma exchange with proteinuria in patients 1 and 8: {'yes' if holds else 'no'}",
    )


def female_aps(c: Cohort) -> tuple[Any, str]:
    aps = c.patients.loc[c.patients["aps"].fillna(False).astype(bool)]
    women = count(aps["sex"].astype(str) == "F")
    return women >= 1, f"{women} of {len(aps)} APS patients are women"
