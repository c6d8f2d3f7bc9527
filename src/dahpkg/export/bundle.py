"""What the supplementary bundle holds: data, package, codebook, statistical files, README,
citation, licence and checksums, all generated from the prepared release.

The formats and the metadata files come from their registries (`dahpkg.export.formats`,
`dahpkg.export.metadata`); the package's own files are copied from the bytes the privacy check
read, so that what was checked is what is shipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dahpkg.export.formats import FORMATS, get
from dahpkg.export.metadata import written
from dahpkg.export.readme import MANIFEST, disclosure_text, licence_text, readme
from dahpkg.progress import silent

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared

# Resources of a dahpkg package that travel with the episodes: their schemas are dahpkg's own.
# The confirmations say why a finding the release carries is correct as recorded.
BUNDLED_RESOURCES = ("episodes", "inferences", "table1", "confirmations")


def contents(prepared: Prepared,
             progress: Callable[[str], None] = silent) -> dict[str, bytes]:  # fmt: skip
    """Every file of the bundle, by its path inside the bundle."""
    descriptor = bundle_descriptor(prepared)
    package = prepared.package
    files: dict[str, bytes] = {}
    for resource in descriptor["resources"]:
        name = resource["name"]
        path = package.resource_path(name)
        assert path is not None
        if name == "episodes":
            files[resource["path"]] = get("csv").render(prepared)
        else:
            files[resource["path"]] = _released(prepared, package.read_bytes(path))
        schema_path = package.resource_path(name, "schema")
        if schema_path is not None:
            schema = package.read_bytes(schema_path, what="Table Schema")
            if prepared.generalisation is not None:
                from dahpkg.privacy import generalise_descriptor

                generalised = generalise_descriptor(json.loads(schema), prepared.generalisation)
                schema = (json.dumps(generalised, indent=2, ensure_ascii=False) + "\n").encode()
            files[resource["schema"]] = schema
    files["datapackage.json"] = (
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    ).encode()
    for fmt in FORMATS:
        for name, variant in fmt.bundle_files():
            progress(f"writing {name}")
            files[name] = fmt.render(prepared, variant.suffix)
    files["LICENSE"] = licence_text(prepared).encode()
    if prepared.privacy is not None:
        files["disclosure-risk.txt"] = disclosure_text(prepared).encode()
    # Only the metadata files written: one whose standard needs a DOI waits for it.
    metadata_names = [*written(prepared), "README.md", MANIFEST]
    files["README.md"] = readme(prepared, sorted([*files, *metadata_names])).encode()
    # The metadata describe every file of the bundle (the RO-Crate lists them with sizes).
    from dahpkg.export.metadata import build

    described = {n: len(d) for n, d in files.items()}
    files.update(build(prepared, described).files)
    files[MANIFEST] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode()
    return files


def bundle_descriptor(prepared: Prepared) -> dict[str, Any]:
    """The descriptor as it goes into the bundle: only the resources that travel with it."""
    # (a generalised release's descriptor has already lost its verbatim tables: see prepare)
    descriptor: dict[str, Any] = json.loads(json.dumps(prepared.descriptor))
    descriptor["resources"] = [
        r for r in descriptor.get("resources", []) if r.get("name") in BUNDLED_RESOURCES
    ]
    return descriptor


def _released(prepared: Prepared, data: bytes) -> bytes:
    """A companion table as released: in a generalised release, the values it records for
    an age column are generalised too (the table of inferred cells records some)."""
    rule = prepared.generalisation
    if rule is None:
        return data
    import io

    import pandas as pd

    table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    if not {"column", "value"} <= set(table.columns):
        return data
    from dahpkg.privacy import age_fields

    ages = [f.name for f in age_fields(prepared.schema)]
    rows = table["column"].isin(ages) & table["value"].str.fullmatch(r"\d+")
    values = pd.to_numeric(table.loc[rows, "value"]).astype("Int64")
    table.loc[rows, "value"] = rule.ages(values).astype(str)
    return table.to_csv(index=False, lineterminator="\n").encode()
