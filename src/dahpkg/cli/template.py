"""`dahpkg template`: a blank data-entry file for a centre's own episodes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from dahpkg.cli.options import user_errors


class TemplateFormats(click.Choice):  # type: ignore[type-arg]
    """The names of `dahpkg.export.template.TEMPLATES`, read from the registry when first
    needed: listing dahpkg's commands does not import the export stage."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> Sequence[str]:
        from dahpkg.export.template import TEMPLATES

        return tuple(TEMPLATES)

    @choices.setter
    def choices(self, value: Any) -> None:
        """click sets the choices when it makes the type; the registry is the one source."""


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=TemplateFormats(),
    default=None,
    help="xlsx: a workbook with drop-down lists, limits, notes and a how-to sheet; csv: the "
    "header row, with the codebook beside it; redcap: a REDCap data dictionary.  [default: "
    "from the --output suffix (.csv: csv), else xlsx]",
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (a csv template also writes NAME.codebook.csv beside it).",
)
@click.option("--force", is_flag=True, help="Replace the output file(s) if they exist.")
@user_errors
def template(path: Path | None, fmt: str | None, output: Path, force: bool) -> None:
    """Write a blank data-entry template made from the data dictionary.

    PATH is a datapackage.json or a folder holding one, whose Table Schema the template
    follows; without PATH, the shipped package's. Fill one row per DAH episode, then check
    the file with `dahpkg validate FILE`. A REDCap dictionary (--format redcap) builds a REDCap
    project instead, whose record export `dahpkg import redcap` brings back.

    \b
    Examples:
      dahpkg template --output our_centre.xlsx
      dahpkg template --format csv --output our_centre.csv
      dahpkg template --format redcap --output dictionary.csv

    Exit codes: 0 written, 2 unreadable package or output refused.
    """
    from dahpkg.export.template import template_for, write_template

    written = write_template(path, output, fmt, force=force)
    names = " and ".join(str(p) for p in written)
    then = template_for(fmt, output).next_step.format(output=written[0])
    click.echo(f"Template written to {names}; {then}")
