"""A local Zenodo: the legacy deposit API as Zenodo serves it today, over real HTTP on 127.0.0.1.

Faithful to ../shared/reference/zenodo-api.md (sections 1, 2, 5 and its list of ten
behaviours): Bearer or ``?access_token`` auth with scopes; create (201, ``unsubmitted``, a
pre-reserved DOI, links to follow); bucket PUT of raw bytes (201, ``md5:`` checksum, a second PUT
replaces); the legacy files list with bare md5 hex; metadata PUT that replaces and validates, with
errors in the live ``messages`` form (or the legacy ``message`` form); publish (202, DOI, bucket
locked, no second publish); newversion (201, the new draft with the files copied and the
publication date cleared; one draft per concept); edit, discard, delete and list. Faults can be
injected: 429 with rate-limit headers, an HTML 502/504 before or *after* the action happened, a
connection reset mid-upload or after the action, a transient 403, a corrupted upload, and a
slow answer.

Run it on its own for a manual session (prints the base URL and a token)::

    python tests/support/zenodo_double.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

TOKEN = "double-token-7f3a9c"  # scopes deposit:write and deposit:actions
WRITE_ONLY_TOKEN = "double-token-write-only"
UPLOAD_TYPES = {
    "publication",
    "poster",
    "presentation",
    "dataset",
    "image",
    "video",
    "software",
    "lesson",
    "physicalobject",
    "other",
    "workflow",
}
ACCESS_RIGHTS = {"open", "embargoed", "restricted", "closed"}
HTML_504 = b"<html><head><title>504 Gateway Time-out</title></head><body>504</body></html>"
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>502</body></html>"


@dataclass
class Fault:
    method: str
    path: str  # a regular expression searched in the request path
    kind: str  # 429, 429-reset-only, 502, 504, 504-after, reset, reset-after, 403, corrupt, delay
    times: int = 1


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class Deposition:
    id: int
    owner: str
    concept: str
    bucket: str
    metadata: dict[str, Any]
    created: str
    state: str = "unsubmitted"
    submitted: bool = False
    files: dict[str, bytes] = field(default_factory=dict)
    file_ids: dict[str, str] = field(default_factory=dict)
    doi: str | None = None
    deleted: bool = False
    published_metadata: dict[str, Any] | None = None


class Reply(Exception):
    """Raised by a handler to answer with this status and body."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class ZenodoDouble:
    def __init__(self, *, legacy_errors: bool = False, quota: int = 50 * 10**9) -> None:
        self.tokens = {
            TOKEN: {"deposit:write", "deposit:actions"},
            WRITE_ONLY_TOKEN: {"deposit:write"},
        }
        self.legacy_errors = legacy_errors
        self.quota = quota
        self.delay = 3.0
        self.files_root: str | None = None  # set: links.files points to another server
        self.depositions: dict[int, Deposition] = {}
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self.next_id = 1000
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- control ----------------------------------------------------------------------------

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def url(self) -> str:
        """The API base URL, as a client is given it."""
        return f"{self.root}/api"

    def start(self) -> ZenodoDouble:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def inject(self, method: str, path: str, kind: str, times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(method, path, kind, times))

    def live(self) -> list[Deposition]:
        return [d for d in self.depositions.values() if not d.deleted]

    def _fault(self, method: str, path: str) -> str | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.search(fault.path, path):
                    fault.times -= 1
                    return fault.kind
        return None

    # --- representation ---------------------------------------------------------------------

    def dump(self, d: Deposition) -> dict[str, Any]:
        api = f"{self.url}/deposit/depositions/{d.id}"
        links = {
            "self": api,
            "html": f"{self.root}/deposit/{d.id}",
            "bucket": f"{self.url}/files/{d.bucket}",
            "files": f"{self.files_root}/api/deposit/depositions/{d.id}/files"
            if self.files_root
            else f"{api}/files",
            "publish": f"{api}/actions/publish",
            "edit": f"{api}/actions/edit",
            "discard": f"{api}/actions/discard",
            "newversion": f"{api}/actions/newversion",
        }
        draft = self._draft_of(d.concept)
        if draft is not None:
            links["latest_draft"] = f"{self.url}/deposit/depositions/{draft.id}"
            links["latest_draft_html"] = f"{self.root}/deposit/{draft.id}"
        if d.submitted:
            links |= {
                "record": f"{self.url}/records/{d.id}",
                "record_html": f"{self.root}/records/{d.id}",
                "latest": f"{self.url}/records/{self._latest(d.concept).id}",
                "latest_html": f"{self.root}/records/{self._latest(d.concept).id}",
                "doi": f"https://doi.org/{d.doi}",
            }
        metadata = dict(d.metadata)
        metadata["prereserve_doi"] = {"doi": f"10.5072/zenodo.{d.id}", "recid": d.id}
        body: dict[str, Any] = {
            "id": d.id,
            "record_id": d.id,
            "conceptrecid": d.concept,
            "created": d.created,
            "modified": _now(),
            "owner": hash(d.owner) % 10**5,
            "state": d.state,
            "submitted": d.submitted,
            "title": d.metadata.get("title", ""),
            "files": [self._file(d, name) for name in d.files],
            "metadata": metadata,
            "links": links,
        }
        if d.submitted:
            body |= {
                "doi": d.doi,
                "doi_url": f"https://doi.org/{d.doi}",
                "conceptdoi": f"10.5072/zenodo.{d.concept}",
            }
        return body

    def _file(self, d: Deposition, name: str) -> dict[str, Any]:
        file_id = d.file_ids[name]
        return {
            "id": file_id,
            "filename": name,
            "filesize": len(d.files[name]),
            "checksum": hashlib.md5(d.files[name]).hexdigest(),  # legacy list: bare hex
            "links": {
                "self": f"{self.url}/deposit/depositions/{d.id}/files/{file_id}",
                "download": f"{self.url}/records/{d.id}/files/{name}/content",
            },
        }

    def _versions(self, concept: str) -> list[Deposition]:
        return [d for d in self.live() if d.concept == concept]

    def _draft_of(self, concept: str) -> Deposition | None:
        drafts = [d for d in self._versions(concept) if d.state == "unsubmitted"]
        return drafts[-1] if drafts else None

    def _latest(self, concept: str) -> Deposition:
        published = [d for d in self._versions(concept) if d.submitted]
        return published[-1]

    # --- the API ----------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        owner: str,
        scopes: set[str],
    ) -> tuple[int, Any]:
        m = re.fullmatch(r"/api/deposit/depositions/?", path)
        if m and method == "GET":
            return 200, self._list(owner, query)
        if m and method == "POST":
            return 201, self._create(owner, _json_body(headers, body))
        m = re.fullmatch(r"/api/deposit/depositions/(\d+)", path)
        if m:
            d = self._own(int(m.group(1)), owner)
            if method == "GET":
                return 200, self.dump(d)
            if method == "PUT":
                return 200, self._put_metadata(d, _json_body(headers, body))
            if method == "DELETE":
                if d.submitted:
                    raise Reply(403, {"status": 403, "message": "Invalid action."})
                d.deleted = True
                return 204, None
        m = re.fullmatch(r"/api/deposit/depositions/(\d+)/files", path)
        if m and method == "GET":
            d = self._own(int(m.group(1)), owner)
            return 200, [self._file(d, n) for n in d.files]
        m = re.fullmatch(r"/api/deposit/depositions/(\d+)/actions/(\w+)", path)
        if m and method == "POST":
            if "deposit:actions" not in scopes:
                raise Reply(403, {"status": 403, "message": "The token lacks deposit:actions."})
            d = self._own(int(m.group(1)), owner)
            return getattr(self, f"_{m.group(2)}")(d)  # type: ignore[no-any-return]
        m = re.fullmatch(r"/api/files/([0-9a-f-]+)/(.+)", path)
        if m and method in ("PUT", "DELETE"):
            return self._bucket(method, m.group(1), unquote(m.group(2)), owner, headers, body)
        raise Reply(405 if m else 404, {"status": 404, "message": "Not found."})

    def _list(self, owner: str, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        size = int(query.get("size", ["10"])[0])
        if size > 100:
            raise Reply(400, {"status": 400, "message": "Page size cannot be greater than 100."})
        page = int(query.get("page", ["1"])[0])
        status = query.get("status", [None])[0]
        found = [d for d in self.live() if d.owner == owner]
        if status == "draft":
            found = [d for d in found if not d.submitted]
        elif status == "published":
            found = [d for d in found if d.submitted]
        if query.get("sort", [""])[0] == "mostrecent":
            found = found[::-1]
        return [self.dump(d) for d in found[(page - 1) * size : page * size]]

    def _create(self, owner: str, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - {"metadata"}
        if unknown:
            raise Reply(400, self._errors([(k, "Unknown field name.") for k in sorted(unknown)]))
        metadata = self._clean(body.get("metadata", {}), required=False)
        with self.lock:
            self.next_id += 2
            new_id = self.next_id
        d = Deposition(new_id, owner, str(new_id - 1), str(uuid.uuid4()), metadata, _now())
        self.depositions[new_id] = d
        return self.dump(d)

    def _put_metadata(self, d: Deposition, body: dict[str, Any]) -> dict[str, Any]:
        if d.submitted and d.state != "inprogress":
            raise Reply(404, {"status": 404, "message": "Not found."})  # live Zenodo's answer
        unknown = set(body) - {"metadata"}
        if unknown:
            raise Reply(400, self._errors([(k, "Unknown field name.") for k in sorted(unknown)]))
        d.metadata = self._clean(body.get("metadata", {}), required=True)  # replaces wholesale
        return self.dump(d)

    def _clean(self, metadata: dict[str, Any], *, required: bool) -> dict[str, Any]:
        """Zenodo's validation: unknown keys dropped, defaults applied, errors per field."""
        known = {
            "upload_type",
            "title",
            "creators",
            "description",
            "publication_date",
            "access_right",
            "license",
            "doi",
            "prereserve_doi",
            "keywords",
            "notes",
            "related_identifiers",
            "contributors",
            "communities",
            "grants",
            "subjects",
            "version",
            "language",
            "publication_type",
            "image_type",
            "embargo_date",
            "access_conditions",
            "references",
            "method",
            "locations",
            "dates",
        }
        m = {k: v for k, v in metadata.items() if k in known and k != "prereserve_doi"}
        errors: list[tuple[str, str]] = []
        if required:
            m.setdefault("publication_date", dt.date.today().isoformat())
            m.setdefault("access_right", "open")
            if m.get("access_right") in ("open", "embargoed") and "license" not in m:
                m["license"] = "cc-zero" if m.get("upload_type") == "dataset" else "cc-by-4.0"
            for key in ("upload_type", "title", "creators", "description"):
                if key not in m:
                    errors.append((f"metadata.{key}", "Missing data for required field."))
        if "upload_type" in m and m["upload_type"] not in UPLOAD_TYPES:
            errors.append(("metadata.upload_type", "Not a valid choice."))
        for key in ("title", "description"):
            if key in m and (not isinstance(m[key], str) or len(m[key].strip()) < 3):
                errors.append((f"metadata.{key}", "Shorter than minimum length 3."))
        if "creators" in m:
            creators = m["creators"]
            if not isinstance(creators, list) or not creators:
                errors.append(("metadata.creators", "Shorter than minimum length 1."))
            else:
                for i, c in enumerate(creators):
                    if not isinstance(c, dict) or not str(c.get("name", "")).strip():
                        errors.append((f"metadata.creators.{i}.name", "Name is required."))
        if "publication_date" in m and not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", str(m["publication_date"])
        ):
            errors.append(("metadata.publication_date", "Not a valid date."))
        if "access_right" in m and m["access_right"] not in ACCESS_RIGHTS:
            errors.append(("metadata.access_right", "Not a valid choice."))
        if "license" in m and not isinstance(m["license"], str):
            errors.append(("metadata.license", "Not a valid string."))
        if "version" in m and not isinstance(m["version"], str):
            errors.append(("metadata.version", "Not a valid string."))
        if errors:
            raise Reply(400, self._errors(errors))
        return m

    def _errors(self, errors: list[tuple[str, str]]) -> dict[str, Any]:
        if self.legacy_errors:
            return {
                "status": 400,
                "message": "Validation error.",
                "errors": [{"field": f, "message": msg} for f, msg in errors],
            }
        return {
            "status": 400,
            "message": "A validation error occurred.",
            "errors": [{"field": f, "messages": [msg]} for f, msg in errors],
        }

    def _publish(self, d: Deposition) -> tuple[int, Any]:
        if d.submitted and d.state != "inprogress":
            raise Reply(404, {"status": 404, "message": "Not found."})
        if not d.files:
            raise Reply(
                400,
                self._errors(
                    [
                        (
                            "files.enabled",
                            "Missing uploaded files. To "
                            "disable files for this record please mark it as "
                            "metadata-only.",
                        )
                    ]
                ),
            )
        self._clean(d.metadata, required=True)
        md5s = sorted(hashlib.md5(b).hexdigest() for b in d.files.values())
        for other in self._versions(d.concept):
            if (
                other is not d
                and other.submitted
                and md5s == sorted(hashlib.md5(b).hexdigest() for b in other.files.values())
            ):
                raise Reply(
                    400,
                    {
                        "status": 400,
                        "message": "New version's files must differ from all previous versions.",
                    },
                )
        d.metadata = self._clean(d.metadata, required=True)
        d.state, d.submitted, d.doi = "done", True, f"10.5072/zenodo.{d.id}"
        d.published_metadata = dict(d.metadata)
        return 202, self.dump(d)

    def _newversion(self, d: Deposition) -> tuple[int, Any]:
        if not d.submitted or d is not self._latest(d.concept):
            raise Reply(403, {"status": 403, "message": "Invalid action."})
        draft = self._draft_of(d.concept)
        if draft is not None:
            if draft.files:
                raise Reply(
                    400, self._errors([("files.enabled", "Please remove all files first.")])
                )
            return 201, self.dump(draft)
        with self.lock:
            self.next_id += 1
            new_id = self.next_id
        metadata = {k: v for k, v in d.metadata.items() if k not in ("publication_date", "doi")}
        new = Deposition(
            new_id,
            d.owner,
            d.concept,
            str(uuid.uuid4()),
            metadata,
            _now(),
            files=dict(d.files),
            file_ids={n: str(uuid.uuid4()) for n in d.files},
        )
        self.depositions[new_id] = new
        return 201, self.dump(new)  # today's server answers with the new draft itself

    def _edit(self, d: Deposition) -> tuple[int, Any]:
        if not d.submitted:
            raise Reply(400, {"status": 400, "message": "Record is not published."})
        d.state = "inprogress"
        return 201, self.dump(d)

    def _discard(self, d: Deposition) -> tuple[int, Any]:
        if d.state != "inprogress":
            raise Reply(400, {"status": 400, "message": "Nothing to discard."})
        d.state, d.metadata = "done", dict(d.published_metadata or d.metadata)
        return 201, self.dump(d)

    def _own(self, dep_id: int, owner: str) -> Deposition:
        d = self.depositions.get(dep_id)
        if d is None:
            raise Reply(404, {"status": 404, "message": "PID does not exist."})
        if d.deleted:
            raise Reply(410, {"status": 410, "message": "The record has been deleted."})
        if d.owner != owner:
            raise Reply(403, {"status": 403, "message": "You do not have permission."})
        return d

    def _bucket(
        self, method: str, bucket: str, key: str, owner: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        found = [d for d in self.live() if d.bucket == bucket]
        if not found:
            raise Reply(404, {"status": 404, "message": "Bucket does not exist."})
        d = found[0]
        if d.owner != owner:
            raise Reply(403, {"status": 403, "message": "You do not have permission."})
        if d.submitted and d.state != "inprogress":
            raise Reply(403, {"status": 403, "message": "Bucket is locked for modifications."})
        if method == "DELETE":
            if key not in d.files:
                raise Reply(404, {"status": 404, "message": "Object does not exist."})
            del d.files[key], d.file_ids[key]
            return 204, None
        if headers.get("content-type", "").startswith("multipart/"):
            raise Reply(400, {"status": 400, "message": "Multipart uploads are not accepted."})
        if sum(len(b) for n, b in d.files.items() if n != key) + len(body) > self.quota:
            raise Reply(400, {"status": 400, "message": "Bucket quota exceeded."})
        d.files[key] = body
        d.file_ids.setdefault(key, str(uuid.uuid4()))
        return 201, {
            "key": key,
            "mimetype": headers.get("content-type", "application/octet-stream"),
            "checksum": f"md5:{hashlib.md5(body).hexdigest()}",
            "size": len(body),
            "version_id": str(uuid.uuid4()),
            "created": _now(),
            "updated": _now(),
            "is_head": True,
            "delete_marker": False,
            "links": {"self": f"{self.url}/files/{bucket}/{key}"},
        }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _json_body(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    if not headers.get("content-type", "").startswith("application/json"):
        raise Reply(415, {"status": 415, "message": "Unsupported media type."})
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise Reply(400, {"status": 400, "message": "Malformed JSON."}) from None
    if not isinstance(data, dict):
        raise Reply(400, {"status": 400, "message": "Expected an object."})
    return data


def _handler(double: ZenodoDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body leave in two writes: without this, Nagle's algorithm holds the
            # body until the client's delayed ACK, 40 ms per request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = Recorded(method, parts.path, parts.query, headers)
            with double.lock:
                double.requests.append(record)
            fault = double._fault(method, parts.path)
            length = int(headers.get("content-length", "0") or 0)
            if fault == "reset":
                self.rfile.read(length // 2)  # part of the body, then the connection drops
                return self._reset()
            body = self._body(headers, length)
            if fault == "delay":  # a slow server: time for a client to give up or be killed
                time.sleep(double.delay)
            if fault == "429-reset-only":  # rate-limit headers only, the server's clock behind
                reset = int(dt.datetime.now(dt.UTC).timestamp()) - 3
                return self._send(record, 429, {"status": 429, "message": "Too many requests."},
                                  {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
                                   "X-RateLimit-Reset": str(reset)})  # fmt: skip
            if fault == "429":
                reset = int(dt.datetime.now(dt.UTC).timestamp()) + 1
                return self._send(
                    record,
                    429,
                    {"status": 429, "message": "Too many requests."},
                    {
                        "X-RateLimit-Limit": "100",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": str(reset),
                        "Retry-After": "1",
                    },
                )
            if fault in ("502", "504"):
                return self._send(record, int(fault), HTML_502 if fault == "502" else HTML_504)
            if fault == "403":
                return self._send(record, 403, {"status": 403, "message": "Forbidden."})
            if fault == "corrupt" and body:
                body = body[:-1] + bytes([body[-1] ^ 0xFF])
            query = parse_qs(parts.query)
            token = (
                headers.get("authorization", "").removeprefix("Bearer ").strip()
                or (query.get("access_token", [""])[0])
            )
            try:
                if token not in double.tokens:
                    raise Reply(
                        401,
                        {
                            "status": 401,
                            "message": "The server could not verify "
                            "that you are authorized to access the URL requested.",
                        },
                    )
                with double.lock:
                    status, payload = double.handle(
                        method, parts.path, query, headers, body, token, double.tokens[token]
                    )
            except Reply as reply:
                return self._send(record, reply.status, reply.body, reply.headers)
            if fault == "504-after":
                return self._send(record, 504, HTML_504)
            if fault == "reset-after":
                return self._reset()
            return self._send(record, status, payload)

        def _body(self, headers: dict[str, str], length: int) -> bytes:
            if headers.get("transfer-encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(length) if length else b""

        def _reset(self) -> None:
            # SO_LINGER with a zero timeout makes close() send a TCP reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def _send(
            self, record: Recorded, status: int, payload: Any, headers: dict[str, str] | None = None
        ) -> None:
            record.status = status
            if isinstance(payload, bytes):
                data, kind = payload, "text/html"
            elif payload is None:
                data, kind = b"", "application/json"
            else:
                data, kind = json.dumps(payload).encode(), "application/json"
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if status != 204:
                self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            try:
                self.end_headers()
                if status != 204:
                    self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away, as clients do

    return Handler


if __name__ == "__main__":  # pragma: no cover
    double = ZenodoDouble().start()
    print(f"Zenodo test double at {double.url}; token: {TOKEN} (Ctrl-C stops it)", flush=True)
    try:
        double.thread.join()
    except KeyboardInterrupt:
        double.stop()
