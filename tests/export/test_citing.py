"""One place for the data set's DOI: `Prepared.citing` gives a release the DOI a deposit's
draft reserved, and every file of the bundle cites it; publication.toml's DOI, given by hand,
must be the same one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dahpkg.errors import InputError
from dahpkg.export import build_supplement, prepare
from dahpkg.package.publication import Facts

from support.helpers import CONSENT

DOI = "10.5072/zenodo.4242"


def test_a_release_citing_a_doi_cites_it_in_every_file(package: Path) -> None:
    prepared = prepare(package, risk_accepted=CONSENT)
    plain = build_supplement(prepared).files
    cited = build_supplement(prepared.citing(DOI, "the test's draft")).files
    assert prepared.facts.dataset_doi == "" and "datacite.xml" not in plain
    assert f'doi: "{DOI}"' in cited["CITATION.cff"].decode()
    assert f'<identifier identifierType="DOI">{DOI}</identifier>' in cited["datacite.xml"].decode()
    assert json.loads(cited["datacite.json"])["doi"] == DOI
    assert json.loads(cited["schema-org.jsonld"])["identifier"] == f"https://doi.org/{DOI}"
    assert json.loads(cited["zenodo.json"])["metadata"]["doi"] == DOI
    how_to_cite = cited["README.md"].decode().split("## How to cite")[1].split("\n## ")[0]
    assert f"https://doi.org/{DOI}" in how_to_cite
    assert "doi.org" not in plain["README.md"].decode().split("## How to cite")[1].split("\n## ")[0]
    # The data files themselves do not change with the DOI.
    assert cited["data/episodes.csv"] == plain["data/episodes.csv"]


def test_a_hand_given_doi_must_be_the_reserved_one(package: Path) -> None:
    (package / "publication.toml").write_text(f'[dataset]\ndoi = "{DOI}"\n', encoding="utf-8")
    prepared = prepare(package, risk_accepted=CONSENT)
    assert prepared.citing(DOI, "Zenodo's draft 4242").facts.dataset_doi == DOI  # the same
    with pytest.raises(
        InputError,
        match=r"publication\.toml gives the data set's DOI "
        r"10\.5072/zenodo\.4242, but Zenodo's draft 9 has the DOI "
        r"10\.5072/zenodo\.9: .* Empty \[dataset\] doi",
    ):
        prepared.citing("10.5072/zenodo.9", "Zenodo's draft 9")


@pytest.mark.parametrize(
    "doi",
    ["zenodo.9", "10.5072/", '10.5072/x"y', "10.5072/a b", "10.5072/a\n", "10.5072/" + "a" * 201],
)
def test_a_reserved_doi_that_is_not_one_never_reaches_a_file(doi: str) -> None:
    with pytest.raises(InputError, match="which is not a DOI"):
        Facts().with_dataset_doi(doi, "a draft")
    assert Facts().with_dataset_doi("10.5281/zenodo.17", "a draft").dataset_doi == (
        "10.5281/zenodo.17"
    )
