"""`dahpkg table1`: Table I of the letter rendered from the episode table."""

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
@format_option(["md", "tsv", "html", "docx", "latex"], "md", "Output format; docx needs --output.")
@report_output_options("table")
@user_errors
def table1(
    path: Path | None,
    fmt: str,
    output: Path | None,
    force: bool,
    sheet: str | None = None,
    encoding: str | None = None,
) -> None:
    """Render Table I of the letter from the episode table, in the published layout.

    Relapse rows leave the patient-level cells blank, as the letter prints them. Every cell that
    differs from Table I as printed is listed on standard error, documented spelling corrections
    marked as such. Any other package (one made by `dahpkg init`, a loose file) gets the same
    layout under a caption naming it, not the letter's.

    The Word document is A4 landscape, its columns fitted to their longest word at the largest
    font size that fits the page width; the header row repeats on each page and no row splits.

    \b
    Examples:
      dahpkg table1
      dahpkg table1 --format docx --output table1.docx
      dahpkg table1 --format tsv | diff data/raw/table1.tsv -
    """
    from dahpkg.errors import InputError
    from dahpkg.letter.table1 import render

    if fmt == "docx" and output is None:
        raise InputError("a Word document needs a file: add --output table1.docx")
    rendered = render(opened(path, sheet, encoding), fmt)
    write_output(rendered.content, output, force=force)
    for difference in rendered.differences:
        click.echo(difference.describe(), err=True)
    if output is not None:
        click.echo(f"Table I written to {output}")
