"""`dahpkg summary`: the descriptive cohort table."""

from __future__ import annotations

from pathlib import Path

import click

from dahpkg.cli.options import (
    format_option,
    input_options,
    opened,
    report_output_options,
    user_errors,
    write_output,
)


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@input_options
@click.option(
    "--by",
    default="group",
    show_default=True,
    metavar="group|none|FIELD",
    help="Columns: disease group (AAV vs SLE), overall only, or each category of a "
    "categorical field describing the patient: diagnosis, sex, race, or centre in a registry "
    "made by `dahpkg merge`.",
)
@format_option(["text", "md", "html", "csv"], "text", "Output format.")
@report_output_options("table")
@user_errors
def summary(
    path: Path | None,
    by: str,
    fmt: str,
    output: Path | None,
    force: bool,
    sheet: str | None = None,
    encoding: str | None = None,
) -> None:
    """Describe the cohort: counts with denominators, medians with quartiles, by disease group.

    Patient-level variables (sex, race, diagnosis, age at diagnosis, inaugural DAH, relapse,
    survival) are counted per patient; everything else per episode. With --by FIELD, one
    column per category of FIELD, in the data dictionary's order.

    \b
    Examples:
      dahpkg summary
      dahpkg summary --by diagnosis --format md
      dahpkg summary registry --by centre
      dahpkg summary --format csv --output summary.csv
    """
    from dahpkg.letter.summary import RENDERERS, summarise

    write_output(RENDERERS[fmt](summarise(opened(path, sheet, encoding), by)), output, force=force)
    if output is not None:
        click.echo(f"Cohort summary written to {output}")
