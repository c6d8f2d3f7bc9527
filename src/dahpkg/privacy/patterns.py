"""What a direct identifier looks like: the words of a column name that announce one, and the
patterns of a cell or of prose that hold one.

The patterns stay within what both Python's re and RE2 (pyarrow's regex engine) accept, so
that a column is searched at once. Words and clinical endings keep clinical wording from being
taken for a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

NAME = "personal name"
EMAIL = "e-mail address"
PHONE = "phone or fax number"
DATE = "full date (only the year may be released)"
RECORD = "record or identification number"
GEOGRAPHY = "address or geography smaller than a state"
WEB = "web or IP address"
BIOMETRIC = "photograph or biometric"
DECLARED = "direct identifier (so declared in the schema)"
INITIALS = "person's initials"

# Words of a column name that mark a direct identifier (the name is split at non-letters
# and at camelCase boundaries, then lower-cased; English, Spanish and Portuguese).
COLUMN_WORDS: dict[str, frozenset[str]] = {
    NAME: frozenset({"surname", "surnames", "forename", "firstname", "lastname", "fullname",
                     "initials", "nombre", "apellido", "apellidos", "nome", "apelido"}),
    EMAIL: frozenset({"email", "correo"}),
    PHONE: frozenset({"phone", "telephone", "tel", "mobile", "cellphone", "fax", "telefono",
                      "movil", "telefone", "telemovel"}),
    DATE: frozenset({"date", "dob", "birth", "birthdate", "birthday", "fecha", "nacimiento",
                     "nascimento"}),
    RECORD: frozenset({"mrn", "ssn", "nhs", "nhc", "nif", "dni", "nie", "passport", "medicare",
                       "medicaid", "cip", "nuss", "historia", "processo", "utente"}),
    GEOGRAPHY: frozenset({"address", "addr", "street", "postcode", "postal", "zip", "zipcode",
                          "city", "town", "municipality", "village", "county", "district",
                          "direccion", "domicilio", "municipio", "localidad", "poblacion",
                          "morada", "localidade", "freguesia", "concelho"}),
    WEB: frozenset({"url", "website"}),
    BIOMETRIC: frozenset({"photo", "photograph", "picture", "fingerprint", "biometric"}),
}  # fmt: skip
# "name" marks a person's name only beside words like these ("patient_name", not "drug_name").
PERSON_WORDS = frozenset({"name", "names", "patient", "patients", "first", "last", "full",
                          "given", "family", "middle", "maiden", "person", "contact", "subject",
                          "mother", "father", "next", "of", "kin", "doctor", "physician",
                          "nurse", "the", "s"})  # fmt: skip
# Words that make a column name an identifier only together: (word, any of these).
COLUMN_PAIRS: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {
    EMAIL: (("mail", frozenset({"e", "address", "mail"})),),
    RECORD: (("record", frozenset({"medical", "number", "no", "id", "hospital", "clinical"})),
             ("insurance", frozenset({"number", "no", "id", "policy"})),
             ("hospital", frozenset({"number", "no", "id"})),
             ("chart", frozenset({"number", "no", "id"}))),
    WEB: (("ip", frozenset({"address"})),),
}  # fmt: skip

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre"
    "|diciembre|janeiro|fevereiro|março|marco|maio|junho|julho|setembro|outubro|novembro"
    "|dezembro|jan|feb|fev|mar|apr|abr|jun|jul|aug|ago|sep|set|oct|out|nov|dec|dez"
)
_UPPER = "A-ZÁÉÍÓÚÑÄËÏÖÜÇÀÈÌÒÙÂÊÔÃÕ"
_LOWER = "a-záéíóúñäëïöüçàèìòùâêôãõ"
_APOSTROPHES = "'\u2019"
_WORD = f"[{_UPPER}][{_LOWER}{_APOSTROPHES}-]+"
_CAPS = f"[{_UPPER}]{{2,}}"
_PARTICLES = "de|del|la|las|los|van|von|der|da|das|do|dos|di|du|le|y|e"
_DAY, _MONTH = r"(0?[1-9]|[12]\d|3[01])", r"(0?[1-9]|1[0-2])"
_LETTER = f"{_UPPER}{_LOWER}"
_UPPER_ = f"[{_UPPER}]"
# Two or more dotted capitals, a surname glued to them ("J.M.S.", "J. M. S.", "J.M.Silva"),
# or one dotted capital glued to a surname ("J.Silva"). An initial followed by a space and a
# word is not one: "vitamin D. Started" reads the same.
_DOTTED = (
    rf"{_UPPER_}\.(\s?{_UPPER_}\.)+({_UPPER_}[{_LOWER}]*)?"
    rf"|{_UPPER_}\.{_UPPER_}[{_LOWER}]+"
)
# Initials left once the known abbreviations are blanked out (see `initials`). Capitals
# before "(" call a spreadsheet function ("SUM(A1)"): not initials.
INITIALS_LEFT = re.sub(
    r"(?<!\\)\((?!\?)",
    "(?:",
    rf"(^|[^{_LETTER}0-9-])({_DOTTED}|{_UPPER_}{{2,4}}([^{_LETTER}0-9(-]|$))",
)


@dataclass(frozen=True)
class Pattern:
    """One way a direct identifier shows in a text."""

    kind: str
    regex: str
    # A weak pattern also matches clinical wording: a text made only of the dictionary's
    # words, or naming a clinical entity, is set aside ("Goodpasture Syndrome").
    weak: bool = False
    # Also searched in the --risk-accepted reason, which is prose ("approved by Ethics
    # Committee, May 2025" must pass).
    in_prose: bool = True
    # A match is judged by `initials`: a capital abbreviation of the dictionary is not one.
    initials: bool = False

    @property
    def whole(self) -> bool:
        """True when it matches a whole text only (a title that is nothing but a name)."""
        return self.regex.startswith("^") or self.regex == LONG_NUMBER


# Tried in this order; a text is reported under the first that matches. They stay within what
# both Python's re and RE2 (pyarrow's regex engine) accept. LONG_NUMBER and LONG_PSEUDONYM
# stand for a cell that is only a number (a study number may have six digits).
LONG_NUMBER, LONG_PSEUDONYM = "<long number>", "<long study number>"
PATTERNS: tuple[Pattern, ...] = (
    Pattern(EMAIL, r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"),
    Pattern(WEB, r"(?i:https?://|\bwww\.[a-z0-9-]+\.)|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"),
    Pattern(DATE, r"\b(19|20)\d{2}[-/]\d{1,2}[-/]\d{1,2}(\b|T)"
                  rf"|\b{_DAY}/{_MONTH}/(\d{{4}}|\d{{2}})\b|\b{_MONTH}/{_DAY}/(\d{{4}}|\d{{2}})\b"
                  rf"|\b{_DAY}[.-]{_MONTH}[.-](19|20)\d{{2}}\b"
                  rf"|(?i:\b\d{{1,2}}(st|nd|rd|th)?[\s-]+(de\s+)?({_MONTHS})\.?,?[\s-]+(de\s+)?\d{{2,4}}\b)"
                  rf"|(?i:\b({_MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}\b)"),
    Pattern(DATE, rf"(?i:\b({_MONTHS})\.?,?\s+(de\s+)?(19|20)\d{{2}}\b)", in_prose=False),
    Pattern(RECORD, r"\b\d{3}-\d{2}-\d{4}\b|\b\d{8}[A-Za-z]\b|\b[XYZxyz]\d{7}[A-Za-z]\b|\b\d{9,}\b"
                    r"|(?i:\b(mrn|nhc|nhs|ssn|dni|nie|nif|processo|proceso|historia|record|chart"
                    r"|id)\b\.?\s*(no\.?|number|n\.?[º°o]|cl[ií]nic[ao])?\s*[:#]?\s*\d{4,})"),
    Pattern(RECORD, LONG_NUMBER, in_prose=False),
    Pattern(PHONE, r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?([\s.-]?\d{2,4}){2,4}\b"
                   r"|\(\d{2,4}\)\s?\d{3,4}[\s.-]?\d{3,4}\b|\b\d{3}[.-]\d{3}[.-]\d{3,4}\b"
                   r"|\b[679]\d{2}\s\d{3}\s\d{3}\b|\b\d{3}\s\d{3}\s\d{4}\b"
                   r"|\b\d{3}[\s.-]\d{2}[\s.-]\d{2}[\s.-]\d{2}\b|\b9\d\s\d{3}\s\d{2}\s\d{2}\b"),
    Pattern(GEOGRAPHY, r"\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b|\b\d{5}-\d{4}\b"
                       r"|(?i:\b\d+[a-z]?,?\s+[a-z]+(\s+[a-z]+)?\s+"
                       r"(street|st|road|rd|avenue|ave|lane|ln|drive|boulevard|blvd)\b)"
                       r"|\b(Calle|Avda|Avenida|Plaza|Paseo|Carrer|Rua|Travessa|Largo)\.?\s+[A-Z]"
                       r"|\bC/\s*[A-Z][a-z]+"),
    Pattern(GEOGRAPHY, r"\b\d{4}-\d{3}\b", in_prose=False),  # a Portuguese postcode
    Pattern(GEOGRAPHY, rf"\b\d{{5}}\s+{_WORD}", weak=True, in_prose=False),  # postcode, town
    Pattern(NAME, rf"\b(Mr|Mrs|Ms|Miss|Mx|Dr|Dra|Drª|Prof|Profª|Sr|Sra|Srª|Srta|Dña|Enf|Enfª)"
                  rf"\.?\s+{_WORD}"),
    Pattern(NAME, rf"\b(by|per|por|pela|pelo)\s+{_WORD}\s+(({_PARTICLES})\s+)*{_WORD}",
            weak=True),
    # "as for patient João Silva": prose that names the patient it is about.
    Pattern(NAME, rf"\b([Pp]atient|[Pp]aciente|[Dd]oente|[Uu]tente)\s+{_WORD}\s+"
                  rf"(({_PARTICLES})\s+)*{_WORD}", weak=True),
    Pattern(NAME, rf"^\s*{_WORD},\s*{_WORD}(\s+{_WORD})?\s*$", weak=True, in_prose=False),
    # A whole cell of two to four capitalised (or capital) words.
    Pattern(NAME, rf"^\s*({_WORD}|{_CAPS})(\s+(({_PARTICLES})\s+)*({_WORD}|{_CAPS})){{1,3}}\s*$",
            weak=True, in_prose=False),
    # Initials ("J.M.S.", "J. M. S.", "J.M.Silva", "JMS" standing alone): found here, then
    # told apart from the clinical abbreviations a note is full of (see `initials`).
    Pattern(INITIALS, rf"(^|[^{_LETTER}0-9-])({_DOTTED}|{_UPPER_}{{2,4}}([^{_LETTER}0-9-]|$))",
            in_prose=False, initials=True),
)  # fmt: skip
# Groups do not capture: pandas warns about capturing groups in a search.
PATTERNS = tuple(replace(p, regex=re.sub(r"(?<!\\)\((?!\?)", "(?:", p.regex)) for p in PATTERNS)
WHOLE_NUMBER = {LONG_NUMBER: r"^\s*\d{6,}\s*$", LONG_PSEUDONYM: r"^\s*\d{7,}\s*$"}
# The package's own titles, descriptions and notes are prose: searched as the --risk-accepted
# reason is, and with the patterns a whole text must match (a field title that is only a name).
# A month and year there dates the study ("May 2005 to June 2023"), not a patient. Initials
# too ("the case of J.M.S."), told apart from the dictionary's abbreviations.
METADATA_PATTERNS = tuple(
    replace(p, regex=WHOLE_NUMBER[LONG_NUMBER]) if p.regex == LONG_NUMBER else p
    for p in PATTERNS
    if p.in_prose or p.whole or p.initials
)
# Words that make a weak match clinical wording rather than an identifier.
CLINICAL_WORDS = frozenset({
    "syndrome", "disease", "disorder", "embolism", "thrombosis", "infection", "pneumonia",
    "vasculitis", "lupus", "sclerosis", "granulomatosis", "purpura", "haemorrhage",
    "hemorrhage", "fever", "failure", "injury", "insufficiency", "effusion", "virus", "antibody",
    "antibodies", "therapy", "treatment", "protocol", "trial", "study", "score", "criteria",
    "classification", "sign", "test", "biopsy", "lavage", "culture", "dose", "doses", "units",
    "unit", "mg", "hospital", "hospitalar", "centre", "center", "clinic", "clinica", "unidade",
    "department", "service", "servicio", "medicine", "medicina", "ward", "icu", "ethics",
    "ethical", "committee", "board", "comissão", "comissao", "comité", "comite", "ética",
    "etica", "consent", "approval", "positive", "negative", "mild", "moderate", "severe",
    "normal", "abnormal", "unknown", "available", "lost", "follow", "follow-up", "none", "not",
    "other", "acute", "chronic", "primary", "secondary", "pulmonary", "renal", "alveolar",
    "cell", "cells", "giant", "carcinoma", "lymphoma", "sarcoma", "globulin", "immunoglobulin",
})  # fmt: skip
# Endings of disease, procedure, organism and drug names (INN stems) that no given name has.
CLINICAL_ENDINGS = (
    "itis", "osis", "emia", "aemia", "pathy", "algia", "ectomy", "otomy", "scopy", "plasty",
    "graphy", "ology", "coccus", "cocci", "bacter", "virus", "mab", "phamide", "olone", "isone",
    "prazole", "cillin", "mycin", "statin", "sartan", "parin", "cycline", "floxacin", "tinib",
    "limus",
)  # fmt: skip
# Capital abbreviations of clinical notes that are not a patient's initials, besides those of
# the data dictionary itself (its names, titles, categories and spellings, read from the
# Table Schemas): common in rheumatology, respiratory and intensive care notes, in English,
# Portuguese and Spanish, and Roman numerals. A centre's own are cleared with
# --not-identifier.
_ABBREVIATIONS = """
    AAV ANCA ANA ENA DNA MPO PR APS APL SLE LES SAF RA GCA PAN TAK HAD
    CRP ESR VS PCT LDH INR APTT PT HB WBC RBC PLT ALT AST GFR TFG CK BNP
    AKI ARDS CKD COPD DPOC IRA IRC GN GNRP DM HTA HT PE TEP DVT TVP VTE MI CVA AVC TIA
    CT TC TAC HRCT MRI RM PET ECG EKG BAL LBA TBB VATS PFT CXR RX DLCO
    ED ER SU ICU UCI UCIP HDU IMV VMI NIV VNI CPAP ECMO HFNC RRT CVVH HD
    CMV EBV HIV HBV HCV TB PCP PJP COVID SARS PCR
    IV EV IM SC PO BID TID QID PRN GC MP IVMP IVIG PLEX TPE CYC CFM MMF AZA MTX RTX HCQ
    NSAID PPI LMWH HBPM DOAC BMI BP HR RR FR FC ID NA ND NR OK YES NO II III VI VII
    DAH NHS SNS MDT ACR BVAS FFS SOFA GCS ESRD PEX NIH FDA EMA DOI PMID PMC ICD WHO
"""
CLINICAL_ABBREVIATIONS = frozenset(_ABBREVIATIONS.split())
