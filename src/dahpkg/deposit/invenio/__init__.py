"""InvenioRDM, through its own REST API: any instance, Zenodo's included (Zenodo has run
InvenioRDM since 2023; ../shared/reference/invenio-rdm-api.md).

What is InvenioRDM's own: its calls (`api`); a draft that reserves its DOI in a call of its own
(``pids/doi``), made as soon as the draft exists so that the bundle cites it; files started,
sent and committed one by one; a new version made through ``/versions`` (which answers the same
draft until it is published), with the previous version's files imported and the changed ones
replaced, and its publication date and version, which the server drops, sent again; and the
metadata, mapped from the bundle's (`metadata`). Everything else (retries, origin checks, the
token, the state file, reconciling lost answers) is the shared deposit.

The token comes from ``INVENIO_TOKEN`` or a file and travels only in the Authorization header.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dahpkg.deposit.checksum import Checksum
from dahpkg.deposit.http import Retry, segment
from dahpkg.deposit.invenio.api import TITLE, InvenioAPI, _doi, explain
from dahpkg.deposit.redact import redact, server_text
from dahpkg.deposit.repository import Draft, DraftId, Option, Plan, RepositorySpec
from dahpkg.deposit.token import Token
from dahpkg.errors import DepositError
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

    from dahpkg.export import Supplement

ZENODO_URL = "https://zenodo.org/api"
SANDBOX_URL = "https://sandbox.zenodo.org/api"
TOKEN_VARIABLE = "INVENIO_TOKEN"
ACCESS = {"record": "public", "files": "public"}
# Where dahpkg's sentence that recognises a deposition goes: InvenioRDM has no "notes".
MARKER_TYPE = "other"

__all__ = ["INVENIO", "InvenioRepository", "explain", "metadata", "requests"]


def _draft(record: dict[str, Any]) -> Draft:
    """The run's view of a record or draft. What it shows or keeps (pages, DOIs, title) is
    redacted here, once, so that no secret a server put there reaches the terminal or the
    state file."""
    metadata = record.get("metadata") or {}
    links = record["links"]
    published = bool(record.get("is_published")) and not record.get("is_draft")
    doi = server_text(_doi(record), 2000)
    page = server_text(str(links.get("self_html", "")), 2000)
    notes = [d.get("description", "") for d in metadata.get("additional_descriptions") or []
             if isinstance(d, dict) and (d.get("type") or {}).get("id") == MARKER_TYPE]  # fmt: skip
    return Draft(
        id=record["id"],
        html=page,
        published=published,
        doi=doi if published else "",
        record=page if published else "",
        reserved_doi="" if published else doi,
        title=redact(str(metadata.get("title", ""))),  # whole: compared with the package's
        notes=" ".join(str(n) for n in notes),  # searched for the marker, never shown
        raw=record,
    )


class InvenioRepository:
    """The `dahpkg.deposit.repository.Repository` calls on InvenioRDM's REST API."""

    title = TITLE

    def __init__(self, base_url: str, token: Token, *, http: httpx.Client | None = None,
                 retry: Retry | None = None,
                 progress: Callable[[str], None] = silent,
                 community: str | None = None, publisher: str | None = None) -> None:  # fmt: skip
        self.slug, self.community = community, ""  # its id, looked up before anything is published
        self.api = InvenioAPI(base_url, token, http=http, retry=retry, progress=progress)
        self.attempts = self.api.client.retry.attempts
        host = (urlsplit(base_url).hostname or "").lower()
        # DataCite registration needs a publisher (§6): --publisher, else Zenodo on Zenodo, else
        # the one the instance's draft carries; dahpkg does not guess an instance's name.
        zenodo = "Zenodo" if host in ("zenodo.org", "sandbox.zenodo.org") else ""
        self.publisher = publisher or zenodo

    def close(self) -> None:
        self.api.close()

    def find(self, marker: str) -> list[Draft]:
        # Only those that name the marker are kept, and an unpublished one gets its DOI: it is
        # the draft a create whose answer was lost made, before it could reserve one.
        return [
            _draft(r if _draft(r).published else self.api.reserve_doi(r))
            for r in self.api.mine()
            if marker in _draft(r).notes
        ]

    def get(self, identifier: DraftId) -> Draft | None:
        found = self.api.draft(str(identifier))
        if found is not None and not _draft(found).published:
            return _draft(self.api.reserve_doi(found))
        found = found or self.api.record(str(identifier))
        return None if found is None else _draft(found)

    def create(self, metadata: dict[str, Any]) -> Draft:
        created = self.api.create(_body(metadata))
        return _draft(self.api.reserve_doi(created))

    def parent(self, identifier: DraftId, version: str) -> Draft:
        found = self.api.record(str(identifier))
        if found is None:
            raise DepositError(
                f"record {identifier} is not published on {self.api.base}, or is not yours: give "
                "the id of the latest published version"
            )
        latest = str((found.get("links") or {}).get("latest", ""))
        if latest and latest.rstrip("/").rsplit("/", 1)[-1] != found["id"]:
            shown = server_text(latest.rstrip("/").rsplit("/", 1)[-1], 64)
            raise DepositError(
                f"record {identifier} is not the latest version (the latest is {shown}): a new "
                f"version is made from the latest one; pass --new-version-of {shown}"
            )
        if str((found.get("metadata") or {}).get("version", "")) == version:
            raise DepositError(
                f"record {identifier} already holds version {version}: raise the version in "
                "datapackage.json for the new data"
            )
        return _draft(found)

    def new_version(self, parent: Draft) -> Draft:
        step = f"creating a new version of {parent.id}"
        draft = self.api.action(dict(parent.raw), "versions", step)
        return self._prepared(draft)

    def _prepared(self, draft: dict[str, Any]) -> Draft:
        """A new version's draft with its DOI reserved and, while it holds no file, the
        previous version's files imported (the unchanged ones are then kept, not resent)."""
        draft = self.api.reserve_doi(draft)
        if not self.api.files(draft):
            self.api.import_files(draft)
        return _draft(draft)

    def interrupted_new_version(self, parent: DraftId) -> Draft | None:
        # The unpublished draft of the parent's family, if any: /versions made it.
        found = self.api.record(str(parent))
        family = ((found or {}).get("parent") or {}).get("id")
        if found is None or not family:
            return None
        for record in self.api.mine():
            if (record.get("parent") or {}).get("id") == family and not _draft(record).published:
                return self._prepared(record)
        return None

    def is_version_of(self, draft: Draft, parent: DraftId) -> bool:
        found = self.api.record(str(parent))
        family = ((found or {}).get("parent") or {}).get("id")
        return found is None or family == (draft.raw.get("parent") or {}).get("id")

    def files(self, draft: Draft) -> dict[str, Checksum]:
        return {n: Checksum(v) for n, v in self.api.files(dict(draft.raw)).items()}

    def upload(self, draft: Draft, name: str, data: bytes) -> Checksum:
        return Checksum(self.api.upload(dict(draft.raw), name, data))

    def delete(self, draft: Draft, name: str) -> None:
        self.api.delete_file(dict(draft.raw), name)

    def set_metadata(self, draft: Draft, metadata: dict[str, Any]) -> Draft:
        # The whole draft is replaced (§3): access and files go with the metadata every time,
        # and a new version's publication date and version, which the server dropped, too.
        current = self.api.draft(str(draft.id)) or dict(draft.raw)
        publisher = self.publisher or (current.get("metadata") or {}).get("publisher")
        sent = {**metadata, **({"publisher": publisher} if publisher else {})}
        if self.slug and not self.community:
            self.community = self.api.community(self.slug)
        return _draft(self.api.update(current, _body(sent, current.get("access"))))

    def publish(self, draft: Draft) -> Draft:
        published = self.api.action(dict(draft.raw), "draft/actions/publish", "publishing")
        first = (published.get("versions") or {}).get("index", 1) == 1
        if self.community and first:  # a new version stays where its parent is
            # Published first, then offered: a draft submitted for review stays a draft until a
            # curator accepts it, which a deposit cannot wait for (§8).
            refused = self.api.include(published, self.community)
            if refused:
                raise DepositError("\n".join([
                    f"record {published['id']} was published (DOI {_doi(published)}), but the "
                    f"community {self.slug!r} refused the request to include it:", *refused,
                    "Ask for its inclusion on the record's page."]))  # fmt: skip
        return _draft(published)


def _body(metadata: dict[str, Any], access: Any = None) -> dict[str, Any]:
    return {"access": access if isinstance(access, dict) else ACCESS,
            "files": {"enabled": True}, "metadata": metadata}  # fmt: skip


def metadata(supplement: Supplement) -> dict[str, Any]:
    """What InvenioRDM is sent, mapped from the bundle's zenodo.json (the package's facts, as
    the bundle states them): creators with their ORCID iD, rights by id alone (§4), resource
    type dataset, "is supplement to" the letter, subjects, version, publication date, and
    dahpkg's sentence in a description of type "other"."""
    legacy: dict[str, Any] = json.loads(supplement.files["zenodo.json"])["metadata"]
    creators = []
    for person in legacy.get("creators", []):
        family, _, given = str(person["name"]).partition(", ")
        who: dict[str, Any] = {"type": "personal", "family_name": family}
        if given:
            who["given_name"] = given
        if person.get("orcid"):
            who["identifiers"] = [{"scheme": "orcid", "identifier": person["orcid"]}]
        creator: dict[str, Any] = {"person_or_org": who}
        if person.get("affiliation"):
            creator["affiliations"] = [{"name": person["affiliation"]}]
        creators.append(creator)
    sent: dict[str, Any] = {
        "resource_type": {"id": "dataset"},
        "title": legacy["title"],
        "publication_date": legacy["publication_date"],
        "creators": creators,
        "description": legacy.get("description", ""),
        "rights": [{"id": legacy["license"]}] if legacy.get("license") else [],
        "languages": [{"id": legacy.get("language") or "eng"}],
        "subjects": [{"subject": str(k)} for k in legacy.get("keywords", [])]
        + [{"subject": s["term"]} for s in legacy.get("subjects", []) if s.get("term")],
        "version": legacy.get("version", ""),
        "additional_descriptions": [{"description": legacy.get("notes", ""),
                                     "type": {"id": MARKER_TYPE}}],
    }  # fmt: skip
    related = [r for r in legacy.get("related_identifiers", []) if r.get("scheme") == "doi"]
    if related:
        sent["related_identifiers"] = [
            {"identifier": r["identifier"], "scheme": "doi",
             "relation_type": {"id": str(r["relation"]).lower()},
             "resource_type": {"id": "publication-article"}}
            for r in related
        ]  # fmt: skip
    return sent


def requests(plan: Plan, server: str) -> list[str]:
    """The requests a deposit would make, for a dry run."""
    base = f"{server}/records"
    lines = []
    if plan.resume is not None:
        lines.append(f"GET    {base}/{segment(plan.resume)}/draft  resume the draft of an "
                     "earlier run")  # fmt: skip
    else:
        lines.append(
            f"GET    {server}/user/records?size=100&allversions=true  look for a deposition of "
            f"this version made earlier (its description says {plan.marker!r}); resume or stop "
            "if there is one"
        )
        if plan.parent is not None:
            parent = f"{base}/{segment(plan.parent)}"
            lines += [
                f"GET    {parent}  check it is the latest published version",
                f"POST   {parent}/versions  create the new version's draft",
                "POST   {draft}/pids/doi  reserve its DOI; the bundle is then built citing it",
                "POST   {draft}/actions/files-import  start from the previous version's files",
            ]
        else:
            lines += [
                f"POST   {base}  create a draft ({plan.title!r})",
                "POST   {draft}/pids/doi  reserve its DOI; the bundle is then built citing it",
            ]
    lines.append(
        "GET    {draft}/files  compare the draft's files with the bundle's; a file already "
        "there with the same md5 is kept, and one that differs is removed (DELETE)"
    )
    for name, (size, md5) in plan.uploads.items():
        lines.append(f"POST   {{draft}}/files, PUT {{draft}}/files/{segment(name)}/content, "
                     f"POST …/commit  {size:,} bytes, md5 {md5}")  # fmt: skip
    lines += [
        "GET    {draft}/files  check every md5 against the server's",
        f"PUT    {{draft}}  set the metadata (version {plan.version!r}, {plan.fields} fields)",
        "POST   {draft}/actions/publish  publish"
        if plan.publish
        else "(the draft is left unpublished: add --publish to publish it)",
    ]
    slug = plan.options.get("community")
    if slug and plan.publish and plan.parent is None:
        lines[-1:-1] = [f"GET    {server}/communities?q={slug}  look up the community {slug!r}"]
        lines.append("POST   {record}/communities  ask the community to include the record")
    return lines


INVENIO = RepositorySpec(
    name="invenio",
    title=TITLE,
    help="Deposit on an InvenioRDM repository (Zenodo's own API, or an institution's)",
    default_url=ZENODO_URL,
    sandbox_url=SANDBOX_URL,
    numeric_ids=False,  # stock ids are "abcde-12345"
    token_variable=TOKEN_VARIABLE,
    token_header="Authorization",
    token_how="create a personal access token in your account's applications settings on the "
    "InvenioRDM server (on Zenodo: with the deposit:write and deposit:actions scopes)",
    connect=InvenioRepository,
    metadata=metadata,
    requests=requests,
    options=(
        Option(
            "publisher",
            "NAME",
            # As RepositorySpec.publisher_at applies it (and publisher_rule, the README's table).
            "The repository's name, as its records show it: the record's publisher, which its "
            "DOI registration needs, and the publisher the bundle's metadata (datacite.xml) "
            "name. Without it: Zenodo on zenodo.org and sandbox.zenodo.org; elsewhere the "
            "bundle names the host of its address, and the record keeps the publisher the "
            "server sets, if any.",
        ),
        Option(
            "community",
            "SLUG",
            "Once published, ask this community (the name in its "
            "address, /communities/SLUG) to include the record; its curators decide.",
        ),
    ),
)
