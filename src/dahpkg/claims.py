"""Every quantitative statement of the letter's text, recomputed from the episode table.

Each claim names where it stands in the letter (paragraphs are counted from the first one after
the salutation; Table I and its legend are not paragraphs: paragraph 13 ends before the table,
paragraph 14 starts after it), what the letter reports, and how to recompute it. A claim the data
cannot decide (how DAH was diagnosed, lengths of stay, doses, dates, reasons for treatment, or a
needed cell that is not recorded) is ``not-derivable``. Where the letter's text and Table I
disagree, or a statement holds per episode but not per patient, the claim carries the
explanation as a documented discrepancy of the letter: it is reported openly and does not fail
`dahpkg reproduce`. The statements are this project's wording; the letter's own sentences are
found through the paragraph number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dahpkg.schema import is_missing

if TYPE_CHECKING:
    import pandas as pd

Status = Literal["match", "mismatch", "not-derivable"]
AAV = ("GPA", "MPA", "EGPA")


class Undecidable(Exception):
    """The data cannot decide a claim: a named episode is absent or a needed cell is empty."""


@dataclass(frozen=True)
class Cohort:
    """The episode table and one row per patient derived from it.

    A patient's row holds the patient-level attributes (from the first episode) and whether
    DAH was inaugural, MAS was recorded, the patient relapsed, and the patient was alive one
    year after every episode. These follow three-valued logic: a patient with a missing cell
    is ``<NA>`` unless the recorded episodes already decide the answer.
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
            inaugural=by_patient["dah_inaugural"].any(skipna=False),
            alive_1y=by_patient["survival_1y"].all(skipna=False),
            mas=by_patient["mas"].any(skipna=False),
            episodes=by_patient.size(),
            relapsed=by_patient.size() > 1,
        )
        return cls(episodes=episodes, patients=patients)

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
    columns: tuple[str, ...] = ()  # cells the whole-cohort computation needs recorded
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


# --- how claims are observed ----------------------------------------------------------------


def _episodes_with(test: Callable[[pd.DataFrame], pd.Series]) -> Observe:
    return lambda c: (n := count(test(c.episodes)), f"{n} episodes")


def _size(unit: str) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        n = len(c.patients if unit == "patients" else c.episodes)
        return n, f"{n} {unit}"

    return observe


def _share_of(unit: str, test: Callable[[pd.DataFrame], pd.Series]) -> Observe:
    """How many patients (or episodes) pass ``test``, with the percentage of all of them."""

    def observe(c: Cohort) -> tuple[Any, str]:
        frame = c.patients if unit == "patients" else c.episodes
        n = count(test(frame))
        return (n, percent(n, len(frame))), share(n, len(frame), unit)

    return observe


def _patients_with(test: Callable[[pd.DataFrame], pd.Series]) -> Observe:
    """How many of all patients pass ``test``."""
    return lambda c: (n := count(test(c.patients)), f"{n} of {len(c.patients)} patients")


def _patients_among(
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


def _all_episodes(column: str) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        n = count(c.episodes[column])
        return n == len(c.episodes), f"{n} of {len(c.episodes)} episodes"

    return observe


def _episode_flag(
    patient: int, episode: int, columns: tuple[str, ...], test: Callable[[pd.Series], bool],
    label: str,
) -> Observe:  # fmt: skip
    def observe(c: Cohort) -> tuple[Any, str]:
        holds = bool(test(c.episode(patient, episode, columns)))
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


def _mas_recorded(patient: int) -> Observe:
    def observe(c: Cohort) -> tuple[Any, str]:
        episodes, _ = _episodes_of(patient, "mas")(c)
        listed = " and ".join(str(e) for e in episodes) or "none"
        return bool(episodes), f"MAS on patient {patient}'s episodes: {listed}"

    return observe


def _inaugural_mas(c: Cohort) -> tuple[Any, str]:
    e = c.episodes
    inaugural_sle = (e["dah_inaugural"] & (e["diagnosis"] == "SLE")).fillna(False).astype(bool)
    with_mas = count(e.loc[inaugural_sle, "mas"])
    by_patient = count(c.patients["inaugural"] & (c.patients["diagnosis"] == "SLE")
                       & c.patients["mas"])  # fmt: skip
    return with_mas, (
        f"{with_mas} of {int(inaugural_sle.sum())} inaugural SLE episodes record MAS; "
        f"{by_patient} patient with inaugural SLE DAH has MAS on a later episode"
    )


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


def _plex_proteinuria(c: Cohort) -> tuple[Any, str]:
    columns = ("plasma_exchange", "proteinuria")
    rows = [c.episode(p, 1, columns) for p in (1, 8)]
    holds = all(bool(r["plasma_exchange"]) and bool(r["proteinuria"]) for r in rows)
    return (
        holds,
        f"plasma exchange with proteinuria in patients 1 and 8: {'yes' if holds else 'no'}",
    )


def _female_aps(c: Cohort) -> tuple[Any, str]:
    aps = c.patients.loc[c.patients["aps"].fillna(False).astype(bool)]
    women = count(aps["sex"].astype(str) == "F")
    return women >= 1, f"{women} of {len(aps)} APS patients are women"


NO_DIAGNOSTIC_METHOD = "The data have no column for how DAH was diagnosed."
NO_DATES = "The data hold no dates or lengths of stay, only ages in whole years."
NO_REASONS = "Reasons for treatment are not in the data."
NO_DOSES = "Doses and durations of treatment are not in the data."

CLAIMS: tuple[Claim, ...] = (
    Claim("study-period", "paragraph 3",
          "Admissions with IM-DAH from 2005 to 2023 were reviewed.", "2005-2023",
          note=NO_DATES),
    Claim("episodes", "paragraph 4", "DAH episodes in the series: twelve.", "12", 12,
          _size("episodes")),
    Claim("patients", "paragraph 4", "Patients in the series: ten.", "10", 10, _size("patients")),
    Claim("relapses", "paragraph 4",
          "Patients with a second DAH episode: two (twelve episodes in ten patients).",
          "2 (implied)", 2, _patients_with(lambda p: p["relapsed"])),
    Claim("bal-diagnosis", "paragraph 5",
          "Episodes confirmed by bronchoalveolar lavage: nine.", "9", note=NO_DIAGNOSTIC_METHOD),
    Claim("clinical-diagnosis", "paragraph 5",
          "Episodes diagnosed on clinical grounds alone: three, one of them a relapse whose "
          "first episode had lavage.", "3", note=NO_DIAGNOSTIC_METHOD),
    Claim("hospital-stay", "paragraph 5",
          "Length of hospital stay: median 17 days, interquartile range 27 days.",
          "17 days (IQR 27)", note=NO_DATES),
    Claim("icu-episodes", "paragraph 5", "Episodes with an intensive care admission: seven.",
          "7", 7, _episodes_with(lambda e: e["icu"]), ("icu",)),
    Claim("icu-stay", "paragraph 5",
          "Length of intensive care stay: median 4 days, interquartile range 12 days.",
          "4 days (IQR 12)", note=NO_DATES),
    Claim("sle-patients", "paragraph 6", "Patients with lupus: five, half of the cohort.",
          "5 (half)", (5, 50.0), _share_of("patients", lambda p: p["diagnosis"] == "SLE")),
    Claim("sle-secondary-aps", "paragraph 6",
          "Lupus patients who also had antiphospholipid syndrome: three.", "3 of the 5 with SLE",
          3, _patients_among(lambda p: p["diagnosis"] == "SLE", lambda p: p["aps"],
                             "patients with SLE"), ("aps",)),
    Claim("aav-patients", "paragraph 6",
          "Patients with ANCA-associated vasculitis: the other five.", "5", 5,
          _patients_with(lambda p: p["diagnosis"].isin(AAV))),
    Claim("inaugural-patients", "paragraph 6",
          "Patients whose disease first showed itself as DAH: six (60%).", "6 (60%)", (6, 60.0),
          _share_of("patients", lambda p: p["inaugural"]), ("dah_inaugural",)),
    Claim("inaugural-aav", "paragraph 6", "Of those six, patients with AAV: five.",
          "5 of the 6", 5,
          _patients_among(lambda p: p["inaugural"], lambda p: p["diagnosis"].isin(AAV),
                          "patients with inaugural DAH"), ("dah_inaugural",)),
    Claim("inaugural-sle", "paragraph 6", "Of those six, patients with lupus: one.",
          "1 of the 6", 1,
          _patients_among(lambda p: p["inaugural"], lambda p: p["diagnosis"] == "SLE",
                          "patients with inaugural DAH"), ("dah_inaugural",)),
    Claim("inaugural-sle-mas", "paragraph 6",
          "That lupus patient had macrophage activation syndrome when DAH appeared.",
          "MAS at the inaugural episode", 1, _inaugural_mas, ("dah_inaugural", "mas"),
          discrepancy="Table I lists MAS only on patient 9's relapse row, not on the inaugural "
          "episode the text links it to. Counted per patient (MAS on any episode) the "
          "statement holds."),
    Claim("oral-gc-all", "paragraph 7",
          "Oral prednisolone at 1 mg/kg/day, then tapered, was part of every episode's "
          "treatment.", "all episodes", True, _all_episodes("oral_gc"), ("oral_gc",)),
    Claim("methylprednisolone", "paragraph 7",
          "Episodes that began with methylprednisolone pulses: ten (83.3%).", "10 (83.3%)",
          (10, 83.3), _share_of("episodes", lambda e: e["iv_gc"]), ("iv_gc",)),
    Claim("methylprednisolone-dose", "paragraph 7",
          "The pulses were 500 mg to 1 g a day for three to five days.", "500 mg-1 g, 3-5 days",
          note=NO_DOSES),
    Claim("cyc-with-gc", "paragraph 7", "Cyclophosphamide plus glucocorticoids: nine episodes.",
          "9", 9, _episodes_with(lambda e: e["cyclophosphamide"] & (e["oral_gc"] | e["iv_gc"])),
          ("cyclophosphamide", "oral_gc", "iv_gc")),
    Claim("no-cyc-or-rtx", "paragraph 8",
          "Episodes treated with neither cyclophosphamide nor rituximab: three.", "3", 3,
          _episodes_with(lambda e: ~e["cyclophosphamide"]), ("cyclophosphamide",),
          note="Table I has no rituximab column and lists no rituximab; this counts the "
          "episodes without cyclophosphamide."),
    Claim("no-cyc-which", "paragraph 8",
          "Those three were patient 5's episode and both of patient 7's.",
          "patient 5; patient 7, episodes 1 and 2", [(5, 1), (7, 1), (7, 2)],
          lambda c: ((keys := c.keys(~c.episodes["cyclophosphamide"])),
                     "; ".join(f"patient {p} episode {e}" for p, e in keys)),
          ("cyclophosphamide",)),
    Claim("no-cyc-reason", "paragraph 8",
          "Both drugs were withheld for infection risk or a documented infection.",
          "infection risk or infection", note=NO_REASONS),
    Claim("patient5-infection", "paragraph 8",
          "Patient 5 acquired SARS-CoV-2 and cytomegalovirus infections.", "both infections",
          note="Table I's other relevant manifestations list only RPGN for patient 5; an "
          "infection acquired later in the stay would not appear there, and cytomegalovirus is "
          "not a column. The data hold sars_cov2_infection = false for patient 5 because Table "
          "I does not list it, which cannot confirm or refute the text."),
    Claim("patient7-risk", "paragraph 8",
          "Patient 7 had hypogammaglobulinaemia and had lost the spleen to surgery.",
          "hypogammaglobulinaemia, splenectomy",
          note="Neither is a column of the data."),
    Claim("patient7-relapse-sars-cov2", "paragraph 8",
          "Patient 7's relapse came after a SARS-CoV-2 infection.", "yes", True,
          _episode_flag(7, 2, ("sars_cov2_infection",), lambda r: r["sars_cov2_infection"],
                        "SARS-CoV-2 infection")),
    Claim("patient7-relapse-gc-only", "paragraph 8",
          "Patient 7's relapse received glucocorticoids and nothing else.", "GC only", True,
          _episode_flag(7, 2, ("oral_gc", "iv_gc", "cyclophosphamide", "plasma_exchange", "ivig"),
                        lambda r: r["oral_gc"] and r["iv_gc"] and not (
                            r["cyclophosphamide"] or r["plasma_exchange"] or r["ivig"]),
                        "glucocorticoids only")),
    Claim("patient7-relapse-dose", "paragraph 8",
          "That relapse had methylprednisolone 1 g a day for three days, then prednisolone "
          "1 mg/kg/day.", "1 g/day for 3 days", note=NO_DOSES),
    Claim("patient7-relapse-interval", "paragraph 8",
          "Patient 7's relapse came a year after the first episode.", "one year later",
          note=NO_DATES + " Patient 7 was 52 at both."),
    Claim("ivig-episodes", "paragraph 9", "Episodes with IVIg: three.", "3", 3,
          _episodes_with(lambda e: e["ivig"]), ("ivig",)),
    Claim("ivig-which", "paragraph 9", "IVIg recipients: patients 7, 8 and 10.",
          "patients 7, 8 and 10", [(7, 1), (8, 1), (10, 1)], _keys("ivig"), ("ivig",)),
    Claim("ivig-patient10-under-cyc", "paragraph 9",
          "Patient 10 received IVIg while on cyclophosphamide.", "yes", True,
          _episode_flag(10, 1, ("ivig", "cyclophosphamide"),
                        lambda r: r["ivig"] and r["cyclophosphamide"], "IVIg with CYC"),
          note="Table I shows both on the same episode; that IVIg followed a worsening under "
          "cyclophosphamide is not in the data."),
    Claim("ivig-reasons", "paragraph 9",
          "IVIg addressed infection risk in patient 7 and the need for a quicker response "
          "before surgery in patient 8.", "two reasons", note=NO_REASONS),
    Claim("plex-episodes", "paragraph 10", "Episodes with plasma exchange: six.", "6", 6,
          _episodes_with(lambda e: e["plasma_exchange"]), ("plasma_exchange",)),
    Claim("plex-which", "paragraph 10",
          "Plasma exchange recipients: patients 1, 5, 7 and 8 once, patient 9 at both "
          "episodes.", "patients 1, 5, 7, 8 and 9 (twice)",
          [(1, 1), (5, 1), (7, 1), (8, 1), (9, 1), (9, 2)], _keys("plasma_exchange"),
          ("plasma_exchange",)),
    Claim("plex-proteinuria", "paragraph 10",
          "Patients 1 and 8, who had plasma exchange when their disease worsened, had "
          "proteinuria.", "proteinuria in patients 1 and 8", True, _plex_proteinuria),
    Claim("plex-rpgn", "paragraph 10",
          "Patient 5's plasma exchange was for rapidly progressive glomerulonephritis.", "yes",
          True,
          _episode_flag(5, 1, ("plasma_exchange", "rpgn"),
                        lambda r: r["plasma_exchange"] and r["rpgn"], "plasma exchange with RPGN")),
    Claim("plex-with-ivig", "paragraph 10", "Patient 7 had plasma exchange on top of IVIg.",
          "yes", True,
          _episode_flag(7, 1, ("plasma_exchange", "ivig"),
                        lambda r: r["plasma_exchange"] and r["ivig"], "plasma exchange with IVIg")),
    Claim("patient9-mas", "paragraph 10",
          "Patient 9's severe disease included macrophage activation syndrome.", "MAS recorded",
          True, _mas_recorded(9), ("mas",),
          note="Table I lists MAS on the relapse only; see inaugural-sle-mas."),
    Claim("patient9-plex-both", "paragraph 10",
          "Patient 9 had plasma exchange at the first episode and again at the relapse.",
          "episodes 1 and 2", [1, 2], _episodes_of(9, "plasma_exchange"), ("plasma_exchange",)),
    Claim("patient9-relapse-treatment", "paragraph 10",
          "Patient 9's relapse was retreated with cyclophosphamide and plasma exchange.", "yes",
          True,
          _episode_flag(9, 2, ("cyclophosphamide", "plasma_exchange"),
                        lambda r: r["cyclophosphamide"] and r["plasma_exchange"],
                        "cyclophosphamide and plasma exchange")),
    Claim("patient9-relapse-timing", "paragraph 10",
          "Patient 9 relapsed before leaving hospital, still on prednisolone 1 mg/kg/day.",
          "before discharge",
          note=NO_DATES + " This statement is the basis for the relapse's age at DAH "
          "(data/inferences.csv)."),
    Claim("survivors", "paragraph 11", "Patients alive after a year of follow-up: nine.", "9",
          9, _patients_with(lambda p: p["alive_1y"]),
          ("survival_1y",)),
    Claim("deaths", "paragraph 11", "Patients who died: one.", "1", 1,
          _patients_with(lambda p: ~p["alive_1y"]),
          ("survival_1y",)),
    Claim("death-timing-cause", "paragraph 11",
          "The death came a month after diagnosis, from SARS-CoV-2 and cytomegalovirus "
          "infection.", "one month; SARS-CoV-2 and CMV", note=NO_DATES
          + " The cause of death is not in the data either."),
    Claim("ivig-only-sle-aps", "paragraph 12",
          "Every IVIg recipient had lupus, antiphospholipid syndrome or both.", "only SLE/APS",
          True, _ivig_only_sle_aps, ("ivig", "aps")),
    Claim("plex-kidney-half", "paragraph 12",
          "Among patients given plasma exchange, one in two was thought to have kidney "
          "involvement.", "half (50%)", 50.0, _plex_kidney,
          ("plasma_exchange", "proteinuria", "rpgn"),
          note="Kidney involvement is read as proteinuria or RPGN on the plasma-exchange "
          "episode.",
          discrepancy="One in two holds per episode (3 of 6 plasma-exchange episodes) but not "
          "per patient, as the sentence counts (3 of 5 patients, 60%)."),
    Claim("ivig-mostly-icu", "paragraph 12",
          "Most IVIg use was in patients admitted to intensive care.", "most", True,
          _mostly_in_icu("ivig", "IVIg"), ("ivig", "icu")),
    Claim("plex-mostly-icu", "paragraph 12",
          "Most plasma exchange use was in patients admitted to intensive care.", "most", True,
          _mostly_in_icu("plasma_exchange", "PLEX"), ("plasma_exchange", "icu")),
    Claim("rescue-add-on", "paragraph 12",
          "IVIg and plasma exchange were usually added to other immunosuppression, less often "
          "given because it was contraindicated.", "add-on more common", True, _add_on,
          ("ivig", "plasma_exchange", "cyclophosphamide"),
          note="Reads 'added' as given with cyclophosphamide and the alternative as given "
          "without it."),
    Claim("aps-anticoagulation", "paragraph 13",
          "Two APS patients took warfarin; the third, with obstetric APS, took an antiplatelet "
          "drug only.", "2 warfarin, 1 antiplatelet",
          note="Anticoagulation, antiplatelet therapy and the type of APS are not in the data."),
    Claim("aps-obstetric-woman", "paragraph 13",
          "The patient with obstetric APS is a woman.", "a woman", True, _female_aps, ("aps",),
          note="Only consistency can be checked: at least one APS patient is a woman."),
    Claim("antibiotics", "paragraph 13",
          "Episodes given antibiotics for a suspected concurrent infection: ten.", "10", 10,
          _episodes_with(lambda e: e["antibiotics"]), ("antibiotics",)),
    Claim("gc-cyc-most-used", "paragraph 16",
          "The regimen used most often was glucocorticoids with cyclophosphamide.", "most used",
          True, _gc_cyc, ("oral_gc", "iv_gc", "cyclophosphamide")),
    Claim("favourable-response", "paragraph 16",
          "That regimen was followed by a good clinical response.", "favourable",
          note="Treatment response is not in the data."),
    Claim("cyc-over-rtx", "paragraph 16",
          "Cyclophosphamide was chosen over rituximab because it acts faster.", "preferred",
          note="Rituximab is not a column of Table I; the data cannot compare the two."),
)  # fmt: skip


def check(claim: Claim, cohort: Cohort) -> ClaimResult:
    """Recompute one claim from the cohort."""
    if claim.observe is None:
        return ClaimResult(claim, "not in the data", "not-derivable")
    try:
        value, observed = claim.observe(cohort)
    except Undecidable as exc:
        return ClaimResult(claim, str(exc), "not-derivable")
    empty = cohort.not_recorded(claim.columns)
    if empty:
        observed += f"; {empty} cell(s) of {', '.join(claim.columns)} not recorded"
        return ClaimResult(claim, observed, "not-derivable")
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
