"""The last stage: deposit the supplementary bundle in a repository, for a DOI.

`run` holds the deposit every repository shares (`run.deposit`: its steps, resuming from the
state file, publishing only when asked), `reconcile` the recognition of earlier depositions and
of lost answers, `sync` the files and their checksums, `citing` the DOI inside the bundle;
`http` the requests (retries, origin checks), `token` the token, `state` the state file and
`outcome` what a run did. `repository`
defines the seam a repository implements, and `REPOSITORIES` is the registry: one entry per
repository, from which the ``dahpkg deposit`` commands and the README's list are derived.
Zenodo is the first.
"""

from __future__ import annotations

from dahpkg.deposit.dataverse import DATAVERSE
from dahpkg.deposit.invenio import INVENIO
from dahpkg.deposit.outcome import Outcome
from dahpkg.deposit.repository import Draft, Plan, Repository, RepositorySpec
from dahpkg.deposit.zenodo import ZENODO

REPOSITORIES: tuple[RepositorySpec, ...] = (ZENODO, INVENIO, DATAVERSE)

__all__ = ["REPOSITORIES", "Draft", "Outcome", "Plan", "Repository", "RepositorySpec", "get",
           "render_markdown"]  # fmt: skip


def get(name: str) -> RepositorySpec:
    """The repository called ``name``.

    >>> get("zenodo").token_variable
    'ZENODO_TOKEN'
    """
    for spec in REPOSITORIES:
        if spec.name == name:
            return spec
    raise ValueError(f"unknown repository {name!r}; choose one of "
                     f"{', '.join(s.name for s in REPOSITORIES)}")  # fmt: skip


def render_markdown() -> str:
    """The repositories as the README's table: command, what it deposits on, address, the
    publisher its DataCite record names, token."""
    lines = [
        "| command | what it does | address (`--base-url` for another) | publisher in datacite.xml "
        "| token |",
        "|---|---|---|---|---|",
    ]
    for spec in REPOSITORIES:
        required = "".join(f" --{o.name} {o.metavar}" for o in spec.options if o.required)
        sandbox = f"; `--sandbox`: {spec.sandbox_url}" if spec.sandbox_url else ""
        lines.append(f"| `dahpkg deposit {spec.name}{required}` | {spec.help} | "
                     f"{spec.default_url}{sandbox} | {spec.publisher_rule()} | "
                     f"`{spec.token_variable}` or `--token-file FILE` |")  # fmt: skip
    return "\n".join(lines) + "\n"
