"""`dahpkg init`: a data package of a centre's own cases, made from its CSV or XLSX file.

The package gets its own descriptor (title, creators, centre, the licence proposed as the
shipped package proposes it, the date it was made), the shipped data dictionary (without its
notes on how the letter's Table I prints each variable), the episodes as the tidy CSV every
export writes, and a publication.toml for the facts only its authors can give. It carries
nothing of the letter's: no Table I, no inferred cells, no citation of the letter, unless
``cites`` names an article by its DOI (and then only the DOI).

Nothing is lost or silently changed on the way: a file with cells the package could not hold
as they stand (the structural findings of `dahpkg validate`: unknown or missing columns, cells
of the wrong type, values outside their categories...) is refused whole. Clinical findings do
not stop it: the centre may correct or confirm them in the package. Every file is written, or
none.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.errors import DataError, InputError
from dahpkg.package import DESCRIPTOR, Package, PackageLike, open_package
from dahpkg.package.descriptor import NAME, NAMED, check_names, inside, shown
from dahpkg.package.publication import DOI, FACTS_FILE, Facts

if TYPE_CHECKING:
    from dahpkg.validation import Report

VERSION = "0.1.0"  # a new package's first version
DATA_FILE = "data/episodes.csv"
CONFIRMATIONS_FILE = "data/confirmations.csv"
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "http://dx.doi.org/", "doi:")


MOST_CHARACTERS = 500  # a title, a name or a centre: text for a citation, not a document


def plain(text: str, what: str) -> str:
    r"""``text`` on one line, its runs of spaces made one; refused if it holds a control
    character (it would act in a terminal, or break a citation) or is longer than a citation
    needs.

    >>> plain("  DAH   episodes\n at X ", "the title")
    'DAH episodes at X'
    """
    text = " ".join(text.split())
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise InputError(f"{what} holds a control character: type it again as plain text")
    if len(text) > MOST_CHARACTERS:
        raise InputError(f"{what} is {len(text)} characters long; at most {MOST_CHARACTERS}")
    return text


@dataclass(frozen=True)
class Author:
    """A creator of the package, as ``--author "Family, Given"`` gives it."""

    family: str
    given: str

    @classmethod
    def parse(cls, text: str) -> Author:
        """``"Silva, Ana"`` -> Author("Silva", "Ana"); the comma is required.

        >>> Author.parse(" Morais Castro ,  A ")
        Author(family='Morais Castro', given='A')
        """
        family, comma, given = text.partition(",")
        family, given = plain(family, "an author's name"), plain(given, "an author's name")
        if not comma or not family or not given or "," in given:
            raise InputError(
                f'the author {text!r} is not written as "Family, Given": give each author '
                'as --author "Silva, Ana" (family name, a comma, given names or initials)'
            )
        return cls(family, given)


@dataclass(frozen=True)
class Initialised:
    """A package made by `init_package`: where, its name, its cases, the files written, and
    the clinical findings left for the centre to correct or confirm."""

    root: Path
    name: str
    episodes: int
    patients: int
    files: tuple[str, ...]
    clinical_findings: int


def init_package(
    directory: str | Path,
    source: PackageLike,
    *,
    title: str,
    authors: list[str] | tuple[str, ...],
    centre: str | None = None,
    cites: str | None = None,
    name: str | None = None,
    confirmations: str | Path | None = None,
) -> Initialised:
    """Make a data package of a centre's own cases in ``directory`` (absent or empty) from the
    episode table ``source`` (a CSV or XLSX file, as `dahpkg.open` reads it).

    ``authors`` are ``"Family, Given"``; ``centre`` is their organisation; ``cites`` the DOI
    of the article the data support, if any; ``name`` the package's name (by default derived
    from ``title``); ``confirmations`` a CSV of the centre's confirmed exceptions (see
    `dahpkg.validation.confirm`), carried into the package once each matches a finding.
    `DataError` when the file has structural findings (nothing is written);
    `InputError` for a wrong argument or a folder that is not empty.
    """
    title = plain(title, "the title")
    if not title:
        raise InputError('the package needs a title: add --title "DAH episodes at ..."')
    people = [Author.parse(a) for a in authors]
    if not people:
        raise InputError('the package needs its authors: add --author "Family, Given"')
    centre = plain(centre or "", "the centre") or None
    name = package_name(name, title)
    doi = _doi(cites) if cites else None
    root = empty_folder(Path(directory))
    shipped = open_package()
    package = open_package(source)
    report = _convertible(package, confirmations)
    files = {DATA_FILE: _episodes_csv(package)}
    descriptor = _descriptor(shipped, title, name, people, centre, doi)
    descriptor["resources"] = _resources(shipped, files)
    if report.confirmations:
        descriptor["resources"].append(_confirmations(package, confirmations, files))
    check_names(descriptor, root / DESCRIPTOR)
    files[DESCRIPTOR] = json_bytes(descriptor)
    files[FACTS_FILE] = facts_file([p.family for p in people], doi).encode()
    Facts.parse(files[FACTS_FILE], root / FACTS_FILE)  # what init writes, dahpkg reads back

    from dahpkg.export.write import write_new_files

    write_new_files({root / n: data for n, data in files.items()}, force=False)
    clinical = sum(r.failed for r in report.results if r.rule.kind == "clinical")
    return Initialised(root, descriptor["name"], report.episodes, report.patients,
                       tuple(sorted(files)), clinical)  # fmt: skip


def _doi(text: str) -> str:
    doi = text.strip()
    for prefix in DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
    if not DOI.match(doi):
        raise InputError(f"--cites {text!r} is not a DOI: give it as 10.NNNN/...")
    return doi


def empty_folder(root: Path, *, force: bool = False) -> Path:
    """``root``, refused if it is a file, or a folder that holds files (unless ``force``: then
    the files written replace theirs)."""
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} is a file: name a new folder for the package")
    if not force and root.is_dir() and any(root.iterdir()):
        raise InputError(
            f"{root} is not empty: name a new folder for the package (dahpkg never writes a "
            "package over a folder that holds files)"
        )
    return root


def package_name(name: str | None, title: str) -> str:
    """``name`` (the --name given) if it is a package name, else `InputError` saying so before
    any work; without one, the name made from ``title``."""
    if name is None:
        return name_from(title)
    if not NAME.fullmatch(name):
        rule = next(what for key, _, what in NAMED if key == "name")
        raise InputError(f"--name {shown(name)} cannot name the package: {rule}")
    return name


def name_from(title: str) -> str:
    """A package name from its title: lower case ASCII words joined by hyphens.

    >>> name_from("DAH episodes at Hospital São João, 2010/2024")
    'dah-episodes-at-hospital-sao-joao-2010-2024'
    """
    # Every mark that is not a letter or digit (a dash, an en dash, a slash) parts two words.
    bare = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    spaced = re.sub(r"[\W_]+", " ", bare)
    ascii_title = spaced.encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    name = ""
    for word in words:  # whole words, within the length the name rule allows
        if len(name) + len(word) + 1 > 100:
            break
        name = f"{name}-{word}" if name else word
    if not NAME.fullmatch(name):
        raise InputError(
            f"no package name can be made from the title {title!r}: add --name, in lower "
            "case letters, digits, '.', '-' and '_' (e.g. dah-episodes-my-centre)"
        )
    return name


def _convertible(package: Package, confirmations: str | Path | None) -> Report:
    """The file's validation report, if every cell can go into the package as it stands (and
    every confirmation given is one validation accepts: `confirmation-valid` is structural)."""
    from dahpkg.validation import validate

    report = validate(package, confirmations=confirmations)
    blocking = [r for r in report.results if r.rule.kind == "structural" and r.rule.severity
                == "error" and (r.failed or r.skipped)]  # fmt: skip
    if blocking:
        count = sum(r.failed for r in blocking)
        rules = ", ".join(f"{r.rule.id} ({r.failed})" for r in blocking)
        raise DataError(
            f"{package.name} has {count} finding(s) the package could not hold as they stand "
            f"({rules}); nothing was written. See each one with `dahpkg validate "
            f"{package.table_path}`, correct the file, and run init again"
        )
    return report


def _episodes_csv(package: Package) -> bytes:
    """The episodes as the export's CSV writer writes them, in the data dictionary's order."""
    from dahpkg.export.formats.text import to_csv

    frame = package.episodes()
    return to_csv(frame[list(package.schema.names)], package.schema)


def _resources(shipped: Package, files: dict[str, bytes]) -> list[dict[str, Any]]:
    """The episodes resource, described for this package, with the shipped data dictionary
    (its Table Schema, byte for byte); ``files`` gains the files it names, and dahpkg's Table
    Schema of confirmations, ready for the confirmations the centre may add."""
    item = shipped.resource("episodes") or {}
    schema_path = shipped.resource_path("episodes", "schema")
    if schema_path is None:
        raise InputError("the data dictionary of the shipped package is not a file")
    schema = json.loads(shipped.read_bytes(schema_path, what="Table Schema"))
    files[str(item["schema"])] = json_bytes(without_letter(schema))
    confirmations_schema(shipped, files)
    episodes = {k: v for k, v in item.items() if k != "description"}
    episodes.update(path=DATA_FILE, description=(
        "One row per episode of diffuse alveolar haemorrhage. Booleans are written "
        "true/false; an empty cell means not recorded."))  # fmt: skip
    return [episodes]


def without_letter(schema: dict[str, Any]) -> dict[str, Any]:
    """A Table Schema (as JSON) without its notes on how the letter's Table I gives each
    variable (the fields' "letter" property): a centre's data do not come from Table I. The
    rest is kept as it is, in the same order."""
    schema = json.loads(json.dumps(schema))
    for item in schema.get("fields", []):
        item.pop("letter", None)
    return schema


def json_bytes(value: Any) -> bytes:
    """A descriptor or Table Schema as the package stores it: indented UTF-8 JSON."""
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def _confirmations(package: Package, file: str | Path | None,
                   files: dict[str, bytes]) -> dict[str, Any]:  # fmt: skip
    """The confirmations given to init, as the package's own table (the tidy CSV of their
    Table Schema, already checked by validation), and the resource that declares it."""
    from dahpkg.export.formats.text import to_csv
    from dahpkg.validation import confirm

    found = confirm.read(package, file)
    assert found is not None  # validation listed confirmations, so the file holds some
    table, schema, _ = found
    files[CONFIRMATIONS_FILE] = to_csv(table.frame[list(schema.names)], schema)
    return confirmations_resource()


def confirmations_resource() -> dict[str, Any]:
    """The resource that declares a package's confirmed exceptions (data/confirmations.csv)."""
    from dahpkg.validation import confirm

    return {
        "name": confirm.RESOURCE, "type": "table", "title": "Confirmed exceptions",
        "description": "Findings of confirmable clinical rules that the centre reviewed and "
        "confirmed as correct, one row per patient, episode and rule, with the reason.",
        "path": CONFIRMATIONS_FILE, "format": "csv", "mediatype": "text/csv",
        "encoding": "utf-8", "schema": f"schema/{confirm.SCHEMA_FILE}",
    }  # fmt: skip


def confirmations_schema(shipped: Package, files: dict[str, bytes]) -> None:
    """dahpkg's Table Schema of confirmations, byte for byte. No confirmations resource is
    declared unless init is given confirmations: validation takes a table of its header
    only, but a release reads every companion table and refuses one without rows."""
    from dahpkg.validation import confirm

    assert shipped.root is not None
    relative = f"schema/{confirm.SCHEMA_FILE}"
    path = inside(shipped.root, relative, "dahpkg's Table Schema of confirmations")
    if path.is_file():
        files[relative] = shipped.read_bytes(path, what="Table Schema")


def _descriptor(shipped: Package, title: str, name: str, people: list[Author],
                centre: str | None, doi: str | None) -> dict[str, Any]:  # fmt: skip
    source = shipped.descriptor
    subjects = json.loads(json.dumps(source.get("subjects", [])))
    schema = (shipped.resource("episodes") or {}).get("schema")
    where = f" from {centre}" if centre else ""
    descriptor: dict[str, Any] = {
        "$schema": source.get("$schema"),
        "name": name,
        "title": title,
        "description": (
            f"Episodes of immune-mediated diffuse alveolar haemorrhage (DAH){where}, one row "
            f"per episode, recorded with the dahpkg data dictionary ({schema})."
        ),
        "version": VERSION,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        # The keywords are the subjects' labels: what the data dictionary is about.
        "keywords": [str(s["label"]) for s in subjects if s.get("label")],
        "subjects": subjects,
        # The licence as the shipped package proposes it, still for the authors to confirm.
        "licenses": json.loads(json.dumps(source.get("licenses", []))),
        "contributors": [_contributor(p, centre) for p in people],
    }
    if doi:
        descriptor["sources"] = [{"path": f"https://doi.org/{doi}"}]
    return {k: v for k, v in descriptor.items() if v is not None}


def _contributor(person: Author, centre: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"title": f"{person.given} {person.family}",
                             "givenName": person.given, "familyName": person.family,
                             "roles": ["creator"]}  # fmt: skip
    if centre:
        entry["organization"] = centre
    return entry


def facts_file(families: list[str], doi: str | None, orcid: Mapping[str, str] | None = None,
               licence: str = "") -> str:  # fmt: skip
    """A publication.toml for the authors to fill in: ``doi`` the article's, ``orcid`` the iDs
    already known, by family name (each family name once: TOML refuses a key given twice),
    ``licence`` the one the authors already confirmed."""
    known = orcid or {}
    orcids = "".join(
        f"{json.dumps(f, ensure_ascii=False)} = {json.dumps(known.get(f, ''))}\n"
        for f in dict.fromkeys(families)
    )
    return (
        "# Facts about the publication that only the authors can give. dahpkg never invents "
        "them: an\n# empty value stays out of every metadata file and is reported as unknown "
        "by\n# `dahpkg export metadata` and `dahpkg fair`. Fill them in as they become known.\n"
        "\n[dataset]\n"
        'doi = ""               # the DOI reserved for the data set on Zenodo (10.5281/zenodo.N)\n'
        f"licence = {json.dumps(licence)}{' ' * max(1, 13 - len(json.dumps(licence)))}"
        "# the SPDX id of the licence the authors confirm; datapackage.json proposes one\n"
        'zenodo_community = ""  # the Zenodo community to deposit into, if any\n'
        "\n# The article these data support, if any (dahpkg init --cites DOI).\n[article]\n"
        f"doi = {json.dumps(doi or '')}\n"
        'journal = ""\n'
        "\n# The authors' organisation: its ROR identifier (https://ror.org/...), web site and "
        "an e-mail\n# address for it.\n[organisation]\n"
        'ror = ""\nurl = ""\nemail = ""\n'
        "\n# ORCID iDs, by family name as in the contributors of datapackage.json.\n[orcid]\n"
        + orcids
    )
