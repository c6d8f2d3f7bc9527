"""A draft's files made the bundle's, each checked by its md5.

What is already on the server with the right md5 is kept, what differs (a previous version's
file, a partial upload) is removed, the rest is sent; each upload is checked against the md5 the
server answers, and every file again on a fresh listing before the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable

from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.redact import server_text
from dahpkg.deposit.repository import Draft, Repository
from dahpkg.errors import DepositError


def sync_files(
    repository: Repository,
    draft: Draft,
    uploads: dict[str, bytes],
    md5: dict[str, str],
    outcome: Outcome,
    progress: Callable[[str], None],
) -> None:
    """Make ``draft``'s files ``uploads`` (name -> bytes, whose md5 is ``md5``), noting in
    ``outcome`` what was uploaded, kept and removed; `DepositError` when the server's md5 of a
    file still differs from the file's."""
    on_server = repository.files(draft)
    for name, checksum in on_server.items():
        if md5.get(name) != checksum:  # a previous version's file, or a partial upload
            progress(f"removing {server_text(name)} from the draft")
            repository.delete(draft, name)
            outcome.removed.append(name)
    for name, data in uploads.items():
        if on_server.get(name) == md5[name]:
            outcome.kept.append(name)
            continue
        _upload(repository, draft, name, data, md5[name], progress)
        outcome.uploaded.append(name)
        outcome.bytes_sent += len(data)
    progress("checking every file against the server's listing")
    listed = repository.files(draft)
    wrong = sorted(n for n in uploads if listed.get(n) != md5[n])
    extra = sorted(set(listed) - set(uploads))
    if wrong or extra:
        # The server's file names and checksums are its words: shown through server_text.
        problems = [
            f"{n}: md5 {server_text(listed.get(n, 'missing'), 80)} on the server, {md5[n]} here"
            for n in wrong
        ]
        problems += [
            f"{server_text(n, 200)}: on the server but not in the bundle" for n in extra[:20]
        ]
        raise DepositError(
            "checking the uploaded files: "
            + "; ".join(problems)
            + ". Run the same command again to resend them."
        )


def _upload(
    repository: Repository,
    draft: Draft,
    name: str,
    data: bytes,
    md5: str,
    progress: Callable[[str], None],
) -> None:
    """Send one file, and once more when the server's md5 differs: twice wrong is not chance."""
    for attempt in (1, 2):
        checksum = repository.upload(draft, name, data)
        if checksum == md5:
            return
        if attempt == 2:
            raise DepositError(
                f"uploading {name}: the server's md5 "
                f"({server_text(checksum or 'none', 80)}) differs from the file's "
                f"({md5}) twice; the connection may be altering data. Run the "
                "same command again to resend it."
            )
        progress(f"uploading {name}: md5 mismatch; sending it again")
