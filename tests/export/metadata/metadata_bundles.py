"""What the metadata tests share: the facts of a fully described copy of the package, and its
supplementary bundle as the validators see it."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.helpers import CONSENT, REPO

DOI = "10.5281/zenodo.1234567"
ROR = "https://ror.org/0abcdef12"
# ORCID iDs for the test copy only (valid check digits; the first is ORCID's documented example).
ORCIDS = {"Abreu": "0000-0002-1825-0097", "Fraga": "0000-0001-5109-3700",
          "Morais Castro": "0000-0002-1694-233X", "Sousa": "0000-0001-5000-0007",
          "Duarte": "0000-0003-1415-9269", "Santos": "0000-0002-9079-593X"}  # fmt: skip
FACTS = f"""
[dataset]
doi = "{DOI}"
licence = "CC-BY-4.0"
[article]
doi = "10.1234/example.letter"
journal = "Example Journal of Rheumatology"
[organisation]
# A well-formed ROR address made up for the test copy (no such organisation), and example sites.
ror = "{ROR}"
url = "https://hospital.example"
email = "research@hospital.example"
[orcid]
""" + "".join(f'"{name}" = "{orcid}"\n' for name, orcid in ORCIDS.items())


def copy_package(target: Path, facts: str | None = None) -> Path:
    target.mkdir(parents=True)
    shutil.copy2(REPO / "datapackage.json", target / "datapackage.json")
    shutil.copytree(REPO / "schema", target / "schema")
    shutil.copytree(REPO / "data", target / "data")
    if facts is not None:
        (target / "publication.toml").write_text(facts, encoding="utf-8")
    return target


def bundle_files(path: Path | None, doi: str = ""):  # -> Supplement
    """The bundle of the package at ``path``; ``doi`` set as a deposit sets the DOI it
    reserved: on the prepared release's facts, the one place every metadata writer reads."""
    import dataclasses

    from dahpkg.export import prepare
    from dahpkg.export.supplement import build_supplement

    prepared = prepare(path, risk_accepted=CONSENT)
    if doi:
        prepared.facts = dataclasses.replace(prepared.facts, dataset_doi=doi)
    return build_supplement(prepared)


def write_out(files: dict[str, bytes], folder: Path) -> Path:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder
