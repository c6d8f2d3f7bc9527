"""`dahpkg export supplement`: the journal's supplementary zip, deterministic to the byte."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dahpkg.errors import InputError
from dahpkg.export.archive import zip_entries
from dahpkg.export.release import prepare
from dahpkg.export.write import write_new
from dahpkg.package import PackageLike
from dahpkg.progress import silent

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared
    from dahpkg.privacy import Generalisation


@dataclass(frozen=True)
class Bundle:
    """The supplementary zip: where it was written and the size of every file in it."""

    path: Path
    files: dict[str, int]
    sha256: str
    # Files the bundle leaves out, each with why (a DataCite XML record waits for the DOI).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Supplement:
    """The supplementary bundle in memory: its zip, named NAME-VERSION-supplement.zip, and
    every file it holds by its path inside the bundle."""

    name: str
    archive: bytes
    files: dict[str, bytes]
    notes: tuple[str, ...] = ()


def export_supplement(path: PackageLike = None, output: str | Path | None = None, *,
                      force: bool = False, risk_accepted: str | None = None,
                      generalise: str | Generalisation | None = None,
                      not_identifiers: Iterable[str] = (),
                      progress: Callable[[str], None] = silent) -> Bundle:  # fmt: skip
    """Validate the package of ``path``, check its disclosure risk (see
    `dahpkg.export.release.prepare`) and write the journal's supplementary zip.

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
                  hashlib.sha256(supplement.archive).hexdigest(), supplement.notes)  # fmt: skip


def build_supplement(prepared: Prepared,
                     progress: Callable[[str], None] = silent) -> Supplement:  # fmt: skip
    """The supplementary bundle of a prepared package (see `export_supplement`)."""
    from dahpkg.export.bundle import contents

    if prepared.package.descriptor_path is None:
        raise InputError(
            "the supplementary bundle needs a data package (datapackage.json) for its "
            "metadata; export single files from a loose CSV or XLSX instead"
        )
    files = contents(prepared, progress)
    name = str(prepared.descriptor.get("name") or "episodes")
    version = str(prepared.descriptor.get("version") or "0")
    top = f"{name}-{version}"
    archive = zip_entries(((f"{top}/{n}", data) for n, data in files.items()), prepared.created)
    from dahpkg.export.metadata import withheld

    notes = tuple(f"{n} not written: {why}" for n, why in withheld(prepared).items())
    return Supplement(f"{top}-supplement.zip", archive, files, notes)
