"""`dahpkg reproduce`: every number in the letter's text recomputed from the data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dahpkg.cli.options import (
    EXIT_INVALID,
    EXIT_OK,
    format_option,
    report_output_options,
    user_errors,
    write_output,
)


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@format_option(["text", "json"], "text", "Output format.")
@report_output_options("claims")
@user_errors
def reproduce(path: Path | None, fmt: str, output: Path | None, force: bool) -> None:
    """Recompute every number in the letter's text from the data, claim by claim.

    Each claim is a match, a mismatch, or not derivable from the data (lengths of stay, how DAH
    was diagnosed). Mismatches that are discrepancies of the letter itself (its text and Table I
    disagree) are documented in the claim's note.

    \b
    Examples:
      dahpkg reproduce
      dahpkg reproduce --format json --output claims.json

    Only the letter's own package (the one with Table I as printed) can be checked: any other
    package or a loose file is refused in one line (exit 2); describe it with `dahpkg summary`.

    Exit codes: 0 every mismatch is a documented discrepancy of the letter, 1 otherwise, 2 not
    the letter's package.
    """
    from dahpkg.letter.reproduce import render_json, render_text
    from dahpkg.letter.reproduce import reproduce as run

    result = run(path)
    write_output((render_json if fmt == "json" else render_text)(result), output, force=force)
    if output is not None:
        click.echo(f"{result.headline()}; written to {output}")
    sys.exit(EXIT_OK if result.reproduced else EXIT_INVALID)
