"""Disclosure risk: direct identifiers, k-anonymity and l-diversity per patient, Safe Harbor.

Three questions are asked before anything leaves the machine:

1. Did a direct identifier slip in? Column names and every cell of every table of the package
   are searched for personal names, e-mail addresses, phone numbers, full dates, record and
   identification numbers, addresses and small geography, web addresses and photographs. A
   direct identifier always blocks an export.
2. How identifiable are the patients through the quasi-identifiers the schema declares (its
   fields' ``privacy`` property)? Counted per patient, not per episode, since a relapse
   repeats the patient: the size of the smallest group of patients who share every
   quasi-identifier (k), how many patients are alone in their group, and how many distinct
   values of the sensitive attribute each group holds (l). A risk above the threshold blocks
   an export unless the authors acknowledge it (consent, data already published).
3. Which of the HIPAA Safe Harbor conditions (45 CFR 164.514(b)(2)) hold?

Measures follow ARX and sdcMicro (see ../shared/reference/fair.md, section 4): the highest
re-identification risk is 1/k; the average, weighted by patient, is classes/patients.
pycanon computes the same k and l but pins pandas 2, which dahpkg cannot install beside pandas 3.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.errors import DataError, InputError
from dahpkg.package import locate

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from dahpkg.package import Source
    from dahpkg.reader import Cells
    from dahpkg.schema import Field, TableSchema

# dahpkg's default: at least five patients share every combination of quasi-identifiers
# (a highest re-identification risk of 0.2). fair.md section 4 advises relying on consent or
# controlled access rather than claiming anonymity when k is below 2 to 5.
DEFAULT_MIN_K = 5
SAFE_HARBOR_MAX_AGE = 89  # ages above are aggregated into "90 or older"
TOP_CODE = SAFE_HARBOR_MAX_AGE + 1
SUGGESTED_WIDTHS = (5, 10, 20)
MAX_LOCATIONS = 20
TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx")

NAME = "personal name"
EMAIL = "e-mail address"
PHONE = "phone or fax number"
DATE = "full date (only the year may be released)"
RECORD = "record or identification number"
GEOGRAPHY = "address or geography smaller than a state"
WEB = "web or IP address"
BIOMETRIC = "photograph or biometric"
DECLARED = "direct identifier (so declared in the schema)"

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
    Pattern(NAME, rf"^\s*{_WORD},\s*{_WORD}(\s+{_WORD})?\s*$", weak=True, in_prose=False),
    # A whole cell of two to four capitalised (or capital) words.
    Pattern(NAME, rf"^\s*({_WORD}|{_CAPS})(\s+(({_PARTICLES})\s+)*({_WORD}|{_CAPS})){{1,3}}\s*$",
            weak=True, in_prose=False),
)  # fmt: skip
# Groups do not capture: pandas warns about capturing groups in a search.
PATTERNS = tuple(replace(p, regex=re.sub(r"(?<!\\)\((?!\?)", "(?:", p.regex)) for p in PATTERNS)
WHOLE_NUMBER = {LONG_NUMBER: r"^\s*\d{6,}\s*$", LONG_PSEUDONYM: r"^\s*\d{7,}\s*$"}
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


@dataclass(frozen=True)
class Identifier:
    """Direct identifiers of one kind found in one column of one file."""

    file: str
    column: str
    kind: str
    count: int  # cells; 0 when the column name itself is the finding
    rows: tuple[int, ...] = ()  # the first MAX_LOCATIONS rows
    examples: tuple[str, ...] = ()  # masked: first character and length only

    @property
    def in_name(self) -> bool:
        return self.count == 0

    def describe(self) -> str:
        if self.in_name:
            return f"{self.file}: the column '{self.column}' holds {_a(self.kind)} by its name"
        rows = ", ".join(str(r) for r in self.rows)
        more = f" and {self.count - len(self.rows)} more" if self.count > len(self.rows) else ""
        return (f"{self.file}, column '{self.column}': {self.count} cell(s) look like "
                f"{_a(self.kind)} (row {rows}{more}; {', '.join(self.examples)})")  # fmt: skip


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
class Generalisation:
    """Ages in bands of ``width`` years (1: unchanged), given as the band's first year, and
    every age above 89 top-coded as 90 ("90 or older")."""

    width: int

    @property
    def spec(self) -> str:
        return f"ages={self.width}y" if self.width > 1 else f"ages={TOP_CODE}+"

    def describe(self) -> str:
        if self.width == 1:
            return f"ages above {SAFE_HARBOR_MAX_AGE} top-coded as {TOP_CODE} (90 or older)"
        return (f"ages in {self.width}-year bands, given as the band's first year, "
                f"and {TOP_CODE} meaning {TOP_CODE} or older")  # fmt: skip

    @classmethod
    def parse(cls, spec: str) -> Generalisation:
        """``ages=10y`` (bands of 10 years and 90+) or ``ages=90+`` (top-coding only)."""
        match = re.fullmatch(r"\s*ages\s*=\s*(?:(\d{1,2})\s*y|90\+)\s*", spec)
        width = int(match.group(1)) if match and match.group(1) else 1
        if match is None or not 1 <= width <= 50:
            raise InputError(
                f"cannot read the generalisation {spec!r}: use ages=<N>y for bands of N years "
                "(1 to 50), for example ages=10y, or ages=90+ for top-coding only"
            )
        return cls(width)

    def ages(self, values: pd.Series) -> pd.Series:
        banded = values // self.width * self.width if self.width > 1 else values
        return banded.where((values < TOP_CODE).fillna(True), TOP_CODE)


@dataclass(frozen=True)
class SafeHarborCheck:
    condition: str
    status: str  # "pass", "fail" or "not checked"
    detail: str


@dataclass(frozen=True)
class Option:
    """A way to lower the risk and the risk it leaves."""

    description: str
    risk: Risk


@dataclass(frozen=True)
class PrivacyReport:
    """The disclosure-risk assessment of one package or file."""

    source: str
    files: tuple[str, ...]
    cells: int
    episodes: int
    identifiers: tuple[Identifier, ...]
    risk: Risk
    released: Risk
    generalisation: Generalisation | None
    drivers: tuple[Option, ...]
    options: tuple[Option, ...]
    safe_harbor: tuple[SafeHarborCheck, ...]
    min_k: int
    sensitive: tuple[str, ...]
    notes: tuple[str, ...] = ()
    reviewed: tuple[str, ...] = ()  # texts the authors reviewed as not identifying
    # the data dictionary's words, to judge the --risk-accepted reason as the cells are judged
    vocabulary: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def over_age(self) -> bool:
        return any(c.status == "fail" and c.condition.startswith("Ages") for c in self.safe_harbor)

    @property
    def needs_acknowledgement(self) -> bool:
        """True when the quasi-identifier risk of the release is above the threshold."""
        return not self.released.meets(self.min_k) or self.over_age

    @property
    def blocks(self) -> bool:
        """True when an export without an acknowledgement would be refused."""
        return bool(self.identifiers) or self.needs_acknowledgement

    def headline(self) -> str:
        if self.identifiers:
            found = sum(max(i.count, 1) for i in self.identifiers)
            return f"{found} direct identifier(s) found: nothing may leave the machine"
        verdict = "above" if self.needs_acknowledgement else "within"
        return (f"no direct identifier found; re-identification risk {verdict} the threshold "
                f"({self.released.brief()}, threshold k >= {self.min_k})")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "files": list(self.files),
            "cells_searched": self.cells,
            "episodes": self.episodes,
            "direct_identifiers": [
                {"file": i.file, "column": i.column, "kind": i.kind, "cells": i.count,
                 "in_column_name": i.in_name, "rows": list(i.rows),
                 "examples_masked": list(i.examples)}
                for i in self.identifiers
            ],
            "quasi_identifiers": list(self.risk.attributes),
            "sensitive": list(self.sensitive),
            "threshold_min_k": self.min_k,
            "risk": self.risk.to_dict(),
            "generalisation": self.generalisation.spec if self.generalisation else None,
            "released": self.released.to_dict(),
            "drivers": [{"attribute": o.description, **o.risk.to_dict()} for o in self.drivers],
            "options": [{"option": o.description, **o.risk.to_dict()} for o in self.options],
            "safe_harbor": [c.__dict__ for c in self.safe_harbor],
            "needs_acknowledgement": self.needs_acknowledgement,
            "blocks_export": self.blocks,
            "notes": list(self.notes),
            "reviewed_as_not_identifying": list(self.reviewed),
        }  # fmt: skip

    def summary_lines(self) -> list[str]:
        """The few lines a bundle README carries."""
        r = self.released
        found = (f"{sum(max(i.count, 1) for i in self.identifiers)} found" if self.identifiers
                 else "none found")  # fmt: skip
        lines = [
            f"- Direct identifiers: {found} ({self.cells:,} cells, column names included, "
            f"of {len(self.files)} table(s) searched).",
            f"- Quasi-identifiers, per patient: {', '.join(r.attributes) or 'none declared'}.",
            f"- k-anonymity: k = {r.k}; {r.unique} of {r.patients} patients are unique; "
            f"highest re-identification risk {r.highest:.2f}, average {r.average:.2f} "
            f"(dahpkg's threshold: k >= {self.min_k}).",
        ]
        for name, value in r.l_diversity.items():
            lines.append(f"- l-diversity of {name}: l = {value}.")
        if self.generalisation is not None:
            lines.append(f"- Generalised for this release: {self.generalisation.describe()} "
                         f"(before: {self.risk.brief()}).")  # fmt: skip
        if self.reviewed:
            lines.append("- Reviewed by the authors as not identifying: "
                         + "; ".join(repr(t) for t in self.reviewed) + ".")  # fmt: skip
        return lines


# --- the check ------------------------------------------------------------------------------


def check(
    path: str | Path | None = None,
    *,
    generalise: str | Generalisation | None = None,
    min_k: int = DEFAULT_MIN_K,
    not_identifiers: Iterable[str] = (),
) -> PrivacyReport:
    """Assess the disclosure risk of the package or episode file at ``path``.

    ``generalise`` (``"ages=10y"``) assesses the release with ages in bands as well; ``min_k``
    is the smallest group of patients sharing every quasi-identifier that is accepted
    without an acknowledgement. ``not_identifiers`` are cell texts or column names the
    authors reviewed as not identifying (an eponymous disease taken for a name): they are
    not reported, and the report lists them.

    >>> report = check()
    >>> report.identifiers, report.risk.k, report.risk.unique
    ((), 1, 10)
    """
    from dahpkg.reader import read, read_cells

    if min_k < 1:
        raise InputError("the threshold k must be at least 1")
    if isinstance(generalise, str):
        generalise = Generalisation.parse(generalise)
    source = locate(path)
    schema = source.schema
    reviewed = tuple(dict.fromkeys(" ".join(t.split()) for t in not_identifiers if t.strip()))
    scan = _Scan(_vocabulary(schema, _companion_schemas(source)), _reviewed(reviewed))
    identifiers: list[Identifier] = []
    files, cells = [], 0
    # Every cell as text first: its errors never quote a cell, which may be an identifier.
    for file in _table_files(source):
        for found in read_cells(file, delimiter=source.delimiter if file == source.table
                                else None):  # fmt: skip
            files.append(found.where)
            cells += sum(len(c) for c in found.columns.values()) + len(found.labels)
            identifiers += _identifiers(found, schema, scan)
    table = read(source)
    patients, attributes, sensitive = patient_table(table.frame, schema)
    risk = _risk(patients, attributes, sensitive)
    released_frame = generalise_frame(table.frame, schema, generalise) if generalise else None
    if released_frame is not None:
        released = _risk(patient_table(released_frame, schema)[0], attributes, sensitive)
    else:
        released = risk
    drivers = tuple(
        Option(f"{label} alone", _risk(patients, {label: attributes[label]}, sensitive))
        for label in attributes
    )
    options = _options(table.frame, schema, patients, attributes, sensitive)
    notes = []
    if "patient_id" not in table.frame:
        notes.append("no patient_id column: every row is counted as a patient of its own")
    else:
        unnumbered = int(table.frame["patient_id"].isna().sum())
        if unnumbered:
            notes.append(f"{unnumbered} episode(s) without a patient number are each counted "
                         "as a patient of their own: number them for an exact count")  # fmt: skip
    return PrivacyReport(
        source=source.name,
        files=tuple(files),
        cells=cells,
        episodes=len(table.frame),
        identifiers=tuple(identifiers),
        risk=risk,
        released=released,
        generalisation=generalise,
        drivers=tuple(sorted(drivers, key=lambda o: (-o.risk.unique, o.risk.k))),
        options=options,
        safe_harbor=_safe_harbor(table.frame, schema, identifiers, generalise),
        min_k=min_k,
        sensitive=tuple(sensitive),
        notes=tuple(notes),
        reviewed=reviewed,
        vocabulary=scan.vocabulary,
    )


def gate(report: PrivacyReport, risk_accepted: str | None) -> None:
    """Refuse (`DataError`) a release with a direct identifier, or with a risk above the
    threshold that the authors have not acknowledged."""
    if report.identifiers:
        lines = [i.describe() for i in report.identifiers[:MAX_LOCATIONS]]
        raise DataError(
            f"{report.headline()}.\n  "
            + "\n  ".join(lines)
            + "\nRemove them from the data (a study number replaces a name or record number; "
            "ages or years replace dates), then run `dahpkg privacy` again. A text that is not "
            "identifying (an eponymous disease read as a name) can be cleared with "
            '--not-identifier "TEXT", which the bundle records.'
        )
    kinds = identifying_text(risk_accepted or "", report.vocabulary)
    if kinds:
        raise InputError(
            f"the reason given with --risk-accepted looks like it holds {_a(kinds[0])}; it is "
            "published with the data, so write it without personal details"
        )
    if report.needs_acknowledgement and not (risk_accepted or "").strip():
        r = report.released
        over = " and ages above 89 are not aggregated" if report.over_age else ""
        raise DataError(
            f"the patients can be re-identified: {r.brief()} through "
            f"{', '.join(r.attributes)}{over} (threshold k >= {report.min_k}).\n"
            "Lower the risk (for example --generalise ages=10y; `dahpkg privacy` shows what "
            "each option achieves), or, if the patients consented or the same data are already "
            'published, say so with --risk-accepted "REASON": it is recorded in the bundle '
            "README and in the deposit notes."
        )


# --- direct identifiers ---------------------------------------------------------------------


def _table_files(source: Source) -> list[Path]:
    """Every table of the package (the episodes first), or the loose file itself."""
    from dahpkg.package import resource_file
    from dahpkg.schema import read_json

    files = [source.table]
    if source.descriptor is not None:
        package = read_json(source.descriptor, what="data package descriptor")
        for resource in package.get("resources", []):
            name = resource.get("name") if isinstance(resource, dict) else None
            path = resource_file(source, name) if isinstance(name, str) else None
            if path is not None and path.suffix.lower() in TABLE_SUFFIXES and path not in files:
                files.append(path)
    return files


def column_kind(label: str) -> str | None:
    """The kind of direct identifier a column name announces, if any.

    >>> column_kind("Date of birth"), column_kind("patientName"), column_kind("drug_name")
    ('full date (only the year may be released)', 'personal name', None)
    """
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", label)
    words = set(re.findall(r"[a-z]+", _ascii(spaced).lower()))
    if words & {"name", "names"} and not words - PERSON_WORDS:
        return NAME
    for kind, markers in COLUMN_WORDS.items():
        if words & markers:
            return kind
    for kind, pairs in COLUMN_PAIRS.items():
        if any(word in words and words & partners for word, partners in pairs):
            return kind
    return None


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class _Scan:
    """What the search for identifiers knows: the dictionary's words, and the texts the
    authors reviewed as not identifying (compared case-insensitively)."""

    vocabulary: frozenset[str]
    reviewed: frozenset[str]


def _reviewed(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(_normal(t) for t in texts if t.strip())


def _identifiers(found: Cells, schema: TableSchema, scan: _Scan) -> list[Identifier]:
    import numpy as np
    import pandas as pd

    declared = {f.name: f for f in schema.fields}
    header = pd.Series(list(found.labels), dtype="str")
    result = _cell_identifiers(found.where, "(header row)", header,
                               np.ones(len(header), dtype=int), scan, pseudonym=False)  # fmt: skip
    for label in found.labels:
        item = declared.get(label)
        role = item.privacy if item is not None else None
        kind = column_kind(label) if role != "pseudonym" else None
        if role == "direct-identifier":
            kind = kind or DECLARED
        if kind is not None and _normal(label) not in scan.reviewed:
            shown = _mask(label) if re.search(r"[\d@]", label) else label
            result.append(Identifier(found.where, shown, kind, 0))
        result += _cell_identifiers(found.where, label, found.columns[label], found.rows, scan,
                                    pseudonym=role == "pseudonym")  # fmt: skip
    return result


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _cell_identifiers(where: str, label: str, cells: pd.Series, rows: np.ndarray, scan: _Scan,
                      *, pseudonym: bool) -> list[Identifier]:  # fmt: skip
    """Identifiers in one column's cells, by kind; a cell counts once, under its first kind.

    The patterns run on the column's distinct values (two in a yes/no column), then the
    verdicts are mapped back to the cells.
    """
    import pandas as pd

    values = pd.Series(cells.unique(), dtype="str")
    kinds = _value_kinds(values, scan, pseudonym=pseudonym)
    if not kinds.notna().any():
        return []
    per_cell = cells.map(dict(zip(values, kinds, strict=True)))
    result: list[Identifier] = []
    for kind in dict.fromkeys(kinds.dropna()):
        positions = (per_cell == kind).to_numpy().nonzero()[0]
        shown = positions[:MAX_LOCATIONS]
        result.append(Identifier(
            where, label, kind, len(positions), tuple(dict.fromkeys(int(r) for r in rows[shown])),
            tuple(_mask(str(v)) for v in cells.iloc[shown[:3]]),
        ))  # fmt: skip
    return result


def _value_kinds(values: pd.Series, scan: _Scan, *, pseudonym: bool) -> pd.Series:
    """The kind of identifier each value is (its first matching pattern), or missing.

    The patterns run in pyarrow's regex engine (RE2) on the whole column at once.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array(values.to_numpy(dtype=object), type=pa.string())
    kinds = pd.Series(None, index=values.index, dtype="object")
    remaining = np.array(values.str.strip() != "", dtype=bool)  # a writable copy
    if scan.reviewed and remaining.any():
        normal = values.str.split().str.join(" ").str.casefold()
        remaining &= ~normal.isin(list(scan.reviewed)).to_numpy(dtype=bool)
    for pattern in PATTERNS:
        if not remaining.any():
            break
        regex = pattern.regex
        if regex == LONG_NUMBER:
            regex = WHOLE_NUMBER[LONG_PSEUDONYM if pseudonym else LONG_NUMBER]
        hit = remaining & np.asarray(pc.match_substring_regex(texts, regex), dtype=bool)
        if pattern.weak and hit.any():
            # judged on the words that matched: "seen by John Smith on the ward" is a name
            found = pc.extract_regex(texts.filter(pa.array(hit)), f"(?P<m>{regex})")
            matched = pd.Series(found.field("m").to_pylist(), dtype="str")
            clinical = _clinical(matched, scan.vocabulary).to_numpy(dtype=bool)
            positions = hit.nonzero()[0]
            hit[positions[clinical]] = False
        kinds[hit] = pattern.kind
        remaining &= ~hit
    return kinds


def _clinical(cells: pd.Series, vocabulary: frozenset[str]) -> pd.Series:
    """True where a text is made only of the dictionary's words, or names a clinical entity,
    a place of care or a drug."""
    words = cells.str.lower().str.findall(f"[{_LOWER}{_APOSTROPHES}-]+").explode()
    known = words.isin(vocabulary) | words.isin(_PARTICLES.split("|"))
    clinical = words.isin(list(CLINICAL_WORDS)) | words.str.endswith(CLINICAL_ENDINGS).fillna(False)
    result: pd.Series = known.groupby(level=0).all() | clinical.groupby(level=0).any()
    return result


def identifying_text(text: str, vocabulary: frozenset[str] = frozenset()) -> list[str]:
    """The kinds of direct identifier a piece of prose holds (the --risk-accepted reason,
    which is published with the data)."""
    import pandas as pd

    found = []
    for pattern in PATTERNS:
        match = re.search(pattern.regex, text) if pattern.in_prose else None
        if match is None:
            continue
        if pattern.weak and _clinical(pd.Series([match.group(0)], dtype="str"), vocabulary).iloc[0]:
            continue
        found.append(pattern.kind)
    return sorted(set(found))


def _vocabulary(schema: TableSchema, others: Iterable[Any] = ()) -> frozenset[str]:
    """Every word of the data dictionary: names, titles, descriptions and categories of the
    episode fields, and every text of the package's other Table Schemas."""
    texts = [t for f in schema.fields for t in (f.name, f.title, f.description,
                                               *f.categories.values(), *f.categories)]  # fmt: skip
    texts += _strings(list(others))
    word = re.compile(f"[{_LOWER}{_APOSTROPHES}-]+")
    return frozenset(w for t in texts for w in word.findall(t.lower()))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _companion_schemas(source: Source) -> list[Any]:
    """The Table Schemas of the package's other tables (Table I as printed, the inferences)."""
    from dahpkg.schema import read_json

    if source.descriptor is None:
        return []
    package = read_json(source.descriptor, what="data package descriptor")
    schemas = []
    for resource in package.get("resources", []):
        ref = resource.get("schema") if isinstance(resource, dict) else None
        if isinstance(ref, dict):
            schemas.append(ref)
        elif isinstance(ref, str) and not Path(ref).is_absolute() and ".." not in Path(ref).parts:
            path = source.descriptor.parent / ref
            if path.is_file():
                schemas.append(read_json(path, what="Table Schema"))
    return schemas


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _mask(text: str) -> str:
    text = text.strip()
    return f"{text[:1]}… ({len(text)} characters)"


# --- k-anonymity and l-diversity per patient ------------------------------------------------


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

    from dahpkg.rules import PATIENT_ATTRIBUTES

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
    by_patient = episodes.groupby("_patient", sort=True)
    parts: list[pd.DataFrame | pd.Series] = []
    attributes: dict[str, list[str]] = {}
    for item in quasi:
        if item.name in PATIENT_ATTRIBUTES:
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
            if item.name in PATIENT_ATTRIBUTES
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


def _risk(patients: pd.DataFrame, attributes: dict[str, list[str]],
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


def _is_age(unit: Any, type_: Any) -> bool:
    """A field measured in years is an age: generalised, top-coded, checked for over 89."""
    return unit == "year" and type_ in ("integer", "number")


def age_fields(schema: TableSchema) -> list[Field]:
    return [f for f in schema.fields if _is_age(f.unit, f.type)]


def _age_fields(schema: TableSchema, frame: pd.DataFrame) -> list[Field]:
    return [f for f in age_fields(schema) if f.name in frame]


def _options(frame: pd.DataFrame, schema: TableSchema, patients: pd.DataFrame,
             attributes: dict[str, list[str]],
             sensitive: dict[str, str]) -> tuple[Option, ...]:  # fmt: skip
    """Generalisations that lower the risk, and the risk each leaves (``patients`` is the
    patient table of ``frame`` as it is)."""
    ages = {f.label for f in _age_fields(schema, frame)}
    if not ages & set(attributes):
        return ()
    options = [Option("leave out the ages", _risk(
        patients, {k: v for k, v in attributes.items() if k not in ages}, sensitive))]  # fmt: skip
    for width in SUGGESTED_WIDTHS:
        rule = Generalisation(width)
        patients = patient_table(generalise_frame(frame, schema, rule), schema)[0]
        options.append(Option(f"--generalise {rule.spec}", _risk(patients, attributes, sensitive)))
        if width == 10:
            for label in attributes:
                if label not in ages:
                    options.append(Option(f"--generalise {rule.spec} and leave out {label}",
                                          _risk(patients, _without(attributes, label),
                                                sensitive)))  # fmt: skip
    return tuple(options)


def _safe_harbor(frame: pd.DataFrame, schema: TableSchema, identifiers: list[Identifier],
                 generalise: Generalisation | None) -> tuple[SafeHarborCheck, ...]:  # fmt: skip
    kinds = {i.kind for i in identifiers}
    ages = _age_fields(schema, frame)
    if generalise is not None:
        age = SafeHarborCheck("Ages above 89 aggregated", "pass",
                              f"this release top-codes them as {TOP_CODE}")  # fmt: skip
    elif not ages:
        age = SafeHarborCheck("Ages above 89 aggregated", "pass", "no age column")
    else:
        over = sum(int((frame[f.name] > SAFE_HARBOR_MAX_AGE).fillna(False).sum()) for f in ages)
        age = SafeHarborCheck(
            "Ages above 89 aggregated",
            "fail" if over else "pass",
            f"{over} age(s) above 89: add --generalise ages=90+ (or ages=10y)" if over
            else "no age above 89",
        )  # fmt: skip

    def absent(condition: str, wanted: set[str]) -> SafeHarborCheck:
        hits = sorted(kinds & wanted)
        return SafeHarborCheck(condition, "fail" if hits else "pass",
                               "found: " + "; ".join(hits) if hits else "none found")  # fmt: skip

    return (
        age,
        absent("No date element other than the year", {DATE}),
        absent("No geography smaller than a state", {GEOGRAPHY}),
        absent("None of the other listed identifiers (names, contact details, record "
               "numbers, web addresses, photographs)",
               set(COLUMN_WORDS) - {DATE, GEOGRAPHY} | {DECLARED}),
        SafeHarborCheck("No actual knowledge that the rest could identify a patient",
                        "not checked", "only the authors can state this"),
    )  # fmt: skip


# --- generalisation -------------------------------------------------------------------------


def generalise_frame(frame: pd.DataFrame, schema: TableSchema,
                     rule: Generalisation) -> pd.DataFrame:  # fmt: skip
    """A copy of ``frame`` with every age (a field whose unit is years) generalised."""
    result = frame.copy()
    for item in _age_fields(schema, frame):
        result[item.name] = rule.ages(frame[item.name])
    return result


def generalise_schema(schema: TableSchema, rule: Generalisation) -> TableSchema:
    """``schema`` with the description of every age field saying how it was generalised."""
    ages = age_fields(schema)
    fields = tuple(
        replace(f, description=f"{f.description} {_note(rule)}") if f in ages else f
        for f in schema.fields
    )
    return replace(schema, fields=fields)


def generalise_descriptor(descriptor: dict[str, Any], rule: Generalisation) -> dict[str, Any]:
    """A Table Schema descriptor with the same note on every age field."""
    result: dict[str, Any] = json.loads(json.dumps(descriptor))
    for item in result.get("fields", []):
        if _is_age(item.get("unit"), item.get("type")):
            item["description"] = f"{item.get('description', '')} {_note(rule)}".strip()
    return result


def _note(rule: Generalisation) -> str:
    return f"Generalised for release ({rule.spec}): {rule.describe()}."


# --- report ---------------------------------------------------------------------------------


def render_text(report: PrivacyReport) -> str:
    r = report.risk
    lines = [f"Disclosure risk of {report.source}: {r.patients} patients, "
             f"{report.episodes} episodes", "", "Direct identifiers"]  # fmt: skip
    if report.identifiers:
        lines += [f"  ERROR  {i.describe()}" for i in report.identifiers]
    else:
        lines.append(
            f"  none found: {report.cells:,} cells, column names included, of "
            f"{len(report.files)} table(s) searched for names, e-mail addresses, phone "
            "numbers, full dates, record numbers, addresses, web addresses"
        )
    if report.reviewed:
        lines.append("  reviewed by the authors as not identifying (--not-identifier): "
                     + "; ".join(repr(t) for t in report.reviewed))  # fmt: skip
    lines += ["", "Quasi-identifiers, counted per patient",
              f"  {', '.join(r.attributes) or 'none declared in the schema'}",
              f"  sensitive attribute: {', '.join(report.sensitive) or 'none declared'} "
              "(for an episode attribute, the patient's last episode)"]  # fmt: skip
    lines += _risk_lines(r, report.min_k)
    if report.generalisation is not None:
        lines += ["", f"After generalisation ({report.generalisation.describe()})"]
        lines += _risk_lines(report.released, report.min_k)
    if report.drivers:
        lines += ["", "What drives it (each quasi-identifier on its own)"]
        lines += [f"  {o.description:<30} {o.risk.brief()}" for o in report.drivers]
    if report.options:
        lines += ["", "What would lower it"]
        width = max(len(o.description) for o in report.options)
        lines += [f"  {o.description:<{width}}  {o.risk.brief()}" for o in report.options]
        if not any(o.risk.meets(report.min_k) for o in report.options):
            lines.append(
                f"  none of these reaches k >= {report.min_k} with {r.patients} patients: "
                "rely on the patients' consent or on controlled access, and say so with "
                "--risk-accepted"
            )
    lines += ["", "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)"]
    lines += [f"  {c.status.upper():<11} {c.condition}: {c.detail}" for c in report.safe_harbor]
    lines += ["", *(f"Note: {n}" for n in report.notes)] if report.notes else []
    lines += ["", f"Result: {report.headline()}."]
    if report.identifiers:
        lines.append("Export and deposit are blocked until the identifiers are removed.")
    elif report.needs_acknowledgement:
        lines.append(
            "Export and deposit are blocked unless the risk is acknowledged with "
            '--risk-accepted "REASON" (recorded in the bundle and the deposit).'
        )
    return "\n".join(lines) + "\n"


def _risk_lines(r: Risk, min_k: int) -> list[str]:
    share = f"{r.unique / r.patients:.0%}" if r.patients else "0%"
    lines = [
        f"  k-anonymity: k = {r.k} (the smallest group of patients who share every "
        "quasi-identifier)",
        f"  unique patients: {r.unique} of {r.patients} ({share}), in {r.classes} group(s)",
        f"  re-identification risk: highest {r.highest:.2f}, average {r.average:.2f} "
        f"(threshold: k >= {min_k}, highest <= {1 / min_k:.2f})",
    ]
    lines += [f"  l-diversity of {name}: l = {value} (distinct values in the least diverse "
              "group)" for name, value in r.l_diversity.items()]  # fmt: skip
    return lines


def render_json(report: PrivacyReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
