"""A local InvenioRDM: its REST API as ../shared/reference/invenio-rdm-api.md describes it, over
real HTTP on 127.0.0.1.

The HTTP side (real sockets, the token, injected faults, the request log) is the Zenodo double's
(`support.zenodo_double`): only the API differs. Kept faithful to the reference's traps, which
are what the client must survive:

- a draft saves invalid metadata with 200/201 and an ``errors`` list, dropping the field (§3);
- rights are ``{"id": ...}`` alone: an id with any other key is a field error; an unknown
  vocabulary id fails the whole request with 400 "Not a valid value." (§3, §4);
- a new version (``/versions``, idempotent) loses ``publication_date`` and ``version`` and has
  no files; ``files-import`` is refused on a draft that has files (§7);
- commit answers the md5 of what it stored and never checks the client's (§5): the
  ``corrupt`` fault stores altered bytes and commit reports them faithfully;
- publish answers 202, the draft disappears, ``GET /records/{id}`` of a draft is 404 (§7).

Run it on its own for a manual session (prints the base URL and a token)::

    python tests/support/invenio_double.py
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from support.zenodo_double import TOKEN, Reply, ZenodoDouble, _json_body, _now

__all__ = ["TOKEN", "InvenioDouble"]

LICENCES = {"cc-by-4.0", "cc0-1.0", "cc-by-nc-4.0", "cc-by-sa-4.0"}
RESOURCE_TYPES = {"dataset", "publication-article", "software"}
RELATIONS = {"issupplementto", "iscitedby", "references", "isversionof"}
DESCRIPTION_TYPES = {"abstract", "methods", "technical-info", "other"}
REQUIRED = ("resource_type", "title", "publication_date", "creators")
EDTF = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?(/\d{4}(-\d{2}(-\d{2})?)?)?")


@dataclass
class Record:
    id: str
    owner: str
    parent: str
    index: int
    metadata: dict[str, Any]
    access: dict[str, Any]
    created: str = field(default_factory=_now)
    published: bool = False
    draft: bool = True  # has a draft (a new record's, or an edit's)
    files: dict[str, bytes] = field(default_factory=dict)
    committed: set[str] = field(default_factory=set)
    doi: str = ""  # reserved or minted


class InvenioDouble(ZenodoDouble):
    def __init__(self, *, doi_provider: bool = True) -> None:
        super().__init__()
        self.doi_provider = doi_provider  # False: an instance without DataCite (no reserve_doi)
        self.records: dict[str, Record] = {}
        self.serial = 0
        self.communities = {"dah-registry": "8c3f6a2e-1b7d-4e0a-9f5c-2d4b6a8e0c1f"}
        self.inclusions: list[tuple[str, str]] = []  # (record, community id) requests
        self.closed: set[str] = set()  # communities whose submission policy is closed
        self.hidden: set[str] = set()  # files the listing leaves out
        self.listing_md5: dict[str, str] = {}  # files the listing gives another md5
        self.doi_link_root: str | None = None  # set: reserve_doi points to another server

    # --- representation ---------------------------------------------------------------------

    def live(self) -> list[Record]:  # type: ignore[override]
        return list(self.records.values())

    def _new_id(self) -> str:
        self.serial += 1
        letters = string.ascii_lowercase
        n = self.serial
        return f"{letters[n % 26]}{letters[n // 26 % 26]}abc-{10000 + n}"

    def show(self, r: Record, *, as_draft: bool) -> dict[str, Any]:
        api = f"{self.url}/records/{r.id}"
        links = {"self": f"{api}/draft" if as_draft else api, "self_html":
                 f"{self.root}/uploads/{r.id}" if as_draft else f"{self.root}/records/{r.id}",
                 "record": api, "versions": f"{api}/versions", "files":
                 f"{api}/draft/files" if as_draft else f"{api}/files"}  # fmt: skip
        if as_draft:
            links |= {"publish": f"{api}/draft/actions/publish",
                      "files_import": f"{api}/draft/actions/files-import"}  # fmt: skip
            if self.doi_provider:
                other = f"{self.doi_link_root}/api/records/{r.id}" if self.doi_link_root else api
                links["reserve_doi"] = f"{other}/draft/pids/doi"
        else:
            links["latest"] = f"{self.url}/records/{self._latest(r.parent).id}"
        if r.published and r.doi:
            links["doi"] = f"https://doi.org/{r.doi}"
        pids = {"doi": {"identifier": r.doi, "provider": "datacite", "client": "datacite"}}
        return {
            "id": r.id,
            "status": "draft" if as_draft else "published",
            "is_published": r.published,
            "is_draft": as_draft,
            "created": r.created,
            "updated": _now(),
            "metadata": dict(r.metadata),
            "access": dict(r.access),
            "files": {"enabled": True, "count": len(r.files)},
            "pids": pids if r.doi else {},
            "parent": {"id": r.parent},
            "versions": {"index": r.index, "is_latest": r is self._latest(r.parent)},
            "links": links,
        }

    def _versions_of(self, parent: str) -> list[Record]:
        return sorted((r for r in self.live() if r.parent == parent), key=lambda r: r.index)

    def _latest(self, parent: str) -> Record:
        published = [r for r in self._versions_of(parent) if r.published]
        return published[-1] if published else self._versions_of(parent)[-1]

    def entries(self, r: Record) -> list[dict[str, Any]]:
        return [{"key": key, "status": "completed" if key in r.committed else "pending",
                 "size": len(data), "checksum": f"md5:{hashlib.md5(data).hexdigest()}"
                 if key in r.committed else None,
                 "links": {"self": f"{self.url}/records/{r.id}/draft/files/{key}"}}
                for key, data in r.files.items()]  # fmt: skip

    def listed(self, r: Record) -> list[dict[str, Any]]:
        """The listing, as a faulty server may give it after a commit that said all was well:
        a file left out (``hidden``), an md5 other than the one committed (``listing_md5``)."""
        entries = [e for e in self.entries(r) if e["key"] not in self.hidden]
        return [e | ({"checksum": f"md5:{self.listing_md5[e['key']]}"}
                     if e["key"] in self.listing_md5 else {}) for e in entries]  # fmt: skip

    # --- the API ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]],
               headers: dict[str, str], body: bytes, owner: str,
               scopes: set[str]) -> tuple[int, Any]:  # fmt: skip
        if path == "/api/records" and method == "POST":
            return self._create(owner, _json_body(headers, body))
        if path == "/api/user/records" and method == "GET":
            return 200, self._search(owner, query)
        if path == "/api/communities" and method == "GET":
            q = query.get("q", [""])[0]
            hits = [{"id": i, "slug": slug} for slug, i in self.communities.items() if q in slug]
            return 200, {"hits": {"hits": hits, "total": len(hits)}}
        m = re.fullmatch(r"/api/records/([^/]+)(/.*)?", path)
        if not m:
            raise Reply(404, {"status": 404, "message": "Not found."})
        r = self._own(unquote(m.group(1)), owner)
        rest = m.group(2) or ""
        if rest == "" and method == "GET":
            if not r.published:
                raise Reply(
                    404, {"status": 404, "message": "The persistent identifier is not registered."}
                )
            return 200, self.show(r, as_draft=False)
        if rest == "/communities" and method == "POST" and r.published:
            answer = self._include(r, _json_body(headers, body))
            return (200 if answer.get("processed") else 400), answer  # as the real resource
        if rest == "/versions" and method == "POST":
            return self._new_version(r)
        if not r.draft:
            raise Reply(404, {"status": 404, "message": "Draft not found."})
        if rest == "/draft":
            if method == "GET":
                return 200, self.show(r, as_draft=True)
            if method == "PUT":
                return 200, self._update(r, _json_body(headers, body))
            if method == "DELETE" and not r.published:
                del self.records[r.id]
                return 204, None
        if rest == "/draft/pids/doi" and method == "POST":
            if r.doi:
                raise self._invalid([("pids.doi", "A PID already exists for type doi")])
            r.doi = f"10.5072/invenio.{r.id}"
            return 201, self.show(r, as_draft=True)
        if rest == "/draft/files":
            if method == "GET":
                return 200, {"enabled": True, "entries": self.listed(r)}
            if method == "POST":
                return self._init(r, json.loads(body or b"null"))
        m = re.fullmatch(r"/draft/files/([^/]+)(/content|/commit)?", rest)
        if m:
            return self._file(r, method, unquote(m.group(1)), m.group(2) or "", headers, body)
        if rest == "/draft/actions/publish" and method == "POST":
            return self._publish(r)
        if rest == "/draft/actions/files-import" and method == "POST":
            return self._import(r)
        raise Reply(405, {"status": 405, "message": "Method not allowed."})

    def _own(self, record_id: str, owner: str) -> Record:
        r = self.records.get(record_id)
        if r is None:
            raise Reply(
                404, {"status": 404, "message": "The persistent identifier does not exist."}
            )
        if r.owner != owner:
            raise Reply(403, {"status": 403, "message": "Permission denied."})
        return r

    def _search(self, owner: str, query: dict[str, list[str]]) -> dict[str, Any]:
        size, page = int(query.get("size", ["10"])[0]), int(query.get("page", ["1"])[0])
        if size * page > 10_000:
            raise Reply(400, {"status": 400, "message": "Invalid querystring parameters."})
        found = [r for r in self.live() if r.owner == owner][::-1]  # newest first
        hits = [self.show(r, as_draft=r.draft) for r in found[(page - 1) * size : page * size]]
        links = {"self": f"{self.url}/user/records?size={size}&page={page}"}
        if page * size < len(found):
            links["next"] = f"{self.url}/user/records?size={size}&page={page + 1}"
        return {"hits": {"hits": hits, "total": len(found)}, "links": links}

    def _create(self, owner: str, body: dict[str, Any]) -> tuple[int, Any]:
        metadata, errors = self._clean(body.get("metadata") or {})
        r = Record(self._new_id(), owner, "", 1, metadata, body.get("access") or
                   {"record": "public", "files": "public"})  # fmt: skip
        r.parent = f"p-{r.id}"
        self.records[r.id] = r
        return 201, self.show(r, as_draft=True) | ({"errors": errors} if errors else {})

    def _update(self, r: Record, body: dict[str, Any]) -> dict[str, Any]:
        r.metadata, errors = self._clean(body.get("metadata") or {})  # replaces wholesale
        r.access = body.get("access") or r.access
        return self.show(r, as_draft=True) | ({"errors": errors} if errors else {})

    def _clean(self, metadata: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The draft's leniency: each invalid field dropped and reported; an unknown vocabulary
        id fails the whole request (§3)."""
        kept, errors = dict(metadata), []
        vocabularies = [("resource_type", metadata.get("resource_type"), RESOURCE_TYPES)]
        vocabularies += [("rights", x, LICENCES) for x in metadata.get("rights", [])]
        vocabularies += [("relation", (x or {}).get("relation_type"), RELATIONS)
                         for x in metadata.get("related_identifiers", [])]  # fmt: skip
        for _, value, known in vocabularies:
            if isinstance(value, dict) and "id" in value and value["id"] not in known:
                raise Reply(400, {"status": 400, "message": "Not a valid value."})

        def bad(key: str, where: str, message: str) -> None:
            kept.pop(key, None)
            errors.append({"field": f"metadata.{where}", "messages": [message]})

        if "title" in kept and len(str(kept["title"]).strip()) < 3:
            bad("title", "title", "Shorter than minimum length 3.")
        if "publication_date" in kept and not EDTF.fullmatch(str(kept["publication_date"])):
            bad("publication_date", "publication_date", "Please provide a valid date or interval.")
        for i, right in enumerate(kept.get("rights", [])):
            if "id" in right and len(right) > 1:
                bad("rights", f"rights.{i}", "Only an existing id or free text can be "
                    "provided, not both.")  # fmt: skip
                break
        for i, creator in enumerate(kept.get("creators", [])):
            person = creator.get("person_or_org", {}) if isinstance(creator, dict) else {}
            if person.get("type") == "personal" and not person.get("family_name"):
                bad("creators", f"creators.{i}.person_or_org.family_name",
                    "Family name must be filled.")  # fmt: skip
                break
        for i, d in enumerate(kept.get("additional_descriptions", [])):
            if (d.get("type") or {}).get("id") not in DESCRIPTION_TYPES:
                bad("additional_descriptions", f"additional_descriptions.{i}.type",
                    "Not a valid value.")  # fmt: skip
                break
        return kept, errors

    def _invalid(self, errors: list[tuple[str, str]]) -> Reply:
        listed = [{"field": f, "messages": [m]} for f, m in errors]
        return Reply(
            400, {"status": 400, "message": "A validation error occurred.", "errors": listed}
        )

    def _init(self, r: Record, entries: Any) -> tuple[int, Any]:
        if r.published:
            raise Reply(403, {"status": 403, "message": "Permission denied."})  # locked (§7)
        if not isinstance(entries, list):
            raise Reply(400, {"status": 400, "message": "Expected a list of files."})
        for entry in entries:
            key = entry.get("key")
            if key in r.files:
                raise Reply(400, {"status": 400, "message": f"File with key {key} already exists."})
            r.files[key] = b""
        return 201, {"enabled": True, "entries": self.entries(r)}

    def _file(self, r: Record, method: str, key: str, action: str, headers: dict[str, str],
              body: bytes) -> tuple[int, Any]:  # fmt: skip
        if key not in r.files:
            raise Reply(404, {"status": 404, "message": "File not found."})
        if r.published:
            raise Reply(403, {"status": 403, "message": "Permission denied."})
        if action == "" and method == "DELETE":
            del r.files[key]
            r.committed.discard(key)
            return 204, None
        if action == "" and method == "GET":
            return 200, next(e for e in self.entries(r) if e["key"] == key)
        if action == "/content" and method == "PUT":
            if key in r.committed:
                raise Reply(
                    400, {"status": 400, "message": f'File with key "{key}" is already committed.'}
                )
            r.files[key] = body  # verbatim, whatever the content type (§5)
            return 200, next(e for e in self.entries(r) if e["key"] == key)
        if action == "/commit" and method == "POST":
            r.committed.add(key)  # no comparison with any checksum the client gave
            entry = next(e for e in self.entries(r) if e["key"] == key)
            return 200, entry | {"mimetype": "application/octet-stream", "file_id": key}
        raise Reply(405, {"status": 405, "message": "Method not allowed."})

    def _publish(self, r: Record) -> tuple[int, Any]:
        missing = [(f"metadata.{k}", "Missing data for required field.")
                   for k in REQUIRED if not r.metadata.get(k)]  # fmt: skip
        if self.doi_provider and not r.metadata.get("publisher"):  # DataCite needs one (§6)
            missing.append(("metadata.publisher", "Missing publisher field required for DOI "
                            "registration."))  # fmt: skip
        if not r.files:
            missing.append(("files.enabled", "Missing uploaded files. To disable files for this "
                            "record please mark it as metadata-only."))  # fmt: skip
        elif set(r.files) - r.committed:
            missing.append(("files", "One or more files have not completed their transfer, "
                            "please wait."))  # fmt: skip
        if missing:
            raise self._invalid(missing)
        r.published, r.draft = True, False
        if self.doi_provider:
            r.doi = r.doi or f"10.5072/invenio.{r.id}"  # minted now when not reserved (§6)
        return 202, self.show(r, as_draft=False)

    def _new_version(self, r: Record) -> tuple[int, Any]:
        if not r.published:
            raise Reply(403, {"status": 403, "message": "Permission denied."})
        versions = self._versions_of(r.parent)
        pending = [v for v in versions if not v.published]
        if pending:  # idempotent: the next draft as it is (§7)
            return 201, self.show(pending[0], as_draft=True)
        latest = self._latest(r.parent)
        metadata = {k: v for k, v in latest.metadata.items()
                    if k not in ("publication_date", "version")}  # fmt: skip
        new = Record(self._new_id(), r.owner, r.parent, versions[-1].index + 1, metadata,
                     dict(latest.access))  # fmt: skip
        self.records[new.id] = new
        return 201, self.show(new, as_draft=True)

    def _include(self, r: Record, body: dict[str, Any]) -> dict[str, Any]:
        """invenio-rdm-records ``RecordCommunitiesService.add``: a request per community, or
        an error naming it; the messages of its services/errors.py."""
        processed, errors = [], []
        for wanted in body.get("communities", []):
            result = {"community_id": wanted.get("id")}
            if wanted.get("id") not in self.communities.values():
                errors.append(result | {"message": "Community not found."})
            elif (r.id, wanted["id"]) in self.inclusions:
                errors.append(result | {"message": "There is already an open inclusion request "
                                                   "for this community."})  # fmt: skip
            elif wanted["id"] in self.closed:
                errors.append(result | {"message": "Submission to this community is only "
                                                   "allowed to community members."})  # fmt: skip
            else:
                self.inclusions.append((r.id, wanted["id"]))
                processed.append(result | {"request_id": f"req-{r.id}"})
        answer: dict[str, Any] = {}
        if processed:
            answer["processed"] = processed
        if errors:
            answer["errors"] = errors
        return answer

    def _import(self, r: Record) -> tuple[int, Any]:
        if r.files:
            raise self._invalid([("files.enabled", "Please remove all files first.")])
        previous = [v for v in self._versions_of(r.parent) if v.published]
        if not previous or not previous[-1].files:
            raise Reply(400, {"status": 400, "message": "The previous version has no files."})
        r.files, r.committed = dict(previous[-1].files), set(previous[-1].files)
        return 201, {"enabled": True, "entries": self.entries(r)}


if __name__ == "__main__":  # pragma: no cover
    double = InvenioDouble().start()
    print(f"InvenioRDM test double at {double.url}; token: {TOKEN} (Ctrl-C stops it)", flush=True)
    try:
        double.thread.join()
    except KeyboardInterrupt:
        double.stop()
