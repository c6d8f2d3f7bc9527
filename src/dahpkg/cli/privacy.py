"""`dahpkg privacy`: the disclosure-risk check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dahpkg.cli.options import (
    EXIT_INVALID,
    EXIT_OK,
    format_option,
    input_options,
    not_identifier_option,
    opened,
    report_output_options,
    user_errors,
    write_output,
)


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@input_options
@format_option(["text", "json"], "text", "Report format.")
@click.option(
    "--generalise",
    metavar="ages=<N>y",
    help="Also assess the release with ages in bands of N years (and 90+).",
)
@click.option(
    "--min-k",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="The smallest group of patients sharing every quasi-identifier that is "
    "accepted without --risk-accepted.",
)
@not_identifier_option
@report_output_options("report")
@user_errors
def privacy(
    path: Path | None,
    fmt: str,
    generalise: str | None,
    min_k: int,
    not_identifiers: tuple[str, ...],
    output: Path | None,
    force: bool,
    sheet: str | None = None,
    encoding: str | None = None,
) -> None:
    """Check the disclosure risk before anything leaves the machine.

    Direct identifiers (names, initials, e-mail addresses, phone numbers, full dates, record
    numbers, addresses) in column names and cells of every table, and in the titles,
    descriptions and notes of the descriptor and its Table Schemas; columns of free text the
    schema does not declare, and declared ones to read; k-anonymity, unique patients and
    l-diversity per patient over the quasi-identifiers the schema declares; the HIPAA Safe
    Harbor conditions; what drives the risk and what would lower it.

    Exit 0 when an export would pass; 1 when it would be blocked (a direct identifier, a
    column of text the schema does not declare, or a risk above the threshold that needs
    --risk-accepted); 2 when the input cannot be read.

    \b
    Examples:
      dahpkg privacy
      dahpkg privacy their_file.xlsx --generalise ages=10y
    """
    from dahpkg.privacy import check, render_json, render_text

    source = opened(path, sheet, encoding)
    report = check(source, generalise=generalise, min_k=min_k, not_identifiers=not_identifiers)
    write_output((render_json if fmt == "json" else render_text)(report), output, force=force)
    if output is not None:
        click.echo(f"{report.headline()}; report written to {output}")
    sys.exit(EXIT_INVALID if report.blocks else EXIT_OK)
