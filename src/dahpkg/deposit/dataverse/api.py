"""The calls of Dataverse's native API that a deposit needs, each answer's envelope
(``{"status": "OK", "data": ...}``) checked before anything is read from it (see
../shared/reference/dataverse-api.md).
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dahpkg.deposit.http import Client, Retry, error_body, segment, status_text
from dahpkg.deposit.redact import server_text
from dahpkg.errors import DepositError
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

    from dahpkg.deposit.token import Token

TITLE = "Dataverse"
LOCK_SECONDS = 300.0  # how long a lock is waited out (python-dvuploader waits as long)
MOST_DATASETS = 1000  # a collection's datasets looked through for this version's
IN_PROGRESS = "WORKFLOW_IN_PROGRESS"  # a publication accepted, a workflow to finish it
# Locks that no waiting lifts: a curator must act, or an administrator.
STUCK = {
    "InReview": "it was submitted for review, and waits for a curator to publish or return it",
    "FileValidationFailed": "some of its files failed Dataverse's "
    "fixity check, which an administrator of the installation must look into",
}


class DataverseAPI:
    """The native API at ``base_url``: one method per call, each answer checked."""

    def __init__(self, base_url: str, token: Token, *, http: httpx.Client | None = None,
                 retry: Retry | None = None,
                 progress: Callable[[str], None] = silent) -> None:  # fmt: skip
        # The token travels only in this header (Dataverse also takes ?key=, which logs keep).
        self.client = Client(base_url, {"X-Dataverse-key": token.value}, title=TITLE,
                             explain=explain, http=http, retry=retry,
                             progress=progress)  # fmt: skip
        self.base = self.client.base
        self.progress = progress

    def close(self) -> None:
        self.client.close()

    def envelope(self, step: str, method: str, path: str, **options: Any) -> dict[str, Any] | None:
        """The whole answer to ``method path``, its envelope checked (None for a 404 with
        missing_ok). Dataverse answers ``{"status": "OK", ...}``, and a publication that a
        workflow will finish ``202 {"status": "WORKFLOW_IN_PROGRESS", ...}``
        (``AbstractApiBean.accepted``)."""
        answer = self.client.request(step, method, f"{self.base}/{path}", **options)
        if answer is None:
            return None
        if not isinstance(answer, dict) or answer.get("status") not in ("OK", IN_PROGRESS):
            raise DepositError(f"{step}: {self.base} did not answer as Dataverse does "
                               '({"status": "OK", "data": ...}): check --base-url')  # fmt: skip
        return answer

    def call(self, step: str, method: str, path: str, **options: Any) -> Any:
        """The ``data`` of the answer to ``method path`` (None for a 404 with missing_ok)."""
        answer = self.envelope(step, method, path, **options)
        if answer is None:
            return None
        if "data" not in answer:
            raise DepositError(f"{step}: {self.base} did not answer as Dataverse does "
                               '({"status": "OK", "data": ...}): check --base-url')  # fmt: skip
        return answer["data"]

    def contents(self, collection: str) -> list[int]:
        """The ids of the collection's datasets, newest first."""
        step = f"listing the datasets of the collection {collection}"
        found = self.call(step, "GET", f"dataverses/{segment(collection)}/contents")
        if not isinstance(found, list):
            raise self.odd(step, "a list of datasets")
        ids = [
            d["id"]
            for d in found
            if isinstance(d, dict) and d.get("type") == "dataset" and isinstance(d.get("id"), int)
        ]
        return sorted(ids, reverse=True)[:MOST_DATASETS]

    def dataset(self, dataset_id: int | str) -> dict[str, Any] | None:
        step = f"reading dataset {dataset_id}"
        found = self.call(step, "GET", f"datasets/{segment(dataset_id)}", missing_ok=True)
        if found is None:
            return None
        latest = found.get("latestVersion") if isinstance(found, dict) else None
        if not isinstance(latest, dict) or not isinstance(found.get("id"), int):
            raise self.odd(step, "a dataset with its latest version")
        return dict(found)

    def published_version(self, dataset_id: int | str) -> dict[str, Any] | None:
        """The latest published version (None for a dataset never published)."""
        step = f"reading the published version of dataset {dataset_id}"
        path = f"datasets/{segment(dataset_id)}/versions/:latest-published"
        found = self.call(step, "GET", path, missing_ok=True)
        if found is not None and not isinstance(found, dict):
            raise self.odd(step, "a dataset version")
        return found

    def validate(self, collection: str, version: dict[str, Any]) -> None:
        """Checked against the collection's own required fields first: a dataset created with
        incomplete metadata cannot always be mended by a client (datalad-dataverse#194).

        Dataverse answers 200 whether the metadata passes or not, and says which in its message
        (``DataverseServiceBean.isDatasetJsonValid``): in ``data.message``, or in ``message``
        where the installation unified its messages (``AbstractApiBean.ok(String)``)."""
        step = f"checking the metadata against the collection {collection}"
        answer = self.envelope(step, "POST",
                               f"dataverses/{segment(collection)}/validateDatasetJson",
                               body={"datasetVersion": version}) or {}  # fmt: skip
        data = answer.get("data")
        said = data.get("message") if isinstance(data, dict) else answer.get("message")
        text = str(said or "")
        if re.search(r"(?i)\bfail", text):
            lines = [f"{step}: Dataverse found the metadata invalid for this collection:"]
            lines += [f"  {line}" for line in field_lines(text)]
            lines.append(
                "Correct these in datapackage.json or publication.toml (a collection "
                "may require more than Dataverse's own fields) and run again."
            )
            raise DepositError("\n".join(lines))

    def create(self, collection: str, version: dict[str, Any]) -> int:
        step = f"creating the dataset in the collection {collection}"
        made = self.call(step, "POST", f"dataverses/{segment(collection)}/datasets",
                         body={"datasetVersion": version}, idempotent=False)  # fmt: skip
        if not isinstance(made, dict) or not isinstance(made.get("id"), int):
            raise self.odd(step, "the new dataset's id")
        return int(made["id"])

    def put_draft(self, dataset_id: int | str, version: dict[str, Any], step: str) -> None:
        # Replaced whole: sending it again does no harm. On a published dataset, it makes the
        # new version's draft.
        self.call(step, "PUT", f"datasets/{segment(dataset_id)}/versions/:draft", body=version)

    def files(self, dataset_id: int | str) -> list[dict[str, Any]]:
        """The latest version's files (the draft's, when there is one)."""
        step = "listing the dataset's files"
        listing = self.call(step, "GET", f"datasets/{segment(dataset_id)}/versions/:latest/files")
        if not isinstance(listing, list) or not all(
            isinstance(f, dict) and isinstance(f.get("label"), str)
            and isinstance(f.get("dataFile"), dict) for f in listing
        ):  # fmt: skip
            raise self.odd(step, "a list of files")
        return listing

    def add(self, dataset_id: int | str, name: str, data: bytes) -> list[dict[str, Any]]:
        """Add ``name``: tabular ingest off, so that the bytes, name and md5 stay the bundle's.
        A zip would be unpacked into its members: it is sent inside another zip, which Dataverse
        unpacks into the zip itself. Not repeated here: a re-sent file is renamed ``-1``."""
        step = f"uploading {name}"
        sent = _zipped(name, data) if name.lower().endswith(".zip") else data
        form, kind = _form(name, sent, {"tabIngest": "false", "restrict": "false"})
        added = self.call(step, "POST", f"datasets/{segment(dataset_id)}/add", upload=form,
                          upload_type=kind, idempotent=False)  # fmt: skip
        files = added.get("files") if isinstance(added, dict) else None
        if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
            raise self.odd(step, "the added file")
        return files

    def delete_file(self, file_id: int, name: str) -> None:
        self.call(f"removing {name}", "DELETE", f"files/{segment(file_id)}")

    def publish(self, dataset_id: int | str) -> None:
        # Major: the first publication must be, and a new version has new files.
        self.call("publishing", "POST",
                  f"datasets/{segment(dataset_id)}/actions/:publish?type=major",
                  idempotent=False)  # fmt: skip

    def wait_unlocked(self, dataset_id: int | str, step: str) -> None:
        """Until the dataset has no lock (ingest, publication being finalised): polled about
        once a second, for at most `LOCK_SECONDS`."""
        end = time.monotonic() + LOCK_SECONDS
        while True:
            locks = self.call(step, "GET", f"datasets/{segment(dataset_id)}/locks")
            if not isinstance(locks, list):
                raise self.odd(step, "a list of locks")
            if not locks:
                return
            types = [str(lk.get("lockType", "?")) for lk in locks[:5] if isinstance(lk, dict)]
            kinds = ", ".join(server_text(t, 40) for t in types)
            stuck = [STUCK[t] for t in types if t in STUCK]
            if stuck:  # waiting would only delay the same answer
                raise DepositError(f"{step}: dataset {dataset_id} is locked ({kinds}): "
                                   f"{stuck[0]}. Run the same command again once it is "
                                   "lifted; nothing is lost.")  # fmt: skip
            if time.monotonic() > end:
                raise DepositError(
                    f"{step}: dataset {dataset_id} is still locked ({kinds}) after "
                    f"{LOCK_SECONDS:.0f} s. Nothing is lost: run the same command again later."
                )
            self.progress(f"{step}: waiting for Dataverse's lock ({kinds}) to be lifted")
            self.client.retry.sleep(1.0)

    def odd(self, step: str, what: str) -> DepositError:
        return DepositError(
            f"{step}: {self.base} did not answer with {what}: is it a Dataverse native API? "
            "Check --base-url"
        )


def _zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as outer:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        outer.writestr(info, data)
    return buffer.getvalue()


def _form(name: str, data: bytes, options: dict[str, str]) -> tuple[bytes, str]:
    """A multipart form with the file and its jsonData, and its Content-Type."""
    boundary = uuid.uuid4().hex
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="jsonData"\r\n\r\n'
        f"{json.dumps(options)}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


# How Dataverse begins a message that refuses metadata: its constraints on create or edit
# (``AbstractDatasetCommand.validateOrDie``, a 403), its parser (``Dataverses.parseDataset``,
# ``Datasets.updateDraftVersion``, a 400).
REFUSED = ("Validation Failed:", "Error parsing Json:", "Error parsing dataset version:")
# Where one reason ends and the next begins: "..., msg (Invalid value:x), msg2 (...)." after
# validateOrDie; " #/datasetVersion/...: msg #/..." after the JSON schema check.
_BREAK = re.compile(r"(?<=\)),\s+|\s+(?=#/)")


def field_lines(message: str) -> list[str]:
    """A message of Dataverse's that refuses metadata, one reason a line (a screenful at most),
    without its preamble, in Dataverse's words through `server_text`.

    >>> field_lines("Validation Failed: Title is required. (Invalid value:x), E-mail is not "
    ...             "valid (Invalid value:y).")
    ['Title is required. (Invalid value:x)', 'E-mail is not valid (Invalid value:y).']
    """
    _, colon, rest = message.partition(":")
    parts = [p.strip() for p in _BREAK.split(rest if colon else message)]
    return [server_text(p, 300) for p in parts if p][:20]


def explain(step: str, response: httpx.Response) -> str:
    """One clear message for a failed request: the step, the status, Dataverse's message, one
    line per field for a validation error, and what to do. Dataverse's words pass through
    `server_text`."""
    body = error_body(response, TITLE)
    said = str(body.get("message", "")) if isinstance(body, dict) else ""
    # A refused metadata says why field by field, in one message: one line each.
    fields = field_lines(said) if said.startswith(REFUSED) else []
    message = server_text(said.split(":", 1)[0] if fields else said)
    lines = [f"{step}: Dataverse answered {status_text(response)}"
             + (f": {message}" if message else "")]  # fmt: skip
    lines += [f"  {line}" for line in fields]
    errors = body.get("fieldErrors") if isinstance(body, dict) else None
    for name, text in list(errors.items())[:20] if isinstance(errors, dict) else []:
        lines.append(f"  {server_text(name, 100)}: {server_text(text)}")
    if fields:
        lines.append("Correct these in datapackage.json or publication.toml and run again.")
        return "\n".join(lines)
    status = response.status_code
    if status == 401:
        lines.append(
            "Dataverse answers 401 both for a token it does not know (expired tokens are made "
            "again on the account page) and for one without the permission: check the token, "
            "and that its account may add datasets to the collection."
        )
    elif status == 403:
        lines.append(
            "Dataverse refused the action in the dataset's present state (locked, already "
            "published, or its collection unpublished); run the same command again later."
        )
    elif status == 400:
        lines.append("Correct these in datapackage.json or publication.toml and run again.")
    elif status == 404:
        lines.append("The collection or dataset is gone or is not visible to this token: check "
                     "--collection, the id and the server.")  # fmt: skip
    elif status == 409:
        lines.append("The dataset needs a licence the installation lists (GET /api/licenses).")
    else:
        lines.append("Nothing is lost: run the same command again to resume.")
    return "\n".join(lines)
