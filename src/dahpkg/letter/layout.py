"""The layout of Table I as printed in the letter, and how its cells map to tidy columns.

Used to build the episode table from ``data/raw/table1.tsv`` (`dahpkg.letter.build`) and, in the
other direction, to render Table I again (`dahpkg.letter.table1`). Paragraph numbers count the
letter's body paragraphs from "Dear Editor" on, Table I and its legend excluded.
"""

from __future__ import annotations

# Printed symbols of the yes/no columns. "-" appears only under haemoglobin drop.
YES, NO, NOT_RECORDED = "✓", "X", "-"
SYMBOLS = {YES: True, NO: False}

ID = "ID"
DIAGNOSIS = "Diagnosis"
AGE_DAH = "Age DAH (years)"
SYMPTOMS = "Symptoms"
MANIFESTATIONS = "Other relevant manifestations"

PRINTED_COLUMNS = (
    "ID", "Sex", "Race", "Tobacco exposure", "Diagnosis", "Age diagnosis (years)",
    "Age DAH (years)", "DAH as inaugural manifestation", "Symptoms", "Haemoglobin drop",
    "Other relevant manifestations", "Oral GC", "IV GC", "CYC", "PLEX", "IVIg", "IMV", "ICU",
    "Antibiotics", "1-year survival",
)  # fmt: skip

# Columns printed once per patient and left blank on the row of a relapse.
PATIENT_LEVEL = {
    ID: ("patient_id",),
    "Sex": ("sex",),
    "Race": ("race",),
    "Tobacco exposure": ("tobacco_exposure",),
    DIAGNOSIS: ("diagnosis", "aps"),
    "Age diagnosis (years)": ("age_at_diagnosis",),
}

# Columns copied as they are (text or number).
VERBATIM = {
    "Sex": "sex",
    "Race": "race",
    "Age diagnosis (years)": "age_at_diagnosis",
    AGE_DAH: "age_at_dah",
}

# Yes/no columns printed with SYMBOLS.
YES_NO = {
    "Tobacco exposure": "tobacco_exposure",
    "DAH as inaugural manifestation": "dah_inaugural",
    "Haemoglobin drop": "haemoglobin_drop",
    "Oral GC": "oral_gc",
    "IV GC": "iv_gc",
    "CYC": "cyclophosphamide",
    "PLEX": "plasma_exchange",
    "IVIg": "ivig",
    "IMV": "imv",
    "ICU": "icu",
    "Antibiotics": "antibiotics",
    "1-year survival": "survival_1y",
}

# Yes/no columns where Table I may print NOT_RECORDED.
MAY_BE_NOT_RECORDED = {"haemoglobin_drop"}

# "SLE+APS" in the diagnosis column: the disease, plus antiphospholipid syndrome.
APS_SUFFIX = "+APS"

# Terms of the free-text columns in the order Table I prints them, with the tidy column each
# one sets to true. Reading Table I matches them without regard to case.
ASYMPTOMATIC = "asymptomatic"
SYMPTOMS_PRINTED = (
    ("fever", "fever"),
    ("dyspnoea", "dyspnoea"),
    ("chest pain", "chest_pain"),
    ("haemoptysis", "haemoptysis"),
    ("cough", "cough"),
)
MANIFESTATIONS_PRINTED = (
    ("Polyneuropathy", "polyneuropathy"),
    ("Mononeuropathy multiplex", "mononeuropathy_multiplex"),
    ("Proteinuria", "proteinuria"),
    ("RPGN", "rpgn"),
    ("SARS-CoV2 infection", "sars_cov2_infection"),
    ("MAS", "mas"),
)

# Spelling corrections made when a printed term becomes a controlled one: Table I's spelling,
# and the spelling dahpkg writes when it renders Table I again.
CORRECTIONS = {"Polynuropathy": "Polyneuropathy"}

SYMPTOM_TERMS = {term.lower(): column for term, column in SYMPTOMS_PRINTED}
MANIFESTATION_TERMS = {term.lower(): column for term, column in MANIFESTATIONS_PRINTED}
MANIFESTATION_TERMS.update(
    {wrong.lower(): MANIFESTATION_TERMS[right.lower()] for wrong, right in CORRECTIONS.items()}
)
SYMPTOM_SEPARATOR = ","
MANIFESTATION_SEPARATOR = ";"

RELAPSE_ROW_BASIS = (
    "Table I prints a relapse on its own row under the patient's first episode and leaves the "
    "patient-level cells blank; the value is the patient's, copied from that first row "
    "(letter, paragraph 4: twelve episodes in ten patients)"
)

# Relapses that happened during the admission of the first episode: the age at DAH, which
# Table I leaves blank on the relapse row, is the age at the first episode.
SAME_ADMISSION_RELAPSES = {
    9: (
        "Table I leaves the age at DAH blank; patient 9 relapsed before discharge from the "
        "admission of the first episode (letter, paragraph 10), so the age is taken from that "
        "episode. The letter gives no dates: a birthday during the admission cannot be excluded"
    ),
}
