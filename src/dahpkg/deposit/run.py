"""A deposit, the same on every repository: validate and pass the disclosure-risk gate; create a
draft (or a new version's draft), which reserves the data set's DOI; build the bundle and its
metadata citing that DOI, so that what is published cites itself; upload every file and check
each md5 against the server's, once after the upload and again on a fresh listing; set the
metadata; publish only when asked.

Here, the run: its steps in order, and the state file, keyed by the server, the package and its
version, which remembers the draft so that a rerun after a crash resumes it instead of creating a
second deposition. Beside it: how the DOI gets into every file, and when a DOI given by hand is
refused (`citing`); how an earlier deposition is recognised on the server without the state file,
and a lost answer reconciled rather than the action sent twice (`reconcile`); how the draft's
files are made the bundle's and checked (`sync`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.deposit import citing, reconcile
from dahpkg.deposit.http import check_base_url
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.redact import server_text
from dahpkg.deposit.repository import (
    MOST_PUBLISHER,
    Draft,
    DraftId,
    Plan,
    Repository,
    RepositorySpec,
    usable_name,
)
from dahpkg.deposit.state import DepositState, default_state_file
from dahpkg.deposit.sync import sync_files
from dahpkg.errors import DepositError
from dahpkg.export.metadata.facts import deposit_marker
from dahpkg.package import PackageLike
from dahpkg.progress import silent

if TYPE_CHECKING:
    import httpx

    from dahpkg.deposit.http import Retry
    from dahpkg.deposit.token import Token
    from dahpkg.export import Prepared, Supplement
    from dahpkg.privacy import Generalisation


def upload_set(supplement: Supplement) -> dict[str, bytes]:
    """What is deposited: the bundle's zip, plus the bundle's top-level files so that the
    record page shows the README, codebook, statistical files and metadata without unzipping."""
    files = {name: data for name, data in supplement.files.items() if "/" not in name}
    return dict(sorted({supplement.name: supplement.archive, **files}.items()))


def deposit(
    spec: RepositorySpec,
    path: PackageLike = None,
    *,
    base_url: str | None = None,
    token: Token | None = None,
    publish: bool = False,
    dry_run: bool = False,
    new_version_of: DraftId | None = None,
    risk_accepted: str | None = None,
    generalise: str | Generalisation | None = None,
    not_identifiers: Iterable[str] = (),
    state_file: str | Path | None = None,
    http: httpx.Client | None = None,
    retry: Retry | None = None,
    progress: Callable[[str], None] = silent,
    options: Mapping[str, str] | None = None,
) -> Outcome:
    """Deposit the package of ``path`` in the repository ``spec`` at ``base_url`` (its default
    address when None; see the module's text). ``options``: the repository's own
    (`dahpkg.deposit.repository.Option`), e.g. Dataverse's ``collection``. The bundle's metadata
    name the repository as publisher (`RepositorySpec.publisher_at`: InvenioRDM's
    ``publisher``, else the repository's name where it is known, else the name the server gives
    its installation with the draft, as Dataverse does, else the address's host).

    ``token`` defaults to the one `RepositorySpec.read_token` finds; a dry run needs none and
    sends nothing.
    """
    from dahpkg.export import prepare

    server = check_base_url(base_url or spec.default_url)
    own = dict(options or {})
    publisher = spec.publisher_at(server, own)
    progress("validating the package and checking its disclosure risk")
    prepared = prepare(
        path, risk_accepted=risk_accepted, generalise=generalise, not_identifiers=not_identifiers
    ).deposited_in(publisher)
    state = DepositState(
        Path(state_file) if state_file else default_state_file(spec.name), spec.title
    )
    continued = None
    if new_version_of is None:
        name = str(prepared.descriptor.get("name") or "episodes")
        continued = state.published_before(server, name, str(prepared.descriptor.get("version")))
        new_version_of = continued[1] if continued else None
    session = Session(spec, prepared, state, server, new_version_of, progress)
    session.options = own
    if continued:
        # A later version of a package published here continues its record: a second record
        # of the same data set beside the first is what a rerun must never make.
        session.outcome.notes.append(
            f"version {continued[0]} of this package is published as deposition {continued[1]} "
            f"(from {state.path}): version {session.version} is deposited as its new version"
        )
    if dry_run:
        return session.plan(publish)
    repository = spec.open(server, token or spec.read_token(), http=http, retry=retry,
                           progress=progress, **session.options)  # fmt: skip
    try:
        return session.go(repository, publish)
    finally:
        repository.close()


class Session:
    """One deposit of one package version in one repository."""

    def __init__(
        self,
        spec: RepositorySpec,
        prepared: Prepared,
        state: DepositState,
        server: str,
        new_version_of: DraftId | None,
        progress: Callable[[str], None],
    ) -> None:
        self.spec, self.title, self.prepared = spec, spec.title, prepared
        # Until the draft and its DOI exist: what the draft is created with (its title and the
        # marker sentence), from the metadata alone; the bundle is built once, citing the DOI.
        self.metadata: dict[str, Any] = citing.draft_metadata(spec, prepared)
        self.uploads: dict[str, bytes] = {}
        self.md5: dict[str, str] = {}
        self.marker = deposit_marker(prepared.descriptor)
        self.version = str(prepared.descriptor.get("version") or "")
        name = str(prepared.descriptor.get("name") or "episodes")
        self.key = f"{server} {name} {self.version}"
        self.state, self.server, self.parent = state, server, new_version_of
        self.progress = progress
        self.entry = state.entry(self.key)
        self.outcome = Outcome(server, state.path)
        self.options: dict[str, str] = {}
        title = str(self.metadata.get("title", ""))
        self.wanted = reconcile.Wanted(
            spec.title, server, self.marker, title, self.version, new_version_of
        )

    def _build(self, doi: str, where: str) -> None:
        """Build the bundle, citing ``doi`` (reserved by ``where``), as it is uploaded: its
        files, their md5 and the metadata the repository is sent are all taken from it."""
        from dahpkg.export import build_supplement

        prepared = self.prepared.citing(doi, where) if doi else self.prepared
        supplement = build_supplement(prepared, self.progress)
        self.uploads = upload_set(supplement)
        self.md5 = {n: hashlib.md5(d).hexdigest() for n, d in self.uploads.items()}
        self.metadata = self.spec.metadata(supplement)
        self.outcome.cited_doi = prepared.facts.dataset_doi
        self.outcome.bundle = supplement.name
        self.outcome.bundle_sha256 = hashlib.sha256(supplement.archive).hexdigest()

    def _save(self, **values: Any) -> None:
        self.entry.update(values, updated=datetime.now(UTC).isoformat(timespec="seconds"))
        self.state.save(self.key)

    # the dry run ---------------------------------------------------------------------------

    def plan(self, publish: bool) -> Outcome:
        if self.entry.get("status") == "published":
            self.outcome.notes.append(
                f"version {self.version} is already published "
                f"(DOI {self.entry.get('doi', '')}): nothing to send"
            )
            return self.outcome
        self._plan_doi()
        plan = Plan(
            resume=self.entry.get("deposition"),
            marker=self.marker,
            parent=self.parent,
            title=str(self.metadata.get("title", "")),
            uploads={n: (len(d), self.md5[n]) for n, d in self.uploads.items()},
            version=self.version,
            fields=len(self.metadata),
            publish=publish,
            options=self.options,
        )
        self.outcome.planned = self.spec.requests(plan, self.server)
        return self.outcome

    def _plan_doi(self) -> None:
        """Build the bundle as the run would, citing the DOI the draft of an earlier run
        reserved (kept in the state file), else none yet, and say which."""
        resumed = self.entry.get("deposition") is not None
        doi = str(self.entry.get("reserved_doi") or "") if resumed else ""
        self._build(doi, f"{self.title}'s draft {self.entry.get('deposition')}")
        given = self.prepared.facts.dataset_doi
        self.outcome.notes += citing.plan_notes(self.title, self.outcome.cited_doi, given, resumed)
        fixed = self.spec.publisher or str(self.options.get("publisher") or "").strip()
        if self.spec.names_itself and not fixed:  # known only once the server answers
            self.outcome.notes.append(
                f"publisher the bundle names: {self.spec.names_itself}, which a dry run does not "
                f"ask for; without it, {self.prepared.publisher} (as here)"
            )

    # the real run --------------------------------------------------------------------------

    def go(self, repository: Repository, publish: bool) -> Outcome:
        if self.entry.get("status") == "published":
            self.outcome.notes.append(
                f"version {self.version} is already published: nothing was sent; raise the "
                "version in datapackage.json and pass --new-version-of to deposit new data"
            )
            return self._published(self.entry)
        draft = self._resume(repository)
        if draft is not None and draft.published:
            self._save(status="published", deposition=draft.id, doi=draft.doi,
                       record=draft.record)  # fmt: skip
            self.outcome.notes.append(
                f"version {self.version} is already published on {self.title} (deposition "
                f"{draft.id}): nothing was sent"
            )
            return self._published(self.entry)
        if draft is None:
            citing.refuse_given(self.prepared, self.title)
        draft = draft or self._start(repository)
        self.outcome.deposition, self.outcome.html = draft.id, draft.html
        self.outcome.reserved_doi = draft.reserved_doi
        self._cite(draft)
        self._sync_files(repository, replace(draft, new_version=self.parent is not None))
        self.progress("setting the metadata")
        draft = repository.set_metadata(draft, self.metadata)
        self._save(status="draft", files=self.md5)  # each one checked on the server
        if publish:
            draft = self._publish(repository, draft)
            self._save(status="published", doi=draft.doi, record=draft.record)
            self.outcome.published, self.outcome.doi = True, draft.doi
            self.outcome.html = draft.record or self.outcome.html
            self.outcome.notes += citing.published_notes(
                self.title, draft.doi, self.outcome.cited_doi
            )
        return self.outcome

    def _cite(self, draft: Draft) -> None:
        """Build the bundle citing the DOI the draft reserved, and remember both: a rerun
        resumes the draft and rebuilds the same bytes, citing the same DOI."""
        doi = citing.reserved(self.title, draft)
        self._name_publisher(draft)
        self.progress(
            f"building the bundle, citing the DOI {doi}" if doi else "building the bundle"
        )
        self._build(doi, f"{self.title}'s draft {draft.id}")
        earlier = self.entry.get("bundle_sha256")
        changed = bool(earlier) and earlier != self.outcome.bundle_sha256
        self.outcome.notes += citing.build_notes(self.title, draft, self.outcome.cited_doi, changed)
        self._save(
            reserved_doi=doi, bundle=self.outcome.bundle, bundle_sha256=self.outcome.bundle_sha256
        )

    def _name_publisher(self, draft: Draft) -> None:
        """The publisher the bundle names, now that the server has answered with the draft:
        the name it gives its installation, where the user gave none (`publisher_at`)."""
        named = draft.publisher
        publisher = self.spec.publisher_at(self.server, self.options, named)
        if named and not usable_name(named):
            self.outcome.notes.append(
                f"{self.title} names its installation {server_text(repr(named), 80)}, which "
                f"cannot be a publisher's name (one line, at most {MOST_PUBLISHER} "
                f"characters): the bundle names {publisher} as its publisher"
            )
        self.prepared = self.prepared.deposited_in(publisher)

    def _published(self, entry: dict[str, Any]) -> Outcome:
        self.outcome.deposition = entry.get("deposition")
        self.outcome.published, self.outcome.doi = True, str(entry.get("doi", ""))
        self.outcome.html = str(entry.get("record") or entry.get("html", ""))
        return self.outcome

    def _resume(self, repository: Repository) -> Draft | None:
        """The deposition of this version that an earlier run made, if any: from the state
        file, else from the server (a lost or another state file must not mean a duplicate)."""
        earlier = self.entry.get("new_version_of")
        if self.entry and earlier != self.parent:
            made = self.entry.get("deposition") is not None or (
                self.entry.get("status") == "creating"
                and self._interrupted(repository, earlier) is not None
            )
            if made:
                raise DepositError(
                    f"an earlier run of version {self.version} started "
                    + (f"a new version of {earlier}" if earlier
                       else "a new deposition (not a new version)")
                    + f" at {server_text(self.entry.get('html') or self.server)}, but this run "
                    + "asks for "
                    + (f"a new version of {self.parent}" if self.parent else "a new deposition")
                    + f": run again with the same options, or delete that draft on {self.title} "
                    f"and remove the entry {self.key!r} from {self.state.path}"
                )  # fmt: skip
            self.entry.clear()  # that run made nothing: its options do not bind this one
        dep_id = self.entry.get("deposition")
        if dep_id is not None:
            self.progress(f"resuming draft {dep_id}")
            draft = repository.get(dep_id)
            if draft is not None:
                self.outcome.resumed = True
                return draft
            self.outcome.notes.append(
                f"draft {dep_id} of an earlier run is gone from {self.title}: a new draft was "
                "created"
            )
            self.entry.clear()
        found = self._find_on_server(repository)
        if found is None and self.entry.get("status") == "creating":
            found = self._interrupted(repository, self.parent)
        if found is not None:
            self.outcome.resumed = True
            self._save(deposition=found.id, html=found.html, status="draft",
                       new_version_of=self.parent)  # fmt: skip
        return found

    def _find_on_server(self, repository: Repository) -> Draft | None:
        return reconcile.find_on_server(repository, self.wanted, self.progress)

    def _interrupted(self, repository: Repository, parent: DraftId | None) -> Draft | None:
        return reconcile.interrupted(repository, self.wanted, parent, self.progress)

    def _start(self, repository: Repository) -> Draft:
        self.entry.clear()
        if self.parent is not None:
            draft = self._new_version(repository, self.parent)
        else:
            draft = self._create(repository)
        self._save(status="draft", deposition=draft.id, html=draft.html)
        return draft

    def _create(self, repository: Repository) -> Draft:
        # Noted before the request: if its answer is lost, a rerun asks the server first.
        self._save(status="creating", new_version_of=None)
        return reconcile.once(
            repository,
            self.wanted,
            "creating the draft",
            lambda: repository.create(self.metadata),
            lambda: self._find_on_server(repository),
            question="whether the draft exists",
            left=" and no draft was made",
            progress=self.progress,
        )

    def _new_version(self, repository: Repository, parent_id: DraftId) -> Draft:
        parent = repository.parent(parent_id, self.version)
        self._save(status="creating", new_version_of=parent_id)
        return reconcile.once(
            repository,
            self.wanted,
            f"creating a new version of {parent_id}",
            lambda: repository.new_version(parent),
            lambda: self._interrupted(repository, parent_id),
            question="whether the new version exists",
            left="",
            progress=self.progress,
        )

    def _sync_files(self, repository: Repository, draft: Draft) -> None:
        sync_files(repository, draft, self.uploads, self.md5, self.outcome, self.progress)

    def _publish(self, repository: Repository, draft: Draft) -> Draft:
        def published() -> Draft | None:
            current = repository.get(draft.id)
            return current if current is not None and current.published else None

        return reconcile.once(
            repository,
            self.wanted,
            "publishing",
            lambda: repository.publish(draft),
            published,
            question="whether it was published",
            left=" and the draft is still unpublished",
            progress=self.progress,
        )
