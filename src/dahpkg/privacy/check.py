"""`dahpkg privacy`: the three questions asked of a package, and the gate every release passes."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from dahpkg.errors import DataError, InputError
from dahpkg.package import Package, PackageLike, TableSchema, open_package
from dahpkg.privacy import anonymity
from dahpkg.privacy.anonymity import DEFAULT_MIN_K, Option, patient_table
from dahpkg.privacy.freetext import free_text
from dahpkg.privacy.generalise import Generalisation, generalise_frame
from dahpkg.privacy.identifiers import MAX_LOCATIONS, Scan, a_kind, identifying_text
from dahpkg.privacy.metadata import metadata_identifiers
from dahpkg.privacy.patterns import INITIALS
from dahpkg.privacy.report import INITIALS_ADVICE, PrivacyReport
from dahpkg.privacy.safe_harbor import safe_harbor

# Table Schemas with their files (None: written in the descriptor).
Schemas = list[tuple[Path | None, dict[str, Any]]]


def check(
    path: PackageLike = None,
    *,
    generalise: str | Generalisation | None = None,
    min_k: int = DEFAULT_MIN_K,
    not_identifiers: Iterable[str] = (),
) -> PrivacyReport:
    """Assess the disclosure risk of the package or episode file of ``path``.

    ``generalise`` (``"ages=10y"``) assesses the release with ages in bands as well; ``min_k``
    is the smallest group of patients sharing every quasi-identifier that is accepted
    without an acknowledgement. ``not_identifiers`` are cell texts, column names or whole
    titles and descriptions of the package that the authors reviewed as not identifying (an
    eponymous disease taken for a name): they are not reported, and the report lists them.

    >>> report = check()
    >>> report.identifiers, report.risk.k, report.risk.unique
    ((), 1, 10)
    """
    if min_k < 1:
        raise InputError("the threshold k must be at least 1")
    if isinstance(generalise, str):
        generalise = Generalisation.parse(generalise)
    package = open_package(path)
    schema = package.schema
    reviewed = tuple(dict.fromkeys(" ".join(t.split()) for t in not_identifiers if t.strip()))
    schemas = _schemas(package)
    scan = Scan.of(schema, [s for _, s in schemas], reviewed)
    # The package's titles and descriptions first: they are its front page.
    found = metadata_identifiers(_metadata(package, schemas), scan.reviewed)
    files, cells = [], 0
    # Every cell as text first: its errors never quote a cell, which may be an identifier.
    # The typed table below is converted from the same parse of the episode file.
    tables = package.cells()
    for table_cells in tables:
        files.append(table_cells.where)
        cells += sum(len(c) for c in table_cells.columns.values()) + len(table_cells.labels)
        found += scan.find(table_cells, schema)
    table = package.table()
    followed = _followed(package, table.sheet)
    # A column name that is itself an identifier is masked, as the identifiers' report does.
    named = {i.file for i in found if i.column == "(header row)" or i.in_name}
    texts = [
        replace(f, file=_relative(package, f.file))
        for t in tables
        if t.where in followed
        for f in free_text(t, followed[t.where], mask_names=t.where in named)
    ]
    patients, attributes, sensitive = patient_table(table.frame, schema)
    risk = anonymity.risk(patients, attributes, sensitive)
    released_frame = generalise_frame(table.frame, schema, generalise) if generalise else None
    if released_frame is not None:
        released = anonymity.risk(patient_table(released_frame, schema)[0], attributes, sensitive)
    else:
        released = risk
    drivers = tuple(
        Option(f"{label} alone", anonymity.risk(patients, {label: attributes[label]}, sensitive))
        for label in attributes
    )
    options = anonymity.options(table.frame, schema, patients, attributes, sensitive)
    notes = []
    quasi = [f for f in schema.fields if f.privacy == "quasi-identifier"]
    absent = [f.label for f in quasi if f.name not in table.frame]
    if absent:
        notes.append(
            f"the quasi-identifier(s) {', '.join(absent)} are not columns of the file read, so "
            "the risk above leaves them out; if they are on another sheet, name it with --sheet"
        )
    if "patient_id" not in table.frame:
        notes.append("no patient_id column: every row is counted as a patient of its own")
    else:
        unnumbered = int(table.frame["patient_id"].isna().sum())
        if unnumbered:
            notes.append(f"{unnumbered} episode(s) without a patient number are each counted "
                         "as a patient of their own: number them for an exact count")  # fmt: skip
    return PrivacyReport(
        source=package.name,
        files=tuple(files),
        cells=cells,
        episodes=len(table.frame),
        identifiers=tuple(found),
        risk=risk,
        released=released,
        generalisation=generalise,
        drivers=tuple(sorted(drivers, key=lambda o: (-o.risk.unique, o.risk.k))),
        options=options,
        safe_harbor=safe_harbor(table.frame, schema, found, generalise),
        min_k=min_k,
        sensitive=tuple(sensitive),
        notes=tuple(notes),
        reviewed=reviewed,
        vocabulary=scan.vocabulary,
        free_text=tuple(texts),
    )


def gate(report: PrivacyReport, risk_accepted: str | None) -> None:
    """Refuse (`DataError`) a release with a direct identifier, or with a risk above the
    threshold that the authors have not acknowledged."""
    if report.identifiers:
        lines = [i.describe() for i in report.identifiers[:MAX_LOCATIONS]]
        if any(i.kind == INITIALS for i in report.identifiers):
            lines.append(INITIALS_ADVICE[0].upper() + INITIALS_ADVICE[1:])
        in_metadata = [i.in_metadata for i in report.identifiers]
        places = {"the data": not all(in_metadata),
                  "the package's titles, descriptions and notes": any(in_metadata)}  # fmt: skip
        where = " and from ".join(place for place, found in places.items() if found)
        raise DataError(
            f"{report.headline()}.\n  "
            + "\n  ".join(lines)
            + f"\nRemove them from {where} (a study number replaces a name or record number; "
            "ages or years replace dates), then run `dahpkg privacy` again. A text that is not "
            "identifying (an eponymous disease read as a name) can be cleared with "
            '--not-identifier "TEXT", which the bundle records.'
        )
    if report.undeclared:
        lines = [f.describe() for f in report.undeclared[:MAX_LOCATIONS]]
        more = len(report.undeclared) - len(lines)
        raise DataError(
            f"{report.headline()}.\n  "
            + "\n  ".join(lines)
            + (f"\n  and {more} more column(s)" if more else "")
            + "\nThen run `dahpkg privacy` again."
        )
    kinds = identifying_text(risk_accepted or "", report.vocabulary)
    if kinds:
        raise InputError(
            f"the reason given with --risk-accepted looks like it holds {a_kind(kinds[0])}; it is "
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


def _followed(package: Package, sheet: str | None) -> dict[str, TableSchema]:
    """The Table Schema each table follows, by the name its cells carry: the episode file (of
    a workbook, the sheet read) and every companion table whose schema can be read. A
    companion's unreadable schema is left out here: the release refuses it anyway."""
    episodes = str(package.table_path) + (f", sheet '{sheet}'" if sheet is not None else "")
    result = {episodes: package.schema}
    for name in package.companion_tables():
        try:
            path, described = package.resource_path(name), package.resource_schema(name)
            if path is not None and described is not None:
                where = f"the schema of '{name}'"
                result[str(path)] = TableSchema.from_descriptor(described, where=where)
        except InputError:
            continue
    return result


def _relative(package: Package, where: str) -> str:
    """A file of the package named from its folder (a report travels in the bundle)."""
    root = f"{package.root}{os.sep}" if package.root is not None else None
    return where[len(root) :].replace(os.sep, "/") if root and where.startswith(root) else where


def _schemas(package: Package) -> Schemas:
    """Every Table Schema of the package (the episodes', Table I's, the inferences'), whose
    words, code labels included, are the dictionary's, with its file (None when it is written
    in the descriptor). One that cannot be read as a local file of the package is left out:
    it adds no words, and nothing else reads it here."""
    schemas = []
    for name in package.resource_names():
        try:
            path = package.resource_path(name, "schema")
        except InputError:
            continue  # not a file of the package (a URL, say): nothing is read
        if path is None or path.is_file():
            schemas.append((path, package.resource_schema(name)))
    return [(p, s) for p, s in schemas if s is not None]


def _metadata(package: Package, schemas: Schemas) -> list[tuple[str, Any]]:
    """The descriptor and every Table Schema file, each once, as (file, JSON); a schema
    written in the descriptor is part of it. A loose file has none of its own."""
    if package.descriptor_path is None:
        return []
    files = {str(p): s for p, s in schemas if p is not None}
    return [(str(package.descriptor_path), package.descriptor), *files.items()]
