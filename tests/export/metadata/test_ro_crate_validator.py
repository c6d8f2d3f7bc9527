"""RO-Crate metadata through the official validator, rocrate-validator (PyPI roc-validator), at
its required and recommended levels, offline.

The crate keeps its standard remote ``@context``; the validator's HTTP cache is warmed from the
copy of that context in tests/schemas, and the validator runs with ``--offline``, so a context
it could not find would fail the run rather than reach the network.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from metadata_bundles import DOI, ORCIDS, write_out

from support.helpers import REPO

pytest.importorskip("rocrate_validator", reason="roc-validator is not installed (test extra)")
CONTEXT_URL = "https://w3id.org/ro/crate/1.3/context"
CONTEXT = REPO / "tests" / "schemas" / "jsonld" / "ro-crate-1.3-context.jsonld"
# What only a fact the package cannot know would satisfy: the organisation's ROR identifier as
# its @id, its web address and its contact point. Never made up, so these warnings stay.
ORGANISATION_CHECKS = {"ro-crate-1.3_86.2", "ro-crate-1.3_89.0", "ro-crate-1.3_90.1"}
ORCID_CHECK = "ro-crate-1.3_91.0"  # a Person's @id SHOULD be an ORCID iD
# Whether the DOI resolves to the crate: online only, and a DOI reserved for a draft resolves
# only once the record is published.
ONLINE_CHECKS = ("ro-crate-1.3_51.1",)


def warm_cache(path: Path) -> Path:
    """The validator's HTTP cache (requests-cache, SQLite), holding the RO-Crate 1.3 context
    served from the local copy: what `rocrate-validator cache warm` would fetch online."""
    import requests
    import urllib3
    from requests_cache import CachedSession

    body = CONTEXT.read_bytes()

    class Local(requests.adapters.HTTPAdapter):
        def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
            assert request.url == CONTEXT_URL, request.url
            raw = urllib3.HTTPResponse(body=io.BytesIO(body), status=200, preload_content=False,
                                       headers={"Content-Type": "application/ld+json"},
                                       request_url=request.url)  # fmt: skip
            return self.build_response(request, raw)

    session = CachedSession(cache_name=str(path), backend="sqlite", expire_after=-1)
    session.mount("https://", Local())
    # The validator asks with these headers (rocrate_validator.utils.document_loader).
    accept = {"Accept": "application/ld+json, application/json, */*;q=0.1"}
    assert session.get(CONTEXT_URL, headers=accept, allow_redirects=True).status_code == 200
    session.close()
    return path


def validate(crate: Path, level: str, cache: Path) -> dict:
    command = shutil.which("rocrate-validator", path=str(Path(sys.executable).parent))
    assert command, "roc-validator is installed but its command is not beside python"
    report = crate.parent / f"{crate.name}-{level}.json"
    done = subprocess.run(
        [command, "-y", "--disable-color", "validate", str(crate), "--offline",
         "--cache-path", str(cache), "-l", level, "-f", "json", "-o", str(report),
         "--no-paging", "--skip-checks", ",".join(ONLINE_CHECKS)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert report.is_file(), done.stdout + done.stderr
    return json.loads(report.read_text())


def failing(result: dict) -> dict[str, set[str]]:
    """The failed checks, each with the entities it failed on."""
    found: dict[str, set[str]] = {}
    for issue in result["issues"]:
        found.setdefault(issue["check"]["identifier"], set()).add(issue["violatingEntity"])
    return found


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return warm_cache(tmp_path_factory.mktemp("http-cache") / "cache")


@pytest.fixture(scope="module")
def crates(tmp_path_factory: pytest.TempPathFactory, released, cited) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("crates")
    return {name: write_out(bundle.files, folder / name)
            for name, bundle in (("released", released), ("cited", cited))}  # fmt: skip


def test_the_crate_passes_the_required_level(crates, cache) -> None:
    # (the recommended runs below check the required level too, with the authors' facts)
    result = validate(crates["released"], "required", cache)
    assert result["meta"]["generated_by"] == "rocrate-validator"
    assert result["validation_settings"]["offline"] is True
    assert "ro-crate-1.3" in result["statistics"]["profiles"]
    assert result["issues"] == [] and result["passed"] is True
    assert result["statistics"]["total_passed_checks"] > 40


def test_at_the_recommended_level_only_unknown_facts_are_missing(crates, cache) -> None:
    """Without the authors' facts: every file described, the licence described, a contact
    point given; what fails is what publication.toml does not give yet (ORCID iDs) and the
    organisation's ROR, address and contact point, which nothing in the package gives."""
    found = failing(validate(crates["released"], "recommended", cache))
    assert set(found) == ORGANISATION_CHECKS | {ORCID_CHECK}, found
    assert len(found[ORCID_CHECK]) == len(ORCIDS)
    assert found["ro-crate-1.3_89.0"] == {"./#organisation-1"}


def test_with_the_authors_facts_the_recommended_level_passes(crates, cache) -> None:
    """ORCID iDs and the organisation's ROR, web site and e-mail given in publication.toml."""
    result = validate(crates["cited"], "recommended", cache)
    assert failing(result) == {} and result["issues"] == [] and result["passed"] is True
    crate = json.loads((crates["cited"] / "ro-crate-metadata.json").read_text())
    graph = {node["@id"]: node for node in crate["@graph"]}
    assert graph["./"]["identifier"] == {"@id": f"https://doi.org/{DOI}"}
    assert graph[f"https://doi.org/{DOI}"]["value"] == f"doi:{DOI}"
    skipped = {c["identifier"] for c in result["skipped_check_details"]}
    assert set(ONLINE_CHECKS) <= skipped
    assert crate["@context"] == CONTEXT_URL  # the standard remote context, kept


def test_a_file_without_a_description_is_caught(crates, cache, tmp_path: Path) -> None:
    """The check can fail: the crate with one file's description removed."""
    copy = shutil.copytree(crates["cited"], tmp_path / "broken")
    path = copy / "ro-crate-metadata.json"
    crate = json.loads(path.read_text())
    for node in crate["@graph"]:
        if node["@id"] == "data/episodes.csv":
            del node["description"]
    path.write_text(json.dumps(crate))
    found = failing(validate(copy, "recommended", cache))
    assert found["ro-crate-1.3_62.2"] == {"./data/episodes.csv"}
