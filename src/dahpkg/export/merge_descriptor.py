"""The descriptor of a registry pooled by `dahpkg merge`, from its centres' packages.

Nothing is invented: the creators are the union of the centres' (one entry per person, known
by name and ORCID iD), the licence the one every centre gives (centres under different
licences cannot be pooled: the registry could honour only one), the keywords and subjects the
centres', and ``sources`` lists each centre's package with its centre, version and the SHA-256
of every file whose rows were pooled, so that anyone can tell which centre contributed what and
check that it is the data they hold.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError
from dahpkg.export.init import VERSION
from dahpkg.letter.scope import is_letter_package

if TYPE_CHECKING:
    from dahpkg.package import Package
    from dahpkg.package.publication import Facts

ORCID_URL = re.compile(r"^https?://orcid\.org/(\d{4}-\d{4}-\d{4}-\d{3}[\dX])/?$")


@dataclass(frozen=True)
class Source:
    """A centre's package, as the registry pools it: its centre (the value of the ``centre``
    column and its label), its publication facts, and the SHA-256 of each file pooled (by
    its path in the package)."""

    package: Package
    centre: str
    label: str
    facts: Facts
    files: tuple[tuple[str, str], ...]

    @property
    def data_hash(self) -> str:
        """The SHA-256 of its episodes: two sources with the same are the same data."""
        return self.files[0][1]


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (an episode table may be large)."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}") from None


def licences(sources: list[Source]) -> tuple[list[dict[str, Any]], str]:
    """The licence every centre gives, as the first package declares it, and the licence
    every centre confirmed in its publication.toml ("" unless all confirmed the same);
    `InputError` when the centres give different ones."""

    def given(source: Source) -> tuple[str, ...]:
        declared = source.package.descriptor.get("licenses") or []
        if source.facts.licence:  # the authors' confirmed choice overrides the proposal
            return (source.facts.licence,)
        return tuple(sorted(str(i.get("name") or i.get("path") or "") for i in declared))

    each = [given(s) for s in sources]
    if len(set(each)) > 1:
        listed = "; ".join(
            f"{s.centre}: {', '.join(g) or 'none'}" for s, g in zip(sources, each, strict=True)
        )
        raise InputError(
            f"the centres' packages are under different licences ({listed}): a registry is "
            "released under one licence. Agree it with the centres, write it in each "
            "package's datapackage.json (or publication.toml), and merge again"
        )
    confirmed = {s.facts.licence for s in sources}
    licence = confirmed.pop() if len(confirmed) == 1 else ""
    return _copy(sources[0].package.descriptor.get("licenses") or []), licence


def contributors(sources: list[Source]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The union of the centres' contributors, each person once, and the ORCID iDs known (by
    family name, as publication.toml keeps them).

    A person is known by name and ORCID iD: two entries of the same name are one person
    unless both give an iD and the iDs differ. The person's roles and organisations (their
    centres) are those of every entry."""
    merged: list[dict[str, Any]] = []
    orcids: list[str] = []
    by_name: dict[str, list[int]] = {}
    for source in sources:
        for person in _copy(source.package.descriptor.get("contributors") or []):
            name = _name(person)
            orcid = _orcid(person, source.facts)
            same = [i for i in by_name.get(name, []) if not orcid or orcids[i] in ("", orcid)]
            if not same:
                by_name.setdefault(name, []).append(len(merged))
                merged.append(person)
                orcids.append(orcid)
                continue
            entry = merged[same[0]]
            orcids[same[0]] = orcids[same[0]] or orcid
            for key in ("roles", "organization"):
                entry[key] = _joined(entry.get(key), person.get(key))
            for key, value in person.items():
                entry.setdefault(key, value)
    # publication.toml keeps one iD per family name: one shared by two people gets none.
    families: dict[str, set[str]] = {}
    for person, orcid in zip(merged, orcids, strict=True):
        families.setdefault(_family(person), set()).add(orcid)
    known = {f: next(iter(ids)) for f, ids in families.items() if f and len(ids) == 1}
    people = [{k: v for k, v in p.items() if v is not None} for p in merged]
    return people, {f: orcid for f, orcid in known.items() if orcid}


def _family(person: dict[str, Any]) -> str:
    return str(person.get("familyName") or person.get("title") or "")


def _name(person: dict[str, Any]) -> str:
    """Who a contributor is by name: given and family names where both are given (one
    package's title may read "Sousa S", another's "S Sousa"), else the title."""
    given, family = person.get("givenName"), person.get("familyName")
    name = f"{given} {family}" if given and family else str(person.get("title") or "")
    return " ".join(name.split()).casefold() or json.dumps(person, sort_keys=True)


def _orcid(person: dict[str, Any], facts: Facts) -> str:
    found = ORCID_URL.match(str(person.get("path", "")))
    if found:
        return found.group(1)
    return facts.orcid.get(_family(person), "")


def _joined(first: Any, second: Any) -> Any:
    """Two entries' roles (lists, united in order) or organisations (text, joined by "; ")."""
    if isinstance(first, list) or isinstance(second, list):
        return list(dict.fromkeys([*(first or []), *(second or [])]))
    parts = [p for p in (first, second) if p]
    return "; ".join(dict.fromkeys(str(p) for p in parts)) or None


def source_entry(source: Source) -> dict[str, Any]:
    """A centre's package in the registry's ``sources`` (Data Package v2: a title, plus its
    name, version, centre and the SHA-256 of each file pooled, and the sources it cites)."""
    descriptor = source.package.descriptor
    entry = {
        "title": descriptor.get("title"),
        "name": descriptor.get("name"),
        "version": descriptor.get("version"),
        "centre": source.centre,
        "files": [{"path": path, "hash": f"sha256:{digest}"} for path, digest in source.files],
        "sources": _copy(descriptor.get("sources") or []) or None,
    }
    return {k: v for k, v in entry.items() if v is not None}


def descriptor(
    sources: list[Source],
    *,
    shipped: Package,
    title: str,
    name: str,
    people: list[dict[str, Any]],
    licenses: list[dict[str, Any]],
    resources: list[dict[str, Any]],
    left_out: dict[str, list[str]],
    confirmed: int,
) -> dict[str, Any]:
    """The registry's datapackage.json: its creators ``people`` and ``licenses`` (see
    `contributors` and `licences`), its ``resources``, and the resources ``left_out`` of each
    source package (by name) said in its description."""
    subjects = _union([s.package.descriptor.get("subjects") or [] for s in sources])
    keywords = _union([s.package.descriptor.get("keywords") or [] for s in sources])
    made = {
        "$schema": shipped.descriptor.get("$schema"),
        "name": name,
        "title": title,
        "description": _description(sources, left_out, confirmed),
        "version": VERSION,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "keywords": keywords or None,
        "subjects": subjects or None,
        "licenses": licenses or None,
        "contributors": people or None,
        "sources": [source_entry(s) for s in sources],
        "resources": resources,
    }
    return {k: v for k, v in made.items() if v is not None}


def _description(sources: list[Source], left_out: dict[str, list[str]], confirmed: int) -> str:
    centres = ", ".join(s.centre for s in sources)
    text = (
        "Episodes of immune-mediated diffuse alveolar haemorrhage (DAH) pooled from the data "
        f"packages of {len(sources)} centres ({centres}), one row per episode, recorded with "
        "the dahpkg data dictionary (schema/episodes.schema.json). The centre column names the "
        "centre whose package holds the episode (the sources list each package with the SHA-256 "
        "of every file pooled); patient_id numbers the patients across the centres, and "
        "centre_patient_id keeps each patient's number in the centre's own package."
    )
    if confirmed:
        text += (
            f" The {confirmed} exception(s) the centres confirmed are carried over, each with "
            "its reason (data/confirmations.csv)."
        )
    if left_out:
        listed = "; ".join(f"{', '.join(names)} of {name}" for name, names in left_out.items())
        text += (
            " Only the episodes and the confirmed exceptions are pooled: the other resources "
            f"stay in their own packages ({listed})."
        )
    if any(is_letter_package(s.package) for s in sources):
        text += (
            " The registry is not the letter's package: the letter's Table I as printed and "
            "the cells inferred from it stay in the letter's own package, one of the sources."
        )
    return text


def _union(lists: list[list[Any]]) -> list[Any]:
    """The items of every list, each once, in order of first appearance."""
    seen: dict[str, Any] = {}
    for items in lists:
        for item in items:
            seen.setdefault(json.dumps(item, sort_keys=True), item)
    return list(_copy(list(seen.values())))


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))
