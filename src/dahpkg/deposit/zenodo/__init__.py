"""Zenodo, through the legacy deposit API Zenodo documents: the first repository on the seam.

What is Zenodo's own: its calls (`api`), how a deposition, a new version and its draft look
there, the 403s it answers on a new version's files for a while, and the metadata it is sent,
which are the bundle's ``zenodo.json`` (`dahpkg.export.metadata.zenodo`). Everything else (retries,
origin checks, the token, the state file, reconciling lost answers) is the shared deposit.

The token comes from ``ZENODO_TOKEN`` or a file and travels only in the Authorization header
(never in a URL: Zenodo also accepts ``?access_token``, which ends up in logs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.deposit.checksum import Checksum
from dahpkg.deposit.http import Retry, segment
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.redact import redact, server_text
from dahpkg.deposit.repository import Draft, DraftId, Plan, RepositorySpec
from dahpkg.deposit.token import Token
from dahpkg.deposit.zenodo.api import TITLE, ZenodoAPI, explain, link
from dahpkg.errors import DepositError
from dahpkg.package import PackageLike
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

    from dahpkg.export import Supplement

ZENODO_URL = "https://zenodo.org/api"
SANDBOX_URL = "https://sandbox.zenodo.org/api"
TOKEN_VARIABLE = "ZENODO_TOKEN"

__all__ = ["SANDBOX_URL", "ZENODO", "ZENODO_URL", "ZenodoAPI", "ZenodoRepository", "deposit",
           "explain", "metadata", "read_token", "requests"]  # fmt: skip


def _draft(deposition: dict[str, Any]) -> Draft:
    """The run's view of a deposition. What it shows or keeps (pages, DOIs, title) is redacted
    here, once, so that no secret a server put there reaches the terminal or the state file."""
    metadata = deposition.get("metadata") or {}
    links = deposition["links"]
    reserved = metadata.get("prereserve_doi") or {}
    return Draft(
        id=deposition["id"],
        html=server_text(links["html"], 2000),
        published=bool(deposition.get("submitted")),
        doi=server_text(deposition.get("doi", ""), 2000),
        record=server_text(links.get("record_html", ""), 2000),
        reserved_doi=server_text(reserved.get("doi", ""), 2000),
        title=redact(metadata.get("title", "")),  # whole: it is compared with the package's
        notes=str(metadata.get("notes", "")),  # searched for the marker, never shown
        raw=deposition,
    )


class ZenodoRepository:
    """The `dahpkg.deposit.repository.Repository` calls on Zenodo's legacy deposit API."""

    title = TITLE

    def __init__(self, base_url: str, token: Token, *, http: httpx.Client | None = None,
                 retry: Retry | None = None,
                 progress: Callable[[str], None] = silent) -> None:  # fmt: skip
        self.api = ZenodoAPI(base_url, token, http=http, retry=retry, progress=progress)
        self.attempts = self.api.client.retry.attempts

    def close(self) -> None:
        self.api.close()

    def find(self, marker: str) -> list[Draft]:
        # Only those that name the marker are kept: the rest of the account's depositions (or
        # a hostile server's pages of them) never pile up in memory.
        return [
            _draft(d)
            for d in self.api.depositions()
            if marker in str((d.get("metadata") or {}).get("notes", ""))
        ]

    def get(self, identifier: DraftId) -> Draft | None:
        found = self.api.deposition(identifier)
        return None if found is None else _draft(found)

    def create(self, metadata: dict[str, Any]) -> Draft:
        return _draft(self.api.create(metadata))

    def parent(self, identifier: DraftId, version: str) -> Draft:
        found = self.api.deposition(identifier)
        server = self.api.base
        if found is None:
            raise DepositError(
                f"deposition {identifier} does not exist on {server}, or is not yours: give the "
                "id of the latest published version"
            )
        links = found["links"]
        if not found.get("submitted"):
            raise DepositError(
                f"deposition {identifier} is an unpublished draft: publish it first, or "
                "deposit without --new-version-of"
            )
        if links.get("latest") and links.get("record") and links["latest"] != links["record"]:
            latest = server_text(str(links["latest"]).rstrip("/").rsplit("/", 1)[-1], 40)
            raise DepositError(
                f"deposition {identifier} is not the latest version (the latest is {latest}): "
                "a new version is made from the latest one; pass --new-version-of " + latest
            )
        if str((found.get("metadata") or {}).get("version", "")) == version:
            raise DepositError(
                f"deposition {identifier} already holds version {version}: raise the version in "
                "datapackage.json for the new data"
            )
        latest_draft = links.get("latest_draft")
        if latest_draft and latest_draft != links.get("self"):
            raise DepositError(
                f"a draft of a new version of {identifier} already exists: "
                f"{server_text(links.get('latest_draft_html', latest_draft))}. dahpkg does not "
                "take over a draft it cannot recognise as its own (one from an interrupted run "
                "whose state file was lost looks the same as one made on the web site): finish "
                "or delete it on Zenodo, then run again"
            )
        return _draft(found)

    def new_version(self, parent: Draft) -> Draft:
        step = f"creating a new version of {parent.id}"
        answer = self.api.action(dict(parent.raw), "newversion", step)
        # Today's server answers with the new draft; the older one with the parent, whose
        # latest_draft link leads to it.
        if answer.get("id") == parent.id:
            return _draft(
                self.api.follow(link(answer, "latest_draft", step), "reading the new draft")
            )
        return _draft(answer)

    def interrupted_new_version(self, parent: DraftId) -> Draft | None:
        # A new version's draft is the parent's latest_draft: no draft existed when the request
        # was sent, or it would have been refused.
        found = self.api.deposition(parent)
        latest = (found or {}).get("links", {}).get("latest_draft")
        if found is not None and latest and latest != found["links"].get("self"):
            return _draft(self.api.follow(latest, "reading the new version's draft"))
        return None

    def is_version_of(self, draft: Draft, parent: DraftId) -> bool:
        found = self.api.deposition(parent)
        return found is None or str(found.get("conceptrecid")) == str(draft.raw.get("conceptrecid"))

    # Zenodo answers 403 to file operations for a while after a new version is made
    # (zenodo#2502): in a new version's draft, a 403 is waited out like a 503.
    def files(self, draft: Draft) -> dict[str, Checksum]:
        return {n: Checksum(v) for n, v in self.api.files(dict(draft.raw), _flaky(draft)).items()}

    def upload(self, draft: Draft, name: str, data: bytes) -> Checksum:
        return Checksum(self.api.upload(dict(draft.raw), name, data, _flaky(draft)))

    def delete(self, draft: Draft, name: str) -> None:
        self.api.delete_file(dict(draft.raw), name, _flaky(draft))

    def set_metadata(self, draft: Draft, metadata: dict[str, Any]) -> Draft:
        return _draft(self.api.set_metadata(dict(draft.raw), metadata))

    def publish(self, draft: Draft) -> Draft:
        return _draft(self.api.action(dict(draft.raw), "publish", "publishing"))


def _flaky(draft: Draft) -> tuple[int, ...]:
    return (403,) if draft.new_version else ()


def metadata(supplement: Supplement) -> dict[str, Any]:
    """What Zenodo is sent: the bundle's zenodo.json, as it stands there."""
    sent: dict[str, Any] = json.loads(supplement.files["zenodo.json"])["metadata"]
    return sent


def requests(plan: Plan, server: str) -> list[str]:
    """The requests a deposit would make, for a dry run."""
    base = f"{server}/deposit/depositions"
    lines = []
    if plan.resume is not None:
        lines.append(f"GET    {base}/{segment(plan.resume)}  resume the draft of an earlier run")
    else:
        lines.append(
            f"GET    {base}?size=100  look for a deposition of this version made earlier "
            f"(its notes say {plan.marker!r}); resume or stop if there is one"
        )
        if plan.parent is not None:
            lines += [
                f"GET    {base}/{segment(plan.parent)}  check it is the latest published version",
                f"POST   {base}/{segment(plan.parent)}/actions/newversion  create the new "
                "version's draft (it starts with the previous files and reserves its own DOI; "
                "the bundle is then built citing it)",
            ]
        else:
            lines.append(
                f"POST   {base}  create a draft ({plan.title!r}), which reserves "
                "the DOI; the bundle is then built citing it"
            )
    lines.append(
        "GET    {links.files}  compare the draft's files with the bundle's; a file already "
        "there with the same md5 is kept, and one that differs is removed (DELETE)"
    )
    for name, (size, md5) in plan.uploads.items():
        lines.append(f"PUT    {{links.bucket}}/{segment(name)}  {size:,} bytes, md5 {md5}")
    lines += [
        "GET    {links.files}  check every md5 against the server's",
        f"PUT    {{links.self}}  set the metadata (version {plan.version!r}, {plan.fields} fields)",
        "POST   {links.publish}  publish"
        if plan.publish
        else "(the draft is left unpublished: add --publish to publish it)",
    ]
    return lines


ZENODO = RepositorySpec(
    name="zenodo",
    title=TITLE,
    help="Deposit on Zenodo",
    default_url=ZENODO_URL,
    sandbox_url=SANDBOX_URL,
    token_variable=TOKEN_VARIABLE,
    token_header="Authorization",
    token_how="create a personal access token with the deposit:write and deposit:actions "
    "scopes on Zenodo",
    connect=ZenodoRepository,
    metadata=metadata,
    requests=requests,
    publisher=TITLE,  # the legacy deposit API is Zenodo's own: its records are Zenodo's
)


def read_token(token_file: str | Path | None = None,
               environ: dict[str, str] | None = None) -> Token:  # fmt: skip
    """The Zenodo token from ``token_file`` if given, else from ``ZENODO_TOKEN``."""
    return ZENODO.read_token(token_file, environ)


def deposit(path: PackageLike = None, **options: Any) -> Outcome:
    """Deposit the package of ``path`` on Zenodo: `dahpkg.deposit.run.deposit` with
    `ZENODO` (``base_url`` defaults to zenodo.org)."""
    from dahpkg.deposit.run import deposit as run

    return run(ZENODO, path, **options)
