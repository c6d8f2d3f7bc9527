"""`dahpkg fair`: the FAIR self-assessment of the deposit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dahpkg.cli.options import EXIT_INVALID, EXIT_OK, format_option, user_errors


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@format_option(["text", "json"], "text", "Output format.")
@click.option("--strict", is_flag=True, help="Exit 1 if any metric fails.")
@user_errors
def fair(path: Path | None, fmt: str, strict: bool) -> None:
    """Self-assess the deposit against the FAIRsFAIR metrics that can be checked offline.

    For each metric (F1-F4, A1, I1-I3, R1-R1.3): pass or fail, the evidence, and what to do to
    pass. Exit 0 unless --strict and a metric fails.

    \b
    Examples:
      dahpkg fair
      dahpkg fair --format json --strict
    """
    from dahpkg.export.fair import assess, render_json, render_text

    result = assess(path)
    click.echo((render_json if fmt == "json" else render_text)(result), nl=False)
    sys.exit(EXIT_INVALID if strict and result.failed else EXIT_OK)
