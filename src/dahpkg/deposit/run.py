"""A deposit, the same on every repository: validate and pass the disclosure-risk gate; create a
draft (or a new version's draft), which reserves the data set's DOI; build the bundle and its
metadata citing that DOI, so that what is published cites itself; upload every file and check
each md5 against the server's, once after the upload and again on a fresh listing; set the
metadata; publish only when asked.

How the DOI gets into every file, and when a DOI given by hand is refused: `citing`.

Nothing is done twice by accident. An action that may have happened although its answer was
lost (create, new version, publish) is never sent again blindly: the server is asked what
happened first. The state file, keyed by the server, the package and its version, remembers
the draft, so that a rerun after a crash resumes it instead of creating a second deposition;
without it, the deposition is recognised on the server by a sentence in its notes. Files already
on the server with the right md5 are kept, the rest are sent again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dahpkg.deposit import citing
from dahpkg.deposit.http import Unknown, check_base_url
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.redact import server_text
from dahpkg.deposit.repository import Draft, DraftId, Plan, Repository, RepositorySpec
from dahpkg.deposit.state import DepositState, default_state_file
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
    (`dahpkg.deposit.repository.Option`), e.g. Dataverse's ``collection``.

    ``token`` defaults to the one `RepositorySpec.read_token` finds; a dry run needs none and
    sends nothing.
    """
    from dahpkg.export import prepare

    server = check_base_url(base_url or spec.default_url)
    progress("validating the package and checking its disclosure risk")
    prepared = prepare(
        path, risk_accepted=risk_accepted, generalise=generalise, not_identifiers=not_identifiers
    )
    state = DepositState(
        Path(state_file) if state_file else default_state_file(spec.name), spec.title
    )
    session = Session(spec, prepared, state, server, new_version_of, progress)
    session.options = dict(options or {})
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
        """This version's deposition on the server, recognised by the sentence dahpkg puts in
        its notes (a whole sentence: version 1.0 is not 1.0.1)."""
        self.progress("looking for an earlier deposition of this version")
        sentence = re.compile(rf"(?:^|\s){re.escape(self.marker)}(?:\s|$)")
        mine = [d for d in repository.find(self.marker) if sentence.search(d.notes)]
        for found in mine:
            if found.title != self.metadata.get("title"):
                raise DepositError(
                    f"deposition {server_text(found.id)} on {self.server} is version "
                    f"{self.version} of a package with the same name but another title "
                    f"({server_text(repr(found.title))}): give "
                    "this package its own name or version in datapackage.json"
                )
        published = [d for d in mine if d.published]
        if published:
            return published[0]
        if mine:
            return self._check_concept(repository, mine[0])
        return None

    def _interrupted(self, repository: Repository, parent: DraftId | None) -> Draft | None:
        """The draft a create or new-version request may have made before its answer was
        lost."""
        if parent is None:
            return self._find_on_server(repository)
        return repository.interrupted_new_version(parent)

    def _check_concept(self, repository: Repository, draft: Draft) -> Draft:
        if self.parent is not None and not repository.is_version_of(draft, self.parent):
            raise DepositError(
                f"an unpublished draft of version {self.version} already exists "
                f"({server_text(draft.html)}) and is not a version of {self.parent}: publish "
                f"or delete it on {self.title}, then run again"
            )
        return draft

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
        for _ in range(repository.attempts):
            self.progress("creating the draft")
            try:
                return repository.create(self.metadata)
            except Unknown as lost:
                self.progress(f"{lost}; asking {self.title} whether the draft exists")
                found = self._find_on_server(repository)
                if found is not None:
                    return found
        raise DepositError(
            f"creating the draft: {self.title}'s answer was lost on every attempt and no draft "
            "was made; run the same command again later"
        )

    def _new_version(self, repository: Repository, parent_id: DraftId) -> Draft:
        parent = repository.parent(parent_id, self.version)
        self._save(status="creating", new_version_of=parent_id)
        step = f"creating a new version of {parent_id}"
        for _ in range(repository.attempts):
            self.progress(step)
            try:
                return repository.new_version(parent)
            except Unknown as lost:
                self.progress(f"{lost}; asking {self.title} whether the new version exists")
                found = self._interrupted(repository, parent_id)
                if found is not None:
                    return found
        raise DepositError(
            f"{step}: {self.title}'s answer was lost on every attempt; run the same command "
            "again later"
        )

    def _sync_files(self, repository: Repository, draft: Draft) -> None:
        on_server = repository.files(draft)
        for name, md5 in on_server.items():
            if self.md5.get(name) != md5:  # a previous version's file, or a partial upload
                self.progress(f"removing {server_text(name)} from the draft")
                repository.delete(draft, name)
                self.outcome.removed.append(name)
        for name, data in self.uploads.items():
            if on_server.get(name) == self.md5[name]:
                self.outcome.kept.append(name)
                continue
            for attempt in (1, 2):
                checksum = repository.upload(draft, name, data)
                if checksum == self.md5[name]:
                    break
                if attempt == 2:
                    raise DepositError(
                        f"uploading {name}: the server's md5 "
                        f"({server_text(checksum or 'none', 80)}) differs from the file's "
                        f"({self.md5[name]}) twice; the connection may be altering data. Run the "
                        "same command again to resend it."
                    )
                self.progress(f"uploading {name}: md5 mismatch; sending it again")
            self.outcome.uploaded.append(name)
            self.outcome.bytes_sent += len(data)
        self.progress("checking every file against the server's listing")
        listed = repository.files(draft)
        wrong = sorted(n for n in self.uploads if listed.get(n) != self.md5[n])
        extra = sorted(set(listed) - set(self.uploads))
        if wrong or extra:
            # The server's file names and checksums are its words: shown through server_text.
            problems = [f"{n}: md5 {server_text(listed.get(n, 'missing'), 80)} on the server, "
                        f"{self.md5[n]} here" for n in wrong] + [
                f"{server_text(n, 200)}: on the server but not in the bundle" for n in extra[:20]
            ]  # fmt: skip
            raise DepositError(
                "checking the uploaded files: " + "; ".join(problems)
                + ". Run the same command again to resend them."
            )  # fmt: skip

    def _publish(self, repository: Repository, draft: Draft) -> Draft:
        for _ in range(repository.attempts):
            self.progress("publishing")
            try:
                return repository.publish(draft)
            except Unknown as lost:
                self.progress(f"{lost}; asking {self.title} whether it was published")
                current = repository.get(draft.id)
                if current is not None and current.published:
                    return current
        raise DepositError(
            f"publishing: {self.title}'s answer was lost on every attempt and the draft is still "
            "unpublished; run the same command again later"
        )
