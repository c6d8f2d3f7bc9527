"""A draft's files made the bundle's, each checked by its checksum.

What is already on the server with the right checksum is kept, what differs (a previous
version's file, a partial upload) is removed, the rest is sent; each upload is checked against
the checksum the server answers, and every file again on a fresh listing before the run goes on.
A checksum is compared in the server's algorithm (`dahpkg.deposit.checksum`).
"""

from __future__ import annotations

from collections.abc import Callable

from dahpkg.deposit.checksum import Local
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
    ``outcome`` what was uploaded, kept and removed; `DepositError` when the server's checksum
    of a file still differs from the file's, or is in an algorithm dahpkg cannot compute."""
    local = Local(uploads, md5)
    on_server = repository.files(draft)
    for name, checksum in on_server.items():
        # A previous version's file, or a partial upload.
        if name not in uploads or not local.matches(name, checksum):
            progress(f"removing {server_text(name)} from the draft")
            repository.delete(draft, name)
            outcome.removed.append(name)
    for name, data in uploads.items():
        if name in on_server and local.matches(name, on_server[name]):
            outcome.kept.append(name)
            continue
        _upload(repository, draft, name, data, local, progress)
        outcome.uploaded.append(name)
        outcome.bytes_sent += len(data)
    progress("checking every file against the server's listing")
    listed = repository.files(draft)
    wrong = sorted(n for n in uploads if n not in listed or not local.matches(n, listed[n]))
    extra = sorted(set(listed) - set(uploads))
    if wrong or extra:
        # The server's file names and checksums are its words: shown through server_text.
        problems = [
            f"{n}: {listed[n].kind} {server_text(listed[n].value or 'none', 140)} on the "
            f"server, {local.of(n, listed[n].algorithm)} here"
            if n in listed
            else f"{n}: md5 missing on the server, {md5[n]} here"
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
    local: Local,
    progress: Callable[[str], None],
) -> None:
    """Send one file, and once more when the server's checksum differs: twice wrong is not
    chance."""
    for attempt in (1, 2):
        checksum = repository.upload(draft, name, data)
        if local.matches(name, checksum):
            return
        if attempt == 2:
            raise DepositError(
                f"uploading {name}: the server's {checksum.kind} "
                f"({server_text(checksum.value or 'none', 140)}) differs from the file's "
                f"({local.of(name, checksum.algorithm)}) twice; the connection may be altering "
                "data. Run the same command again to resend it."
            )
        progress(f"uploading {name}: checksum mismatch; sending it again")
