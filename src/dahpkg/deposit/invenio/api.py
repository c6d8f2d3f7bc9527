"""The calls of InvenioRDM's REST API that a deposit needs (../shared/reference/invenio-rdm-api.md),
following the links the server gives where it gives them, and checking that each answer has the
shape the API documents before anything is read from it.

Two of the API's habits shape this module. A draft accepts invalid metadata with 200 or 201 and
an ``errors`` list, dropping the field (§3): every answer that may carry ``errors`` goes through
`InvenioAPI.accepted`, which makes them a failure, one line per field. And commit answers the
md5 of whatever it stored, never comparing it with the client's (§5): the run compares it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dahpkg.deposit.http import Client, Retry, Unknown, error_body, segment, status_text
from dahpkg.deposit.redact import field_lines, server_text
from dahpkg.errors import DepositError
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

    from dahpkg.deposit.token import Token

TITLE = "InvenioRDM"
# Stock record ids are "abcde-12345", Zenodo's are numbers: anything else in their place would
# carry a server's text into URLs and messages.
RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
PAGES = 100  # of 100 records each: the search window of a stock instance is 10,000 (§9)
# The refusals that mean a lost request was made after all (invenio_rdm_records
# services/errors.py: OpenRequestAlreadyExists, CommunityAlreadyExists).
DONE = (
    "There is already an open inclusion request for this community.",
    "The record is already included in this community.",
)


class InvenioAPI:
    """InvenioRDM's REST API at ``base_url``: one method per call, each answer checked."""

    def __init__(self, base_url: str, token: Token, *, http: httpx.Client | None = None,
                 retry: Retry | None = None,
                 progress: Callable[[str], None] = silent) -> None:  # fmt: skip
        headers = {"Authorization": f"Bearer {token.value}"}
        self.client = Client(base_url, headers, title=TITLE, explain=explain, http=http,
                             retry=retry, progress=progress)  # fmt: skip
        self.base = self.client.base

    def __repr__(self) -> str:
        return f"InvenioAPI({self.base!r})"

    def close(self) -> None:
        self.client.close()

    def records(self, record_id: str) -> str:
        return f"{self.base}/records/{segment(record_id)}"

    # records and drafts --------------------------------------------------------------------

    def draft(self, record_id: str) -> dict[str, Any] | None:
        """The draft of ``record_id``; None when it has none (published, or gone)."""
        step = f"reading draft {record_id}"
        found = self.client.request(step, "GET", f"{self.records(record_id)}/draft",
                                    missing_ok=True)  # fmt: skip
        return None if found is None else self.checked(found, step)

    def record(self, record_id: str) -> dict[str, Any] | None:
        """The published record ``record_id``; None when there is none (a draft, or gone)."""
        step = f"reading record {record_id}"
        found = self.client.request(step, "GET", self.records(record_id), missing_ok=True)
        return None if found is None else self.checked(found, step)

    def mine(self) -> Iterator[dict[str, Any]]:
        """The token's drafts and records, every version, newest first, a page at a time."""
        step = "looking for an earlier deposition of this version"
        url: str | None = f"{self.base}/user/records?size=100&page=1&allversions=true&sort=newest"
        for _ in range(PAGES):
            if url is None:
                break
            page = self.client.request(step, "GET", url)
            hits = page.get("hits") if isinstance(page, dict) else None
            listed = hits.get("hits") if isinstance(hits, dict) else None
            if not isinstance(listed, list):
                raise self.odd(step, "a page of search results")
            yield from (self.checked(hit, step) for hit in listed)
            following = (page.get("links") or {}).get("next")
            url = following if isinstance(following, str) and following and listed else None

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        step = "creating the draft"
        answer = self.client.request(step, "POST", f"{self.base}/records", body=body,
                                     idempotent=False)  # fmt: skip
        return self.accepted(self.checked(answer, step), step)

    def update(self, draft: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        step = "setting the metadata"
        url = f"{self.records(draft['id'])}/draft"
        return self.accepted(self.checked(self.client.request(step, "PUT", url, body=body), step),
                             step)  # fmt: skip

    def reserve_doi(self, draft: dict[str, Any]) -> dict[str, Any]:
        """The draft with a DOI reserved: asked for once, and on any doubt (a lost answer, or
        "a PID already exists") the draft is read again rather than the request repeated."""
        step = f"reserving a DOI for draft {draft['id']}"
        url = (draft.get("links") or {}).get("reserve_doi")
        if _doi(draft) or not isinstance(url, str) or not url:
            return draft  # reserved already, or an instance without a DOI provider (§6)
        try:
            answer = self.client.request(step, "POST", url, idempotent=False)
            return self.checked(answer, step)
        except (Unknown, DepositError) as failure:  # the draft says what happened
            again = self.draft(str(draft["id"]))
            if again is not None and _doi(again):
                return again
            if isinstance(failure, DepositError):
                raise
            raise DepositError(
                f"{step}: {TITLE}'s answer was lost and the draft has no DOI yet; run the same "
                "command again (it resumes the draft)"
            ) from None

    def action(self, draft: dict[str, Any], path: str, step: str) -> dict[str, Any]:
        """POST ``path`` of the record (publish, versions), not repeated if its answer is lost."""
        url = f"{self.records(draft['id'])}/{path}"
        return self.checked(self.client.request(step, "POST", url, idempotent=False), step)

    def import_files(self, draft: dict[str, Any]) -> None:
        """Link the previous version's files into a new version's draft (§7); refused, and
        then harmless, when the draft has files already or the previous version has none."""
        step = f"importing the previous version's files into draft {draft['id']}"
        url = f"{self.records(draft['id'])}/draft/actions/files-import"
        # Refused or lost: the listing that follows says what the draft holds.
        with contextlib.suppress(Unknown, DepositError):
            self.client.request(step, "POST", url, idempotent=False)

    # communities (§8) ----------------------------------------------------------------------

    def community(self, slug: str) -> str:
        """The id of the community whose slug is ``slug``; `DepositError` when there is none."""
        step = f"looking up the community {slug!r}"
        page = self.client.request(step, "GET", f"{self.base}/communities?q={quote(slug)}&size=25")
        hits = (page.get("hits") or {}).get("hits") if isinstance(page, dict) else None
        for hit in hits if isinstance(hits, list) else []:
            if isinstance(hit, dict) and hit.get("slug") == slug and isinstance(hit.get("id"), str):
                return str(hit["id"])
        raise DepositError(
            f"{step}: {self.base} has no community {slug!r}: check --community (the name in the "
            "community's address, /communities/NAME). Nothing was published."
        )

    def include(self, record: dict[str, Any], community: str) -> list[str]:
        """Ask ``community`` to include the published record; the server's refusals, as lines.

        The server answers 200 when it made the request and 400, listing why, when it made
        none (``RDMRecordCommunitiesResource.add``). A request sent again after its answer was
        lost is refused as already open, or the record as already included: both mean done."""
        step = f"asking the community to include record {record['id']}"
        url = f"{self.records(record['id'])}/communities"
        body = {"communities": [{"id": community}]}
        for attempt in (1, 2):
            try:
                answer = self.client.request(step, "POST", url, body=body, idempotent=False,
                                             answers=(400,))  # fmt: skip
                break
            except Unknown:
                if attempt == 2:
                    raise DepositError(f"{step}: {TITLE}'s answer was lost twice; ask for the "
                                       "record's inclusion on its page.") from None  # fmt: skip
        errors = answer.get("errors") if isinstance(answer, dict) else None
        errors = errors[:20] if isinstance(errors, list) else []
        refused = [e for e in errors if not (isinstance(e, dict) and e.get("message") in DONE)]
        lines = field_lines([e for e in refused if isinstance(e, dict) and "field" in e])
        lines += [f"  community {server_text(e.get('community_id', '?'), 100)}: "
                  f"{server_text(e.get('message', ''))}"
                  for e in refused if isinstance(e, dict) and "field" not in e]  # fmt: skip
        processed = answer.get("processed") if isinstance(answer, dict) else None
        if not processed and not lines and len(refused) == len(errors):  # refused, saying nothing
            said = answer.get("message") if isinstance(answer, dict) else None
            lines.append(f"  {server_text(said or 'no request was made')}")
        return lines

    # files ---------------------------------------------------------------------------------

    def files(self, draft: dict[str, Any]) -> dict[str, str]:
        """The draft's files and their md5; "" for one whose upload was not committed."""
        step = "listing the draft's files"
        listing = self.client.request(step, "GET", f"{self.records(draft['id'])}/draft/files")
        entries = listing.get("entries") if isinstance(listing, dict) else None
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("key"), str) for e in entries
        ):
            raise self.odd(step, "a list of files")
        return {e["key"]: _md5(e) for e in entries}

    def upload(self, draft: dict[str, Any], name: str, data: bytes) -> str:
        """Start, send and commit one file; the md5 the commit answers (§5)."""
        step = f"uploading {name}"
        files = f"{self.records(draft['id'])}/draft/files"
        url = f"{files}/{segment(name)}"
        try:
            self.client.request(step, "POST", files, body=[{"key": name}])
        except DepositError:
            # "already exists": a partial upload of an interrupted run; it is replaced.
            if name not in self.files(draft):
                raise
            self.delete_file(draft, name)
            self.client.request(step, "POST", files, body=[{"key": name}])
        self.client.request(step, "PUT", f"{url}/content", upload=data)
        answer = self.client.request(step, "POST", f"{url}/commit")
        if not isinstance(answer, dict):
            raise self.odd(step, "the committed file's description")
        # With an asynchronous checksum the commit may answer none yet: the listing gives it.
        return _md5(answer) or self.files(draft).get(name, "")

    def delete_file(self, draft: dict[str, Any], name: str) -> None:
        step = f"removing {name} from the draft"
        url = f"{self.records(draft['id'])}/draft/files/{segment(name)}"
        self.client.request(step, "DELETE", url, missing_ok=True)

    # the shapes of answers -----------------------------------------------------------------

    def checked(self, answer: Any, step: str) -> dict[str, Any]:
        """``answer`` if it is a record or draft as the API describes one; `DepositError`
        otherwise, for a server that is not an InvenioRDM API."""
        if not (
            isinstance(answer, dict)
            and isinstance(answer.get("id"), str)
            and RECORD_ID.fullmatch(answer["id"])
            and isinstance(answer.get("links"), dict)
            and isinstance(answer.get("metadata") or {}, dict)
            and isinstance(answer.get("pids") or {}, dict)
            and isinstance(answer.get("parent") or {}, dict)
        ):
            raise self.odd(step, "a record")
        return answer

    def accepted(self, answer: dict[str, Any], step: str) -> dict[str, Any]:
        """``answer``, unless it carries ``errors``: the draft was saved without those fields."""
        errors = answer.get("errors")
        if not errors:
            return answer
        lines = [f"{step}: {TITLE} saved draft {answer['id']} but dropped the fields it refused:"]
        lines += field_lines(errors)
        lines.append("Correct these in datapackage.json or publication.toml and run again (the "
                     "draft is resumed).")  # fmt: skip
        raise DepositError("\n".join(lines))

    def odd(self, step: str, expected: str) -> DepositError:
        return DepositError(
            f"{step}: {self.base} answered with something other than {expected}, in a shape the "
            f"{TITLE} REST API does not have: is it an {TITLE} API? Check --base-url. What was "
            "done is kept."
        )


def _doi(record: dict[str, Any]) -> str:
    doi = ((record.get("pids") or {}).get("doi") or {}).get("identifier")
    return doi if isinstance(doi, str) else ""


def _md5(entry: dict[str, Any]) -> str:
    checksum = entry.get("checksum")
    if entry.get("status", "completed") != "completed" or not isinstance(checksum, str):
        return ""
    return checksum.removeprefix("md5:") if checksum.startswith("md5:") else ""


def explain(step: str, response: httpx.Response) -> str:
    """One clear message for a failed request: the step, the status, the server's reason, one
    line per field for a validation error, and what to do."""
    body = error_body(response, TITLE)
    message = server_text(body.get("message", "")) if isinstance(body, dict) else ""
    lines = [f"{step}: {TITLE} answered {status_text(response)}"
             + (f": {message}" if message else "")]  # fmt: skip
    errors = body.get("errors") if isinstance(body, dict) else None
    lines += field_lines(errors)
    status = response.status_code
    if status in (401, 403) or "csrf" in message.lower() or "referer" in message.lower():
        # Invenio answers 403 to a bad token on drafts, and a 400 about CSRF to a request whose
        # token is not a valid OAuth token (§10).
        lines.append(
            "Check the token: a personal access token made on this server (a sandbox token "
            "works only on the sandbox), for the account that owns the record. A published "
            "record's files are locked: new data go in a new version (--new-version-of)."
        )
    elif status == 400 and message == "Not a valid value.":
        lines.append(
            "The server does not know one of the vocabulary ids sent (licence, resource type, "
            "relation): check the licence in datapackage.json against the server's "
            "/api/vocabularies/licenses."
        )
    elif status == 400 and "metadata.publisher" in str(errors):
        lines.append("Pass --publisher NAME: the repository's name, as its DOIs give it.")
    elif status == 400 and errors:
        lines.append("Correct these in datapackage.json or publication.toml and run again.")
    elif status in (404, 410):
        lines.append("The record is gone or is not yours: check the id and the server.")
    else:
        lines.append(
            f"Nothing is lost: check the draft on {TITLE} if the reason asks for it, then run the "
            "same command again to resume."
        )
    return "\n".join(lines)
