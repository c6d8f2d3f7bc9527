"""The release gate: only a package that validates and passes the disclosure-risk check leaves
the machine, and what leaves is prepared here once for every export and deposit."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dahpkg.errors import DataError, InputError
from dahpkg.export.names import check_companions, check_names
from dahpkg.letter.scope import LETTER_RESOURCE, is_letter_package
from dahpkg.package import Package, PackageLike, open_package
from dahpkg.package.publication import Facts

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package import TableSchema
    from dahpkg.privacy import Generalisation, PrivacyReport
    from dahpkg.validation import Report

# Resources that reproduce the source as printed: a generalised release cannot carry them.
VERBATIM_RESOURCES = ("table1",)
# Zip entries need a date; a loose file has no creation date of its own.
LOOSE_FILE_DATE = datetime(1980, 1, 1, tzinfo=UTC)
LAST_ZIP_DATE = datetime(2108, 1, 1, tzinfo=UTC)


@dataclass
class Prepared:
    """A validated package that passed the disclosure-risk gate: its typed episodes (as
    released, generalised if asked), the schema and descriptor as released, its metadata and
    its privacy report."""

    package: Package
    schema: TableSchema
    report: Report
    episodes: pd.DataFrame
    descriptor: dict[str, Any]
    created: datetime
    privacy: PrivacyReport | None = None
    risk_accepted: str | None = None
    # The DOI a deposit's draft reserved for this release, and which draft (see `citing`).
    deposit_doi: str = ""
    doi_from: str = ""
    # The repository the release is deposited in, as the publisher of its record
    # (`deposited_in`); "" for a bundle deposited by hand.
    publisher: str = ""

    @property
    def generalisation(self) -> Generalisation | None:
        return self.privacy.generalisation if self.privacy else None

    @property
    def title(self) -> str:
        return str(self.descriptor.get("title") or self.package.table_path.stem)

    @functools.cached_property
    def facts(self) -> Facts:
        """What only the authors can say (publication.toml), read when first needed: a single
        file export does not need it, so a mistake in it does not stop one.

        The one place every file of the bundle reads the data set's DOI from: publication.toml's,
        or the one a deposit reserved (`citing`).
        """
        return Facts.of(self.package).with_dataset_doi(self.deposit_doi, self.doi_from)

    def citing(self, doi: str, where: str) -> Prepared:
        """This release, every file of its bundle citing ``doi``, the DOI ``where`` (a
        deposit's draft) reserved for it, so that what is published cites itself.

        `InputError`, now rather than when a file is written, when publication.toml gives
        another DOI or ``doi`` is not one.
        """
        cited = replace(self, deposit_doi=doi, doi_from=where)
        _ = cited.facts
        return cited

    def deposited_in(self, publisher: str) -> Prepared:
        """This release as deposited in the repository ``publisher``: its metadata name that
        repository as the publisher of its record (DataCite's ``publisher``), as its DOI
        registration does."""
        return replace(self, publisher=publisher)


def prepare(
    path: PackageLike,
    *,
    risk_accepted: str | None = None,
    generalise: str | Generalisation | None = None,
    not_identifiers: Iterable[str] = (),
    gate: bool = True,
) -> Prepared:
    """Check the disclosure risk, validate and load: the package is parsed once for all three.

    `DataError` if a direct identifier is found (checked first, so that no message quotes
    it), if the data are invalid (with the validation summary), or if the risk of
    re-identification is above the threshold and ``risk_accepted`` does not say why it may be
    released anyway. ``generalise`` (``"ages=10y"``) releases the ages in bands;
    ``not_identifiers`` are texts the authors reviewed as not identifying. ``gate=False``
    skips the refusal (not the check) for work that sends nothing anywhere, such as the FAIR
    self-assessment.
    """
    from dahpkg import privacy
    from dahpkg.validation import validate

    package = open_package(path)
    risk = privacy.check(package, generalise=generalise, not_identifiers=not_identifiers)
    if gate and risk.identifiers:
        privacy.gate(risk, risk_accepted)
    report = validate(package)
    if not report.valid:
        failing = [f"  {r.rule.id}: {r.failed} failure(s)" for r in report.results if r.failed]
        skipped = [f"  {r.rule.id}: not checked ({r.skipped})" for r in report.results
                   if r.skipped]  # fmt: skip
        where = package.name if isinstance(path, Package) else path or ""
        raise DataError(
            "only a package that validates can be exported.\n"
            + report.headline()
            + "\n"
            + "\n".join(failing + skipped)
            + f"\nRun `dahpkg validate {where}`".rstrip()
            + " for every finding."
            + _confirmable_hint(report)
        )
    if gate:
        privacy.gate(risk, risk_accepted)
    check_names(package.schema, package.name)
    check_companions(package)
    descriptor = json.loads(json.dumps(package.descriptor))
    episodes = package.episodes()
    check_letter_cases(package, episodes)
    schema = package.schema
    if risk.generalisation is not None:
        episodes = privacy.generalise_frame(episodes, schema, risk.generalisation)
        schema = privacy.generalise_schema(schema, risk.generalisation)
        descriptor = _generalised(descriptor, risk.generalisation)
    accepted = (risk_accepted or "").strip() or None
    return Prepared(package, schema, report, episodes, descriptor, _created(descriptor), risk,
                    accepted)  # fmt: skip


def _confirmable_hint(report: Report) -> str:
    """What to do about a failing confirmable rule whose case the authors reviewed."""
    rules = [r.rule.id for r in report.results if r.failed and r.rule.confirmable]
    if not rules:
        return ""
    return (
        f"\nA reviewed case of {', '.join(rules)} that is correct as recorded can be confirmed, "
        "with its reason, in the package's confirmations table (data/confirmations.csv, Table "
        "Schema schema/confirmations.schema.json): it then no longer blocks the export."
    )


def check_letter_cases(package: Package, episodes: pd.DataFrame) -> None:
    """The letter's package (see `dahpkg.letter.scope`) releases Table I as printed and the
    cells its build filled, both about the letter's patients: its episodes must be theirs.

    The shipped package copied and its episodes replaced by another centre's would otherwise
    release a Table I and inferred cells about patients who are not in the data, under the
    letter's title. Refused (`DataError`), pointing to `dahpkg init`.
    """
    if not is_letter_package(package):
        return
    import pandas as pd

    from dahpkg.letter.layout import ID

    table, _ = package.resource_table(LETTER_RESOURCE)
    printed = pd.to_numeric(table.frame[ID], errors="coerce").dropna().astype(int)
    data = set(episodes["patient_id"].dropna().astype(int))
    inferred: set[int] = set()
    if "inferences" in package.companion_tables():
        cells, _ = package.resource_table("inferences")
        inferred = set(cells.frame["patient_id"].dropna().astype(int))
    # Patients, not rows: a copy of the letter's package edited for a test of one rule (a
    # relapse dropped) is still the letter's patients.
    strangers = sorted(data ^ set(printed) | inferred - data)
    if not strangers:
        return
    shown = ", ".join(str(p) for p in strangers[:5]) + (", ..." if len(strangers) > 5 else "")
    raise DataError(
        f"{package.name} carries Table I of the letter ({package.resource_path(LETTER_RESOURCE)})"
        f" but its episodes are not the letter's (patient(s) {shown} are in one and not the "
        "other). A centre's own cases go in a "
        "package of their own, without Table I: `dahpkg init DIR --from FILE --title ... "
        '--author "Family, Given"`'
    )


def _generalised(descriptor: dict[str, Any], rule: Generalisation) -> dict[str, Any]:
    """The descriptor of a generalised release: without the tables that print exact values,
    and saying so, so that every file of the bundle describes the same release."""
    result: dict[str, Any] = json.loads(json.dumps(descriptor))
    resources = result.get("resources", [])
    dropped = [r for r in resources if r.get("name") in VERBATIM_RESOURCES]
    result["resources"] = [r for r in resources if r not in dropped]
    note = f"This release generalises the data: {rule.describe()}."
    for resource in dropped:
        title = resource.get("title") or resource["name"]
        note += f" {title} ({resource.get('path')}) is left out of it: it prints exact values."
    result["description"] = f"{result.get('description', '')} {note}".strip()
    return result


def _created(descriptor: dict[str, Any]) -> datetime:
    """When the package was made: the date of every zip entry and of the metadata."""
    text = descriptor.get("created")
    if text is None:
        return LOOSE_FILE_DATE
    try:
        stamp = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"the package's created date {str(text)[:40]!r} is not a date and time "
            "(ISO 8601, e.g. 2026-11-25T00:00:00Z): correct it in datapackage.json"
        ) from None
    stamp = (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(UTC)
    # A zip records years 1980 to 2107 only.
    if not LOOSE_FILE_DATE <= stamp < LAST_ZIP_DATE:
        raise InputError(
            f"the package's created date {text!r} is outside the years 1980 to 2107 that a zip "
            "file can record: correct it in datapackage.json"
        )
    return stamp
