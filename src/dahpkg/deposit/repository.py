"""The repository seam: what a repository implements, and its entry in the registry.

A deposit's steps and guarantees are the same everywhere and live in `dahpkg.deposit.run`
(with `reconcile` and `sync`): resume an interrupted run's draft, never create a second
deposition when an answer is lost, upload what is missing, check every checksum, set the
metadata, publish only when asked. A
repository supplies the calls behind those steps (the `Repository` protocol) and says, in its
`RepositorySpec`, how it is named, where it is, how its token is made and kept, what metadata
it is sent and which requests a dry run would make. Adding a repository is one entry in
`dahpkg.deposit.REPOSITORIES` and one module (or package) beside this one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from dahpkg.deposit.checksum import Checksum
from dahpkg.deposit.token import Token, read_token
from dahpkg.errors import InputError
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

    from dahpkg.deposit.http import Retry
    from dahpkg.export import Supplement

DraftId = int | str
# Instances whose name is documented, by host: the publisher their records' DOI registration
# gives (../shared/reference/invenio-rdm-api.md §6: "publisher": "Zenodo" on Zenodo).
NAMED_HOSTS = {"zenodo.org": "Zenodo", "sandbox.zenodo.org": "Zenodo"}
MOST_PUBLISHER = 200  # characters of a publisher's name given by hand


@dataclass(frozen=True)
class Draft:
    """A deposition on the server, draft or published, as the run needs to know it; ``raw`` is
    the repository's own answer, for its own later calls."""

    id: DraftId
    html: str  # its page
    published: bool = False
    doi: str = ""  # once published
    record: str = ""  # the published record's page
    reserved_doi: str = ""
    title: str = ""
    notes: str = ""
    new_version: bool = False  # a new version's draft (the run says so)
    # The name the server gives its own installation with the deposition (Dataverse's dataset
    # answer carries it), as the server said it; "" where it gives none.
    publisher: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Plan:
    """What a run would do, for a dry run to show as requests."""

    resume: DraftId | None  # the draft of an earlier run, if the state file has one
    marker: str  # the sentence that recognises this version's deposition
    parent: DraftId | None  # the published deposition this is a new version of
    title: str
    uploads: dict[str, tuple[int, str]]  # file name -> (size, md5)
    version: str
    fields: int  # how many metadata fields are set
    publish: bool
    options: Mapping[str, str] = field(default_factory=dict)  # the repository's own (Option)


class Repository(Protocol):
    """The calls a deposit makes, each on the repository's own API. A call whose answer may
    have been lost after it took effect (create, new version, publish) raises
    `dahpkg.deposit.http.Unknown`; any other failure `dahpkg.errors.DepositError`."""

    title: str  # "Zenodo", in messages
    attempts: int  # how often a lost answer is reconciled before the run gives up

    def find(self, marker: str) -> list[Draft]:
        """Depositions that may be this version's, newest first (the run keeps those whose
        notes hold the ``marker`` sentence)."""
        ...

    def get(self, identifier: DraftId) -> Draft | None:
        """The deposition ``identifier``; None when it is gone or not the token's."""
        ...

    def create(self, metadata: dict[str, Any]) -> Draft: ...

    def parent(self, identifier: DraftId, version: str) -> Draft:
        """The published deposition a new ``version`` is made from, checked to allow it."""
        ...

    def new_version(self, parent: Draft) -> Draft: ...

    def interrupted_new_version(self, parent: DraftId) -> Draft | None:
        """The draft a new-version request whose answer was lost may have made."""
        ...

    def is_version_of(self, draft: Draft, parent: DraftId) -> bool: ...

    def files(self, draft: Draft) -> dict[str, Checksum]:
        """The draft's files and their checksums, in the server's algorithm."""
        ...

    def upload(self, draft: Draft, name: str, data: bytes) -> Checksum:
        """Upload (or replace) a file; the checksum the server computed."""
        ...

    def delete(self, draft: Draft, name: str) -> None: ...

    def set_metadata(self, draft: Draft, metadata: dict[str, Any]) -> Draft: ...

    def publish(self, draft: Draft) -> Draft: ...

    def close(self) -> None: ...


Connect = Callable[..., Repository]


@dataclass(frozen=True)
class Option:
    """A command-line option of one repository only (``--collection ALIAS`` for Dataverse): a
    text passed to its ``connect`` as the keyword ``name`` (dashes as underscores)."""

    name: str  # "collection": --collection
    metavar: str
    help: str
    required: bool = False


def usable_name(text: str) -> str:
    """``text`` stripped, if it can name a publisher (printable, one line, at most
    `MOST_PUBLISHER` characters); else "".

    >>> usable_name(" Harvard Dataverse "), usable_name("two\\nlines")
    ('Harvard Dataverse', '')
    """
    name = text.strip()
    return name if len(name) <= MOST_PUBLISHER and name.isprintable() else ""


@dataclass(frozen=True)
class RepositorySpec:
    """A repository in the registry: ``dahpkg deposit NAME``."""

    name: str  # the command, and the state file's name
    title: str  # in messages
    help: str  # the command's help, first paragraph
    default_url: str
    token_variable: str  # the environment variable the token is read from
    token_header: str  # the one request header the token travels in
    token_how: str  # how to make a token there, for the message when there is none
    # connect(base_url, token, *, http, retry, progress): the repository's client
    connect: Connect
    metadata: Callable[[Supplement], dict[str, Any]]  # what is sent, from the bundle
    requests: Callable[[Plan, str], list[str]]  # the requests a dry run shows (plan, server)
    sandbox_url: str | None = None  # a test instance, offered as --sandbox
    numeric_ids: bool = True  # --new-version-of takes a number; else a text id (InvenioRDM)
    options: tuple[Option, ...] = ()  # its own command-line options
    # The publisher of its records where the repository is one service ("Zenodo"); "" for
    # software that institutions run under names of their own (see `publisher_at`).
    publisher: str = ""
    # Where its server names its own installation, in words for the README ("" if it does
    # not): that name is then the publisher (`Draft.publisher`, `publisher_at`).
    names_itself: str = ""

    def publisher_at(self, server: str, options: Mapping[str, str], named: str = "") -> str:
        """The repository at ``server`` as the bundle's metadata name its publisher: the name
        the user gave (``--publisher``), else the repository's own, else the name the server
        gives its installation (``named``: `Draft.publisher`, once a draft exists; unused when
        it cannot be a name, see `usable_name`), else the name of an instance whose name is
        documented (`NAMED_HOSTS`), else the host of the address the user gave. An instance's
        name is never guessed.

        >>> from dahpkg.deposit import get
        >>> get("invenio").publisher_at("https://rdm.example.org/api", {})
        'rdm.example.org'
        >>> get("invenio").publisher_at("https://zenodo.org/api", {})
        'Zenodo'
        >>> get("dataverse").publisher_at("https://dv.example.edu/api", {}, "Example Dataverse")
        'Example Dataverse'
        """
        given = str(options.get("publisher") or "").strip()
        if given and not usable_name(given):
            raise InputError(
                f"--publisher: give the repository's name as its records show it, on one line "
                f"and at most {MOST_PUBLISHER} characters"
            )
        host = (urlsplit(server).hostname or "").lower()
        return given or self.publisher or usable_name(named) or NAMED_HOSTS.get(host, host)

    def publisher_rule(self) -> str:
        """How `publisher_at` names this repository, in words (the README's table)."""
        if self.publisher:
            return self.publisher
        rule = ["`--publisher NAME`"] if any(o.name == "publisher" for o in self.options) else []
        hosts = {urlsplit(u).hostname for u in (self.default_url, self.sandbox_url) if u}
        named: dict[str, list[str]] = {}
        for host, name in NAMED_HOSTS.items():
            if host in hosts:
                named.setdefault(name, []).append(host)
        rule += [self.names_itself] if self.names_itself else []
        rule += [f"{name} on {' and '.join(where)}" for name, where in named.items()]
        return ", else ".join([*rule, "the host of its address"])

    def read_token(self, token_file: str | Path | None = None,
                   environ: dict[str, str] | None = None) -> Token:  # fmt: skip
        """The token from ``token_file``, else from the repository's environment variable."""
        return read_token(self.title, self.token_variable, self.token_how, token_file, environ)

    def open(self, base_url: str, token: Token, *, http: httpx.Client | None = None,
             retry: Retry | None = None, progress: Callable[[str], None] = silent,
             **options: str) -> Repository:  # fmt: skip
        """The repository's client at ``base_url``, sending ``token`` (``options``: its own)."""
        return self.connect(base_url, token, http=http, retry=retry, progress=progress, **options)
