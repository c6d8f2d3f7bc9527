"""`dahpkg deposit`: one command per repository of the registry (`dahpkg.deposit.REPOSITORIES`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from dahpkg.cli.options import RegistryGroup, release_options, user_errors

if TYPE_CHECKING:
    from dahpkg.deposit.repository import RepositorySpec


def _repository_commands() -> list[click.Command]:
    from dahpkg.deposit import REPOSITORIES

    return [_command(spec) for spec in REPOSITORIES]


@click.group(cls=RegistryGroup, registry=_repository_commands)
def deposit() -> None:
    """Deposit the supplementary bundle in a repository, for a DOI.

    \b
    Examples:
      dahpkg deposit zenodo --sandbox --dry-run
      dahpkg deposit zenodo --sandbox --risk-accepted "consent obtained" --publish
    """


def _help(spec: RepositorySpec) -> str:
    sandbox = "--sandbox " if spec.sandbox_url else ""
    # A repository's required options (Dataverse's --collection) belong in every example.
    required = "".join(f"--{o.name} {o.metavar} " for o in spec.options if o.required)
    sandbox += required
    return f"""{spec.help}: validate, check the disclosure risk, create a draft (or a new
    version's draft), which reserves the DOI, build the bundle and its metadata citing that DOI,
    upload every file and check its checksum against the server's, set the metadata, and publish
    only with --publish. A DOI in publication.toml must be the draft's, or the deposit refuses.

    The token comes from {spec.token_variable} or --token-file and is sent only in the
    {spec.token_header} header. A rerun resumes the draft of an interrupted run (the state file
    remembers it) and never creates a second deposition. Exit 3 when {spec.title} or the network
    fails.

    \b
    Examples:
      dahpkg deposit {spec.name} {sandbox}--dry-run
      {spec.token_variable}=... dahpkg deposit {spec.name} {sandbox}--risk-accepted "consent obtained"
      dahpkg deposit {spec.name} {required}--new-version-of 123456 --token-file ~/.{spec.name}-token --publish
    """  # noqa: E501


def _command(spec: RepositorySpec) -> click.Command:
    """The command ``dahpkg deposit NAME`` of a repository of the registry."""
    from dahpkg.deposit.state import default_state_file

    options: list[Callable[[Any], Any]] = [
        click.argument("path", required=False, type=click.Path(path_type=Path)),
        click.option(
            "--base-url",
            metavar="URL",
            help=f"The deposit API of another {spec.title} (default {spec.default_url}).",
        ),
        click.option(
            "--publish",
            is_flag=True,
            help="Publish the deposition (a DOI is minted; it cannot be undone). Without it, "
            "the draft is left for you to check and its address is printed.",
        ),
        click.option("--dry-run", is_flag=True, help="Print the planned requests; send nothing."),
        click.option(
            "--new-version-of",
            type=click.IntRange(min=1) if spec.numeric_ids else str,
            metavar="ID",
            help="Deposit as a new version of this published deposition (the latest one). Without "
            "it, a later version of a package this machine published there continues "
            "that record (the state file knows it).",
        ),
        click.option(
            "--token-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help=f"Read the token from this file instead of {spec.token_variable}.",
        ),
        click.option(
            "--state-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Where to remember drafts between runs (default "
            f"~/.local/state/dahpkg/{default_state_file(spec.name).name}).",
        ),
        release_options,
        user_errors,
    ]
    for own in spec.options:  # the repository's own, e.g. Dataverse's --collection
        options.insert(1, click.option(f"--{own.name}", metavar=own.metavar,
                                       required=own.required, help=own.help))  # fmt: skip
    if spec.sandbox_url:
        host = urlsplit(spec.sandbox_url).hostname
        sandbox = f"Use {host} (its own account and token)."
        options.insert(1, click.option("--sandbox", is_flag=True, help=sandbox))

    def command(path: Path | None, base_url: str | None, publish: bool, dry_run: bool,
                new_version_of: int | str | None, token_file: Path | None, state_file: Path | None,
                risk_accepted: str | None, generalise: str | None,
                not_identifiers: tuple[str, ...], sandbox: bool = False,
                **own: str | None) -> None:  # fmt: skip
        from dahpkg.deposit.http import check_base_url
        from dahpkg.deposit.redact import redact
        from dahpkg.deposit.run import deposit as run
        from dahpkg.errors import DahpkgError, InputError
        from dahpkg.progress import Progress

        if sandbox and base_url:
            raise InputError("give either --sandbox or --base-url, not both")
        server = check_base_url(spec.sandbox_url if sandbox and spec.sandbox_url
                                else (base_url or spec.default_url))  # fmt: skip
        token = None if dry_run else spec.read_token(token_file)
        progress = Progress()
        try:
            # The last gate before the terminal: each server text was redacted where it became
            # a message; this catches any that a future change lets through.
            outcome = run(spec, path, base_url=server, token=token, publish=publish,
                          dry_run=dry_run, new_version_of=new_version_of,
                          risk_accepted=risk_accepted, generalise=generalise,
                          not_identifiers=not_identifiers, state_file=state_file,
                          options={k: v for k, v in own.items() if v is not None},
                          progress=lambda text: progress.step(redact(text)))  # fmt: skip
        except DahpkgError as exc:
            if redact(exc) == str(exc):
                raise
            raise type(exc)(redact(exc)) from None
        finally:
            progress.done()
        for note in outcome.notes:
            click.echo(note)
        if dry_run:
            if outcome.planned:
                click.echo(f"Dry run: nothing sent to {server}. The requests a deposit would make:")
                for line in outcome.planned:
                    click.echo(f"  {line}")
            return
        if outcome.uploaded or outcome.kept or outcome.removed:
            how = "resumed" if outcome.resumed else "new draft"
            click.echo(f"{spec.title} deposition {outcome.deposition} ({how}) on {server}")
            click.echo(f"  uploaded {len(outcome.uploaded)} file(s), {outcome.bytes_sent:,} "
                       f"bytes; kept {len(outcome.kept)} already there; removed "
                       f"{len(outcome.removed)}; every checksum matches the server's")  # fmt: skip
            click.echo("  metadata set")
            if outcome.cited_doi:
                click.echo(f"  every file of the bundle cites the DOI {outcome.cited_doi}")
            click.echo(f"  bundle {outcome.bundle}, sha256 {outcome.bundle_sha256}")
        if outcome.published:
            click.echo(f"Published: DOI {outcome.doi} {outcome.html}")
        else:
            click.echo("Draft left unpublished (check it, then rerun with --publish): "
                       f"{outcome.html}")  # fmt: skip
            if outcome.reserved_doi:
                click.echo(f"  reserved DOI, live once published: {outcome.reserved_doi}")
        click.echo(f"State: {outcome.state_file}")

    for decorate in reversed(options):
        command = decorate(command)
    made: click.Command = click.command(name=spec.name, help=_help(spec))(command)
    return made
