"""The export format and metadata format registries: everything that lists formats is derived
from them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.deposit import REPOSITORIES
from dahpkg.export import build_supplement, formats, prepare
from dahpkg.export.metadata import METADATA, withheld

from support.helpers import ACCEPT, CONSENT


def subcommands(group: str) -> set[str]:
    import click

    command = main.commands[group]
    assert isinstance(command, click.Group)
    return set(command.list_commands(click.Context(command)))


def test_the_cli_offers_every_format_and_repository_of_the_registries() -> None:
    assert subcommands("export") == {"supplement", "metadata", *formats.names()}
    assert subcommands("deposit") == {r.name for r in REPOSITORIES}
    for fmt in formats.FORMATS:
        result = CliRunner().invoke(main, ["export", fmt.name, "--help"])
        assert result.exit_code == 0 and fmt.help.split(":")[0] in " ".join(result.output.split())


def test_the_bundle_holds_describes_and_types_every_format() -> None:
    prepared = prepare(None, risk_accepted=CONSENT)
    supplement = build_supplement(prepared)
    readme = supplement.files["README.md"].decode()
    dataset = json.loads(supplement.files["schema-org.jsonld"])
    types = {d["name"]: d["encodingFormat"] for d in dataset["distribution"]}
    for fmt in formats.FORMATS:
        for name, variant in fmt.bundle_files():
            assert supplement.files[name] == fmt.render(prepare(None, risk_accepted=CONSENT),
                                                        variant.suffix)  # fmt: skip
            assert f"- `{name}`: {variant.description}" in readme
            assert types[name] == variant.media_type
    waiting = set(withheld(prepared))
    assert waiting == {"datacite.xml"}  # the shipped package has no DOI yet
    for item in METADATA:
        assert (f"- `{item.name}`: {item.description}" in readme) == (item.name not in waiting)
    assert types["data/episodes.csv"] == formats.get("csv").variants[0].media_type


def test_a_single_file_export_takes_its_variant_from_the_suffix(tmp_path: Path) -> None:
    for suffix, start in ((".md", b"# Codebook"), (".html", b"<!DOCTYPE html>"),
                          (".htm", b"<!DOCTYPE html>")):  # fmt: skip
        target = tmp_path / f"codebook{suffix}"
        result = CliRunner().invoke(main, ["export", "codebook", "--output", str(target), *ACCEPT])
        assert result.exit_code == 0 and target.read_bytes().startswith(start)
