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

from dataclasses import dataclass
from typing import Any

from dahpkg.letter import observe
from dahpkg.letter.observe import Observe


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


NO_DIAGNOSTIC_METHOD = "The data have no column for how DAH was diagnosed."
NO_DATES = "The data hold no dates or lengths of stay, only ages in whole years."
NO_REASONS = "Reasons for treatment are not in the data."
NO_DOSES = "Doses and durations of treatment are not in the data."

CLAIMS: tuple[Claim, ...] = (
    Claim("study-period", "paragraph 3",
          "Admissions with IM-DAH from 2005 to 2023 were reviewed.", "2005-2023",
          note=NO_DATES),
    Claim("episodes", "paragraph 4", "DAH episodes in the series: twelve.", "12", 12,
          observe.size("episodes")),
    Claim("patients", "paragraph 4", "Patients in the series: ten.", "10", 10,
          observe.size("patients")),
    Claim("relapses", "paragraph 4",
          "Patients with a second DAH episode: two (twelve episodes in ten patients).",
          "2 (implied)", 2, observe.patients_with(lambda p: p["relapsed"])),
    Claim("bal-diagnosis", "paragraph 5",
          "Episodes confirmed by bronchoalveolar lavage: nine.", "9", note=NO_DIAGNOSTIC_METHOD),
    Claim("clinical-diagnosis", "paragraph 5",
          "Episodes diagnosed on clinical grounds alone: three, one of them a relapse whose "
          "first episode had lavage.", "3", note=NO_DIAGNOSTIC_METHOD),
    Claim("hospital-stay", "paragraph 5",
          "Length of hospital stay: median 17 days, interquartile range 27 days.",
          "17 days (IQR 27)", note=NO_DATES),
    Claim("icu-episodes", "paragraph 5", "Episodes with an intensive care admission: seven.",
          "7", 7, observe.episodes_with(lambda e: e["icu"]), ("icu",)),
    Claim("icu-stay", "paragraph 5",
          "Length of intensive care stay: median 4 days, interquartile range 12 days.",
          "4 days (IQR 12)", note=NO_DATES),
    Claim("sle-patients", "paragraph 6", "Patients with lupus: five, half of the cohort.",
          "5 (half)", (5, 50.0), observe.share_of("patients", lambda p: p["diagnosis"] == "SLE")),
    Claim("sle-secondary-aps", "paragraph 6",
          "Lupus patients who also had antiphospholipid syndrome: three.", "3 of the 5 with SLE",
          3, observe.patients_among(lambda p: p["diagnosis"] == "SLE", lambda p: p["aps"],
                             "patients with SLE"), ("aps",)),
    Claim("aav-patients", "paragraph 6",
          "Patients with ANCA-associated vasculitis: the other five.", "5", 5,
          observe.patients_with(lambda p: p["group"].eq("AAV"))),
    Claim("inaugural-patients", "paragraph 6",
          "Patients whose disease first showed itself as DAH: six (60%).", "6 (60%)", (6, 60.0),
          observe.share_of("patients", lambda p: p["inaugural"]), ("dah_inaugural",)),
    Claim("inaugural-aav", "paragraph 6", "Of those six, patients with AAV: five.",
          "5 of the 6", 5,
          observe.patients_among(lambda p: p["inaugural"], lambda p: p["group"].eq("AAV"),
                          "patients with inaugural DAH"), ("dah_inaugural",)),
    Claim("inaugural-sle", "paragraph 6", "Of those six, patients with lupus: one.",
          "1 of the 6", 1,
          observe.patients_among(lambda p: p["inaugural"], lambda p: p["diagnosis"] == "SLE",
                          "patients with inaugural DAH"), ("dah_inaugural",)),
    Claim("inaugural-sle-mas", "paragraph 6",
          "That lupus patient had macrophage activation syndrome when DAH appeared.",
          "MAS at the inaugural episode", 1, observe.inaugural_mas, ("dah_inaugural", "mas"),
          discrepancy="Table I lists MAS only on patient 9's relapse row, not on the inaugural "
          "episode the text links it to. Counted per patient (MAS on any episode) the "
          "statement holds."),
    Claim("oral-gc-all", "paragraph 7",
          "Oral prednisolone at 1 mg/kg/day, then tapered, was part of every episode's "
          "treatment.", "all episodes", True, observe.all_episodes("oral_gc"), ("oral_gc",)),
    Claim("methylprednisolone", "paragraph 7",
          "Episodes that began with methylprednisolone pulses: ten (83.3%).", "10 (83.3%)",
          (10, 83.3), observe.share_of("episodes", lambda e: e["iv_gc"]), ("iv_gc",)),
    Claim("methylprednisolone-dose", "paragraph 7",
          "The pulses were 500 mg to 1 g a day for three to five days.", "500 mg-1 g, 3-5 days",
          note=NO_DOSES),
    Claim("cyc-with-gc", "paragraph 7", "Cyclophosphamide plus glucocorticoids: nine episodes.",
          "9", 9,
          observe.episodes_with(lambda e: e["cyclophosphamide"] & (e["oral_gc"] | e["iv_gc"])),
          ("cyclophosphamide", "oral_gc", "iv_gc")),
    Claim("no-cyc-or-rtx", "paragraph 8",
          "Episodes treated with neither cyclophosphamide nor rituximab: three.", "3", 3,
          observe.episodes_with(lambda e: ~e["cyclophosphamide"]), ("cyclophosphamide",),
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
          observe.episode_flag(7, 2, ("sars_cov2_infection",),
                               lambda r: r["sars_cov2_infection"], "SARS-CoV-2 infection")),
    Claim("patient7-relapse-gc-only", "paragraph 8",
          "Patient 7's relapse received glucocorticoids and nothing else.", "GC only", True,
          observe.episode_flag(7, 2, ("oral_gc", "iv_gc", "cyclophosphamide", "plasma_exchange",
                                      "ivig"),
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
          observe.episodes_with(lambda e: e["ivig"]), ("ivig",)),
    Claim("ivig-which", "paragraph 9", "IVIg recipients: patients 7, 8 and 10.",
          "patients 7, 8 and 10", [(7, 1), (8, 1), (10, 1)], observe.keys("ivig"), ("ivig",)),
    Claim("ivig-patient10-under-cyc", "paragraph 9",
          "Patient 10 received IVIg while on cyclophosphamide.", "yes", True,
          observe.episode_flag(10, 1, ("ivig", "cyclophosphamide"),
                               lambda r: r["ivig"] and r["cyclophosphamide"], "IVIg with CYC"),
          note="Table I shows both on the same episode; that IVIg followed a worsening under "
          "cyclophosphamide is not in the data."),
    Claim("ivig-reasons", "paragraph 9",
          "IVIg addressed infection risk in patient 7 and the need for a quicker response "
          "before surgery in patient 8.", "two reasons", note=NO_REASONS),
    Claim("plex-episodes", "paragraph 10", "Episodes with plasma exchange: six.", "6", 6,
          observe.episodes_with(lambda e: e["plasma_exchange"]), ("plasma_exchange",)),
    Claim("plex-which", "paragraph 10",
          "Plasma exchange recipients: patients 1, 5, 7 and 8 once, patient 9 at both "
          "episodes.", "patients 1, 5, 7, 8 and 9 (twice)",
          [(1, 1), (5, 1), (7, 1), (8, 1), (9, 1), (9, 2)], observe.keys("plasma_exchange"),
          ("plasma_exchange",)),
    Claim("plex-proteinuria", "paragraph 10",
          "Patients 1 and 8, who had plasma exchange when their disease worsened, had "
          "proteinuria.", "proteinuria in patients 1 and 8", True, observe.plex_proteinuria),
    Claim("plex-rpgn", "paragraph 10",
          "Patient 5's plasma exchange was for rapidly progressive glomerulonephritis.", "yes",
          True,
          observe.episode_flag(5, 1, ("plasma_exchange", "rpgn"),
                               lambda r: r["plasma_exchange"] and r["rpgn"],
                               "plasma exchange with RPGN")),
    Claim("plex-with-ivig", "paragraph 10", "Patient 7 had plasma exchange on top of IVIg.",
          "yes", True,
          observe.episode_flag(7, 1, ("plasma_exchange", "ivig"),
                               lambda r: r["plasma_exchange"] and r["ivig"],
                               "plasma exchange with IVIg")),
    Claim("patient9-mas", "paragraph 10",
          "Patient 9's severe disease included macrophage activation syndrome.", "MAS recorded",
          True, observe.mas_recorded(9), ("mas",),
          note="Table I lists MAS on the relapse only; see inaugural-sle-mas."),
    Claim("patient9-plex-both", "paragraph 10",
          "Patient 9 had plasma exchange at the first episode and again at the relapse.",
          "episodes 1 and 2", [1, 2], observe.episodes_of(9, "plasma_exchange"),
          ("plasma_exchange",)),
    Claim("patient9-relapse-treatment", "paragraph 10",
          "Patient 9's relapse was retreated with cyclophosphamide and plasma exchange.", "yes",
          True,
          observe.episode_flag(9, 2, ("cyclophosphamide", "plasma_exchange"),
                               lambda r: r["cyclophosphamide"] and r["plasma_exchange"],
                               "cyclophosphamide and plasma exchange")),
    Claim("patient9-relapse-timing", "paragraph 10",
          "Patient 9 relapsed before leaving hospital, still on prednisolone 1 mg/kg/day.",
          "before discharge",
          note=NO_DATES + " This statement is the basis for the relapse's age at DAH "
          "(data/inferences.csv)."),
    Claim("survivors", "paragraph 11", "Patients alive after a year of follow-up: nine.", "9",
          9, observe.patients_with(lambda p: p["alive_1y"]),
          ("survival_1y",)),
    Claim("deaths", "paragraph 11", "Patients who died: one.", "1", 1,
          observe.patients_with(lambda p: ~p["alive_1y"]),
          ("survival_1y",)),
    Claim("death-timing-cause", "paragraph 11",
          "The death came a month after diagnosis, from SARS-CoV-2 and cytomegalovirus "
          "infection.", "one month; SARS-CoV-2 and CMV", note=NO_DATES
          + " The cause of death is not in the data either."),
    Claim("ivig-only-sle-aps", "paragraph 12",
          "Every IVIg recipient had lupus, antiphospholipid syndrome or both.", "only SLE/APS",
          True, observe.ivig_only_sle_aps, ("ivig", "aps")),
    Claim("plex-kidney-half", "paragraph 12",
          "Among patients given plasma exchange, one in two was thought to have kidney "
          "involvement.", "half (50%)", 50.0, observe.plex_kidney,
          ("plasma_exchange", "proteinuria", "rpgn"),
          note="Kidney involvement is read as proteinuria or RPGN on the plasma-exchange "
          "episode.",
          discrepancy="One in two holds per episode (3 of 6 plasma-exchange episodes) but not "
          "per patient, as the sentence counts (3 of 5 patients, 60%)."),
    Claim("ivig-mostly-icu", "paragraph 12",
          "Most IVIg use was in patients admitted to intensive care.", "most", True,
          observe.mostly_in_icu("ivig", "IVIg"), ("ivig", "icu")),
    Claim("plex-mostly-icu", "paragraph 12",
          "Most plasma exchange use was in patients admitted to intensive care.", "most", True,
          observe.mostly_in_icu("plasma_exchange", "PLEX"), ("plasma_exchange", "icu")),
    Claim("rescue-add-on", "paragraph 12",
          "IVIg and plasma exchange were usually added to other immunosuppression, less often "
          "given because it was contraindicated.", "add-on more common", True, observe.add_on,
          ("ivig", "plasma_exchange", "cyclophosphamide"),
          note="Reads 'added' as given with cyclophosphamide and the alternative as given "
          "without it."),
    Claim("aps-anticoagulation", "paragraph 13",
          "Two APS patients took warfarin; the third, with obstetric APS, took an antiplatelet "
          "drug only.", "2 warfarin, 1 antiplatelet",
          note="Anticoagulation, antiplatelet therapy and the type of APS are not in the data."),
    Claim("aps-obstetric-woman", "paragraph 13",
          "The patient with obstetric APS is a woman.", "a woman", True, observe.female_aps,
          ("aps",),
          note="Only consistency can be checked: at least one APS patient is a woman."),
    Claim("antibiotics", "paragraph 13",
          "Episodes given antibiotics for a suspected concurrent infection: ten.", "10", 10,
          observe.episodes_with(lambda e: e["antibiotics"]), ("antibiotics",)),
    Claim("gc-cyc-most-used", "paragraph 16",
          "The regimen used most often was glucocorticoids with cyclophosphamide.", "most used",
          True, observe.gc_cyc, ("oral_gc", "iv_gc", "cyclophosphamide")),
    Claim("favourable-response", "paragraph 16",
          "That regimen was followed by a good clinical response.", "favourable",
          note="Treatment response is not in the data."),
    Claim("cyc-over-rtx", "paragraph 16",
          "Cyclophosphamide was chosen over rituximab because it acts faster.", "preferred",
          note="Rituximab is not a column of Table I; the data cannot compare the two."),
)  # fmt: skip
