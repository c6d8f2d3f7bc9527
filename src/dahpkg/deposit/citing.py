"""The DOI inside a deposit: what is published cites itself.

A draft reserves its DOI when it is made; the bundle is built after that, citing it, through the
one place every file of the bundle reads the data set's DOI from (the prepared release's facts:
`dahpkg.export.release.Prepared.citing`). A DOI given by hand in publication.toml must be the
draft's. Here: what a draft is created with before its DOI exists, the checks of a reserved or
given DOI, and what a run or a dry run says about it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dahpkg.deposit.redact import server_text
from dahpkg.errors import DepositError, InputError
from dahpkg.package.publication import FACTS_FILE, RESERVED_DOI

if TYPE_CHECKING:
    from dahpkg.deposit.repository import Draft, RepositorySpec
    from dahpkg.export import Prepared


def draft_metadata(spec: RepositorySpec, prepared: Prepared) -> dict[str, Any]:
    """What a draft is created with, before its DOI exists (its title and the sentence that
    recognises it): the repository's metadata from the bundle's metadata files alone, which
    cost little beside the whole bundle, built once the DOI is known."""
    from dahpkg.export import Supplement
    from dahpkg.export.metadata import build

    return spec.metadata(Supplement("", b"", build(prepared).files))


def reserved(title: str, draft: Draft) -> str:
    """The DOI ``draft`` reserved ("" for none), checked: it goes into every file."""
    doi = draft.reserved_doi
    if doi and not RESERVED_DOI.fullmatch(doi):
        raise DepositError(
            f"{title}'s draft {draft.id} reserved {server_text(repr(doi), 80)}, which is not a "
            "DOI: is it a Zenodo deposit API? Check --base-url. The draft is kept."
        )
    return doi


def refuse_given(prepared: Prepared, title: str) -> None:
    """Before a new draft is made: a DOI given by hand cannot be the one it will get."""
    given = prepared.facts.dataset_doi
    if given:
        raise InputError(
            f"{FACTS_FILE} gives the data set's DOI {given}, but a new draft on {title} gets a "
            "DOI of its own, reserved when it is made, and the deposited files must cite the "
            f"record they are in. Empty [dataset] doi in {FACTS_FILE} (the deposit then writes "
            "the DOI it reserves into every file) and run again; a DOI given by hand is for a "
            "bundle deposited by hand (dahpkg export supplement)"
        )


def plan_notes(title: str, cited: str, given: str, resumed: bool) -> list[str]:
    """What a dry run says about the DOI: the one the bundle would cite, or none yet."""
    notes = []
    if given and not resumed:
        notes.append(
            f"{FACTS_FILE} gives the data set's DOI {given}: a new draft gets a DOI of its own "
            f"from {title}, and the deposit would refuse unless it resumes the draft that "
            "reserved this one"
        )
    if cited:
        notes.append(f"DOI the bundle would cite: {cited}")
    else:
        notes.append(
            f"DOI the bundle would cite: none yet. {title} reserves one when the draft is "
            "created, and the bundle is then built citing it (CITATION.cff, DataCite, schema.org, "
            "RO-Crate, README): the sizes and md5 below are those of the bundle without it"
        )
    return notes


def build_notes(title: str, draft: Draft, cited: str, changed: bool) -> list[str]:
    """What a run says about the bundle it built for ``draft``."""
    notes = []
    if not cited:
        notes.append(
            f"{title} reserved no DOI for draft {draft.id} and {FACTS_FILE} gives none: the "
            "deposited files cite no DOI"
        )
    if changed:
        notes.append(
            "the bundle differs from the one an earlier run uploaded to this draft (the package "
            "changed since): the files that differ are replaced"
        )
    return notes


def published_notes(title: str, published: str, cited: str) -> list[str]:
    """A record published under another DOI than the one its files cite: said, loudly."""
    if not published or not cited or published == cited:
        return []
    return [
        f"{title} published the record under the DOI {published}, not the {cited} it reserved "
        f"and the files cite: ask {title}'s support to correct it, or publish a new version "
        "citing the right DOI"
    ]
