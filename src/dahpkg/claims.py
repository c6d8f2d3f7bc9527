"""Every quantitative statement of the letter's text, recomputed from the episode table.

Each claim names where it stands in the letter (paragraphs are counted from the first one after
the salutation; Table I and its legend are not paragraphs: paragraph 13 ends before the table,
paragraph 14 starts after it), what the letter reports, and how to recompute it. A claim the data
cannot decide (how DAH was diagnosed, lengths of stay, dates, reasons for treatment) is
``not-derivable``. Where the letter's text and Table I disagree, or a statement holds per
episode but not per patient, the claim carries the explanation as a documented discrepancy of
the letter: it is reported openly and does not fail `dahpkg reproduce`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Status = Literal["match", "mismatch", "not-derivable"]
AAV = ("GPA", "MPA", "EGPA")


@dataclass(frozen=True)
class Cohort:
    """The episode table and one row per patient derived from it.

    A patient's row holds the patient-level attributes (from the first episode) and whether
    DAH was inaugural, whether MAS was recorded, whether the patient relapsed, and whether the
    patient was alive one year after every episode.
    """

    episodes: pd.DataFrame
    patients: pd.DataFrame

    @classmethod
    def from_episodes(cls, episodes: pd.DataFrame) -> Cohort:

        from dahpkg.rules import PATIENT_ATTRIBUTES

        by_patient = episodes.sort_values("episode").groupby("patient_id", observed=True)
        patients = by_patient[list(PATIENT_ATTRIBUTES)].first()
        patients["diagnosis"] = patients["diagnosis"].astype(str)
        patients = patients.assign(
            inaugural=by_patient["dah_inaugural"].any(),
            alive_1y=by_patient["survival_1y"].all(),
            mas=by_patient["mas"].any(),
            episodes=by_patient.size(),
            relapsed=by_patient.size() > 1,
        )
        return cls(episodes=episodes, patients=patients)

    def episode(self, patient: int, episode: int) -> pd.Series:
        e = self.episodes
        return e.loc[(e["patient_id"] == patient) & (e["episode"] == episode)].iloc[0]

    def keys(self, mask: pd.Series) -> list[tuple[int, int]]:
        """(patient, episode) of the episodes where ``mask`` holds, in order."""
        chosen = self.episodes.loc[mask.fillna(False).astype(bool)]
        return sorted(
            zip(chosen["patient_id"].astype(int), chosen["episode"].astype(int), strict=True)
        )


def count(mask: pd.Series) -> int:
    return int(mask.fillna(False).astype(bool).sum())


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def share(part: int, whole: int, unit: str) -> str:
    return f"{part} of {whole} {unit} ({percent(part, whole):.1f}%)"


def yes(value: Any) -> bool:
    try:
        return bool(value)
    except TypeError:  # pandas' NA: not recorded
        return False


Observe = Callable[[Cohort], tuple[Any, str]]


@dataclass(frozen=True)
class Claim:
    """A statement of the letter, and how the data decide it."""

    id: str
    where: str
    statement: str
    reported: str
    expected: Any = None
    observe: Observe | None = None  # None: the data cannot decide it
    note: str = ""
    discrepancy: str = ""  # a documented discrepancy of the letter, explained


@dataclass(frozen=True)
class ClaimResult:
    """A claim checked against the data."""

    claim: Claim
    observed: str
    status: Status

    @property
    def documented(self) -> bool:
        """A mismatch that the claim documents as a discrepancy of the letter itself."""
        return self.status == "mismatch" and bool(self.claim.discrepancy)

    @property
    def note(self) -> str:
        parts = [self.claim.note]
        if self.claim.discrepancy:
            parts.insert(0, "Discrepancy of the letter: " + self.claim.discrepancy)
        return " ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.claim.id,
            "statement": self.claim.statement,
            "where": self.claim.where,
            "reported": self.claim.reported,
            "observed": self.observed,
            "status": self.status,
            "note": self.note,
            "documented_discrepancy": self.documented,
        }


def _n(column: str) -> Observe:
    return lambda c: (n := count(c.episodes[column]), f"{n} episodes")


def _patients(test: Callable[[pd.DataFrame], pd.Series]) -> Observe:
    return lambda c: (n := count(test(c.patients)), f"{n} of {len(c.patients)} patients")


def _share_of(unit: str, test: Callable[[pd.DataFrame], pd.Series]) -> Observe:
    """How many patients (or episodes) pass ``test``, with the percentage of all of them."""

    def observe(c: Cohort) -> tuple[Any, str]:
        frame = c.patients if unit == "patients" else c.episodes
        n = count(test(frame))
        return (n, percent(n, len(frame))), share(n, len(frame), unit)

    return observe


def _plex_kidney(c: Cohort) -> tuple[Any, str]:
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


def _ivig_only_sle_aps(c: Cohort) -> tuple[Any, str]:
    e = c.episodes[c.episodes["ivig"].fillna(False).astype(bool)]
    allowed = count((e["diagnosis"] == "SLE") | e["aps"])
    return allowed == len(e), f"{allowed} of {len(e)} IVIg episodes in SLE and/or APS"


def _mostly_in_icu(column: str, label: str) -> Observe:
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


def _add_on(c: Cohort) -> tuple[Any, str]:
    e = c.episodes
    rescue = (e["ivig"] | e["plasma_exchange"]).fillna(False).astype(bool)
    cyc = e["cyclophosphamide"].fillna(False).astype(bool)
    with_cyc, without = int((rescue & cyc).sum()), int((rescue & ~cyc).sum())
    observed = f"{with_cyc} IVIg/PLEX episodes with cyclophosphamide, {without} without"
    return with_cyc > without, observed


def _gc_cyc(c: Cohort) -> tuple[Any, str]:
    e = c.episodes
    gc = (e["oral_gc"] | e["iv_gc"]).fillna(False).astype(bool)
    cyc = e["cyclophosphamide"].fillna(False).astype(bool)
    with_cyc, without = int((gc & cyc).sum()), int((gc & ~cyc).sum())
    return with_cyc > without, (
        f"{share(with_cyc, len(e), 'episodes')} with GC and CYC; {without} with GC without CYC"
    )


def _episode_flag(
    patient: int, episode: int, test: Callable[[pd.Series], bool], label: str
) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        holds = test(c.episode(patient, episode))
        return holds, f"{label}: {'yes' if holds else 'no'} (patient {patient}, episode {episode})"

    return observe


def _keys(column: str) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        keys = c.keys(c.episodes[column])
        return keys, "; ".join(f"patient {p} episode {e}" for p, e in keys)

    return observe


def _episodes_of(patient: int, column: str) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        episodes = [e for p, e in c.keys(c.episodes[column]) if p == patient]
        listed = " and ".join(str(e) for e in episodes) or "none"
        return episodes, f"patient {patient}, episodes: {listed}"

    return observe


NO_DIAGNOSTIC_METHOD = "The data have no column for how DAH was diagnosed."
NO_DATES = "The data hold no dates or lengths of stay, only ages in whole years."
NO_REASONS = "Reasons for treatment are not in the data."

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "study-period",
        "paragraph 3",
        "Patients were admitted between 2005 and 2023.",
        "2005-2023",
        note=NO_DATES,
    ),
    Claim(
        "episodes",
        "paragraph 4",
        "The series holds twelve DAH episodes.",
        "12",
        12,
        lambda c: (len(c.episodes), f"{len(c.episodes)} episodes"),
    ),
    Claim(
        "patients",
        "paragraph 4",
        "The twelve episodes occurred in ten patients.",
        "10",
        10,
        lambda c: (len(c.patients), f"{len(c.patients)} patients"),
    ),
    Claim(
        "relapses",
        "paragraph 4",
        "Two patients had a second episode (twelve episodes in ten patients).",
        "2 (implied)",
        2,
        _patients(lambda p: p["relapsed"]),
    ),
    Claim(
        "bal-diagnosis",
        "paragraph 5",
        "Bronchoalveolar lavage established the diagnosis in nine episodes.",
        "9",
        note=NO_DIAGNOSTIC_METHOD,
    ),
    Claim(
        "clinical-diagnosis",
        "paragraph 5",
        "Three episodes, one of them a relapse first "
        "diagnosed by lavage, were diagnosed on clinical grounds.",
        "3",
        note=NO_DIAGNOSTIC_METHOD,
    ),
    Claim(
        "hospital-stay",
        "paragraph 5",
        "The median hospital stay was 17 days (IQR 27).",
        "17 days (IQR 27)",
        note=NO_DATES,
    ),
    Claim(
        "icu-episodes",
        "paragraph 5",
        "Seven episodes led to admission to intensive care.",
        "7",
        7,
        _n("icu"),
    ),
    Claim(
        "icu-stay",
        "paragraph 5",
        "The median intensive care stay was 4 days (IQR 12).",
        "4 days (IQR 12)",
        note=NO_DATES,
    ),
    Claim(
        "sle-patients",
        "paragraph 6",
        "Half of the patients, five, had SLE.",
        "5 (half)",
        (5, 50.0),
        _share_of("patients", lambda p: p["diagnosis"] == "SLE"),
    ),
    Claim(
        "sle-secondary-aps",
        "paragraph 6",
        "Three of the SLE patients had secondary APS.",
        "3",
        3,
        _patients(lambda p: (p["diagnosis"] == "SLE") & p["aps"]),
    ),
    Claim(
        "aav-patients",
        "paragraph 6",
        "The other five patients had ANCA-associated vasculitis.",
        "5",
        5,
        _patients(lambda p: p["diagnosis"].isin(AAV)),
    ),
    Claim(
        "inaugural-patients",
        "paragraph 6",
        "DAH was the presenting manifestation of the disease in six patients.",
        "6 (60%)",
        (6, 60.0),
        _share_of("patients", lambda p: p["inaugural"]),
    ),
    Claim(
        "inaugural-aav",
        "paragraph 6",
        "Five of the six with inaugural DAH had AAV.",
        "5",
        5,
        _patients(lambda p: p["inaugural"] & p["diagnosis"].isin(AAV)),
    ),
    Claim(
        "inaugural-sle-mas",
        "paragraph 6",
        "The sixth patient with inaugural DAH had SLE and macrophage activation syndrome.",
        "1",
        1,
        _patients(lambda p: p["inaugural"] & (p["diagnosis"] == "SLE") & p["mas"]),
        note="Counted per patient (MAS on any episode). Table I records MAS on patient 9's "
        "relapse, not on the inaugural episode this sentence describes; see patient9-mas.",
    ),
    Claim(
        "oral-gc-all",
        "paragraph 7",
        "Every episode was treated with high-dose oral prednisolone (1 mg/kg/day).",
        "all 12",
        12,
        _n("oral_gc"),
    ),
    Claim(
        "methylprednisolone",
        "paragraph 7",
        "Methylprednisolone pulses came first in ten episodes.",
        "10 (83.3%)",
        (10, 83.3),
        _share_of("episodes", lambda e: e["iv_gc"]),
    ),
    Claim(
        "cyc-with-gc",
        "paragraph 7",
        "Nine episodes were treated with cyclophosphamide together with glucocorticoids.",
        "9",
        9,
        lambda c: (
            n := count(
                c.episodes["cyclophosphamide"] & (c.episodes["oral_gc"] | c.episodes["iv_gc"])
            ),
            f"{n} episodes",
        ),
    ),
    Claim(
        "no-cyc-or-rtx",
        "paragraph 8",
        "Three episodes received neither cyclophosphamide nor rituximab.",
        "3",
        3,
        lambda c: (n := count(~c.episodes["cyclophosphamide"]), f"{n} episodes"),
        note="Table I has no rituximab column and lists no rituximab; this counts the "
        "episodes without cyclophosphamide.",
    ),
    Claim(
        "no-cyc-which",
        "paragraph 8",
        "Those three were patient 5 and both episodes of patient 7.",
        "patient 5; patient 7, episodes 1 and 2",
        [(5, 1), (7, 1), (7, 2)],
        lambda c: (
            (keys := c.keys(~c.episodes["cyclophosphamide"])),
            "; ".join(f"patient {p} episode {e}" for p, e in keys),
        ),
    ),
    Claim(
        "patient5-sars-cov2",
        "paragraph 8",
        "Patient 5 developed SARS-CoV-2 and cytomegalovirus infection.",
        "SARS-CoV-2 infection: yes",
        True,
        _episode_flag(5, 1, lambda r: yes(r["sars_cov2_infection"]), "SARS-CoV-2 infection"),
        note="Cytomegalovirus is not a column of the data.",
        discrepancy="Table I lists only RPGN among patient 5's other relevant manifestations; "
        "the SARS-CoV-2 infection named here (and in paragraph 11 as the cause of death) is "
        "not in Table I, so the data keep it as printed there.",
    ),
    Claim(
        "patient7-relapse-sars-cov2",
        "paragraph 8",
        "Patient 7's relapse followed a SARS-CoV-2 infection.",
        "yes",
        True,
        _episode_flag(7, 2, lambda r: yes(r["sars_cov2_infection"]), "SARS-CoV-2 infection"),
    ),
    Claim(
        "patient7-relapse-gc-only",
        "paragraph 8",
        "Patient 7's relapse was treated with "
        "glucocorticoids alone: methylprednisolone pulses, then prednisolone.",
        "GC only",
        True,
        _episode_flag(
            7,
            2,
            lambda r: (
                yes(r["oral_gc"])
                and yes(r["iv_gc"])
                and not any(yes(r[c]) for c in ("cyclophosphamide", "plasma_exchange", "ivig"))
            ),
            "glucocorticoids only",
        ),
    ),
    Claim(
        "patient7-relapse-interval",
        "paragraph 8",
        "Patient 7 relapsed one year after the first episode.",
        "one year later",
        note=NO_DATES + " Patient 7 was 52 at both.",
    ),
    Claim("ivig-episodes", "paragraph 9", "IVIg was given in three episodes.", "3", 3, _n("ivig")),
    Claim(
        "ivig-which",
        "paragraph 9",
        "IVIg went to patients 7, 8 and 10.",
        "patients 7, 8 and 10",
        [(7, 1), (8, 1), (10, 1)],
        _keys("ivig"),
    ),
    Claim(
        "ivig-reasons",
        "paragraph 9",
        "IVIg was chosen for infection risk (patient 7), for "
        "a faster response before surgery (patient 8) and for worsening under "
        "cyclophosphamide (patient 10).",
        "three reasons",
        note=NO_REASONS,
    ),
    Claim(
        "plex-episodes",
        "paragraph 10",
        "Plasma exchange was used in six episodes.",
        "6",
        6,
        _n("plasma_exchange"),
    ),
    Claim(
        "plex-which",
        "paragraph 10",
        "Plasma exchange went to patients 1, 5, 7 and 8, and "
        "to patient 9 before and after the relapse.",
        "patients 1, 5, 7, 8 and 9 (twice)",
        [(1, 1), (5, 1), (7, 1), (8, 1), (9, 1), (9, 2)],
        _keys("plasma_exchange"),
    ),
    Claim(
        "plex-proteinuria",
        "paragraph 10",
        "Patients 1 and 8, given plasma exchange for worsening disease, had proteinuria.",
        "proteinuria in patients 1 and 8",
        True,
        lambda c: (
            (
                ok := all(
                    yes(c.episode(p, 1)["proteinuria"]) and yes(c.episode(p, 1)["plasma_exchange"])
                    for p in (1, 8)
                )
            ),
            f"proteinuria with plasma exchange in patients 1 and 8: {'yes' if ok else 'no'}",
        ),
    ),
    Claim(
        "plex-rpgn",
        "paragraph 10",
        "Patient 5 was given plasma exchange for rapidly progressive glomerulonephritis.",
        "yes",
        True,
        _episode_flag(
            5,
            1,
            lambda r: yes(r["plasma_exchange"]) and yes(r["rpgn"]),
            "plasma exchange with RPGN",
        ),
    ),
    Claim(
        "plex-with-ivig",
        "paragraph 10",
        "Patient 7 had plasma exchange as an add-on to IVIg.",
        "yes",
        True,
        _episode_flag(
            7,
            1,
            lambda r: yes(r["plasma_exchange"]) and yes(r["ivig"]),
            "plasma exchange with IVIg",
        ),
    ),
    Claim(
        "patient9-mas",
        "paragraph 10",
        "Patient 9 had macrophage activation syndrome before and after the relapse.",
        "MAS in episodes 1 and 2",
        [1, 2],
        _episodes_of(9, "mas"),
        discrepancy="Table I records MAS only on patient 9's relapse row; this paragraph and "
        "paragraph 6 also place it at the first, inaugural episode. The data keep Table I.",
    ),
    Claim(
        "patient9-plex-both",
        "paragraph 10",
        "Patient 9 had plasma exchange before and after the relapse.",
        "episodes 1 and 2",
        [1, 2],
        _episodes_of(9, "plasma_exchange"),
    ),
    Claim(
        "patient9-relapse-treatment",
        "paragraph 10",
        "Patient 9's relapse was treated again with cyclophosphamide and plasma exchange.",
        "yes",
        True,
        _episode_flag(
            9,
            2,
            lambda r: yes(r["cyclophosphamide"]) and yes(r["plasma_exchange"]),
            "cyclophosphamide and plasma exchange",
        ),
    ),
    Claim(
        "patient9-relapse-timing",
        "paragraph 10",
        "Patient 9 relapsed before discharge, still on prednisolone 1 mg/kg/day.",
        "before discharge",
        note=NO_DATES + " This statement is the basis for the relapse's age at DAH "
        "(data/inferences.csv).",
    ),
    Claim(
        "survivors",
        "paragraph 11",
        "Nine patients were alive one year later.",
        "9",
        9,
        _patients(lambda p: p["alive_1y"]),
    ),
    Claim(
        "deaths",
        "paragraph 11",
        "One patient died, a month after diagnosis, of SARS-CoV-2 and cytomegalovirus infection.",
        "1",
        1,
        _patients(lambda p: ~p["alive_1y"]),
        note="Timing and cause of death are not in the data; the patient is patient 5 "
        "(see patient5-sars-cov2).",
    ),
    Claim(
        "ivig-only-sle-aps",
        "paragraph 12",
        "IVIg was given only to patients with SLE and/or APS.",
        "only",
        True,
        _ivig_only_sle_aps,
    ),
    Claim(
        "plex-kidney-half",
        "paragraph 12",
        "Half of the patients treated with plasma exchange had suspected kidney involvement.",
        "half (50%)",
        50.0,
        _plex_kidney,
        note="Kidney involvement is read as proteinuria or RPGN on the plasma-exchange episode.",
        discrepancy="Half holds per episode (3 of 6 plasma-exchange episodes) but not per "
        "patient, as the sentence says (3 of 5 patients, 60%).",
    ),
    Claim(
        "ivig-mostly-icu",
        "paragraph 12",
        "IVIg was used mostly in patients admitted to intensive care.",
        "most",
        True,
        _mostly_in_icu("ivig", "IVIg"),
    ),
    Claim(
        "plex-mostly-icu",
        "paragraph 12",
        "Plasma exchange was used mostly in patients admitted to intensive care.",
        "most",
        True,
        _mostly_in_icu("plasma_exchange", "PLEX"),
    ),
    Claim(
        "rescue-add-on",
        "paragraph 12",
        "IVIg and plasma exchange were more often added to "
        "other immunosuppression than used because it was contraindicated.",
        "add-on more common",
        True,
        _add_on,
        note="Reads 'add-on' as given with cyclophosphamide and the alternative as given "
        "without it.",
    ),
    Claim(
        "aps-patients",
        "paragraph 13",
        "Three patients had APS: two on warfarin, the third, "
        "with obstetric APS, on antiplatelet therapy only.",
        "3",
        3,
        _patients(lambda p: p["aps"]),
        note="Anticoagulation, antiplatelet therapy and obstetric APS are not in the data.",
    ),
    Claim(
        "antibiotics",
        "paragraph 13",
        "Antibiotics were given in ten episodes.",
        "10",
        10,
        _n("antibiotics"),
    ),
    Claim(
        "gc-cyc-most-used",
        "paragraph 16",
        "Glucocorticoids with cyclophosphamide was the regimen used most.",
        "most used",
        True,
        _gc_cyc,
    ),
    Claim(
        "cyc-over-rtx",
        "paragraph 16",
        "Cyclophosphamide was preferred to rituximab for its rapid onset.",
        "preferred",
        note="Rituximab is not a column of Table I; the data cannot compare the two.",
    ),
)


def check(claim: Claim, cohort: Cohort) -> ClaimResult:
    """Recompute one claim from the cohort."""
    if claim.observe is None:
        return ClaimResult(claim, "not in the data", "not-derivable")
    value, observed = claim.observe(cohort)
    return ClaimResult(claim, observed, "match" if value == claim.expected else "mismatch")


@dataclass(frozen=True)
class Reproduction:
    """Every claim of the letter checked against one episode table."""

    source: str
    results: tuple[ClaimResult, ...]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def undocumented_mismatches(self) -> tuple[ClaimResult, ...]:
        return tuple(r for r in self.results if r.status == "mismatch" and not r.documented)

    @property
    def reproduced(self) -> bool:
        """True when every mismatch is a documented discrepancy of the letter."""
        return not self.undocumented_mismatches

    def headline(self) -> str:
        documented = sum(1 for r in self.results if r.documented)
        return (
            f"{len(self.results)} claims of the letter: {self.count('match')} match, "
            f"{self.count('mismatch')} mismatch ({documented} documented discrepancies of the "
            f"letter), {self.count('not-derivable')} not derivable from the data"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "reproduced": self.reproduced,
            "summary": {s: self.count(s) for s in ("match", "mismatch", "not-derivable")},
            "claims": [r.to_dict() for r in self.results],
        }


def reproduce(path: str | Path | None = None) -> Reproduction:
    """Check every claim of the letter against the episode table at ``path``.

    >>> result = reproduce()
    >>> result.reproduced, result.count("mismatch") == len(
    ...     [r for r in result.results if r.documented])
    (True, True)
    """
    from dahpkg.package import load, locate

    cohort = Cohort.from_episodes(load(path))
    return Reproduction(locate(path).name, tuple(check(c, cohort) for c in CLAIMS))


def render_text(result: Reproduction) -> str:
    lines = [f"dahpkg reproduce: {result.source}", result.headline(), ""]
    for r in result.results:
        status = "mismatch (documented)" if r.documented else r.status
        lines.append(f"[{status}] {r.claim.id} ({r.claim.where}): {r.claim.statement}")
        lines.append(f"    letter: {r.claim.reported}; data: {r.observed}")
        if r.note:
            lines.append(f"    note: {r.note}")
    if result.undocumented_mismatches:
        lines += [
            "",
            "Claims the data contradict: "
            + ", ".join(r.claim.id for r in result.undocumented_mismatches),
        ]
    return "\n".join(lines) + "\n"


def render_json(result: Reproduction) -> str:
    import json

    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
