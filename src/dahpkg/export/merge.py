"""`dahpkg merge`: one registry package pooled from several centres' packages (made by `dahpkg
init`, or the letter's), without losing who contributed what.

Every source is opened once and validated with its own confirmed exceptions; one that fails
stops the merge, named with its error count. The sources must share the data dictionary (see
`dahpkg.export.merge_schema`) and a licence, and may not be given twice (the same episodes) or
name the same centre. The registry adds a ``centre`` column, filled from each source's
descriptor name (the default: short, unique in practice and safe as a category in every
statistics package; its title becomes the category's label) or title, numbers the patients
1..N across the centres (source by source, each centre's patients in the order of their ids)
and keeps each patient's own number in ``centre_patient_id``. Each centre's confirmed
exceptions come along, their patients renumbered, so that the registry validates with the
same exceptions confirmed. Only the episodes and the confirmations are pooled: the letter's
Table I and its inferred cells stay in the letter's package. Every file is written, or none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.errors import DahpkgError, DataError, InputError
from dahpkg.export.init import (
    CONFIRMATIONS_FILE,
    DATA_FILE,
    confirmations_resource,
    confirmations_schema,
    empty_folder,
    facts_file,
    json_bytes,
    package_name,
    plain,
)
from dahpkg.export.merge_descriptor import Source, contributors, descriptor, licences, sha256
from dahpkg.export.merge_schema import (
    CENTRE,
    CENTRE_PATIENT_ID,
    PATIENT_ID,
    check_same,
    registry_schema,
)
from dahpkg.limits import limit
from dahpkg.package import DESCRIPTOR, EPISODES, Package, PackageLike, TableSchema, open_package
from dahpkg.package.descriptor import check_names
from dahpkg.package.publication import FACTS_FILE, Facts

if TYPE_CHECKING:
    import pandas as pd

CENTRE_FROM = ("name", "title")
# The resources a registry pools (the episodes, and confirm.RESOURCE); the rest stay behind.
POOLED = (EPISODES, "confirmations")
SOURCE = "_source"  # a working column: the source each row comes from, by its place
DEFAULT_TITLE = (
    "Immune-mediated diffuse alveolar haemorrhage (DAH) episodes pooled from {centres} centres"
)


@dataclass(frozen=True)
class Merged:
    """A registry made by `merge_packages`: where, its name, its cases, each centre's
    (centre, episodes, patients), the confirmations carried over, the files written, and the
    resources left in their own packages (by package name)."""

    root: Path
    name: str
    episodes: int
    patients: int
    centres: tuple[tuple[str, int, int], ...]
    confirmations: int
    files: tuple[str, ...]
    left_out: tuple[tuple[str, tuple[str, ...]], ...]


def merge_packages(
    sources: Sequence[PackageLike],
    directory: str | Path,
    *,
    centre_from: str = "name",
    title: str | None = None,
    name: str | None = None,
    force: bool = False,
) -> Merged:
    """Pool the centres' packages ``sources`` into one registry package in ``directory``
    (absent or empty, unless ``force``: then its files are replaced).

    ``centre_from`` says where each centre's value comes from: the package's ``name`` or its
    ``title``. ``title`` and ``name`` are the registry's (by default made from the number of
    centres). `DataError` when a source does not validate (nothing is written); `InputError`
    for a source that cannot be pooled (another data dictionary or licence, given twice, the
    same centre as another, a loose file or a registry already) or a wrong argument.
    """
    if len(sources) < 2:
        raise InputError("a registry pools at least two centres' packages: give them all")
    if centre_from not in CENTRE_FROM:
        raise InputError(f"--centre-from is one of {', '.join(CENTRE_FROM)}, not {centre_from!r}")
    title = plain(title or DEFAULT_TITLE.format(centres=len(sources)), "the title")
    if not title:
        raise InputError('the registry needs a title: give --title "DAH registry of ..."')
    name = package_name(name, title)
    root = empty_folder(Path(directory), force=force)
    chosen, left_out = _poolable(sources, root, centre_from)
    licenses, licence = licences(chosen)
    people, orcid = contributors(chosen)
    shipped = open_package()  # the profile and the resources' layout a package follows
    frame, files, resources, confirmed = _tables(chosen, shipped)
    made = descriptor(
        chosen,
        shipped=shipped,
        title=title,
        name=name,
        people=people,
        licenses=licenses,
        resources=resources,
        left_out=left_out,
        confirmed=confirmed,
    )
    check_names(made, root / DESCRIPTOR)
    files[DESCRIPTOR] = json_bytes(made)
    families = [str(p.get("familyName") or p.get("title") or "") for p in people]
    files[FACTS_FILE] = facts_file([f for f in families if f], None, orcid, licence).encode()
    Facts.parse(files[FACTS_FILE], root / FACTS_FILE)  # what merge writes, dahpkg reads back

    from dahpkg.export.write import write_new_files

    write_new_files({root / n: data for n, data in files.items()}, force=force)
    by_centre = frame.groupby(CENTRE, observed=False)[PATIENT_ID]
    sizes, patients = by_centre.size().to_dict(), by_centre.nunique().to_dict()
    return Merged(
        root=root,
        name=made["name"],
        episodes=len(frame),
        patients=int(frame[PATIENT_ID].nunique()),
        centres=tuple((s.centre, sizes[s.centre], patients[s.centre]) for s in chosen),
        confirmations=confirmed,
        files=tuple(sorted(files)),
        left_out=tuple((k, tuple(v)) for k, v in left_out.items()),
    )


def _poolable(
    sources: Sequence[PackageLike], root: Path, centre_from: str
) -> tuple[list[Source], dict[str, list[str]]]:
    """Each source opened once and checked (see `merge_packages`), as the registry pools it;
    and the resources of each that stay behind, by package name."""
    packages = [_opened(s) for s in sources]
    _not_a_source(root, packages)
    _replaceable(root)
    _validated(packages)
    check_same(packages)
    chosen = [_source(p, centre_from) for p in packages]
    _each_once(chosen, centre_from)
    left_out = {}
    for package in packages:
        names = [n for n in package.resource_names() if n not in POOLED]
        if names:
            left_out[package.descriptor.get("name") or package.name] = names
    return chosen, left_out


Tables = tuple["pd.DataFrame", dict[str, bytes], list[dict[str, Any]], int]


def _tables(sources: list[Source], shipped: Package) -> Tables:
    """The registry's episodes; its tables and their Table Schemas as files, and the
    resources that declare them; how many confirmations it carries."""
    dictionary = sources[0].package.resource_schema(EPISODES)
    if dictionary is None:  # never: opening the package read its data dictionary
        raise InputError(f"{sources[0].package.name} declares no data dictionary")
    schema_json = registry_schema(dictionary, [(s.centre, s.label) for s in sources])
    schema = TableSchema.from_descriptor(schema_json, "the registry's data dictionary")
    frame, ids = _pooled(sources, schema)
    episodes = dict(shipped.resource(EPISODES) or {})
    schema_file = str(episodes["schema"])
    files = {DATA_FILE: _csv(frame, schema), schema_file: json_bytes(schema_json)}
    confirmations_schema(shipped, files)
    confirmed = _confirmations(sources, ids, files)
    episodes.update(
        path=DATA_FILE,
        schema=schema_file,
        description=(
            "One row per episode of diffuse alveolar haemorrhage, from every centre of the "
            "registry (the centre column). Booleans are written true/false; an empty cell means "
            "not recorded."
        ),
    )
    resources = [episodes, *([confirmations_resource()] if confirmed else [])]
    return frame, files, resources, confirmed


def _opened(path: PackageLike) -> Package:
    package = open_package(path)
    if package.descriptor_path is None:
        raise InputError(
            f"{package.name} is a file of episodes, not a centre's data package: make it one "
            f"with `dahpkg init FOLDER --from {package.table_path}` (its title, authors and "
            "licence), then merge the package"
        )
    return package


def _replaceable(root: Path) -> None:
    """``root``, refused when it holds a data package that is not a registry: --force replaces
    a registry made before, never a centre's own package (its episodes would be lost)."""
    if not (root / DESCRIPTOR).is_file():
        return
    try:
        names = open_package(root).schema.names
    except DahpkgError:
        names = ()
    if CENTRE not in names:
        raise InputError(
            f"{root} holds a data package that is not a registry made by `dahpkg merge`: "
            "--force replaces a registry, never another package; name a new folder for the "
            "registry"
        )


def _not_a_source(root: Path, packages: list[Package]) -> None:
    """The registry is never written over one of the packages it pools."""
    for package in packages:
        assert package.root is not None
        if root.resolve() == package.root.resolve():
            raise InputError(
                f"{root} is the folder of {package.name}, one of the packages to pool: "
                "name a new folder for the registry"
            )


def _validated(packages: list[Package]) -> None:
    """Every source validates with its own confirmed exceptions, or `DataError` naming each
    that does not."""
    from dahpkg.validation import validate

    failing = []
    for package in packages:
        report = validate(package)
        if not report.valid:
            skipped = f", {report.not_checked} rule(s) not checked" if report.not_checked else ""
            failing.append(
                f"{package.name} ({report.count('error')} error(s){skipped}; see "
                f"them with `dahpkg validate {package.root}`)"
            )
    if failing:
        raise DataError(
            f"{len(failing)} of the packages to pool do not validate: {'; '.join(failing)}. "
            "Nothing was written: correct (or confirm) each finding in its centre's package, "
            "and merge again"
        )


def _source(package: Package, centre_from: str) -> Source:
    """A package as the registry pools it: its centre, its facts and the digests of its
    pooled files."""
    from dahpkg.validation import confirm

    title = plain(str(package.descriptor.get("title") or ""), f"the title of {package.name}")
    name = str(package.descriptor.get("name") or "")
    centre = name if centre_from == "name" else title
    if not centre:
        other = next(c for c in CENTRE_FROM if c != centre_from)
        raise InputError(
            f"{package.name} has no {centre_from} to name its centre: give it one in its "
            f"{DESCRIPTOR}, or take the centre from the {other} (--centre-from {other})"
        )
    episodes = (package.resource(EPISODES) or {}).get("path")
    files = [(str(episodes), sha256(package.table_path))]
    path = package.resource_path(confirm.RESOURCE)
    if path is not None:
        relative = str((package.resource(confirm.RESOURCE) or {}).get("path"))
        data = package.read_bytes(path, what="the confirmations")  # the bytes validated
        files.append((relative, hashlib.sha256(data).hexdigest()))
    return Source(package, centre, title or centre, Facts.of(package), tuple(files))


def _each_once(sources: list[Source], centre_from: str) -> None:
    """No package given twice (the same episodes), no two packages naming one centre."""
    seen: dict[str, Source] = {}
    centres: dict[str, Source] = {}
    for source in sources:
        twin = seen.setdefault(source.data_hash, source)
        if twin is not source:
            raise InputError(
                f"{twin.package.name} and {source.package.name} hold the same episodes (the "
                "same SHA-256 of their episode table): give each centre's package once"
            )
        same = centres.setdefault(source.centre, source)
        if same is not source:
            raise InputError(
                f"{same.package.name} and {source.package.name} both give the centre "
                f"{source.centre!r} (their {centre_from}): give each package its own "
                f"{centre_from} in its {DESCRIPTOR}, or choose --centre-from "
                f"{next(c for c in CENTRE_FROM if c != centre_from)}"
            )


def _pooled(sources: list[Source], schema: TableSchema) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every centre's episodes in one table in the registry's column order, in source order,
    and the patient map (source, centre_patient_id -> patient_id)."""
    import pandas as pd

    parts = []
    for place, source in enumerate(sources):
        frame = source.package.episodes()
        part = frame.assign(**{CENTRE_PATIENT_ID: frame[PATIENT_ID]})
        part[CENTRE], part[SOURCE] = source.centre, place
        parts.append(part)
    joined = pd.concat(parts, ignore_index=True)
    cells = limit("max_cells")
    if len(joined) * len(schema.names) > cells.value():
        raise cells.exceeded("the registry", f"{len(joined):,} episodes")
    # Source by source, each centre's patients in the order of their own numbers.
    numbers = joined.groupby([SOURCE, CENTRE_PATIENT_ID], sort=True).ngroup() + 1
    joined[PATIENT_ID] = numbers.astype("Int64")
    joined[CENTRE] = joined[CENTRE].astype(pd.CategoricalDtype([s.centre for s in sources]))
    ids = joined[[SOURCE, CENTRE_PATIENT_ID, PATIENT_ID]].drop_duplicates()
    return joined[list(schema.names)], ids


def _csv(frame: pd.DataFrame, schema: TableSchema) -> bytes:
    from dahpkg.export.formats.text import to_csv

    return to_csv(frame, schema)


def _confirmations(sources: list[Source], ids: pd.DataFrame, files: dict[str, bytes]) -> int:
    """Each centre's confirmed exceptions, their patients renumbered as in the registry, into
    ``files``; how many there are."""
    import pandas as pd

    from dahpkg.validation import confirm

    contract = confirm.confirmations_schema()
    parts: list[pd.DataFrame] = []
    for place, source in enumerate(sources):
        found = confirm.read(source.package, None)
        if found is None:
            continue
        table, _, where = found
        extra = [str(c) for c in table.frame.columns if c not in contract.names]
        if extra:
            raise InputError(
                f"the confirmations of {source.package.name} ({where}) have column(s) "
                f"{', '.join(extra)} beyond dahpkg's ({', '.join(contract.names)}), which "
                "the registry would lose: move what they say into the reason, and merge again"
            )
        part = table.frame[list(contract.names)].rename(columns={PATIENT_ID: CENTRE_PATIENT_ID})
        parts.append(part.assign(**{SOURCE: place}))
    if not parts:
        return 0
    keys = [SOURCE, CENTRE_PATIENT_ID]
    joined = pd.concat(parts, ignore_index=True)
    joined[CENTRE_PATIENT_ID] = joined[CENTRE_PATIENT_ID].astype("Int64")
    joined = joined.merge(ids, on=keys, how="left", validate="many_to_one")
    if joined[PATIENT_ID].isna().any():  # validation matched each one to an episode: never
        raise DataError("a confirmed exception names a patient that is not in its package")
    pooled = joined[list(contract.names)]
    files[CONFIRMATIONS_FILE] = _csv(pooled, contract)
    return len(pooled)
