"""publication.toml: the facts about a package that only its authors can give (the data set's
DOI, the confirmed licence, the Zenodo community, the letter's DOI and journal, ORCID iDs).

It sits beside ``datapackage.json``; empty values mean not known yet. DOIs and ORCID iDs are
checked (the ORCID check digit too) when filled in.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dahpkg.errors import InputError
from dahpkg.limits import limit
from dahpkg.package.descriptor import inside

if TYPE_CHECKING:
    from dahpkg.package.package import Package

FACTS_FILE = "publication.toml"
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
# A DOI a repository hands out: its registrants' plain spelling (the pattern Crossref recommends
# for modern DOIs), bounded. A server's text that is not one never reaches a metadata file.
RESERVED_DOI = re.compile(r"^10\.\d{4,9}/[-._;()/:A-Za-z0-9]{1,200}$")
ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
# A ROR identifier as its address: "0", six characters of Crockford's base 32, two check digits.
ROR = re.compile(r"^https://ror\.org/0[0-9a-hjkmnp-tv-z]{6}\d{2}$")
WEB = re.compile(r"^https?://[^\s/]+(/\S*)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Facts:
    """What only the authors can say, read from publication.toml (empty = unknown)."""

    dataset_doi: str = ""
    licence: str = ""
    zenodo_community: str = ""
    article_doi: str = ""
    journal: str = ""
    orcid: dict[str, str] = field(default_factory=dict)
    # The authors' organisation, as RO-Crate and DataCite would identify it: its ROR address,
    # its web site and an e-mail address for it (the publisher in the RO-Crate).
    organisation_ror: str = ""
    organisation_url: str = ""
    organisation_email: str = ""

    @classmethod
    def read(cls, folder: Path | None) -> Facts:
        """The facts in ``folder``'s publication.toml (none when it has no such file)."""
        path = folder / FACTS_FILE if folder else None
        if path is None or not path.is_file():
            return cls()
        return cls.parse(path.read_bytes(), path)

    @classmethod
    def of(cls, package: Package) -> Facts:
        """The facts beside the package's descriptor (none for a loose file)."""
        root = package.root
        # Anything by that name counts (a folder, a pipe, a broken link): refused below, not
        # silently taken for "no facts".
        if root is None or not os.path.lexists(root / FACTS_FILE):
            return cls()
        path = inside(root, FACTS_FILE, f"the {FACTS_FILE} of {package.name}")
        most = limit("max_json_bytes").value()
        return cls.parse(package.read_bytes(path, what="publication facts", most=most), path)

    @classmethod
    def parse(cls, text: bytes, path: Path) -> Facts:
        """The facts in ``text``, the bytes of the publication.toml at ``path``."""
        try:
            data = tomllib.loads(text.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path} is not valid TOML: {exc}") from None
        dataset, article = data.get("dataset", {}), data.get("article", {})
        orcids, organisation = data.get("orcid", {}), data.get("organisation", {})
        for key, value in (("dataset", dataset), ("article", article), ("orcid", orcids),
                           ("organisation", organisation)):  # fmt: skip
            if not isinstance(value, dict):
                raise InputError(f"{path}: [{key}] must be a table of keys and values")
        facts = cls(
            dataset_doi=str(dataset.get("doi", "")).strip(),
            licence=str(dataset.get("licence", "")).strip(),
            zenodo_community=str(dataset.get("zenodo_community", "")).strip(),
            article_doi=str(article.get("doi", "")).strip(),
            journal=str(article.get("journal", "")).strip(),
            orcid={k: str(v).strip() for k, v in orcids.items() if str(v).strip()},
            organisation_ror=str(organisation.get("ror", "")).strip(),
            organisation_url=str(organisation.get("url", "")).strip(),
            organisation_email=str(organisation.get("email", "")).strip(),
        )
        facts.check(path)
        return facts

    def with_dataset_doi(self, doi: str, where: str) -> Facts:
        """These facts, the data set's DOI being ``doi``, the one ``where`` (a deposit's draft)
        reserved for it, so that the files deposited there cite the DOI the record will have.

        `InputError` when publication.toml gives another DOI (both cannot be the record's), or
        when ``doi`` is not a DOI.
        """
        if not doi or doi == self.dataset_doi:
            return self
        if not RESERVED_DOI.fullmatch(doi):
            raise InputError(f"{where} has the DOI {doi[:80]!r}, which is not a DOI (10.NNNN/...)")
        if self.dataset_doi:
            raise InputError(
                f"{FACTS_FILE} gives the data set's DOI {self.dataset_doi}, but {where} has the "
                f"DOI {doi}: the deposited files must cite the DOI of the record they are in. "
                f"Empty [dataset] doi in {FACTS_FILE} (the deposit writes its DOI into every "
                f"file), or set it to {doi}, and run the same command again"
            )
        return replace(self, dataset_doi=doi)

    def check(self, path: Path) -> None:
        for name, value in (("dataset doi", self.dataset_doi), ("article doi", self.article_doi)):
            if value and not DOI.match(value):
                raise InputError(f"{path}: the {name} {value!r} is not a DOI (10.NNNN/...)")
        for person, value in self.orcid.items():
            if not ORCID.match(value) or not orcid_checksum_ok(value):
                raise InputError(f"{path}: the ORCID iD of {person} ({value}) is not valid")
        for name, value, form, example in (
            ("ror", self.organisation_ror, ROR, "https://ror.org/0xxxxxxNN"),
            ("url", self.organisation_url, WEB, "https://..."),
            ("email", self.organisation_email, EMAIL, "name@hospital.example"),
        ):
            if value and not form.match(value):
                raise InputError(
                    f"{path}: [organisation] {name} {value[:80]!r} is not written as {example}"
                )


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 11,2 check digit of an ORCID iD.

    >>> orcid_checksum_ok("0000-0002-1825-0097"), orcid_checksum_ok("0000-0002-1825-0098")
    (True, False)
    """
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))
