"""`dahpkg merge`: one registry package pooled from several centres' packages."""

from __future__ import annotations

from pathlib import Path

import click

from dahpkg.cli.options import user_errors


@click.command()
@click.argument("packages", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder of the registry package (new, or empty unless --force).",
)
@click.option(
    "--centre-from",
    type=click.Choice(["name", "title"]),
    default="name",
    show_default=True,
    help="Where each episode's centre comes from: its package's name (short, safe as a "
    "category in statistics software; the title becomes its label) or its title.",
)
@click.option("--title", help="The registry's title (default: says how many centres).")
@click.option("--name", help="The registry's package name (default: made from the title).")
@click.option("--force", is_flag=True, help="Replace the files of a registry already in --output.")
@user_errors
def merge(
    packages: tuple[Path, ...],
    output: Path,
    centre_from: str,
    title: str | None,
    name: str | None,
    force: bool,
) -> None:
    """Pool several centres' data packages into one registry package in --output.

    Each PACKAGE (a folder or datapackage.json made by `dahpkg init`, or the letter's) must
    validate with its own confirmed exceptions, follow the same data dictionary and licence,
    and come once. The registry adds a centre column (patient level, a quasi-identifier for
    `dahpkg privacy`), numbers the patients 1..N across the centres and keeps each patient's
    own number as centre_patient_id; the centres' confirmed exceptions come along, and
    datapackage.json lists every source with the SHA-256 of its files and unites their
    creators. Only episodes and confirmations are pooled: the letter's Table I and inferred
    cells stay in its package. Every file is written, or none.

    \b
    Examples:
      dahpkg merge . other-centre --output registry
      dahpkg validate registry
      dahpkg summary registry --by centre
      dahpkg privacy registry

    Exit codes: 0 written, 1 a package does not validate, 2 a package that cannot be pooled
    (another dictionary or licence, given twice, the same centre) or read, or --output not
    empty.
    """
    from dahpkg.export.merge import merge_packages

    made = merge_packages(
        list(packages), output, centre_from=centre_from, title=title, name=name, force=force
    )
    click.echo(
        f"Registry {made.name} made in {made.root}: {made.episodes} episodes of "
        f"{made.patients} patients from {len(made.centres)} centres."
    )
    for centre, episodes, patients in made.centres:
        click.echo(f"  {centre}: {episodes} episodes of {patients} patients")
    if made.confirmations:
        click.echo(
            f"{made.confirmations} confirmed exception(s) carried over, their patients renumbered."
        )
    for package, resources in made.left_out:
        click.echo(f"Not pooled, left in {package}: {', '.join(resources)}.")
    for file in made.files:
        click.echo(f"  {made.root / file}")
    click.echo(
        f"Next: `dahpkg validate {made.root}`, `dahpkg summary {made.root} --by centre`, "
        f"`dahpkg privacy {made.root}`."
    )
