"""The supplementary bundle as the metadata validators see it: built from the shipped package
as it stands (no DOI yet), from a copy whose publication.toml gives every fact, and with the DOI
a deposit reserved."""

from __future__ import annotations

import pytest
from metadata_bundles import DOI, FACTS, bundle_files, copy_package


@pytest.fixture(scope="session")
def released():
    """The shipped package's bundle: no DOI, no ORCID iD (publication.toml ships empty)."""
    return bundle_files(None)


@pytest.fixture(scope="session")
def cited(tmp_path_factory: pytest.TempPathFactory):
    """The bundle of a copy whose publication.toml gives the DOI, ORCID iDs and the letter."""
    return bundle_files(copy_package(tmp_path_factory.mktemp("cited") / "pkg", FACTS))


@pytest.fixture(scope="session")
def deposited():
    """The shipped package's bundle with the DOI a deposit reserved (publication.toml empty)."""
    return bundle_files(None, DOI)
