"""`dahpkg rules`: the rule catalogue."""

from __future__ import annotations

import click

from dahpkg.cli.options import format_option


@click.command()
@format_option(["text", "markdown", "json"], "text", "Catalogue format.")
def rules(fmt: str) -> None:
    """List the rule catalogue: id, severity, description and basis of every rule.

    \b
    Example:
      dahpkg rules --format markdown
    """
    from dahpkg.validation.catalogue import render_rules

    click.echo(render_rules(fmt), nl=False)
