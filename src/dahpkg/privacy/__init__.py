"""Disclosure risk (``dahpkg privacy``): direct identifiers, k-anonymity and l-diversity per
patient, Safe Harbor; the release gate every export and deposit passes.

Three questions are asked before anything leaves the machine:

1. Did a direct identifier slip in? Column names and every cell of every table of the package
   are searched for personal names, e-mail addresses, phone numbers, full dates, record and
   identification numbers, addresses and small geography, web addresses and photographs,
   and a person's initials (J.M.S., JMS) told apart from clinical abbreviations; so are the
   titles, descriptions and notes of its descriptor and Table Schemas, which are published
   with the data. A direct identifier always blocks an export. Free text is where names
   hide: a column of text the Table Schema does not declare blocks it too, and a declared
   text field without categories or a pattern is listed for the authors to read.
2. How identifiable are the patients through the quasi-identifiers the schema declares (its
   fields' ``privacy`` property)? Counted per patient, not per episode, since a relapse
   repeats the patient: the size of the smallest group of patients who share every
   quasi-identifier (k), how many patients are alone in their group, and how many distinct
   values of the sensitive attribute each group holds (l). A risk above the threshold blocks
   an export unless the authors acknowledge it (consent, data already published).
3. Which of the HIPAA Safe Harbor conditions (45 CFR 164.514(b)(2)) hold?

The modules: `patterns` (what an identifier looks like), `identifiers` (the search of the
tables), `initials` (initials or an abbreviation), `freetext` (columns of free text),
`metadata` (the search of the descriptor's and the schemas' own words),
`anonymity` (k, l and what lowers them), `generalise` (age bands), `safe_harbor`, `report` and
`check` (the assessment and the gate).
"""

from __future__ import annotations

from dahpkg.privacy.anonymity import DEFAULT_MIN_K, Option, Risk, patient_table
from dahpkg.privacy.check import check, gate
from dahpkg.privacy.freetext import FreeText
from dahpkg.privacy.generalise import (
    SAFE_HARBOR_MAX_AGE,
    TOP_CODE,
    Generalisation,
    age_fields,
    generalise_descriptor,
    generalise_frame,
    generalise_schema,
)
from dahpkg.privacy.identifiers import Identifier, column_kind, identifying_text
from dahpkg.privacy.patterns import (
    BIOMETRIC,
    DATE,
    DECLARED,
    EMAIL,
    GEOGRAPHY,
    INITIALS,
    NAME,
    PHONE,
    RECORD,
    WEB,
)
from dahpkg.privacy.report import PrivacyReport, render_json, render_text

__all__ = [
    "BIOMETRIC",
    "DATE",
    "DECLARED",
    "DEFAULT_MIN_K",
    "EMAIL",
    "GEOGRAPHY",
    "INITIALS",
    "NAME",
    "PHONE",
    "RECORD",
    "SAFE_HARBOR_MAX_AGE",
    "TOP_CODE",
    "WEB",
    "FreeText",
    "Generalisation",
    "Identifier",
    "Option",
    "PrivacyReport",
    "Risk",
    "age_fields",
    "check",
    "column_kind",
    "gate",
    "generalise_descriptor",
    "generalise_frame",
    "generalise_schema",
    "identifying_text",
    "patient_table",
    "render_json",
    "render_text",
]
