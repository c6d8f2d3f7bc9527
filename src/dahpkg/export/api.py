"""Export one file, or the whole supplementary bundle, from a package that validates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg import _atomic
from dahpkg.errors import DataError, InputError
from dahpkg.package import DESCRIPTOR, locate
from dahpkg.progress import silent
from dahpkg.schema import read_json

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.package import Source
    from dahpkg.privacy import Generalisation, PrivacyReport
    from dahpkg.report import Report

FORMATS = ("csv", "xlsx", "sav", "dta", "parquet", "codebook")
# Resources of a dahpkg package that travel with the episodes: their schemas are dahpkg's own.
BUNDLED_RESOURCES = ("episodes", "inferences", "table1")
# Resources that reproduce the source as printed: a generalised release cannot carry them.
VERBATIM_RESOURCES = ("table1",)
# Zip entries need a date; a loose file has no creation date of its own.
LOOSE_FILE_DATE = datetime(1980, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Prepared:
    """A validated package that passed the disclosure-risk gate: its typed episodes (as
    released, generalised if asked), its metadata and its privacy report."""

    source: Source
    report: Report
    episodes: pd.DataFrame
    descriptor: dict[str, Any]
    created: datetime
    privacy: PrivacyReport | None = None
    risk_accepted: str | None = None

    @property
    def generalisation(self) -> Generalisation | None:
        return self.privacy.generalisation if self.privacy else None

    @property
    def title(self) -> str:
        return str(self.descriptor.get("title") or self.source.table.stem)


def prepare(
    path: str | Path | None,
    *,
    risk_accepted: str | None = None,
    generalise: str | Generalisation | None = None,
    not_identifiers: Iterable[str] = (),
    gate: bool = True,
) -> Prepared:
    """Check the disclosure risk, validate and load.

    `DataError` if a direct identifier is found (checked first, so that no message quotes
    it), if the data are invalid (with the validation summary), or if the risk of
    re-identification is above the threshold and ``risk_accepted`` does not say why it may be
    released anyway. ``generalise`` (``"ages=10y"``) releases the ages in bands;
    ``not_identifiers`` are texts the authors reviewed as not identifying. ``gate=False``
    skips the refusal (not the check) for work that sends nothing anywhere, such as the FAIR
    self-assessment.
    """
    from dahpkg import privacy
    from dahpkg.package import load
    from dahpkg.validation import validate

    source = locate(path)
    risk = privacy.check(path, generalise=generalise, not_identifiers=not_identifiers)
    if gate and risk.identifiers:
        privacy.gate(risk, risk_accepted)
    report = validate(path)
    if not report.valid:
        failing = [f"  {r.rule.id}: {r.failed} failure(s)" for r in report.results if r.failed]
        skipped = [f"  {r.rule.id}: not checked ({r.skipped})" for r in report.results
                   if r.skipped]  # fmt: skip
        raise DataError(
            "only a package that validates can be exported.\n"
            + report.headline()
            + "\n"
            + "\n".join(failing + skipped)
            + f"\nRun `dahpkg validate {path or ''}`".rstrip()
            + " for every finding."
        )
    if gate:
        privacy.gate(risk, risk_accepted)
    descriptor = (
        read_json(source.descriptor, what="data package descriptor") if source.descriptor else {}
    )
    episodes = load(path)
    if risk.generalisation is not None:
        episodes = privacy.generalise_frame(episodes, source.schema, risk.generalisation)
        source = replace(
            source, schema=privacy.generalise_schema(source.schema, risk.generalisation)
        )
        descriptor = _generalised(descriptor, risk.generalisation)
    accepted = (risk_accepted or "").strip() or None
    return Prepared(source, report, episodes, descriptor, _created(descriptor), risk, accepted)


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
    text = descriptor.get("created")
    if not isinstance(text, str):
        return LOOSE_FILE_DATE
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return LOOSE_FILE_DATE
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return max(stamp.astimezone(UTC), LOOSE_FILE_DATE)


def render_file(kind: str, prepared: Prepared, *, suffix: str = ".md") -> bytes:
    """The bytes of one export: ``csv``, ``xlsx``, ``sav``, ``dta``, ``parquet`` or
    ``codebook`` (Markdown, or HTML when ``suffix`` is ``.html``)."""
    from dahpkg.export import codebook, formats

    schema, frame = prepared.source.schema, prepared.episodes
    naive = prepared.created.replace(tzinfo=None)
    if kind == "csv":
        return formats.to_csv(frame, schema)
    if kind == "xlsx":
        return formats.to_xlsx(frame, schema, codebook.variable_rows(schema),
                               codebook.rule_rows(), naive)  # fmt: skip
    if kind == "sav":
        return formats.to_sav(frame, schema, prepared.title, naive)
    if kind == "dta":
        return formats.to_dta(frame, schema, prepared.title, naive)
    if kind == "parquet":
        return formats.to_parquet(frame)
    if kind == "codebook":
        if suffix.lower() in (".html", ".htm"):
            return codebook.html_page(schema, prepared.title).encode("utf-8")
        return codebook.markdown(schema, prepared.title).encode("utf-8")
    raise ValueError(f"unknown export {kind!r}; choose one of {', '.join(FORMATS)}")


def write_new(output: Path, data: bytes, *, force: bool) -> None:
    """Write ``data`` atomically; refuse to replace an existing file unless ``force``."""
    try:
        _atomic.write_bytes(output, data, replace=force)
    except FileExistsError:
        raise InputError(f"{output} exists; add --force to replace it") from None
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None


def export_file(kind: str, path: str | Path | None, output: str | Path, *, force: bool = False,
                risk_accepted: str | None = None, generalise: str | Generalisation | None = None,
                not_identifiers: Iterable[str] = ()) -> Path:  # fmt: skip
    """Validate the package at ``path``, check its disclosure risk (see `prepare`) and write
    one export to ``output``."""
    output = Path(output)
    prepared = prepare(path, risk_accepted=risk_accepted, generalise=generalise,
                       not_identifiers=not_identifiers)  # fmt: skip
    write_new(output, render_file(kind, prepared, suffix=output.suffix), force=force)
    return output


@dataclass(frozen=True)
class Bundle:
    """The supplementary zip: where it was written and the size of every file in it."""

    path: Path
    files: dict[str, int]
    sha256: str


def export_supplement(path: str | Path | None = None, output: str | Path | None = None, *,
                      force: bool = False, risk_accepted: str | None = None,
                      generalise: str | Generalisation | None = None,
                      not_identifiers: Iterable[str] = (),
                      progress: Callable[[str], None] = silent) -> Bundle:  # fmt: skip
    """Validate the package at ``path``, check its disclosure risk (see `prepare`) and write
    the journal's supplementary zip.

    The zip is deterministic: the same package gives the same bytes (fixed dates, sorted
    entries, stable metadata). Returns where it was written and what it holds.
    """
    progress("validating the package and checking its disclosure risk")
    prepared = prepare(path, risk_accepted=risk_accepted, generalise=generalise,
                       not_identifiers=not_identifiers)  # fmt: skip
    supplement = build_supplement(prepared, progress)
    target = Path(output) if output else Path(supplement.name)
    write_new(target, supplement.archive, force=force)
    return Bundle(target, {n: len(d) for n, d in sorted(supplement.files.items())},
                  hashlib.sha256(supplement.archive).hexdigest())  # fmt: skip


@dataclass(frozen=True)
class Supplement:
    """The supplementary bundle in memory: its zip, named NAME-VERSION-supplement.zip, and
    every file it holds by its path inside the bundle."""

    name: str
    archive: bytes
    files: dict[str, bytes]


def build_supplement(prepared: Prepared,
                     progress: Callable[[str], None] = silent) -> Supplement:  # fmt: skip
    """The supplementary bundle of a prepared package (see `export_supplement`)."""
    from dahpkg.export.bundle import contents
    from dahpkg.export.formats import zip_entries

    if prepared.source.descriptor is None:
        raise InputError(
            "the supplementary bundle needs a data package (datapackage.json) for its "
            "metadata; export single files from a loose CSV or XLSX instead"
        )
    files = contents(prepared, progress)
    name = str(prepared.descriptor.get("name") or "episodes")
    version = str(prepared.descriptor.get("version") or "0")
    top = f"{name}-{version}"
    archive = zip_entries(((f"{top}/{n}", data) for n, data in files.items()), prepared.created)
    return Supplement(f"{top}-supplement.zip", archive, files)


def bundle_descriptor(prepared: Prepared) -> dict[str, Any]:
    """The descriptor as it goes into the bundle: only the resources that travel with it."""
    # (a generalised release's descriptor has already lost its verbatim tables: see prepare)
    descriptor: dict[str, Any] = json.loads(json.dumps(prepared.descriptor))
    descriptor["resources"] = [
        r for r in descriptor.get("resources", []) if r.get("name") in BUNDLED_RESOURCES
    ]
    return descriptor


def package_dir(prepared: Prepared) -> Path:
    assert prepared.source.descriptor is not None
    return prepared.source.descriptor.parent


__all__ = ["DESCRIPTOR"]
