"""`dahpkg build`: rebuild the tidy episode table from Table I as printed."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dahpkg.cli.options import EXIT_INVALID, user_errors


@click.command()
@click.argument(
    "package", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if the files on disk differ from a fresh build.",
)
@user_errors
def build(package: Path, check: bool) -> None:
    """Rebuild data/episodes.csv and data/inferences.csv from Table I (data/raw/table1.tsv).

    PACKAGE is the folder holding datapackage.json (default: the current folder). The build is
    deterministic: the same Table I always gives the same bytes. Only the letter's own package
    has Table I as printed: any other is refused in one line (exit 2).

    \b
    Examples:
      dahpkg build
      dahpkg build --check
    """
    from dahpkg.letter.build import build as run

    files = run(package, check=check)
    for item in files:
        if check:
            state = "differs from a fresh build" if item.changed else "up to date"
        else:
            state = "written" if item.changed else "unchanged"
        click.echo(f"{item.path}: {state}")
    if check and any(f.changed for f in files):
        sys.exit(EXIT_INVALID)
