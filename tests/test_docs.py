"""The README stays in step with the code: generated tables, commands and quick start."""

from __future__ import annotations

import ast
import os
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from dahpkg import deposit, limits
from dahpkg.cli import main
from dahpkg.export import formats
from dahpkg.validation.catalogue import render_dictionary, render_rules

from support.helpers import REPO

README = REPO / "README.md"
ARCHITECTURE = REPO / "ARCHITECTURE.md"
SECURITY = REPO / "SECURITY.md"


def architecture_tree() -> str:
    """Every sub-package and module of src/dahpkg with the first paragraph of its docstring,
    the stages in the order of the flow (package first), as a nested Markdown list."""
    root = REPO / "src" / "dahpkg"
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    layers = settings["tool"]["importlinter"]["contracts"][0]["layers"]
    order = [m.rsplit(".", 1)[-1] for layer in reversed(layers) for m in layer.split(" | ")]

    def about(path: Path) -> str:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        return " ".join(doc.split("\n\n")[0].split())

    def walk(folder: Path, depth: int) -> list[str]:
        modules = sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")
        packages = sorted(
            (p for p in folder.iterdir() if (p / "__init__.py").is_file()),
            key=lambda p: (order.index(p.name) if p.name in order else 99, p.name),
        )
        lines = [f"{'  ' * depth}- `{p.name}`: {about(p)}" for p in modules]
        for package in packages:
            lines.append(f"{'  ' * depth}- `{package.name}/`: {about(package / '__init__.py')}")
            lines += walk(package, depth + 1)
        return lines

    return "\n".join([f"- `src/dahpkg/`: {about(root / '__init__.py')}", *walk(root, 1)]) + "\n"


GENERATED = {
    (README, "dictionary"): render_dictionary,
    (README, "rules"): lambda: render_rules("markdown"),
    (README, "formats"): formats.render_markdown,
    (README, "repositories"): deposit.render_markdown,
    (ARCHITECTURE, "tree"): architecture_tree,
    (SECURITY, "limits"): limits.render_markdown,
}


def _section(text: str, name: str) -> re.Match[str]:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"the document lacks the {name} markers"
    return match


@pytest.mark.parametrize(("document", "name"), sorted(GENERATED), ids=lambda v: str(v))
def test_generated_tables_are_current(document: Path, name: str) -> None:
    text = document.read_text(encoding="utf-8")
    expected = GENERATED[document, name]()
    if os.environ.get("DAHPKG_UPDATE_README"):
        match = _section(text, name)
        text = text[: match.start(1)] + expected + text[match.end(1) :]
        document.write_text(text, encoding="utf-8")
    assert _section(document.read_text(encoding="utf-8"), name).group(1) == expected


def test_the_readme_links_the_architecture_and_names_every_export() -> None:
    text = README.read_text(encoding="utf-8")
    assert "(ARCHITECTURE.md)" in text
    heading = re.search(r"### `dahpkg export ([a-z|]+) ", text)
    assert heading and heading.group(1).split("|") == ["supplement", *formats.names()]


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_and_is_documented(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Example" in result.output
    assert f"### `dahpkg {command}" in README.read_text(encoding="utf-8")


def test_quick_start_is_two_commands_and_ci_runs_the_same_test_command() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", text, re.S)
    assert block
    commands = block.group(1).strip().splitlines()
    assert len(commands) == 2
    assert commands[0].endswith("dahpkg validate")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert f'TEST_COMMAND="{commands[1]}"' in ci


def test_the_contributing_centres_walk_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's walk for another centre, command by command, with the letter's episodes
    standing in for the filled template as the README suggests for a first try."""
    import shlex

    text = README.read_text(encoding="utf-8")
    section = re.search(r"## For contributing centres\n(.*?)\n## ", text, re.S)
    assert section
    block = re.search(r"```sh\n(.*?)```", section.group(1), re.S)
    trial = re.search(r"`(dahpkg\s+export xlsx[^`]*)`", section.group(1))
    assert block and trial
    walk = [shlex.split(line) for line in block.group(1).strip().splitlines()]
    fill = shlex.split(" ".join(trial.group(1).split()))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(command: list[str]) -> int:
        assert command[0] == "dahpkg"
        return runner.invoke(main, command[1:]).exit_code

    assert walk[0][:2] == ["dahpkg", "template"] and run(walk[0]) == 0
    (tmp_path / "our_centre.xlsx").unlink()  # filled in: the letter's episodes, as exported
    assert run(fill) == 0
    codes = [(c[1], run(c)) for c in walk[1:]]
    # Ten patients are each unique on their quasi-identifiers: privacy says so (exit 1), and
    # the release goes ahead with the risk acknowledged.
    expected = [("validate", 0), ("validate", 0), ("init", 0), ("validate", 0), ("privacy", 1)]
    assert codes == [*expected, ("export", 0)]
    assert (tmp_path / "checked.xlsx").is_file() and (tmp_path / "our-dah.zip").is_file()
    assert (tmp_path / "our-dah" / "datapackage.json").is_file()
