"""HTTP to a repository: retries with backoff, origin checks, no redirects, the token only in
a header.

Requests that can be repeated safely (reads, uploads, which replace, metadata, which is
replaced wholesale) are retried on 429 (after the wait the rate-limit headers ask for),
502/503/504 and a dropped connection, with backoff. An action that may have happened although
its answer was lost is never sent again here: `Unknown` is raised, and the caller asks the
server what happened. Every URL, the base one or one the server's answers link to, must have
the base URL's origin, so that the token is never sent elsewhere; a value put in a URL's path is
one quoted segment (`segment`).

A server may be hostile: an answer is read only up to ``max_answer_bytes`` and a request ends by
``max_request_seconds`` (`dahpkg.deposit.wire`), neither retried, and a server's words reach a
message only through `dahpkg.deposit.redact.server_text`, never with a secret in them.

The HTTP client (an ``httpx.Client``) can be passed in; the tests run the repositories' clients
unchanged against local servers over real HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from dahpkg import __version__
from dahpkg.deposit.redact import redact, server_text
from dahpkg.deposit.wire import (
    Garbled,
    Overdue,
    TooLarge,
    answered,
    deadline,
    http_client,
    overdue,
    read_answer,
)
from dahpkg.errors import DepositError, InputError
from dahpkg.limits import limit, load_json
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"dahpkg/{__version__} (clinical case-series data package deposit)"
CHUNK = 1 << 16
TRANSIENT = (429, 502, 503, 504)
Explain = Callable[[str, "httpx.Response"], str]


@dataclass
class Retry:
    """How often, and after how long, a failed request is tried again."""

    attempts: int = 5
    base: float = 1.0  # seconds before the second attempt; doubled each time
    cap: float = 60.0  # the longest wait, whatever the server asks
    sleep: Callable[[float], None] = time.sleep

    def wait(self, attempt: int, response: httpx.Response | None) -> None:
        delay = self.base * 2**attempt
        hinted = hinted_delay(response) if response is not None else None
        # The server's hint, but never less than the backoff: a reset time already past (or
        # a clock ahead of the server's) must not turn into requests sent back to back.
        self.sleep(min(self.cap, max(delay, hinted or 0.0)))


def hinted_delay(response: httpx.Response) -> float | None:
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


def origin(url: str) -> str:
    """scheme://host:port, with the scheme's default port written out, in lower case.

    >>> origin("https://Zenodo.org/api") == origin("https://zenodo.org:443/x")
    True
    """
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
    server), with nothing that would carry a secret into every request, the state file and the
    dry run (a user name or password, a query, a fragment); `InputError` otherwise, without
    repeating the part that may be secret.

    >>> check_base_url("https://user:pw@zenodo.org/api")
    Traceback (most recent call last):
    dahpkg.errors.InputError: the deposit API address must be ... (it has an '@'): ...
    """
    must = (
        "the deposit API address must be https://HOST/PATH (or http:// to this machine for a "
        "local test server)"
    )
    token = "pass the token with --token-file or the repository's token variable instead"
    # Refused before it is parsed: a password holding '/', '?' or '#' would be split into the
    # path or the query, and shown there. Nothing of the address is repeated.
    if "@" in url:
        raise InputError(f"{must}, without a user name or password (it has an '@'): {token}")
    shown = url.split("?", 1)[0].split("#", 1)[0]
    if shown != url:
        part = "a query ('?...')" if "?" in url else "a fragment ('#...')"
        raise InputError(f"{must}, without {part}, which would be sent with every request and "
                         f"kept in the state file: give {shown!r} and {token}")  # fmt: skip
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InputError(f"{must}: the port of {url!r} is not a number") from None
    if (
        not url.isprintable()
        or any(c.isspace() for c in url)
        or not parts.hostname
        or not (parts.scheme == "https" or (parts.scheme == "http" and local))
    ):
        raise InputError(f"{must}: not {url!r}")
    return url.rstrip("/")


def segment(value: object) -> str:
    """``value`` as one URL path segment: '/', '?', '#', '%' and the rest quoted, and a value
    of dots quoted too, which a URL would otherwise read as "this" or "the parent" folder.

    >>> segment("../../deposit/depositions/1000/actions/publish?x=")
    '..%2F..%2Fdeposit%2Fdepositions%2F1000%2Factions%2Fpublish%3Fx%3D'
    >>> segment("..")
    '%2E%2E'
    """
    text = quote(str(value), safe="")
    if not text:
        # An empty segment would name the collection itself (every deposition, the bucket).
        raise InputError("an empty name or id cannot be part of a request's address: check "
                         "the package's name and the deposit state file")  # fmt: skip
    return "%2E" * len(text) if text.strip(".") == "" else text


def status_text(response: httpx.Response) -> str:
    """The status and the server's reason phrase (its words: redacted, one short line)."""
    html = "html" in response.headers.get("Content-Type", "")
    reason = server_text(response.reason_phrase, 80)
    return f"{response.status_code} {reason}" + (" (an HTML page)" if html else "")


def error_body(response: httpx.Response, title: str) -> Any:
    """The JSON of a refused request's answer, to say why; None when it is not JSON or is
    past dahpkg's bounds (the status alone then says it)."""
    try:
        return load_json(response.content, f"{title}'s answer")
    except (ValueError, InputError):
        return None


def beyond(name: str, step: str, subject: str, found: str, server: str, title: str) -> str:
    """The message for a server's answer that went past the limit ``name``: what, and what to
    do (it was not read further, nor asked for again)."""
    bound = limit(name)
    done = "was stopped" if name == "max_request_seconds" else "was not read further"
    return (
        f"{step}: {subject} went past dahpkg's limit of {bound.value():,} {bound.unit} on "
        f"{bound.what}{f' ({found})' if found else ''}, and {done}. Is {server} "
        f"a {title} deposit API? Check --base-url. What was done is kept: run the same command "
        f"again to resume; if the server is trusted, raise the limit with {bound.variable}=N."
    )


class Client:
    """Requests to one repository's API, with its headers (the token among them), retried as
    the module says and explained by the repository when they fail."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        title: str,
        explain: Explain,
        http: httpx.Client | None = None,
        retry: Retry | None = None,
        progress: Callable[[str], None] = silent,
    ) -> None:
        self.base = base_url.rstrip("/")
        self.title = title
        self.explain = explain
        self.http = http or http_client()
        self._owns_http = http is None
        self.retry = retry or Retry()
        self.progress = progress
        # identity: a compressed answer could inflate past the limit inside httpx's decoder.
        self._headers = {**headers, "User-Agent": USER_AGENT, "Accept": "application/json",
                         "Accept-Encoding": "identity"}  # fmt: skip

    def __repr__(self) -> str:
        return f"Client({self.base!r})"

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
        upload_type: str = "application/octet-stream",
        answers: tuple[int, ...] = (),
    ) -> Any:
        """Send one request and return its JSON; retry what is safe to retry. ``answers``:
        error statuses whose JSON the caller reads itself (a refusal listing what it refused).

        `Unknown` when an action that is not safe to repeat may have happened; `DepositError`
        with the step, the status and what to do for any other failure.
        """
        import httpx

        if origin(url) != origin(self.base):
            raise DepositError(
                f"{step}: {self.title}'s answer points to another server ({origin(url)}); the "
                f"token is sent only to {origin(self.base)}. Check --base-url."
            )
        last = ""
        for attempt in range(self.retry.attempts):
            try:
                response = self._send(step, method, url, body, upload, upload_type)
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
                last = status_text(response)
                if status != 429 and not idempotent:
                    raise Unknown(step, f"{self.title} answered {last}")
                if attempt + 1 < self.retry.attempts:
                    self.progress(f"{step}: {self.title} answered {last}; waiting to try again")
                    self.retry.wait(attempt, response)
                continue
            if missing_ok and status in (404, 410):
                return None
            if status >= 300 and status not in answers:
                raise DepositError(redact(self.explain(step, response)))
            if not response.content:
                return {}
            return self._json(step, url, response)
        raise DepositError(
            f"{step}: {self.title} did not answer after {self.retry.attempts} attempts (last: "
            f"{last}). What was done is kept: run the same command again later to resume."
        )

    def _send(
        self,
        step: str,
        method: str,
        url: str,
        body: Any,
        upload: bytes | None,
        upload_type: str = "application/octet-stream",
    ) -> httpx.Response:
        """One attempt, its answer read whole; `DepositError` (never retried: the same answer
        would come again) for an answer past the size limit or an exchange past the deadline."""
        import httpx

        headers = dict(self._headers)
        content: Iterator[bytes] | None = None
        if upload is not None:
            headers |= {
                # A multipart form (Dataverse's add) is built by the caller, boundary included.
                "Content-Type": upload_type,
                "Content-Length": str(len(upload)),
            }
            content = self._stream(step, upload)
        request = self.http.build_request(method, url, headers=headers, json=body,
                                          content=content)  # fmt: skip
        seconds = limit("max_request_seconds").value()
        server = origin(url)
        with deadline(seconds) as at:
            try:
                response = self.http.send(request, stream=True, follow_redirects=False)
                try:
                    data = read_answer(response, at)
                finally:
                    response.close()
            except (httpx.TimeoutException, Overdue) as exc:
                if isinstance(exc, Overdue) or overdue(at):
                    raise DepositError(beyond("max_request_seconds", step, "the request", "",
                                              server, self.title)) from None  # fmt: skip
                raise
            except TooLarge as exc:
                found = f"it announced {exc.announced:,} bytes" if exc.announced else ""
                raise DepositError(beyond("max_answer_bytes", step, f"{self.title}'s answer",
                                          found, server, self.title)) from None  # fmt: skip
            except Garbled as exc:
                raise DepositError(
                    f"{step}: {server}'s answer cannot be read: {exc}. Is it a {self.title} "
                    "deposit API? Check --base-url. What was done is kept."
                ) from None
        return answered(response, data)

    def _json(self, step: str, url: str, response: httpx.Response) -> Any:
        server = origin(url)
        try:
            return load_json(response.content, f"{self.title}'s answer")
        except ValueError:
            raise DepositError(
                f"{step}: {server} answered {status_text(response)} with something "
                f"other than JSON: is it a {self.title} deposit API? Check --base-url."
            ) from None
        except InputError:
            # Nested deeper (or larger) than dahpkg reads: a server's answer, so exit 3.
            size = limit("max_json_bytes")
            name = "max_json_bytes" if len(response.content) > size.value() else "max_json_depth"
            raise DepositError(beyond(name, step, f"{self.title}'s answer", "", server,
                                      self.title)) from None  # fmt: skip

    def _stream(self, step: str, data: bytes) -> Iterator[bytes]:
        total = len(data)
        for start in range(0, total, CHUNK):
            yield data[start : start + CHUNK]
            done = min(total, start + CHUNK)
            filled = 20 * done // total if total else 20
            self.progress(
                f"{step} [{'#' * filled}{'.' * (20 - filled)}] {done:,} of {total:,} bytes"
            )
