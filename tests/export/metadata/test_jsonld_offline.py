"""schema.org and RO-Crate JSON-LD expanded by pyld and parsed by rdflib, offline: the files
keep their standard remote ``@context``; the tests serve the copies of those contexts shipped in
tests/schemas (see SOURCES.md there), and any other address fails the loader."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from metadata_bundles import DOI

from support.helpers import REPO

CONTEXTS = REPO / "tests" / "schemas" / "jsonld"
SCHEMA_ORG = json.loads((CONTEXTS / "schemaorg-30.0-context.jsonld").read_text())
RO_CRATE = json.loads((CONTEXTS / "ro-crate-1.3-context.jsonld").read_text())
DOCUMENTS = {
    **{url: SCHEMA_ORG for url in ("https://schema.org/", "https://schema.org",
                                   "http://schema.org/", "http://schema.org")},
    "https://w3id.org/ro/crate/1.3/context": RO_CRATE,
}  # fmt: skip
SDO = "http://schema.org/"
# Where the bundle's relative identifiers (./, data/episodes.csv) are resolved, as a reader who
# unpacked the bundle would: without a base, JSON-LD leaves them out of the graph.
BASE = "file:///bundle/"
# The metadata files are written after the crate, which cannot list them with their sizes.
FILES_NOT_LISTED = {"CITATION.cff", "datacite.json", "datacite.xml", "schema-org.jsonld",
                    "ro-crate-metadata.json", "zenodo.json", "MANIFEST-sha256.txt"}  # fmt: skip


def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader: the shipped copies, nothing from the network."""
    from pyld.jsonld import JsonLdError

    if url not in DOCUMENTS:
        raise JsonLdError(f"no local copy of {url}", "jsonld.LoadDocumentError",
                          code="loading document failed")  # fmt: skip
    return {"contextUrl": None, "documentUrl": url, "document": DOCUMENTS[url]}


def quads(document: dict[str, Any]) -> str:
    from pyld import jsonld

    options = {"documentLoader": load, "base": BASE}
    expanded = jsonld.expand(document, options)
    return str(jsonld.to_rdf(expanded, {**options, "format": "application/n-quads"}))


def terms(document: Any) -> set[str]:
    """Every key the document uses, however deep, but JSON-LD's own (@id, @type...)."""
    if isinstance(document, list):
        return set().union(*(terms(item) for item in document)) if document else set()
    if isinstance(document, dict):
        keys = {k for k in document if not k.startswith("@")}
        return keys.union(*(terms(v) for v in document.values()))
    return set()


def schema_org_terms() -> set[str]:
    return {k for k, v in SCHEMA_ORG["@context"].items() if isinstance(v, dict)}


@pytest.mark.parametrize("bundle", ["released", "cited"])
def test_schema_org_expands_with_only_schema_org_terms(bundle, request) -> None:
    files = request.getfixturevalue(bundle).files
    document = json.loads(files["schema-org.jsonld"])
    assert document["@context"] == "https://schema.org/"  # the standard context, kept
    # Every key a schema.org term: one that is not would still expand (the context's @vocab),
    # to a property no reader knows.
    assert terms(document) <= schema_org_terms(), terms(document) - schema_org_terms()
    nquads = quads(document)
    assert nquads.count("\n") > 200
    used = set(re.findall(rf"<{SDO}(\w+)>", nquads))
    assert {"Dataset", "name", "creator", "license", "variableMeasured", "distribution"} <= used
    if bundle == "cited":
        assert f'<{SDO}identifier> "https://doi.org/{DOI}"' in nquads


def test_a_term_schema_org_does_not_define_is_caught(released) -> None:
    document = json.loads(released.files["schema-org.jsonld"])
    document["creater"] = document.pop("creator")
    assert "creater" in terms(document) - schema_org_terms()


@pytest.mark.parametrize("bundle", ["released", "cited"])
def test_ro_crate_expands_with_every_key_in_its_context(bundle, request) -> None:
    files = request.getfixturevalue(bundle).files
    crate = json.loads(files["ro-crate-metadata.json"])
    assert crate["@context"] == "https://w3id.org/ro/crate/1.3/context"
    # The RO-Crate context has no @vocab: a key it does not define is dropped by expansion.
    defined = set(RO_CRATE["@context"])
    assert terms(crate) <= defined, terms(crate) - defined
    from pyld import jsonld

    nodes = jsonld.flatten(crate, None, {"documentLoader": load, "base": BASE})
    listed = [n for n in nodes if f"{SDO}MediaObject" in n.get("@type", [])]  # RO-Crate's File
    assert {n["@id"].removeprefix(BASE) for n in listed} == set(files) - FILES_NOT_LISTED
    assert [n["@id"] for n in listed if f"{SDO}description" not in n] == []


def test_a_missing_context_fails_rather_than_going_online(released) -> None:
    from pyld.jsonld import JsonLdError

    document = json.loads(released.files["schema-org.jsonld"])
    document["@context"] = "https://example.org/unknown-context"
    with pytest.raises(JsonLdError):
        quads(document)


# rdflib 7.6 warns about its own use of ConjunctiveGraph inside its parsers.
@pytest.mark.filterwarnings("ignore:.*is deprecated:DeprecationWarning")
@pytest.mark.parametrize("name", ["schema-org.jsonld", "ro-crate-metadata.json"])
def test_rdflib_parses_the_same_graph_as_pyld(cited, name) -> None:
    """rdflib's own JSON-LD parser, given the local context in place of the remote one."""
    rdflib = pytest.importorskip("rdflib")
    document = json.loads(cited.files[name])
    local = {**document, "@context": DOCUMENTS[document["@context"]]["@context"]}
    graph = rdflib.Graph().parse(data=json.dumps(local), format="json-ld", publicID=BASE)
    reference = rdflib.Graph().parse(data=quads(document), format="nquads")
    from rdflib.compare import isomorphic

    assert len(graph) == len(reference) > 100
    assert isomorphic(graph, reference)
