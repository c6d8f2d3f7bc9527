"""A local Dataverse: the native API as ../shared/reference/dataverse-api.md describes it, over
real HTTP on 127.0.0.1.

Three modules, one job each: the API's behaviour is here; the HTTP side (sockets, the token,
the request log, injected faults) is `support.dataverse_http`'s; which metadata a collection
accepts, and how it refuses the rest, `support.dataverse_metadata`'s. Tests import every name
from here.

Behaves as the reference's sections 2 to 7 and its pitfalls say: the token only in
``X-Dataverse-key`` (or ``?key=``), 401 for a bad token *and* for no permission; the envelope
``{"status": "OK", "data": ...}``; create 201 with a PID assigned at once; native add (200) with
tabular ingest ON unless ``"tabIngest":"false"``: CSV/XLSX/SAV/DTA become ``.tab`` with the
original's md5 kept and an ``Ingest`` lock for a while; a re-sent name renamed ``-1``; a ``.zip``
unpacked into its members (a zip inside it kept whole); a published dataset's edit makes one
DRAFT; publish asynchronous behind a ``finalizePublication`` lock, 403 while locked, 403 for a
``minor`` first publication, 409 without a licence; with ``workflow`` set, publish answers 202
``{"status": "WORKFLOW_IN_PROGRESS"}`` and releases the version once its Workflow lock is lifted;
a file deleted while the dataset is locked, 400.

Run it on its own for a manual session (prints the base URL, a collection and a token)::

    python tests/support/dataverse_double.py
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run on its own: its sibling modules are found as pytest finds them
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support.dataverse_http import Fault, HttpDouble, Recorded, Reply, _multipart
from support.dataverse_metadata import LICENSES, REQUIRED, _checked, _schema_check

__all__ = ["COLLECTION", "GUEST_TOKEN", "INSTALLATION", "TOKEN", "DataFile", "Dataset",
           "DataverseDouble", "Fault", "Recorded", "Reply", "Version"]  # fmt: skip

TOKEN = "dv-double-token-5c1e8b2a"
GUEST_TOKEN = "dv-double-token-no-rights"  # valid, but not allowed to add to the collection
COLLECTION = "dah"
INSTALLATION = "Local Dataverse"  # its name, which every dataset's answer gives as publisher
INGESTED = (".csv", ".tsv", ".xlsx", ".sav", ".dta", ".por")


@dataclass
class DataFile:
    id: int
    label: str
    data: bytes  # what a download gives: the .tab when ingested
    md5: str  # of the bytes as uploaded (the original's, also when ingested)
    content_type: str
    original: str = ""  # the original's name when ingested
    # In the installation's algorithm when it was added (a file keeps its own when the
    # setting changes later), of the bytes as uploaded.
    checksum_type: str = "MD5"
    checksum: str = ""


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


class DataverseDouble(HttpDouble):
    def __init__(self, *, lock_seconds: float = 0.3) -> None:
        super().__init__({TOKEN: "@author", GUEST_TOKEN: "@guest"})
        self.lock_seconds = lock_seconds
        # BrandingUtil.getInstallationBrandName(): :InstallationName, else the root collection's
        # name; None: an older installation's answer, without it.
        self.installation: str | None = INSTALLATION
        self.licenses = dict(LICENSES)  # the installation's active licences
        self.required = REQUIRED  # the collection's required fields (it may add its own)
        self.workflow = False  # True: a pre-publish workflow runs, publish answers 202
        self.hidden: set[str] = set()  # files the listing leaves out
        self.listing_md5: dict[str, str] = {}  # files the listing gives another checksum
        # :FileFixityChecksumAlgorithm, the checksum computed for each file added from now on:
        # MD5 (the default), SHA-1, SHA-256 or SHA-512 (DataFile.ChecksumType).
        self.algorithm = "MD5"
        self.corrupt: list[str] = []  # names whose next upload arrives with a byte changed
        self.datasets: dict[int, Dataset] = {}
        self.next_id = 40

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    # --- representation ---------------------------------------------------------------------

    def _file(self, f: DataFile) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": f.id, "filename": f.label, "contentType": f.content_type,
            "filesize": len(f.data),
            "checksum": {"type": f.checksum_type, "value": f.checksum},
            "tabularData": bool(f.original), "rootDataFileId": -1,
        }  # fmt: skip
        if f.checksum_type == "MD5":  # JsonPrinter.getMd5IfItExists: null (left out) otherwise
            data["md5"] = f.checksum
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
                **({} if self.installation is None else {"publisher": self.installation}),
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
                        if "md5" in f["dataFile"]:
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
            f = DataFile(self._id(), label, content, _md5(content), "application/octet-stream",
                         checksum_type=self.algorithm,
                         checksum=_hash(content, self.algorithm))  # fmt: skip
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


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise Reply(400, "Error in parsing provided json") from None
    if not isinstance(data, dict):
        raise Reply(400, "Error in parsing provided json")
    return data


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _hash(data: bytes, algorithm: str) -> str:
    """What the installation computes; another name (one dahpkg does not know, for the tests)
    is hashed with SHA3-256."""
    named = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}
    return hashlib.new(named.get(algorithm, "sha3_256"), data).hexdigest()


if __name__ == "__main__":  # pragma: no cover
    double = DataverseDouble().start()
    print(f"Dataverse test double at {double.url}; collection {COLLECTION}; token {TOKEN}",
          flush=True)  # fmt: skip
    try:
        double.thread.join()
    except KeyboardInterrupt:
        double.stop()
