"""Deposit the supplementary bundle on Zenodo, through the legacy deposit API Zenodo documents.

One run: validate and pass the disclosure-risk gate; build the bundle and its metadata; create a
draft (or a new version's draft); upload every file to the draft's bucket as a streamed body and
check each md5 against the server's, once after the upload and again on a fresh listing; set the
metadata; publish only when asked.

Nothing is done twice by accident. Requests that can be repeated safely (reads, uploads, which
replace, the metadata, which is replaced wholesale) are retried on 429 (after the wait the
rate-limit headers ask for), 502/503/504 and a dropped connection, with backoff. An action that
may have happened although its answer was lost (create, new version, publish) is never sent
again blindly: the server is asked what happened first. A state file, keyed by the server, the
package and its version, remembers the draft, so that a rerun after a crash resumes it instead of
creating a second deposition; files already on the server with the right md5 are kept, the rest
are sent again.

The token comes from ``ZENODO_TOKEN`` or a file, travels only in the Authorization header (never
in a URL: Zenodo also accepts ``?access_token``, which ends up in logs) and is never printed,
logged, written to the state file or put in an error message. Redirects are not followed, so it
cannot be forwarded to another host.

The HTTP client (an ``httpx.Client``) can be passed in; the tests run this module unchanged
against a local Zenodo served over real HTTP.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dahpkg import __version__, _atomic
from dahpkg.errors import DepositError, InputError
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

    from dahpkg.export.api import Prepared, Supplement
    from dahpkg.privacy import Generalisation

ZENODO_URL = "https://zenodo.org/api"
SANDBOX_URL = "https://sandbox.zenodo.org/api"
TOKEN_VARIABLE = "ZENODO_TOKEN"
USER_AGENT = f"dahpkg/{__version__} (clinical case-series data package deposit)"
CHUNK = 1 << 16
TRANSIENT = (429, 502, 503, 504)
NONCE_MARK = "dahpkg draft"


# --- the token ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A Zenodo personal access token; its value never appears in its text."""

    value: str = field(repr=False)
    source: str

    def __str__(self) -> str:
        return f"the token from {self.source}"


def read_token(
    token_file: str | Path | None = None, environ: dict[str, str] | None = None
) -> Token:
    """The token from ``token_file`` if given, else from ``ZENODO_TOKEN``; `InputError` if
    there is none or it cannot be a token."""
    if token_file is not None:
        path = Path(token_file)
        try:
            lines = path.read_text(encoding="utf-8").strip().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
            raise InputError(f"cannot read the token file {path}: {reason}") from None
        value, source = (lines[0].strip() if lines else ""), f"the file {path}"
    else:
        value, source = (
            (environ or dict(os.environ)).get(TOKEN_VARIABLE, "").strip(),
            (TOKEN_VARIABLE),
        )
    if not value:
        raise InputError(
            f"no Zenodo token in {source if token_file else TOKEN_VARIABLE}: create a personal "
            "access token with the deposit:write and deposit:actions scopes on Zenodo, then "
            f"set {TOKEN_VARIABLE} or pass --token-file FILE"
        )
    if not value.isascii() or not value.isprintable() or " " in value:
        raise InputError(
            f"the value in {source} cannot be a Zenodo token (it has spaces or "
            "characters a token does not use)"
        )
    return Token(value, source)


# --- HTTP with retries ----------------------------------------------------------------------


@dataclass
class Retry:
    """How often, and after how long, a failed request is tried again."""

    attempts: int = 5
    base: float = 1.0  # seconds before the second attempt; doubled each time
    cap: float = 60.0  # the longest wait, whatever the server asks
    sleep: Callable[[float], None] = time.sleep

    def wait(self, attempt: int, response: httpx.Response | None) -> None:
        delay = self.base * 2**attempt
        hinted = _hinted_delay(response) if response is not None else None
        self.sleep(min(self.cap, hinted if hinted is not None else delay))


def _hinted_delay(response: httpx.Response) -> float | None:
    """The wait a 429 asks for: Retry-After seconds, else until X-RateLimit-Reset."""
    retry_after = response.headers.get("Retry-After", "")
    if retry_after.strip().isdigit():
        return float(retry_after)
    reset = response.headers.get("X-RateLimit-Reset", "")
    if reset.strip().isdigit():
        return max(0.0, float(reset) - time.time())
    return None


class Unknown(Exception):
    """An action was sent but its answer was lost: it may or may not have happened."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step, self.reason = step, reason


class ZenodoAPI:
    """The calls of the legacy deposit API that a deposit needs, following the links the
    server gives rather than building URLs."""

    def __init__(
        self,
        base_url: str,
        token: Token,
        *,
        http: httpx.Client | None = None,
        retry: Retry | None = None,
        progress: Callable[[str], None] = silent,
    ) -> None:
        import httpx

        self.base = base_url.rstrip("/")
        self.http = http or httpx.Client(timeout=httpx.Timeout(120.0, connect=15.0))
        self._owns_http = http is None
        self.retry = retry or Retry()
        self.progress = progress
        self._auth = {
            "Authorization": f"Bearer {token.value}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }

    def __repr__(self) -> str:
        return f"ZenodoAPI({self.base!r})"

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def request(
        self,
        step: str,
        method: str,
        url: str,
        *,
        body: Any = None,
        upload: bytes | None = None,
        idempotent: bool = True,
        missing_ok: bool = False,
        also_transient: tuple[int, ...] = (),
    ) -> Any:
        """Send one request and return its JSON; retry what is safe to retry.

        `Unknown` when an action that is not safe to repeat may have happened; `DepositError`
        with the step, the status and what to do for any other failure.
        """
        import httpx

        last = ""
        for attempt in range(self.retry.attempts):
            headers = dict(self._auth)
            content: Iterator[bytes] | None = None
            if upload is not None:
                headers |= {
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(len(upload)),
                }
                content = self._stream(step, upload)
            try:
                response = self.http.request(
                    method, url, headers=headers, json=body, content=content, follow_redirects=False
                )
            except httpx.TransportError as exc:
                sent = not isinstance(
                    exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
                )
                last = f"the connection failed ({type(exc).__name__})"
                if sent and not idempotent:
                    raise Unknown(step, last) from None
                if attempt + 1 < self.retry.attempts:
                    self.progress(f"{step}: {last}; trying again")
                    self.retry.wait(attempt, None)
                continue
            status = response.status_code
            if status in TRANSIENT or (status in also_transient and idempotent):
                last = _status_text(response)
                if status != 429 and not idempotent:
                    raise Unknown(step, f"Zenodo answered {last}")
                if attempt + 1 < self.retry.attempts:
                    self.progress(f"{step}: Zenodo answered {last}; waiting to try again")
                    self.retry.wait(attempt, response)
                continue
            if missing_ok and status in (404, 410):
                return None
            if status >= 300:
                raise DepositError(explain(step, response))
            return response.json() if response.content else {}
        raise DepositError(
            f"{step}: Zenodo did not answer after {self.retry.attempts} attempts (last: {last}). "
            "What was done is kept: run the same command again later to resume."
        )

    def _stream(self, step: str, data: bytes) -> Iterator[bytes]:
        total = len(data)
        for start in range(0, total, CHUNK):
            yield data[start : start + CHUNK]
            done = min(total, start + CHUNK)
            filled = 20 * done // total if total else 20
            self.progress(
                f"{step} [{'#' * filled}{'.' * (20 - filled)}] {done:,} of {total:,} bytes"
            )

    # the calls -----------------------------------------------------------------------------

    def deposition(self, dep_id: int | str) -> dict[str, Any] | None:
        url = f"{self.base}/deposit/depositions/{dep_id}"
        found: dict[str, Any] | None = self.request(
            f"reading deposition {dep_id}", "GET", url, missing_ok=True
        )
        return found

    def follow(self, url: str, step: str) -> dict[str, Any]:
        found: dict[str, Any] = self.request(step, "GET", url)
        return found

    def drafts(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in range(1, 11):
            batch = self.request(
                "looking for the draft of an interrupted run",
                "GET",
                f"{self.base}/deposit/depositions?status=draft"
                f"&sort=mostrecent&size=100&page={page}",
            )
            found += batch
            if len(batch) < 100:
                break
        return found

    def create(self, metadata: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base}/deposit/depositions"
        created: dict[str, Any] = self.request(
            "creating the draft", "POST", url, body={"metadata": metadata}, idempotent=False
        )
        return created

    def files(self, deposition: dict[str, Any]) -> dict[str, str]:
        """The draft's files and their md5 (the legacy listing gives the bare hex)."""
        listing = self.request("listing the draft's files", "GET", deposition["links"]["files"])
        return {f["filename"]: str(f["checksum"]).removeprefix("md5:") for f in listing}

    def upload(
        self, deposition: dict[str, Any], name: str, data: bytes, flaky: tuple[int, ...] = ()
    ) -> str:
        url = _bucket_url(deposition, name)
        answer = self.request(f"uploading {name}", "PUT", url, upload=data, also_transient=flaky)
        return str(answer.get("checksum", "")).removeprefix("md5:")

    def delete_file(
        self, deposition: dict[str, Any], name: str, flaky: tuple[int, ...] = ()
    ) -> None:
        url = _bucket_url(deposition, name)
        step = f"removing {name} from the draft"
        self.request(step, "DELETE", url, missing_ok=True, also_transient=flaky)

    def set_metadata(self, deposition: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
        url = deposition["links"]["self"]
        updated: dict[str, Any] = self.request(
            "setting the metadata", "PUT", url, body={"metadata": metadata}
        )
        return updated

    def action(self, deposition: dict[str, Any], name: str, step: str) -> dict[str, Any]:
        url = deposition["links"][name]
        answer: dict[str, Any] = self.request(step, "POST", url, idempotent=False)
        return answer


def _bucket_url(deposition: dict[str, Any], name: str) -> str:
    return f"{deposition['links']['bucket']}/{quote(name)}"


def _status_text(response: httpx.Response) -> str:
    html = "html" in response.headers.get("Content-Type", "")
    return f"{response.status_code} {response.reason_phrase}" + (" (an HTML page)" if html else "")


def explain(step: str, response: httpx.Response) -> str:
    """One clear message for a failed request: the step, the status, Zenodo's reason, one line
    per field for a validation error (both forms Zenodo uses), and what to do."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = str(body.get("message", "")).strip() if isinstance(body, dict) else ""
    lines = [
        f"{step}: Zenodo answered {_status_text(response)}" + (f": {message}" if message else "")
    ]
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        texts = error.get("messages", error.get("message", ""))
        texts = texts if isinstance(texts, list) else [texts]
        flat = "; ".join(str(t) for t in texts if t)
        lines.append(f"  {error.get('field') or 'request'}: {flat}")
    status = response.status_code
    if status in (401, 403):
        lines.append(
            "Check the token: a personal access token of the account that owns the deposition, "
            "with the deposit:write and deposit:actions scopes, made on this server (a sandbox "
            "token works only on the sandbox)."
        )
    elif status == 400 and errors:
        lines.append("Correct these in datapackage.json or publication.toml and run again.")
    elif status in (404, 410):
        lines.append("The deposition is gone or is not yours: check the id and the server.")
    elif status == 415:
        lines.append("The request was not sent as JSON: this is a dahpkg bug; please report it.")
    return "\n".join(lines)


# --- the state file -------------------------------------------------------------------------


def default_state_file() -> Path:
    """``$XDG_STATE_HOME/dahpkg/zenodo-deposits.json`` (``~/.local/state`` by default)."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "dahpkg" / "zenodo-deposits.json"


class DepositState:
    """What earlier runs did, by server, package and version. Never holds the token."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = {"format": 1, "deposits": {}}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(
                    f"the deposit state file {path} cannot be read ({exc}); "
                    "move it away to start afresh"
                ) from None
            if not isinstance(data, dict) or not isinstance(data.get("deposits"), dict):
                raise InputError(f"{path} is not a dahpkg deposit state file")
            self.data = data

    def entry(self, key: str) -> dict[str, Any]:
        entry: dict[str, Any] = self.data["deposits"].setdefault(key, {})
        return entry

    def save(self) -> None:
        text = json.dumps(self.data, indent=2, sort_keys=True) + "\n"
        try:
            _atomic.write_bytes(self.path, text.encode("utf-8"), replace=True)
        except OSError as exc:
            raise InputError(
                f"cannot write the deposit state file {self.path}: {exc.strerror or exc}"
            ) from None


# --- the deposit ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a deposit did, or (dry run) would do."""

    server: str
    state_file: Path
    deposition: int | None = None
    html: str = ""
    doi: str = ""  # once published
    reserved_doi: str = ""
    published: bool = False
    resumed: bool = False
    uploaded: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    planned: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def upload_set(supplement: Supplement) -> dict[str, bytes]:
    """What goes to Zenodo: the bundle's zip, plus the bundle's top-level files so that the
    record page shows the README, codebook, statistical files and metadata without unzipping."""
    files = {name: data for name, data in supplement.files.items() if "/" not in name}
    return dict(sorted({supplement.name: supplement.archive, **files}.items()))


def deposit(
    path: str | Path | None = None,
    *,
    base_url: str = ZENODO_URL,
    token: Token | None = None,
    publish: bool = False,
    dry_run: bool = False,
    new_version_of: int | None = None,
    risk_accepted: str | None = None,
    generalise: str | Generalisation | None = None,
    not_identifiers: Iterable[str] = (),
    state_file: str | Path | None = None,
    http: httpx.Client | None = None,
    retry: Retry | None = None,
    progress: Callable[[str], None] = silent,
) -> Outcome:
    """Deposit the package at ``path`` on the Zenodo at ``base_url`` (see the module's text).

    ``token`` defaults to `read_token()`; a dry run needs none and sends nothing.
    """
    from dahpkg.export.api import build_supplement, prepare

    progress("validating the package and checking its disclosure risk")
    prepared = prepare(
        path, risk_accepted=risk_accepted, generalise=generalise, not_identifiers=not_identifiers
    )
    supplement = build_supplement(prepared, progress)
    state = DepositState(Path(state_file) if state_file else default_state_file())
    run = _Run(prepared, supplement, state, base_url.rstrip("/"), new_version_of, progress)
    if dry_run:
        return run.plan(publish)
    api = ZenodoAPI(base_url, token or read_token(), http=http, retry=retry, progress=progress)
    try:
        return run.go(api, publish)
    finally:
        api.close()


class _Run:
    def __init__(
        self,
        prepared: Prepared,
        supplement: Supplement,
        state: DepositState,
        server: str,
        new_version_of: int | None,
        progress: Callable[[str], None],
    ) -> None:
        self.uploads = upload_set(supplement)
        self.md5 = {n: hashlib.md5(d).hexdigest() for n, d in self.uploads.items()}
        self.metadata: dict[str, Any] = json.loads(supplement.files["zenodo.json"])["metadata"]
        self.version = str(prepared.descriptor.get("version") or "")
        name = str(prepared.descriptor.get("name") or "episodes")
        self.key = f"{server} {name} {self.version}"
        self.state, self.server, self.parent, self.progress = (
            state,
            server,
            new_version_of,
            progress,
        )
        self.entry = state.entry(self.key)
        self.outcome = Outcome(server, state.path)

    def _save(self, **values: Any) -> None:
        self.entry.update(values, updated=datetime.now(UTC).isoformat(timespec="seconds"))
        self.state.save()

    # the dry run ---------------------------------------------------------------------------

    def plan(self, publish: bool) -> Outcome:
        lines, base = [], f"{self.server}/deposit/depositions"
        if self.entry.get("status") == "published":
            self.outcome.notes.append(
                f"version {self.version} is already published "
                f"(DOI {self.entry.get('doi', '')}): nothing to send"
            )
            return self.outcome
        if self.entry.get("deposition"):
            lines.append(
                f"GET    {base}/{self.entry['deposition']}  resume the draft of an earlier run"
            )
        elif self.parent is not None:
            lines += [
                f"GET    {base}/{self.parent}  check it is the latest published version",
                f"POST   {base}/{self.parent}/actions/newversion  create the new "
                "version's draft (it starts with the previous files)",
            ]
        else:
            lines.append(f"POST   {base}  create a draft (metadata: {self.metadata['title']!r})")
        lines.append("GET    {links.files}  compare the draft's files with the bundle's")
        for name, data in self.uploads.items():
            lines.append(
                f"PUT    {{links.bucket}}/{quote(name)}  {len(data):,} bytes, md5 {self.md5[name]}"
            )
        lines += [
            "GET    {links.files}  check every md5 against the server's",
            f"PUT    {{links.self}}  set the metadata (version {self.version!r}, "
            f"{len(self.metadata)} fields)",
        ]
        lines.append(
            "POST   {links.publish}  publish"
            if publish
            else "(the draft is left unpublished: add --publish to publish it)"
        )
        self.outcome.planned = lines
        return self.outcome

    # the real run --------------------------------------------------------------------------

    def go(self, api: ZenodoAPI, publish: bool) -> Outcome:
        if self.entry.get("status") == "published":
            self.outcome.notes.append(
                f"version {self.version} is already published: "
                "nothing was sent; raise the version in datapackage.json "
                "and pass --new-version-of to deposit new data"
            )
            return self._published(self.entry)
        draft = self._resume(api)
        if draft is not None and draft.get("submitted") and draft.get("state") == "done":
            # published by an earlier run whose answer was lost
            self._save(
                status="published",
                doi=draft.get("doi", ""),
                record=draft["links"].get("record_html", ""),
            )
            return self._published(self.entry)
        draft = draft or self._start(api)
        self.outcome.deposition, self.outcome.html = draft["id"], draft["links"]["html"]
        self.outcome.reserved_doi = draft["metadata"].get("prereserve_doi", {}).get("doi", "")
        self._sync_files(api, draft)
        self.progress("setting the metadata")
        draft = api.set_metadata(draft, self.metadata)
        self._save(status="draft", metadata_set=True)
        if publish:
            draft = self._publish(api, draft)
            self._save(
                status="published",
                doi=draft.get("doi", ""),
                record=draft["links"].get("record_html", ""),
            )
            self.outcome.published, self.outcome.doi = True, str(draft.get("doi", ""))
            self.outcome.html = draft["links"].get("record_html", self.outcome.html)
        return self.outcome

    def _published(self, entry: dict[str, Any]) -> Outcome:
        self.outcome.deposition = entry.get("deposition")
        self.outcome.published, self.outcome.doi = True, str(entry.get("doi", ""))
        self.outcome.html = str(entry.get("record") or entry.get("html", ""))
        return self.outcome

    def _resume(self, api: ZenodoAPI) -> dict[str, Any] | None:
        dep_id = self.entry.get("deposition")
        if dep_id is not None:
            self.progress(f"resuming draft {dep_id}")
            draft = api.deposition(dep_id)
            if draft is None:
                self.outcome.notes.append(
                    f"draft {dep_id} of an earlier run is gone from Zenodo: a new draft was created"
                )
                self.entry.clear()
                return None
            self.outcome.resumed = True
            return draft
        if self.entry.get("status") == "creating":
            found = self._find_interrupted(api)
            if found is not None:
                self.outcome.resumed = True
                self._save(deposition=found["id"], html=found["links"]["html"], status="draft")
            return found
        return None

    def _find_interrupted(self, api: ZenodoAPI) -> dict[str, Any] | None:
        """The draft that an interrupted create or new-version request made, if it did."""
        if self.entry.get("new_version_of") is not None:
            parent = api.deposition(self.entry["new_version_of"])
            latest = (parent or {}).get("links", {}).get("latest_draft")
            if parent is None or not latest or latest == parent["links"]["self"]:
                return None
            return api.follow(latest, "reading the new version's draft")
        nonce = self.entry.get("nonce", "")
        for draft in api.drafts():
            if nonce and f"{NONCE_MARK} {nonce}" in str(draft.get("metadata", {}).get("notes", "")):
                return draft
        return None

    def _start(self, api: ZenodoAPI) -> dict[str, Any]:
        nonce = uuid.uuid4().hex
        self._save(status="creating", nonce=nonce, new_version_of=self.parent, files={})
        draft = self._new_version(api) if self.parent is not None else self._create(api, nonce)
        self._save(status="draft", deposition=draft["id"], html=draft["links"]["html"])
        return draft

    def _create(self, api: ZenodoAPI, nonce: str) -> dict[str, Any]:
        # The nonce lets a rerun recognise this draft if the answer to the create is lost;
        # the final metadata replace it.
        notes = f"{self.metadata.get('notes', '')}\n\n[{NONCE_MARK} {nonce}]".strip()
        for _ in range(api.retry.attempts):
            self.progress("creating the draft")
            try:
                return api.create({**self.metadata, "notes": notes})
            except Unknown as lost:
                self.progress(f"{lost}; asking Zenodo whether the draft exists")
                found = self._find_interrupted(api)
                if found is not None:
                    return found
        raise DepositError(
            "creating the draft: Zenodo's answer was lost on every attempt and no "
            "draft was made; run the same command again later"
        )

    def _new_version(self, api: ZenodoAPI) -> dict[str, Any]:
        parent = api.deposition(self.parent or 0)
        if parent is None:
            raise DepositError(
                f"deposition {self.parent} does not exist on {self.server}, or "
                "is not yours: give the id of the latest published version"
            )
        if not parent.get("submitted"):
            raise DepositError(
                f"deposition {self.parent} is an unpublished draft: publish it "
                "first, or deposit without --new-version-of"
            )
        if str(parent.get("metadata", {}).get("version", "")) == self.version:
            raise DepositError(
                f"deposition {self.parent} already holds version {self.version}: "
                "raise the version in datapackage.json for the new data"
            )
        latest = parent["links"].get("latest_draft")
        if latest and latest != parent["links"]["self"]:
            raise DepositError(
                f"a draft of a new version already exists: "
                f"{parent['links'].get('latest_draft_html', latest)}; finish or "
                "delete it on Zenodo, then run again"
            )
        self.progress(f"creating a new version of {self.parent}")
        for _ in range(api.retry.attempts):
            try:
                answer = api.action(
                    parent, "newversion", f"creating a new version of {self.parent}"
                )
            except Unknown as lost:
                self.progress(f"{lost}; asking Zenodo whether the new version exists")
                found = self._find_interrupted(api)
                if found is not None:
                    return found
                continue
            # Today's server answers with the new draft; the older one with the parent, whose
            # latest_draft link leads to it.
            if answer.get("id") == parent["id"]:
                return api.follow(answer["links"]["latest_draft"], "reading the new draft")
            return answer
        raise DepositError(
            f"creating a new version of {self.parent}: Zenodo's answer was lost "
            "on every attempt; run the same command again later"
        )

    def _sync_files(self, api: ZenodoAPI, draft: dict[str, Any]) -> None:
        # Zenodo answers 403 to file operations for a while after a new version is made
        # (zenodo#2502): in a new version's draft, a 403 is waited out like a 503.
        flaky = (403,) if self.entry.get("new_version_of") is not None else ()
        on_server = api.files(draft)
        for name, md5 in on_server.items():
            if self.md5.get(name) != md5:  # a previous version's file, or a partial upload
                self.progress(f"removing {name} from the draft")
                api.delete_file(draft, name, flaky)
                self.outcome.removed.append(name)
        recorded: dict[str, str] = self.entry.setdefault("files", {})
        for name, data in self.uploads.items():
            if on_server.get(name) == self.md5[name]:
                self.outcome.kept.append(name)
                recorded[name] = self.md5[name]
                continue
            for attempt in (1, 2):
                checksum = api.upload(draft, name, data, flaky)
                if checksum == self.md5[name]:
                    break
                if attempt == 2:
                    raise DepositError(
                        f"uploading {name}: the server's md5 ({checksum or 'none'}) differs from "
                        f"the file's ({self.md5[name]}) twice; the connection may be altering "
                        "data. Run the same command again to resend it."
                    )
                self.progress(f"uploading {name}: md5 mismatch; sending it again")
            recorded[name] = self.md5[name]
            self._save()
            self.outcome.uploaded.append(name)
            self.outcome.bytes_sent += len(data)
        self.progress("checking every file against the server's listing")
        listed = api.files(draft)
        wrong = sorted(n for n in self.uploads if listed.get(n) != self.md5[n])
        extra = sorted(set(listed) - set(self.uploads))
        if wrong or extra:
            for name in wrong:
                recorded.pop(name, None)
            self._save()
            raise DepositError(
                "checking the uploaded files: "
                + "; ".join(
                    [
                        *(
                            f"{n}: md5 {listed.get(n, 'missing')} on the server, {self.md5[n]} here"
                            for n in wrong
                        ),
                        *(f"{n}: on the server but not in the bundle" for n in extra),
                    ]
                )
                + ". Run the same command again to resend them."
            )

    def _publish(self, api: ZenodoAPI, draft: dict[str, Any]) -> dict[str, Any]:
        for _ in range(api.retry.attempts):
            self.progress("publishing")
            try:
                return api.action(draft, "publish", "publishing")
            except Unknown as lost:
                self.progress(f"{lost}; asking Zenodo whether it was published")
                current = api.deposition(draft["id"])
                if current is not None and current.get("submitted"):
                    return current
        raise DepositError(
            "publishing: Zenodo's answer was lost on every attempt and the draft "
            "is still unpublished; run the same command again later"
        )
