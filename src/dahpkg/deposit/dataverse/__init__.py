"""Dataverse, through its native API: the second repository on the seam.

What is Dataverse's own: its calls (`api`), the citation block it is sent (`citation`), a
dataset in a collection (``--collection ALIAS``) whose PID is assigned when it is created (the
DOI the bundle then cites, the same for every version), a new version that is the published
dataset's one DRAFT, made by its first edit, and its traps (see
../shared/reference/dataverse-api.md): tabular ingest is switched off for every file, so that
what is deposited is the bundle's bytes under the bundle's names with their md5; a zip is sent
so that it stays one file; a file Dataverse renamed (``-1``) is an error, not a success; locks
are waited out; publication is always ``major``. Everything else (retries, origin checks, the
token, the state file, reconciling lost answers) is the shared deposit.

The token comes from ``DATAVERSE_TOKEN`` or a file and travels only in the ``X-Dataverse-key``
header (never as ``?key=``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dahpkg.deposit.checksum import Checksum
from dahpkg.deposit.dataverse.api import TITLE, DataverseAPI, explain
from dahpkg.deposit.dataverse.citation import dataset_version, field_value, metadata
from dahpkg.deposit.http import Retry, Unknown, segment
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.redact import redact, server_text
from dahpkg.deposit.repository import Draft, DraftId, Option, Plan, RepositorySpec
from dahpkg.errors import DepositError, InputError
from dahpkg.package import PackageLike
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

    from dahpkg.deposit.token import Token

DATAVERSE_URL = "https://demo.dataverse.org/api"  # the project's test installation
TOKEN_VARIABLE = "DATAVERSE_TOKEN"

__all__ = ["DATAVERSE", "DataverseRepository", "deposit", "explain", "metadata", "requests"]


class DataverseRepository:
    """The `dahpkg.deposit.repository.Repository` calls on Dataverse's native API."""

    title = TITLE

    def __init__(self, base_url: str, token: Token, *, http: httpx.Client | None = None,
                 retry: Retry | None = None, progress: Callable[[str], None] = silent,
                 collection: str = "") -> None:  # fmt: skip
        if not collection:
            raise InputError("give the collection to deposit in: --collection ALIAS (its "
                             "alias is the last part of its address on Dataverse)")  # fmt: skip
        self.api = DataverseAPI(base_url, token, http=http, retry=retry, progress=progress)
        self.collection = collection
        self.attempts = self.api.client.retry.attempts
        self.site = base_url.rstrip("/").removesuffix("/api")
        self.sent: set[tuple[DraftId, str]] = set()  # files this run added

    def close(self) -> None:
        self.api.close()

    def _draft(self, dataset: dict[str, Any]) -> Draft:
        """The run's view of a dataset. What it shows or keeps is redacted here, once."""
        latest = dataset["latestVersion"]
        doi = f"{dataset.get('authority', '')}/{dataset.get('identifier', '')}"
        pid = f"{dataset.get('protocol', 'doi')}:{doi}"
        page = server_text(f"{self.site}/dataset.xhtml?persistentId={pid}", 2000)
        published = latest.get("versionState") == "RELEASED"
        is_doi = dataset.get("protocol") == "doi"
        return Draft(
            id=dataset["id"],
            html=page,
            published=published,
            doi=server_text(doi, 2000) if published and is_doi else "",
            record=page if published else "",
            reserved_doi=server_text(doi, 2000) if is_doi else "",
            title=redact(field_value(latest, "title")),
            notes=field_value(latest, "notesText"),
            # The installation's name (JsonPrinter.json(Dataset): BrandingUtil's brand name), the
            # publisher its DOIs are registered with; checked before use (`usable_name`).
            publisher=publisher if isinstance(publisher := dataset.get("publisher"), str) else "",
            raw=dataset,
        )

    def find(self, marker: str) -> list[Draft]:
        found = []
        for dataset_id in self.api.contents(self.collection):
            dataset = self.api.dataset(dataset_id)
            if dataset is None:
                continue
            if marker in field_value(dataset["latestVersion"], "notesText"):
                found.append(self._draft(dataset))
            elif dataset["latestVersion"].get("versionState") == "DRAFT":
                # A later version's draft hides the published one, which may be this version's.
                published = self.api.published_version(dataset_id)
                if published is not None and marker in field_value(published, "notesText"):
                    found.append(self._draft({**dataset, "latestVersion": published}))
        return found

    def get(self, identifier: DraftId) -> Draft | None:
        found = self.api.dataset(identifier)
        return None if found is None else self._draft(found)

    def _read(self, identifier: DraftId, step: str) -> Draft:
        found = self.api.dataset(identifier)
        if found is None:
            raise DepositError(f"{step}: dataset {identifier} is gone from {self.api.base}")
        return self._draft(found)

    def create(self, metadata: dict[str, Any]) -> Draft:
        version = dataset_version(metadata)
        self.api.validate(self.collection, version)
        dataset_id = self.api.create(self.collection, version)
        return self._read(dataset_id, "reading the new dataset")

    def parent(self, identifier: DraftId, version: str) -> Draft:
        found = self.get(identifier)
        if found is None:
            raise DepositError(
                f"dataset {identifier} does not exist on {self.api.base}, or is not visible to "
                "this token: give the published dataset's id"
            )
        if not found.published:
            raise DepositError(
                f"dataset {identifier} has an unpublished draft ({found.html}). dahpkg does not "
                "take over a draft it cannot recognise as its own: publish or delete it on "
                "Dataverse, then run again"
            )
        if re.search(rf"version {re.escape(version)}\.(?:\s|$)", found.notes):
            raise DepositError(f"dataset {identifier} already holds version {version}: raise the "
                               "version in datapackage.json for the new data")  # fmt: skip
        return found

    def new_version(self, parent: Draft) -> Draft:
        # A published dataset's first edit makes its DRAFT: the published metadata, sent back.
        latest = parent.raw["latestVersion"]
        current = {k: latest[k] for k in ("license", "metadataBlocks") if k in latest}
        self.api.put_draft(parent.id, current, f"creating a new version of {parent.id}")
        return self._read(parent.id, "reading the new version's draft")

    def interrupted_new_version(self, parent: DraftId) -> Draft | None:
        found = self.get(parent)
        if (
            found is not None
            and not found.published
            and self.api.published_version(parent) is not None
        ):
            return found
        return None

    def is_version_of(self, draft: Draft, parent: DraftId) -> bool:
        return str(draft.id) == str(parent)

    def _listing(self, draft: Draft) -> dict[str, dict[str, Any]]:
        # A file in a folder is named as the bundle would name it (dahpkg sends none in one).
        return {"/".join(filter(None, [str(f.get("directoryLabel") or ""), f["label"]])):
                f["dataFile"] for f in self.api.files(draft.id)}  # fmt: skip

    def files(self, draft: Draft) -> dict[str, Checksum]:
        return {name: _checksum(f) for name, f in self._listing(draft).items()}

    def upload(self, draft: Draft, name: str, data: bytes) -> Checksum:
        if (draft.id, name) in self.sent:  # sent again after an md5 mismatch: not renamed -1
            self.delete(draft, name)
        self.sent.add((draft.id, name))
        for _ in range(self.attempts):
            try:
                added = self.api.add(draft.id, name, data)
                break
            except Unknown as lost:
                # A blind retry would add a second copy: ask what the dataset holds first.
                self.api.progress(f"{lost}; asking Dataverse whether {name} arrived")
                listed = self._listing(draft)
                if name in listed:
                    return _checksum(listed[name])
        else:
            raise DepositError(
                f"uploading {name}: Dataverse's answer was lost on every attempt and the file "
                "is not in the dataset; run the same command again later"
            )
        for item in added:
            if item.get("label") == name:
                return _checksum(item.get("dataFile") or {})
        labels = ", ".join(server_text(f.get("label", "?"), 100) for f in added[:5])
        raise DepositError(
            f"uploading {name}: Dataverse stored it as {labels or 'nothing'} (a name already "
            "taken is renamed -1; a tabular file ingested becomes .tab). Remove the stray file "
            "on Dataverse if it is one, then run the same command again"
        )

    def delete(self, draft: Draft, name: str) -> None:
        listed = self._listing(draft)
        if name in listed:
            self.api.delete_file(int(listed[name]["id"]), name)

    def set_metadata(self, draft: Draft, metadata: dict[str, Any]) -> Draft:
        self.api.wait_unlocked(draft.id, "setting the metadata")
        self.api.put_draft(draft.id, dataset_version(metadata), "setting the metadata")
        return self._read(draft.id, "setting the metadata")

    def publish(self, draft: Draft) -> Draft:
        self.api.wait_unlocked(draft.id, "publishing")
        # Sent again after a lost answer: the first may have published once its lock lifted.
        current = self._read(draft.id, "publishing")
        if current.published:
            return current
        self.api.publish(draft.id)
        # Accepted is not done: the DOI is registered under a finalizePublication lock.
        self.api.wait_unlocked(draft.id, "waiting for the publication to be finalised")
        done = self._read(draft.id, "publishing")
        if not done.published:
            raise DepositError(f"publishing: Dataverse accepted the publication of dataset "
                               f"{draft.id} but its latest version is still a draft; check "
                               f"{done.html} and run the same command again")  # fmt: skip
        return done


def _checksum(data_file: dict[str, Any]) -> Checksum:
    """The file's checksum as Dataverse computed it, in the installation's algorithm (MD5 by
    default; SHA-1, SHA-256 or SHA-512 where it is set so), which the run hashes the bundle's
    file in to compare; an older answer gives only ``md5``."""
    checksum = data_file.get("checksum")
    if isinstance(checksum, dict):
        return Checksum(str(checksum.get("value") or ""), str(checksum.get("type") or ""))
    return Checksum(str(data_file.get("md5") or ""), "MD5" if data_file.get("md5") else "")


def requests(plan: Plan, server: str) -> list[str]:
    """The requests a deposit would make, for a dry run."""
    alias = segment(plan.options.get("collection", "ALIAS"))
    lines = []
    if plan.resume is not None:
        lines.append(f"GET    {server}/datasets/{segment(plan.resume)}  resume the dataset of "
                     "an earlier run")  # fmt: skip
    else:
        lines.append(
            f"GET    {server}/dataverses/{alias}/contents  and each dataset: look for one of "
            f"this version made earlier (its notes say {plan.marker!r}); resume if there is one"
        )
        if plan.parent is not None:
            lines += [
                f"GET    {server}/datasets/{segment(plan.parent)}  check it is published",
                f"PUT    {server}/datasets/{segment(plan.parent)}/versions/:draft  make the new "
                "version's draft (the dataset keeps its DOI, which the bundle cites)",
            ]
        else:
            lines.append(
                f"POST   {server}/dataverses/{alias}/validateDatasetJson  check the citation "
                "block against the collection's required fields"
            )
            lines.append(
                f"POST   {server}/dataverses/{alias}/datasets  create the dataset "
                f"({plan.title!r}), which is given its DOI; the bundle is then built citing it"
            )
    lines.append("GET    {dataset}/versions/:latest/files  compare with the bundle's files; one "
                 "that differs is removed (DELETE /files/{id})")  # fmt: skip
    for name, (size, md5) in plan.uploads.items():
        lines.append(f"POST   {{dataset}}/add  {name}: {size:,} bytes, md5 {md5}, tabIngest "
                     "false" + (", inside a zip so it is not unpacked" if name.endswith(".zip")
                                else ""))  # fmt: skip
    lines += [
        "GET    {dataset}/versions/:latest/files  check every checksum against the server's "
        "(in the installation's algorithm: MD5, SHA-1, SHA-256 or SHA-512)",
        f"PUT    {{dataset}}/versions/:draft  set the citation block (version {plan.version!r}, "
        f"{plan.fields} fields)",
        "POST   {dataset}/actions/:publish?type=major  publish, then wait for its locks"
        if plan.publish
        else "(the draft is left unpublished: add --publish to publish it)",
    ]
    return lines


DATAVERSE = RepositorySpec(
    name="dataverse",
    title=TITLE,
    help="Deposit in a Dataverse collection",
    default_url=DATAVERSE_URL,
    token_variable=TOKEN_VARIABLE,
    token_header="X-Dataverse-key",
    token_how="create an API token on the account page of the Dataverse installation (API "
    "Token tab)",
    connect=DataverseRepository,
    metadata=metadata,
    requests=requests,
    names_itself="the installation's name, as Dataverse gives it with the dataset",
    options=(
        Option(
            "collection",
            "ALIAS",
            "The alias of the Dataverse collection to deposit in (the last part of its address).",
            required=True,
        ),
    ),
)


def deposit(path: PackageLike = None, **options: Any) -> Outcome:
    """Deposit the package of ``path`` on Dataverse: `dahpkg.deposit.run.deposit` with
    `DATAVERSE` (``collection`` among the options)."""
    from dahpkg.deposit.run import deposit as run

    collection = options.pop("collection", None)
    return run(DATAVERSE, path, options={"collection": collection} if collection else None,
               **options)  # fmt: skip
