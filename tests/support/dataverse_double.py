"""A local Dataverse: the native API as ../shared/reference/dataverse-api.md describes it, over
real HTTP on 127.0.0.1.

Behaves as the reference's sections 2 to 7 and its pitfalls say: the token only in
``X-Dataverse-key`` (or ``?key=``), 401 for a bad token *and* for no permission; the envelope
``{"status": "OK", "data": ...}``; create 201 with a PID assigned at once; metadata refused as
IQSS/dataverse's code refuses it: ``validateDatasetJson`` answers 200 either way with its verdict
in the message, create and edit answer 400 "Error parsing Json" for what the parser refuses (a
controlled value or licence unknown) and 403 "Validation Failed: a, b." for a missing required
field or a bad e-mail (``validateOrDie``); native add (200) with
tabular ingest ON unless ``"tabIngest":"false"``: CSV/XLSX/SAV/DTA become ``.tab`` with the
original's md5 kept and an ``Ingest`` lock for a while; a re-sent name renamed ``-1``; a ``.zip``
unpacked into its members (a zip inside it kept whole); a published dataset's edit makes one
DRAFT; publish asynchronous behind a ``finalizePublication`` lock, 403 while locked, 403 for a
``minor`` first publication, 409 without a licence; with ``workflow`` set, publish answers 202
``{"status": "WORKFLOW_IN_PROGRESS"}`` and releases the version once its Workflow lock is lifted;
a file deleted while the dataset is locked, 400. Faults are injected like the Zenodo double's:
429 with Retry-After, an HTML 502/504 before or after the action, a connection reset during the
request or after the action, and a slow answer.

Run it on its own for a manual session (prints the base URL, a collection and a token)::

    python tests/support/dataverse_double.py
"""

from __future__ import annotations

import io
import json
import re
import socket
import struct
import threading
import time
import zipfile
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "dv-double-token-5c1e8b2a"
GUEST_TOKEN = "dv-double-token-no-rights"  # valid, but not allowed to add to the collection
COLLECTION = "dah"
SUBJECTS = {"Medicine, Health and Life Sciences", "Other", "Social Sciences"}
SCHEMES = {"ORCID", "ROR", "ISNI", "LCNA", "VIAF", "GND", "DAI", "ResearcherID", "ScopusID"}
LICENSES = {"CC0 1.0": "http://creativecommons.org/publicdomain/zero/1.0",
            "CC BY 4.0": "http://creativecommons.org/licenses/by/4.0"}  # fmt: skip
INGESTED = (".csv", ".tsv", ".xlsx", ".sav", ".dta", ".por")
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>502</body></html>"
HTML_504 = b"<html><head><title>504 Gateway Time-out</title></head><body>504</body></html>"


@dataclass
class Fault:
    method: str
    path: str  # a regular expression searched in the request path
    kind: str  # 429, 502, 504, 504-after, reset, reset-after, delay, 500, echo
    times: int = 1
    after: int = 0  # matching requests let through first


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class DataFile:
    id: int
    label: str
    data: bytes  # what a download gives: the .tab when ingested
    md5: str  # of the bytes as uploaded (the original's, also when ingested)
    content_type: str
    original: str = ""  # the original's name when ingested


@dataclass
class Version:
    metadata: dict[str, Any]  # the datasetVersion object as sent (license, metadataBlocks)
    files: list[DataFile] = field(default_factory=list)
    number: tuple[int, int] | None = None  # None: the DRAFT


@dataclass
class Dataset:
    id: int
    pid: str
    versions: list[Version] = field(default_factory=list)
    locks: dict[str, float] = field(default_factory=dict)  # type -> monotonic end
    pending: tuple[int, int] | None = None  # released once the Workflow lock is lifted

    @property
    def latest(self) -> Version:
        return self.versions[-1]


class Reply(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(status)
        self.status, self.body = status, {"status": "ERROR", "message": message, **extra}


class DataverseDouble:
    def __init__(self, *, lock_seconds: float = 0.3) -> None:
        self.tokens = {TOKEN: "@author", GUEST_TOKEN: "@guest"}
        self.lock_seconds = lock_seconds
        self.licenses = dict(LICENSES)  # the installation's active licences
        self.required = REQUIRED  # the collection's required fields (it may add its own)
        self.workflow = False  # True: a pre-publish workflow runs, publish answers 202
        self.hidden: set[str] = set()  # files the listing leaves out
        self.listing_md5: dict[str, str] = {}  # files the listing gives another md5
        self.corrupt: list[str] = []  # names whose next upload arrives with a byte changed
        self.delay = 3.0
        self.datasets: dict[int, Dataset] = {}
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self.next_id = 40
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- control ----------------------------------------------------------------------------

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def url(self) -> str:
        return f"{self.root}/api"

    def start(self) -> DataverseDouble:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def inject(self, method: str, path: str, kind: str, times: int = 1, after: int = 0) -> None:
        with self.lock:
            self.faults.append(Fault(method, path, kind, times, after))

    def _fault(self, method: str, path: str) -> str | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.search(fault.path, path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    return fault.kind
        return None

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    # --- representation ---------------------------------------------------------------------

    def _file(self, f: DataFile) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": f.id, "filename": f.label, "contentType": f.content_type,
            "filesize": len(f.data), "md5": f.md5,
            "checksum": {"type": "MD5", "value": f.md5},
            "tabularData": bool(f.original), "rootDataFileId": -1,
        }  # fmt: skip
        if f.original:
            data |= {"originalFileName": f.original, "originalFileFormat": "text/csv"}
        return {"label": f.label, "restricted": False, "dataFile": data}

    def _version(self, d: Dataset, v: Version) -> dict[str, Any]:
        out = {**v.metadata, "datasetId": d.id, "datasetPersistentId": d.pid,
               "versionState": "DRAFT" if v.number is None else "RELEASED",
               "files": [self._file(f) for f in v.files]}  # fmt: skip
        if v.number is not None:
            out |= {"versionNumber": v.number[0], "versionMinorNumber": v.number[1]}
        return out

    def dump(self, d: Dataset) -> dict[str, Any]:
        self._locked(d)
        pid = d.pid.removeprefix("doi:")
        return {"id": d.id, "identifier": pid.split("/", 1)[1], "persistentUrl":
                f"https://doi.org/{pid}", "protocol": "doi", "authority": pid.split("/")[0],
                "latestVersion": self._version(d, d.latest)}  # fmt: skip

    # --- the API ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]],
               headers: dict[str, str], body: bytes, user: str) -> tuple[int, Any]:  # fmt: skip
        if method == "GET" and path == "/api/info/version":
            return 200, {"version": "6.11", "build": "double"}
        if method == "GET" and path == "/api/files/fixityAlgorithm":
            return 200, {"message": "MD5"}
        m = re.fullmatch(r"/api/dataverses/([^/]+)/(datasets|contents|validateDatasetJson)", path)
        if m:
            if m[1] != COLLECTION:
                raise Reply(404, f"Can't find dataverse with identifier='{m[1]}'")
            if m[2] == "contents" and method == "GET":
                return 200, [{"type": "dataset", "id": d.id, "protocol": "doi",
                              "persistentUrl": f"https://doi.org/{d.pid[4:]}"}
                             for d in self.datasets.values()]  # fmt: skip
            if m[2] == "validateDatasetJson" and method == "POST":
                self._may(user)  # AddDataset
                version = _json(body).get("datasetVersion")
                verdict = _schema_check(version if isinstance(version, dict) else {},
                                        self.required)  # fmt: skip
                return 200, {"message": verdict}  # AbstractApiBean.ok(String)
            if m[2] == "datasets" and method == "POST":
                self._may(user)
                return 201, self._create(body)
        m = re.fullmatch(r"/api/datasets/(:persistentId|\d+)(/.*)?", path)
        if m:
            d = self._dataset(m[1], query)
            return self._on_dataset(method, d, m[2] or "", query, headers, body, user)
        m = re.fullmatch(r"/api/files/(\d+)", path)
        if m and method == "DELETE":
            self._may(user)
            for d in self.datasets.values():
                for f in list(d.latest.files):
                    if f.id == int(m[1]):
                        if self._locked(d):  # the command fails; Files.java answers 400
                            raise Reply(
                                400,
                                f"Delete failed for file ID {f.id} (CommandException)"
                                f": Dataset is locked. Reason: {self._locked(d)[0]}",
                            )
                        self._draft(d).files[:] = [x for x in d.latest.files if x.id != f.id]
                        return 200, {"message": f"Deleted file {f.id}"}
            raise Reply(404, f"File with ID {m[1]} not found.")
        raise Reply(404, "API endpoint does not exist on this server.")

    def _may(self, user: str) -> None:
        if user != "@author":
            raise Reply(401, f"User {user} is not permitted to perform requested action.")

    def _dataset(self, key: str, query: dict[str, list[str]]) -> Dataset:
        if key == ":persistentId":
            pid = query.get("persistentId", [""])[0]
            found = [d for d in self.datasets.values() if d.pid == pid]
        else:
            found = [self.datasets[int(key)]] if int(key) in self.datasets else []
        if not found:
            raise Reply(404, "Dataset with ID " + key + " not found.")
        return found[0]

    def _create(self, body: bytes) -> dict[str, Any]:
        version = _json(body).get("datasetVersion")
        if not isinstance(version, dict):
            raise Reply(400, "Error parsing datasetVersion: missing datasetVersion")
        _checked(version, self.licenses, self.required, "Error parsing Json: ")
        d = Dataset(self._id(), f"doi:10.5072/FK2/DV{self.next_id:04d}")
        d.versions.append(Version(version))
        self.datasets[d.id] = d
        return {"id": d.id, "persistentId": d.pid}

    def _draft(self, d: Dataset) -> Version:
        """The draft, made from the latest published version on the first edit."""
        if d.latest.number is not None:
            d.versions.append(Version(dict(d.latest.metadata), list(d.latest.files)))
        return d.latest

    def _locked(self, d: Dataset) -> list[str]:
        now = time.monotonic()
        d.locks = {k: end for k, end in d.locks.items() if end > now}
        if d.pending is not None and "Workflow" not in d.locks:  # the workflow went on
            d.latest.number, d.pending = d.pending, None
        return list(d.locks)

    def _unlocked(self, d: Dataset, message: str) -> None:
        locks = self._locked(d)
        if locks:
            raise Reply(403, f"{message}. Reason: {locks[0]}. Please try publishing later.")

    def _on_dataset(self, method: str, d: Dataset, rest: str, query: dict[str, list[str]],
                    headers: dict[str, str], body: bytes,
                    user: str) -> tuple[int, Any]:  # fmt: skip
        if method == "GET" and rest == "":
            return 200, self.dump(d)
        if method == "GET" and rest == "/locks":
            return 200, [{"lockType": k, "date": "2026-11-29T00:00:00Z", "user": "author"}
                         for k in self._locked(d)]  # fmt: skip
        m = re.fullmatch(r"/versions/([^/]+)(/files)?", rest)
        if m and method == "GET":
            version = self._find_version(d, m[1])
            if m[2]:  # as a faulty server may list them: one left out, one with another md5
                listed = [self._file(f) for f in version.files if f.label not in self.hidden]
                for f in listed:
                    if f["label"] in self.listing_md5:
                        f["dataFile"]["md5"] = self.listing_md5[f["label"]]
                        f["dataFile"]["checksum"]["value"] = self.listing_md5[f["label"]]
                return 200, listed
            return 200, self._version(d, version)
        if method == "PUT" and rest == "/versions/:draft":
            self._may(user)
            self._unlocked(d, "This dataset is locked")
            version = _json(body)
            _checked(version, self.licenses, self.required, "Error parsing dataset version: ")
            self._draft(d).metadata = version
            return 200, self._version(d, d.latest)
        if method == "POST" and rest == "/add":
            self._may(user)
            self._unlocked(d, "Dataset cannot be edited due to dataset lock")
            return 200, {"files": self._add(d, headers, body)}
        if method == "POST" and rest == "/actions/:publish":
            self._may(user)
            published = self._publish(d, query.get("type", [""])[0])
            # Datasets.publishDataset: 202 when a workflow will finish the publication
            return (202 if self.workflow else 200), published
        raise Reply(404, "API endpoint does not exist on this server.")

    def _find_version(self, d: Dataset, spec: str) -> Version:
        released = [v for v in d.versions if v.number is not None]
        if spec == ":draft" and d.latest.number is None:
            return d.latest
        if spec == ":latest":
            return d.latest
        if spec == ":latest-published" and released:
            return released[-1]
        for v in released:
            if spec == f"{v.number[0]}.{v.number[1]}":  # type: ignore[index]
                return v
        raise Reply(404, f"Dataset version {spec} of dataset {d.id} not found")

    def _add(self, d: Dataset, headers: dict[str, str], body: bytes) -> list[dict[str, Any]]:
        parts = _multipart(headers.get("content-type", ""), body)
        if "file" not in parts:
            raise Reply(400, "A file must be sent.")
        name, data = parts["file"]
        options = json.loads(parts["jsonData"][1] or b"{}") if "jsonData" in parts else {}
        ingest = str(options.get("tabIngest", "true")).lower() != "false"
        members = [(name, data)]
        if name.lower().endswith(".zip"):  # unpacked; a zip inside is kept whole
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [(i.filename, archive.read(i)) for i in archive.infolist()
                           if not i.is_dir()]  # fmt: skip
        draft = self._draft(d)
        added = []
        for label, content in members:
            if label in self.corrupt:  # damaged on the way: the server hashes what arrived
                self.corrupt.remove(label)
                content = content[:-1] + bytes([content[-1] ^ 0xFF])
            f = DataFile(self._id(), label, content, _md5(content), "application/octet-stream")
            if ingest and label.lower().endswith(INGESTED):
                # Ingest: a .tab takes the name, type, size and download; the md5 stays the
                # original's (IQSS/dataverse#5321); the dataset is locked meanwhile.
                f.original, f.label = label, label.rsplit(".", 1)[0] + ".tab"
                f.data, f.content_type = (
                    b"converted\ttab\n" + content[:16],
                    "text/tab-separated-values",
                )
                d.locks["Ingest"] = time.monotonic() + self.lock_seconds
            taken = {x.label for x in draft.files}
            stem, dot, ext = f.label.rpartition(".")
            n = 0
            while f.label in taken:  # a re-sent name is renamed, silently
                n += 1
                f.label = f"{stem}-{n}.{ext}" if dot else f"{ext}-{n}"
            draft.files.append(f)
            added.append(self._file(f))
        return added

    def _publish(self, d: Dataset, kind: str) -> dict[str, Any]:
        self._unlocked(d, "This dataset is locked")
        if d.latest.number is not None:
            raise Reply(403, "Latest version of dataset is already released. Only draft "
                             "versions can be released.")  # fmt: skip
        released = [v.number for v in d.versions if v.number is not None]
        if kind not in ("major", "minor"):
            raise Reply(400, "Illegal 'type' parameter value. It needs to be either 'major', "
                             "'minor', or 'updatecurrent'.")  # fmt: skip
        if kind == "minor" and not released:
            raise Reply(403, "Cannot publish as minor version. Re-try as major release.")
        if "license" not in d.latest.metadata and "termsOfUse" not in d.latest.metadata:
            raise Reply(409, "Dataset must have a valid license or Custom Terms Of Use "
                             "configured before it can be published.")  # fmt: skip
        last = released[-1] if released else (0, 0)
        number = (last[0] + 1, 0) if kind == "major" else (last[0], last[1] + 1)
        if self.workflow:  # the pre-publish workflow runs first, the version still a draft
            d.pending = number
            d.locks["Workflow"] = time.monotonic() + self.lock_seconds
            return self.dump(d)
        d.latest.number = number
        d.locks["finalizePublication"] = time.monotonic() + self.lock_seconds
        return self.dump(d)


REQUIRED = ("title", "author", "datasetContact", "dsDescription", "subject")  # citation.tsv
FAILED = "The Dataset JSON provided failed validation with the following error:"
VALID = "The Dataset JSON provided is valid for this Dataverse Collection."


def _fields(version: dict[str, Any]) -> list[Any]:
    fields = (version.get("metadataBlocks") or {}).get("citation", {}).get("fields")
    return fields if isinstance(fields, list) else []


def _parse_errors(version: dict[str, Any], licenses: dict[str, str]) -> list[str]:
    """What Dataverse's JsonParser refuses (a 400): a field's shape, a controlled value it does
    not hold, a licence the installation does not list."""
    errors = []
    for f in _fields(version):
        if not isinstance(f, dict) or not {"typeName", "typeClass", "multiple", "value"} <= set(f):
            errors.append(f"{f.get('typeName') if isinstance(f, dict) else f} missing a field "
                          "named 'value'")  # fmt: skip
        elif f["multiple"] != isinstance(f["value"], list):
            errors.append(f"incorrect multiple   for field {f['typeName']}")
    by = {f.get("typeName"): f for f in _fields(version) if isinstance(f, dict)}
    for subject in (by.get("subject") or {}).get("value") or []:
        if subject not in SUBJECTS:
            errors.append(f"Value '{subject}' does not exist in type 'subject'")
    for author in (by.get("author") or {}).get("value") or []:
        scheme = author.get("authorIdentifierScheme", {}).get("value")
        if scheme is not None and scheme not in SCHEMES:
            errors.append(f"Value '{scheme}' does not exist in type 'authorIdentifierScheme'")
    licence = version.get("license")
    if isinstance(licence, dict) and licenses.get(licence.get("name")) != licence.get("uri"):
        errors.append(f"Invalid or unsupported license: {licence.get('name')}")
    return errors


def _constraint_errors(version: dict[str, Any], required: tuple[str, ...]) -> list[str]:
    """What DatasetVersion.validate() finds (a 403 "Validation Failed" on create or edit)."""
    by = {f.get("typeName"): f for f in _fields(version) if isinstance(f, dict)}
    errors = [f"{name} is required. (Invalid value:edu.harvard.iq.dataverse.DatasetField[ "
              "id=null ])" for name in required if name not in by]  # fmt: skip
    for contact in (by.get("datasetContact") or {}).get("value") or []:
        email = str(contact.get("datasetContactEmail", {}).get("value", ""))
        if "@" not in email:
            errors.append(f"{email} is not a valid email address. (Invalid value:{email})")
    return errors


def _checked(version: dict[str, Any], licenses: dict[str, str], required: tuple[str, ...],
             parsing: str) -> None:  # fmt: skip
    """A create or an edit: refused as Dataverse refuses it, the parser first."""
    if not _fields(version):
        raise Reply(400, f"{parsing}{FAILED_BLOCKS}")
    parse = _parse_errors(version, licenses)
    if parse:
        raise Reply(400, parsing + parse[0])
    constraints = _constraint_errors(version, required)
    if constraints:  # an IllegalCommandException: 403, not 400 (DatasetsIT)
        raise Reply(403, "Validation Failed: " + ", ".join(constraints) + ".")


FAILED_BLOCKS = "Metadata blocks not found"


def _schema_check(version: dict[str, Any], required: tuple[str, ...]) -> str:
    """validateDatasetJson's answer: 200 either way, the verdict in its message
    (DataverseServiceBean.isDatasetJsonValid; DatasetsIT asserts 200 for a failure)."""
    problems = [
        f" #/datasetVersion/metadataBlocks/citation/fields: required field {name} missing"
        for name in required
        if name not in {f.get("typeName") for f in _fields(version) if isinstance(f, dict)}
    ]
    by = {f.get("typeName"): f for f in _fields(version) if isinstance(f, dict)}
    for subject in (by.get("subject") or {}).get("value") or []:
        if subject not in SUBJECTS:
            problems.append(f" Controlled vocabulary for key:subject typeName:subject "
                            f"value:'{subject}' is not valid.")  # fmt: skip
    if not _fields(version):
        problems.append(" #/datasetVersion: required key [metadataBlocks] not found")
    return f"{FAILED}{''.join(problems)}" if problems else VALID


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise Reply(400, "Error in parsing provided json") from None
    if not isinstance(data, dict):
        raise Reply(400, "Error in parsing provided json")
    return data


def _md5(data: bytes) -> str:
    import hashlib

    return hashlib.md5(data).hexdigest()


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    """The form's parts: name -> (file name, bytes)."""
    if not content_type.startswith("multipart/form-data"):
        raise Reply(400, "Content-Type must be multipart/form-data")
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        parts[name] = (part.get_filename() or "", part.get_payload(decode=True) or b"")
    return parts


def _handler(double: DataverseDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def setup(self) -> None:
            super().setup()
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
                self.rfile.read(length // 2)
                return self._reset()
            body = self.rfile.read(length) if length else b""
            if fault == "delay":
                time.sleep(double.delay)
            if fault == "429":
                return self._send(record, 429, {"status": "ERROR", "message": "Too many API "
                                  "calls"}, {"Retry-After": "1"})  # fmt: skip
            if fault in ("502", "504"):
                return self._send(record, int(fault), HTML_502 if fault == "502" else HTML_504)
            if fault == "500":
                return self._send(record, 500, {"status": "ERROR", "message":
                                  "OptimisticLockException"})  # fmt: skip
            query = parse_qs(parts.query)
            token = headers.get("x-dataverse-key") or query.get("key", [""])[0]
            if fault == "echo":  # an error page quoting the request, the token included
                echoed = f"Internal error for {token}; request had X-Dataverse-key: {token}"
                return self._send(record, 500, {"status": "ERROR", "message": echoed})
            try:
                if token not in double.tokens:
                    raise Reply(401, "Bad API key")
                with double.lock:
                    status, payload = double.handle(method, parts.path, query, headers, body,
                                                    double.tokens[token])  # fmt: skip
            except Reply as reply:
                return self._send(record, reply.status, reply.body)
            if fault == "504-after":
                return self._send(record, 504, HTML_504)
            if fault == "reset-after":
                return self._reset()
            kind = "WORKFLOW_IN_PROGRESS" if status == 202 else "OK"  # AbstractApiBean
            return self._send(record, status, {"status": kind, "data": payload})

        def _reset(self) -> None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def _send(self, record: Recorded, status: int, payload: Any,
                  headers: dict[str, str] | None = None) -> None:  # fmt: skip
            record.status = status
            if isinstance(payload, bytes):
                data, kind = payload, "text/html"
            else:
                data, kind = json.dumps(payload).encode(), "application/json"
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            try:
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler


if __name__ == "__main__":  # pragma: no cover
    double = DataverseDouble().start()
    print(f"Dataverse test double at {double.url}; collection {COLLECTION}; token {TOKEN}",
          flush=True)  # fmt: skip
    try:
        double.thread.join()
    except KeyboardInterrupt:
        double.stop()
