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
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

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
        variables = os.environ if environ is None else environ
        value, source = variables.get(TOKEN_VARIABLE, "").strip(), TOKEN_VARIABLE
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
        # The server's hint, but never less than the backoff: a reset time already past (or
        # a clock ahead of the server's) must not turn into requests sent back to back.
        self.sleep(min(self.cap, max(delay, hinted or 0.0)))


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

        if _origin(url) != _origin(self.base):
            raise DepositError(
                f"{step}: Zenodo's answer points to another server ({_origin(url)}); the token "
                f"is sent only to {_origin(self.base)}. Check --base-url."
            )
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
            if not response.content:
                return {}
            try:
                return response.json()
            except ValueError:
                raise DepositError(
                    f"{step}: {_origin(url)} answered {_status_text(response)} with something "
                    "other than JSON: is it a Zenodo deposit API? Check --base-url."
                ) from None
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

    def depositions(self) -> list[dict[str, Any]]:
        """The account's depositions, drafts and published, newest first."""
        found: list[dict[str, Any]] = []
        for page in range(1, 101):
            batch = self.request(
                "looking for an earlier deposition of this version", "GET",
                f"{self.base}/deposit/depositions?sort=mostrecent&all_versions=true&size=100&page={page}",
            )  # fmt: skip
            if not isinstance(batch, list):
                raise DepositError(f"{self.base} did not answer with a list of depositions: "
                                   "is it a Zenodo deposit API? Check --base-url")  # fmt: skip
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

    def files(self, deposition: dict[str, Any], flaky: tuple[int, ...] = ()) -> dict[str, str]:
        """The draft's files and their md5 (the legacy listing gives the bare hex)."""
        listing = self.request("listing the draft's files", "GET", deposition["links"]["files"],
                               also_transient=flaky)  # fmt: skip
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


def _origin(url: str) -> str:
    """scheme://host:port, with the scheme's default port written out, in lower case."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"https": 443, "http": 80}.get(scheme)
    except ValueError:
        port = None
    host = (parts.hostname or "").lower()
    return f"{scheme}://{host}:{port}"


def check_base_url(url: str) -> str:
    """``url`` if the token may be sent there: https, or http to this machine (a local test
    server); `InputError` otherwise."""
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if (
        parts.username
        or parts.password
        or not parts.hostname
        or not (parts.scheme == "https" or (parts.scheme == "http" and local))
    ):
        raise InputError(
            f"the deposit API address must be https://HOST/... (or http:// to this machine "
            f"for a local test server), without a user name: not {url!r}"
        )
    return url.rstrip("/")


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
    fields = [str(e.get("field", "")) for e in errors or [] if isinstance(e, dict)]
    if status == 401:
        lines.append(
            "Check the token: a personal access token made on this server (a sandbox token "
            "works only on the sandbox), with the deposit:write and deposit:actions scopes."
        )
    elif status == 403:
        lines.append(
            "Zenodo refused the action: the token may lack the deposit:actions scope or belong "
            "to another account, or the deposition's state does not allow it (a published "
            "record's files are locked)."
        )
    elif status == 400 and fields and all(f.startswith("metadata") for f in fields):
        lines.append("Correct these in datapackage.json or publication.toml and run again.")
    elif status in (404, 410):
        lines.append("The deposition is gone or is not yours: check the id and the server.")
    elif status == 415:
        lines.append("The request was not sent as JSON: this is a dahpkg bug; please report it.")
    else:
        lines.append(
            "Nothing is lost: check the draft on Zenodo if the reason asks for it, then run the "
            "same command again to resume."
        )
    return "\n".join(lines)


# --- the state file -------------------------------------------------------------------------


def default_state_file() -> Path:
    """``$XDG_STATE_HOME/dahpkg/zenodo-deposits.json`` (``~/.local/state`` by default)."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "dahpkg" / "zenodo-deposits.json"


class DepositState:
    """What earlier runs did, by server, package and version. Never holds the token.

    Each save re-reads the file under a lock and replaces only this run's entry, so that
    deposits running at the same time keep each other's drafts.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = self._read()

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"format": 1, "deposits": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"the deposit state file {self.path} cannot be read ({exc}); "
                "move it away to start afresh (dahpkg then looks for its deposits on Zenodo)"
            ) from None
        deposits = data.get("deposits") if isinstance(data, dict) else None
        if not isinstance(deposits, dict) or not all(
            isinstance(e, dict) and isinstance(e.get("files", {}), dict) for e in deposits.values()
        ):
            raise InputError(
                f"{self.path} is not a dahpkg deposit state file, or an entry of it was damaged: "
                "move it away (dahpkg then looks for its deposits on Zenodo)"
            )
        result: dict[str, Any] = data
        return result

    def entry(self, key: str) -> dict[str, Any]:
        entry: dict[str, Any] = self.data["deposits"].setdefault(key, {})
        return entry

    def save(self, key: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(self.path.with_name(self.path.name + ".lock")):
                current = self._read()
                current["deposits"][key] = self.data["deposits"][key]
                self.data["deposits"] = {**current["deposits"], key: self.entry(key)}
                text = json.dumps(current, indent=2, sort_keys=True) + "\n"
                _atomic.write_bytes(self.path, text.encode("utf-8"), replace=True)
        except OSError as exc:
            raise InputError(
                f"cannot write the deposit state file {self.path}: {exc.strerror or exc}"
            ) from None


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (POSIX); elsewhere, no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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

    base_url = check_base_url(base_url)
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
    except (KeyError, TypeError, AttributeError) as exc:
        raise DepositError(
            f"{base_url} answered in a shape the Zenodo deposit API does not have ({exc}): "
            "is it a Zenodo deposit API? Check --base-url. What was done is kept."
        ) from None
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
        from dahpkg.metadata import deposit_marker

        self.uploads = upload_set(supplement)
        self.md5 = {n: hashlib.md5(d).hexdigest() for n, d in self.uploads.items()}
        self.metadata: dict[str, Any] = json.loads(supplement.files["zenodo.json"])["metadata"]
        self.marker = deposit_marker(prepared.descriptor)
        self.version = str(prepared.descriptor.get("version") or "")
        name = str(prepared.descriptor.get("name") or "episodes")
        self.key = f"{server} {name} {self.version}"
        self.state, self.server, self.parent = state, server, new_version_of
        self.progress = progress
        self.entry = state.entry(self.key)
        self.outcome = Outcome(server, state.path)

    def _save(self, **values: Any) -> None:
        self.entry.update(values, updated=datetime.now(UTC).isoformat(timespec="seconds"))
        self.state.save(self.key)

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
        else:
            lines.append(
                f"GET    {base}?size=100  look for a deposition of this version made earlier "
                f"(its notes say {self.marker!r}); resume or stop if there is one"
            )
            if self.parent is not None:
                lines += [
                    f"GET    {base}/{self.parent}  check it is the latest published version",
                    f"POST   {base}/{self.parent}/actions/newversion  create the new "
                    "version's draft (it starts with the previous files)",
                ]
            else:
                lines.append(f"POST   {base}  create a draft ({self.metadata['title']!r})")
        lines.append(
            "GET    {links.files}  compare the draft's files with the bundle's; a file already "
            "there with the same md5 is kept, and one that differs is removed (DELETE)"
        )
        for name, data in self.uploads.items():
            lines.append(
                f"PUT    {{links.bucket}}/{quote(name)}  {len(data):,} bytes, md5 {self.md5[name]}"
            )
        lines += [
            "GET    {links.files}  check every md5 against the server's",
            f"PUT    {{links.self}}  set the metadata (version {self.version!r}, "
            f"{len(self.metadata)} fields)",
            "POST   {links.publish}  publish"
            if publish
            else "(the draft is left unpublished: add --publish to publish it)",
        ]
        self.outcome.planned = lines
        return self.outcome

    # the real run --------------------------------------------------------------------------

    def go(self, api: ZenodoAPI, publish: bool) -> Outcome:
        if self.entry.get("status") == "published":
            self.outcome.notes.append(
                f"version {self.version} is already published: nothing was sent; raise the "
                "version in datapackage.json and pass --new-version-of to deposit new data"
            )
            return self._published(self.entry)
        draft = self._resume(api)
        if draft is not None and draft.get("submitted"):
            self._save(status="published", deposition=draft["id"], doi=draft.get("doi", ""),
                       record=draft["links"].get("record_html", ""))  # fmt: skip
            self.outcome.notes.append(
                f"version {self.version} is already published on Zenodo (deposition "
                f"{draft['id']}): nothing was sent"
            )
            return self._published(self.entry)
        draft = draft or self._start(api)
        self.outcome.deposition, self.outcome.html = draft["id"], draft["links"]["html"]
        self.outcome.reserved_doi = draft["metadata"].get("prereserve_doi", {}).get("doi", "")
        self._sync_files(api, draft)
        self.progress("setting the metadata")
        draft = api.set_metadata(draft, self.metadata)
        self._save(status="draft", files=self.md5)  # each one checked on the server
        if publish:
            draft = self._publish(api, draft)
            self._save(status="published", doi=draft.get("doi", ""),
                       record=draft["links"].get("record_html", ""))  # fmt: skip
            self.outcome.published, self.outcome.doi = True, str(draft.get("doi", ""))
            self.outcome.html = draft["links"].get("record_html", self.outcome.html)
        return self.outcome

    def _published(self, entry: dict[str, Any]) -> Outcome:
        self.outcome.deposition = entry.get("deposition")
        self.outcome.published, self.outcome.doi = True, str(entry.get("doi", ""))
        self.outcome.html = str(entry.get("record") or entry.get("html", ""))
        return self.outcome

    def _resume(self, api: ZenodoAPI) -> dict[str, Any] | None:
        """The deposition of this version that an earlier run made, if any: from the state
        file, else from the server (a lost or another state file must not mean a duplicate)."""
        earlier = self.entry.get("new_version_of")
        if self.entry and earlier != self.parent:
            made = self.entry.get("deposition") is not None or (
                self.entry.get("status") == "creating"
                and self._interrupted(api, earlier) is not None
            )
            if made:
                raise DepositError(
                    f"an earlier run of version {self.version} started "
                    + (f"a new version of {earlier}" if earlier
                       else "a new deposition (not a new version)")
                    + f" at {self.entry.get('html') or self.server}, but this run asks for "
                    + (f"a new version of {self.parent}" if self.parent else "a new deposition")
                    + ": run again with the same options, or delete that draft on Zenodo and "
                    f"remove the entry {self.key!r} from {self.state.path}"
                )  # fmt: skip
            self.entry.clear()  # that run made nothing: its options do not bind this one
        dep_id = self.entry.get("deposition")
        if dep_id is not None:
            self.progress(f"resuming draft {dep_id}")
            draft = api.deposition(dep_id)
            if draft is not None:
                self.outcome.resumed = True
                return draft
            self.outcome.notes.append(
                f"draft {dep_id} of an earlier run is gone from Zenodo: a new draft was created"
            )
            self.entry.clear()
        found = self._find_on_server(api)
        if found is None and self.entry.get("status") == "creating":
            found = self._interrupted(api, self.parent)
        if found is not None:
            self.outcome.resumed = True
            self._save(deposition=found["id"], html=found["links"]["html"],
                       status="draft", new_version_of=self.parent)  # fmt: skip
        return found

    def _find_on_server(self, api: ZenodoAPI) -> dict[str, Any] | None:
        """This version's deposition on the server, recognised by the sentence dahpkg puts in
        its notes (a whole sentence: version 1.0 is not 1.0.1)."""
        self.progress("looking for an earlier deposition of this version")
        sentence = re.compile(rf"(?:^|\s){re.escape(self.marker)}(?:\s|$)")
        mine = [d for d in api.depositions()
                if sentence.search(str((d.get("metadata") or {}).get("notes", "")))]  # fmt: skip
        for found in mine:
            title = str((found.get("metadata") or {}).get("title", ""))
            if title != self.metadata.get("title"):
                raise DepositError(
                    f"deposition {found.get('id')} on {self.server} is version {self.version} of "
                    f"a package with the same name but another title ({title!r}): give this "
                    "package its own name or version in datapackage.json"
                )
        published = [d for d in mine if d.get("submitted")]
        if published:
            return published[0]
        if mine:
            return self._check_concept(api, mine[0])
        return None

    def _interrupted(self, api: ZenodoAPI, parent_id: int | None) -> dict[str, Any] | None:
        """The draft a create or new-version request may have made before its answer was
        lost. A new version's draft is the parent's latest_draft: no draft existed when the
        request was sent, or it would have been refused."""
        if parent_id is None:
            return self._find_on_server(api)
        parent = api.deposition(parent_id)
        latest = (parent or {}).get("links", {}).get("latest_draft")
        if parent is not None and latest and latest != parent["links"]["self"]:
            return api.follow(latest, "reading the new version's draft")
        return None

    def _check_concept(self, api: ZenodoAPI, draft: dict[str, Any]) -> dict[str, Any]:
        if self.parent is None:
            return draft
        parent = api.deposition(self.parent)
        if parent is not None and str(parent.get("conceptrecid")) != str(draft.get("conceptrecid")):
            raise DepositError(
                f"an unpublished draft of version {self.version} already exists "
                f"({draft['links']['html']}) and is not a version of {self.parent}: publish "
                "or delete it on Zenodo, then run again"
            )
        return draft

    def _start(self, api: ZenodoAPI) -> dict[str, Any]:
        self.entry.clear()
        draft = self._new_version(api) if self.parent is not None else self._create(api)
        self._save(status="draft", deposition=draft["id"], html=draft["links"]["html"])
        return draft

    def _create(self, api: ZenodoAPI) -> dict[str, Any]:
        # Noted before the request: if its answer is lost, a rerun asks the server first.
        self._save(status="creating", new_version_of=None)
        for _ in range(api.retry.attempts):
            self.progress("creating the draft")
            try:
                return api.create(self.metadata)
            except Unknown as lost:
                self.progress(f"{lost}; asking Zenodo whether the draft exists")
                found = self._find_on_server(api)
                if found is not None:
                    return found
        raise DepositError(
            "creating the draft: Zenodo's answer was lost on every attempt and no draft was "
            "made; run the same command again later"
        )

    def _new_version(self, api: ZenodoAPI) -> dict[str, Any]:
        parent = api.deposition(self.parent or 0)
        if parent is None:
            raise DepositError(
                f"deposition {self.parent} does not exist on {self.server}, or is not yours: "
                "give the id of the latest published version"
            )
        links = parent.get("links", {})
        if not parent.get("submitted"):
            raise DepositError(
                f"deposition {self.parent} is an unpublished draft: publish it first, or "
                "deposit without --new-version-of"
            )
        if links.get("latest") and links.get("record") and links["latest"] != links["record"]:
            latest = str(links["latest"]).rstrip("/").rsplit("/", 1)[-1]
            raise DepositError(
                f"deposition {self.parent} is not the latest version (the latest is {latest}): "
                "a new version is made from the latest one; pass --new-version-of " + latest
            )
        if str(parent.get("metadata", {}).get("version", "")) == self.version:
            raise DepositError(
                f"deposition {self.parent} already holds version {self.version}: raise the "
                "version in datapackage.json for the new data"
            )
        latest_draft = links.get("latest_draft")
        if latest_draft and latest_draft != links["self"]:
            raise DepositError(
                f"a draft of a new version of {self.parent} already exists: "
                f"{links.get('latest_draft_html', latest_draft)}. dahpkg does not take over a "
                "draft it cannot recognise as its own (one from an interrupted run whose state "
                "file was lost looks the same as one made on the web site): finish or delete it "
                "on Zenodo, then run again"
            )
        self._save(status="creating", new_version_of=self.parent)
        step = f"creating a new version of {self.parent}"
        for _ in range(api.retry.attempts):
            self.progress(step)
            try:
                answer = api.action(parent, "newversion", step)
            except Unknown as lost:
                self.progress(f"{lost}; asking Zenodo whether the new version exists")
                found = self._interrupted(api, self.parent)
                if found is not None:
                    return found
                continue
            # Today's server answers with the new draft; the older one with the parent, whose
            # latest_draft link leads to it.
            if answer.get("id") == parent["id"]:
                return api.follow(answer["links"]["latest_draft"], "reading the new draft")
            return answer
        raise DepositError(
            f"{step}: Zenodo's answer was lost on every attempt; run the same command again later"
        )

    def _sync_files(self, api: ZenodoAPI, draft: dict[str, Any]) -> None:
        # Zenodo answers 403 to file operations for a while after a new version is made
        # (zenodo#2502): in a new version's draft, a 403 is waited out like a 503.
        flaky = (403,) if self.parent is not None else ()
        on_server = api.files(draft, flaky)
        for name, md5 in on_server.items():
            if self.md5.get(name) != md5:  # a previous version's file, or a partial upload
                self.progress(f"removing {name} from the draft")
                api.delete_file(draft, name, flaky)
                self.outcome.removed.append(name)
        for name, data in self.uploads.items():
            if on_server.get(name) == self.md5[name]:
                self.outcome.kept.append(name)
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
            self.outcome.uploaded.append(name)
            self.outcome.bytes_sent += len(data)
        self.progress("checking every file against the server's listing")
        listed = api.files(draft, flaky)
        wrong = sorted(n for n in self.uploads if listed.get(n) != self.md5[n])
        extra = sorted(set(listed) - set(self.uploads))
        if wrong or extra:
            problems = [f"{n}: md5 {listed.get(n, 'missing')} on the server, {self.md5[n]} here"
                        for n in wrong] + [f"{n}: on the server but not in the bundle"
                                           for n in extra]  # fmt: skip
            raise DepositError(
                "checking the uploaded files: " + "; ".join(problems)
                + ". Run the same command again to resend them."
            )  # fmt: skip

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
            "publishing: Zenodo's answer was lost on every attempt and the draft is still "
            "unpublished; run the same command again later"
        )
