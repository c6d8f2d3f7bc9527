"""The calls of Zenodo's legacy deposit API that a deposit needs, following the links the
server gives rather than building URLs, and checking that each answer has the shape the API
documents before anything is read from it (see ../shared/reference/zenodo-api.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from dahpkg.deposit.http import Client, Retry, error_body, segment, status_text
from dahpkg.deposit.redact import field_lines, server_text
from dahpkg.errors import DepositError
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

    from dahpkg.deposit.token import Token

TITLE = "Zenodo"


class ZenodoAPI:
    """The legacy deposit API at ``base_url``: one method per call, each answer checked."""

    def __init__(self, base_url: str, token: Token, *, http: httpx.Client | None = None,
                 retry: Retry | None = None,
                 progress: Callable[[str], None] = silent) -> None:  # fmt: skip
        headers = {"Authorization": f"Bearer {token.value}"}
        self.client = Client(base_url, headers, title=TITLE, explain=explain, http=http,
                             retry=retry, progress=progress)  # fmt: skip
        self.base = self.client.base

    def __repr__(self) -> str:
        return f"ZenodoAPI({self.base!r})"

    def close(self) -> None:
        self.client.close()

    def deposition(self, dep_id: int | str) -> dict[str, Any] | None:
        step = f"reading deposition {dep_id}"
        url = f"{self.base}/deposit/depositions/{segment(dep_id)}"
        found = self.client.request(step, "GET", url, missing_ok=True)
        return None if found is None else self.checked(found, step)

    def follow(self, url: str, step: str) -> dict[str, Any]:
        return self.checked(self.client.request(step, "GET", url), step)

    def depositions(self) -> Iterator[dict[str, Any]]:
        """The account's depositions, drafts and published, newest first, a page at a time:
        up to 100 pages of answers are not all held at once."""
        step = "looking for an earlier deposition of this version"
        for page in range(1, 101):
            batch = self.client.request(
                step, "GET",
                f"{self.base}/deposit/depositions?sort=mostrecent&all_versions=true&size=100&page={page}",
            )  # fmt: skip
            if not isinstance(batch, list):
                raise DepositError(f"{self.base} did not answer with a list of depositions: "
                                   "is it a Zenodo deposit API? Check --base-url")  # fmt: skip
            yield from (self.checked(item, step) for item in batch)
            if len(batch) < 100:
                break

    def create(self, metadata: dict[str, Any]) -> dict[str, Any]:
        url, step = f"{self.base}/deposit/depositions", "creating the draft"
        answer = self.client.request(step, "POST", url, body={"metadata": metadata},
                                     idempotent=False)  # fmt: skip
        return self.checked(answer, step)

    def files(self, deposition: dict[str, Any], flaky: tuple[int, ...] = ()) -> dict[str, str]:
        """The draft's files and their md5 (the legacy listing gives the bare hex)."""
        step = "listing the draft's files"
        listing = self.client.request(step, "GET", link(deposition, "files", step),
                                      also_transient=flaky)  # fmt: skip
        if not isinstance(listing, list) or not all(
            isinstance(f, dict) and isinstance(f.get("filename"), str) and "checksum" in f
            for f in listing
        ):
            raise self.odd(step, "a list of files with their checksums")
        return {f["filename"]: str(f["checksum"]).removeprefix("md5:") for f in listing}

    def upload(self, deposition: dict[str, Any], name: str, data: bytes,
               flaky: tuple[int, ...] = ()) -> str:  # fmt: skip
        step = f"uploading {name}"
        url = bucket_url(deposition, name, step)
        answer = self.client.request(step, "PUT", url, upload=data, also_transient=flaky)
        if not isinstance(answer, dict):
            raise self.odd(step, "the uploaded file's description")
        return str(answer.get("checksum", "")).removeprefix("md5:")

    def delete_file(self, deposition: dict[str, Any], name: str,
                    flaky: tuple[int, ...] = ()) -> None:  # fmt: skip
        step = f"removing {name} from the draft"
        url = bucket_url(deposition, name, step)
        self.client.request(step, "DELETE", url, missing_ok=True, also_transient=flaky)

    def set_metadata(self, deposition: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
        step = "setting the metadata"
        answer = self.client.request(step, "PUT", link(deposition, "self", step),
                                     body={"metadata": metadata})  # fmt: skip
        # An empty answer says nothing new: the draft is the one the metadata were sent to.
        return self.checked(answer, step) if answer else deposition

    def action(self, deposition: dict[str, Any], name: str, step: str) -> dict[str, Any]:
        answer = self.client.request(step, "POST", link(deposition, name, step), idempotent=False)
        return self.checked(answer, step)

    # the shapes of answers -----------------------------------------------------------------

    def checked(self, answer: Any, step: str) -> dict[str, Any]:
        """``answer`` if it is a deposition as the API describes one: an id, its links, and
        metadata; `DepositError` otherwise, for a server that is not a Zenodo deposit API."""
        if not (
            isinstance(answer, dict)
            and _is_id(answer.get("id"))
            and isinstance(answer.get("links"), dict)
            and isinstance(answer["links"].get("html"), str)
            and isinstance(answer.get("metadata") or {}, dict)
            and isinstance((answer.get("metadata") or {}).get("prereserve_doi", {}), dict)
        ):
            raise self.odd(step, "a deposition")
        return answer

    def odd(self, step: str, expected: str) -> DepositError:
        return DepositError(
            f"{step}: {self.base} answered with something other than {expected}, in a shape the "
            "Zenodo deposit API does not have: is it a Zenodo deposit API? Check --base-url. "
            "What was done is kept."
        )


def _is_id(value: Any) -> bool:
    # Zenodo's deposition ids are numbers; anything else in their place is not Zenodo's, and
    # would carry a server's text into URLs and messages.
    if isinstance(value, str):
        return value.isascii() and value.isdigit() and len(value) <= 20
    return isinstance(value, int) and not isinstance(value, bool)


def link(deposition: dict[str, Any], name: str, step: str) -> str:
    """A link the server gave for the deposition; `DepositError` when it is missing."""
    url = deposition["links"].get(name)
    if not isinstance(url, str) or not url:
        raise DepositError(
            f"{step}: Zenodo's answer for deposition {deposition['id']} has no {name!r} link: "
            "is it a Zenodo deposit API? Check --base-url. What was done is kept."
        )
    return url


def bucket_url(deposition: dict[str, Any], name: str, step: str) -> str:
    """Where a file of the draft is put: its bucket, and the name as one quoted path segment."""
    return f"{link(deposition, 'bucket', step)}/{segment(name)}"


def explain(step: str, response: httpx.Response) -> str:
    """One clear message for a failed request: the step, the status, Zenodo's reason, one line
    per field for a validation error (both forms Zenodo uses), and what to do. Zenodo's words
    pass through `server_text`: redacted, one short line each."""
    body = error_body(response, TITLE)
    message = server_text(body.get("message", "")) if isinstance(body, dict) else ""
    lines = [
        f"{step}: Zenodo answered {status_text(response)}" + (f": {message}" if message else "")
    ]
    errors = body.get("errors") if isinstance(body, dict) else None
    lines += field_lines(errors)
    status = response.status_code
    every = errors if isinstance(errors, list) else []
    fields = [str(e.get("field", "")) for e in every if isinstance(e, dict)]
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
