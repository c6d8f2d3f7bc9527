"""Nothing is done twice by accident: an earlier run's deposition is recognised on the server, and
an action whose answer was lost is never sent again blindly.

A deposition of this package version is recognised by the sentence dahpkg puts in its notes
(`dahpkg.export.metadata.facts.deposit_marker`), whatever the local state file says: a lost or
another state file must not mean a duplicate. An action that may have taken effect although its
answer was lost (create, new version, publish) raises `dahpkg.deposit.http.Unknown`; the server is
then asked what happened before the action is sent again, and the run stops, saying so, when every
answer was lost. The state file itself, and which of these a run needs, belong to
`dahpkg.deposit.run`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from dahpkg.deposit.http import Unknown
from dahpkg.deposit.redact import server_text
from dahpkg.deposit.repository import Draft, DraftId, Repository
from dahpkg.errors import DepositError


@dataclass(frozen=True)
class Wanted:
    """The deposition a run is after, as the server shows it."""

    repository: str  # its title, in messages: "Zenodo"
    server: str
    marker: str  # the sentence in its notes
    title: str  # the package's title, as the repository is sent it
    version: str
    parent: DraftId | None  # the published deposition it is a new version of


def find_on_server(
    repository: Repository, wanted: Wanted, progress: Callable[[str], None]
) -> Draft | None:
    """This version's deposition on the server: a published one first, else a draft (checked to
    be a version of ``wanted.parent`` when there is one); None when there is neither.

    Recognised by the sentence in its notes, whole (version 1.0 is not 1.0.1); a deposition of
    the same name and version under another title is refused rather than overwritten.
    """
    progress("looking for an earlier deposition of this version")
    sentence = re.compile(rf"(?:^|\s){re.escape(wanted.marker)}(?:\s|$)")
    mine = [d for d in repository.find(wanted.marker) if sentence.search(d.notes)]
    for found in mine:
        if found.title != wanted.title:
            raise DepositError(
                f"deposition {server_text(found.id)} on {wanted.server} is version "
                f"{wanted.version} of a package with the same name but another title "
                f"({server_text(repr(found.title))}): give "
                "this package its own name or version in datapackage.json"
            )
    published = [d for d in mine if d.published]
    if published:
        return published[0]
    if mine:
        return _check_concept(repository, wanted, mine[0])
    return None


def interrupted(
    repository: Repository,
    wanted: Wanted,
    parent: DraftId | None,
    progress: Callable[[str], None],
) -> Draft | None:
    """The draft a create (``parent`` None) or new-version request may have made before its
    answer was lost."""
    if parent is None:
        return find_on_server(repository, wanted, progress)
    return repository.interrupted_new_version(parent)


def _check_concept(repository: Repository, wanted: Wanted, draft: Draft) -> Draft:
    if wanted.parent is not None and not repository.is_version_of(draft, wanted.parent):
        raise DepositError(
            f"an unpublished draft of version {wanted.version} already exists "
            f"({server_text(draft.html)}) and is not a version of {wanted.parent}: publish "
            f"or delete it on {wanted.repository}, then run again"
        )
    return draft


def once(
    repository: Repository,
    wanted: Wanted,
    step: str,
    send: Callable[[], Draft],
    ask: Callable[[], Draft | None],
    *,
    question: str,
    left: str,
    progress: Callable[[str], None],
) -> Draft:
    """``send()``, the action of ``step``; when its answer is lost, ``ask()`` the server whether
    it took effect (``question``: "whether the draft exists") and carry on from what it made.
    Sent again only when the server shows nothing, at most ``repository.attempts`` times;
    ``left`` says what the server holds when every answer was lost (" and no draft was made")."""
    for _ in range(repository.attempts):
        progress(step)
        try:
            return send()
        except Unknown as lost:
            progress(f"{lost}; asking {wanted.repository} {question}")
            found = ask()
            if found is not None:
                return found
    raise DepositError(
        f"{step}: {wanted.repository}'s answer was lost on every attempt{left}; run the same "
        "command again later"
    )
