"""`dahpkg init`: a data package of a centre's own cases."""

from __future__ import annotations

from pathlib import Path

import click

from dahpkg.cli.options import input_options, opened, user_errors


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The centre's episodes: a CSV or XLSX file with the columns of the data dictionary.",
)
@click.option("--title", required=True, help="The data set's title.")
@click.option(
    "--author",
    "authors",
    multiple=True,
    required=True,
    metavar='"Family, Given"',
    help="An author of the data set, family name first; repeat for each, in order.",
)
@click.option("--centre", help="The authors' centre (department, hospital, city, country).")
@click.option("--cites", metavar="DOI", help="The DOI of the article the data support, if any.")
@click.option("--name", help="The package's name (default: made from the title).")
@click.option(
    "--confirmations",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A CSV of confirmed exceptions (patient_id, episode, rule, reason), as given to "
    "`dahpkg validate --confirmations`; carried into the package as data/confirmations.csv.",
)
@input_options
@user_errors
def init(directory: Path, source: Path, title: str, authors: tuple[str, ...],
         centre: str | None, cites: str | None, name: str | None,
         confirmations: Path | None, sheet: str | None, encoding: str | None) -> None:  # fmt: skip
    """Make a data package of your own cases in DIRECTORY (new, or empty).

    The package gets its own datapackage.json (title, authors, centre, the CC-BY-4.0 licence
    proposed for you to confirm, today's date), the data dictionary, your episodes as
    data/episodes.csv and a publication.toml for the DOIs and ORCID iDs you will add. It holds
    no Table I and nothing of the letter's. Every cell is carried over as it stands: a file
    with structural findings (unknown columns, cells of the wrong type...) is refused, and
    nothing is written; clinical findings are left for you to correct or confirm.

    \b
    Examples:
      dahpkg init my-dah --from cases.xlsx --title "DAH episodes at Hospital X, 2010-2024" \\
        --author "Silva, Ana" --author "Costa, Rui" --centre "Rheumatology, Hospital X, Porto"
      dahpkg validate my-dah
      dahpkg export supplement my-dah --output my-dah.zip

    Exit codes: 0 written, 1 the file has structural findings, 2 a wrong argument, a folder
    that is not empty, or a file that cannot be read.
    """
    from dahpkg.export.init import init_package

    made = init_package(directory, opened(source, sheet, encoding), title=title,
                        authors=authors, centre=centre, cites=cites, name=name,
                        confirmations=confirmations)  # fmt: skip
    click.echo(f"Package {made.name} made in {made.root}: {made.episodes} episodes of "
               f"{made.patients} patients.")  # fmt: skip
    for name_ in made.files:
        click.echo(f"  {made.root / name_}")
    if made.clinical_findings:
        click.echo(f"{made.clinical_findings} clinical finding(s) to correct or confirm: "
                   f"run `dahpkg validate {made.root}`.")  # fmt: skip
    click.echo(f"Next: fill in {made.root / 'publication.toml'} as the facts become known, "
               f"then `dahpkg export supplement {made.root}`.")  # fmt: skip
