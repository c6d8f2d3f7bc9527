"""What the Dataverse double accepts as a dataset's metadata, and how it refuses the rest, as
IQSS/dataverse's code does: ``validateDatasetJson`` answers 200 either way with its verdict in
the message; create and edit answer 400 "Error parsing Json" for what the parser refuses (a
controlled value or licence unknown) and 403 "Validation Failed: a, b." for a missing required
field or a bad e-mail (``validateOrDie``).
"""

from __future__ import annotations

from typing import Any

from support.dataverse_http import Reply

SUBJECTS = {"Medicine, Health and Life Sciences", "Other", "Social Sciences"}
SCHEMES = {"ORCID", "ROR", "ISNI", "LCNA", "VIAF", "GND", "DAI", "ResearcherID", "ScopusID"}
LICENSES = {"CC0 1.0": "http://creativecommons.org/publicdomain/zero/1.0",
            "CC BY 4.0": "http://creativecommons.org/licenses/by/4.0"}  # fmt: skip
REQUIRED = ("title", "author", "datasetContact", "dsDescription", "subject")  # citation.tsv
FAILED = "The Dataset JSON provided failed validation with the following error:"
VALID = "The Dataset JSON provided is valid for this Dataverse Collection."


def _fields(version: dict[str, Any]) -> list[Any]:
    fields = (version.get("metadataBlocks") or {}).get("citation", {}).get("fields")
    return fields if isinstance(fields, list) else []


def _parse_errors(version: dict[str, Any], licenses: dict[str, str]) -> list[str]:
    """What Dataverse's JsonParser refuses (a 400): a field's shape, a controlled value it does
    not hold, a licence the installation does not list."""
    errors = []
    for f in _fields(version):
        if not isinstance(f, dict) or not {"typeName", "typeClass", "multiple", "value"} <= set(f):
            errors.append(f"{f.get('typeName') if isinstance(f, dict) else f} missing a field "
                          "named 'value'")  # fmt: skip
        elif f["multiple"] != isinstance(f["value"], list):
            errors.append(f"incorrect multiple   for field {f['typeName']}")
    by = {f.get("typeName"): f for f in _fields(version) if isinstance(f, dict)}
    for subject in (by.get("subject") or {}).get("value") or []:
        if subject not in SUBJECTS:
            errors.append(f"Value '{subject}' does not exist in type 'subject'")
    for author in (by.get("author") or {}).get("value") or []:
        scheme = author.get("authorIdentifierScheme", {}).get("value")
        if scheme is not None and scheme not in SCHEMES:
            errors.append(f"Value '{scheme}' does not exist in type 'authorIdentifierScheme'")
    licence = version.get("license")
    if isinstance(licence, dict) and licenses.get(licence.get("name")) != licence.get("uri"):
        errors.append(f"Invalid or unsupported license: {licence.get('name')}")
    return errors


def _constraint_errors(version: dict[str, Any], required: tuple[str, ...]) -> list[str]:
    """What DatasetVersion.validate() finds (a 403 "Validation Failed" on create or edit)."""
    by = {f.get("typeName"): f for f in _fields(version) if isinstance(f, dict)}
    errors = [f"{name} is required. (Invalid value:edu.harvard.iq.dataverse.DatasetField[ "
              "id=null ])" for name in required if name not in by]  # fmt: skip
    for contact in (by.get("datasetContact") or {}).get("value") or []:
        email = str(contact.get("datasetContactEmail", {}).get("value", ""))
        if "@" not in email:
            errors.append(f"{email} is not a valid email address. (Invalid value:{email})")
    return errors


def _checked(version: dict[str, Any], licenses: dict[str, str], required: tuple[str, ...],
             parsing: str) -> None:  # fmt: skip
    """A create or an edit: refused as Dataverse refuses it, the parser first."""
    if not _fields(version):
        raise Reply(400, f"{parsing}{FAILED_BLOCKS}")
    parse = _parse_errors(version, licenses)
    if parse:
        raise Reply(400, parsing + parse[0])
    constraints = _constraint_errors(version, required)
    if constraints:  # an IllegalCommandException: 403, not 400 (DatasetsIT)
        raise Reply(403, "Validation Failed: " + ", ".join(constraints) + ".")


FAILED_BLOCKS = "Metadata blocks not found"


def _schema_check(version: dict[str, Any], required: tuple[str, ...]) -> str:
    """validateDatasetJson's answer: 200 either way, the verdict in its message
    (DataverseServiceBean.isDatasetJsonValid; DatasetsIT asserts 200 for a failure)."""
    problems = [
        f" #/datasetVersion/metadataBlocks/citation/fields: required field {name} missing"
        for name in required
        if name not in {f.get("typeName") for f in _fields(version) if isinstance(f, dict)}
    ]
    by = {f.get("typeName"): f for f in _fields(version) if isinstance(f, dict)}
    for subject in (by.get("subject") or {}).get("value") or []:
        if subject not in SUBJECTS:
            problems.append(f" Controlled vocabulary for key:subject typeName:subject "
                            f"value:'{subject}' is not valid.")  # fmt: skip
    if not _fields(version):
        problems.append(" #/datasetVersion: required key [metadataBlocks] not found")
    return f"{FAILED}{''.join(problems)}" if problems else VALID
