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


def _readme_sh_blocks(heading: str) -> list[str]:
    """The ```sh blocks of the README section under ``heading`` (up to the next heading of the
    same or a higher level)."""
    text = README.read_text(encoding="utf-8")
    level = heading.split(" ", 1)[0]
    start = text.index(heading + "\n") if heading + "\n" in text else text.index(heading)
    rest = text[start + len(heading) :]
    ends = [m.start() for m in re.finditer(rf"^#{{1,{len(level)}}} ", rest, re.M)]
    section = rest[: ends[0]] if ends else rest
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def _run_in_a_copy(script: str, tmp_path: Path) -> list[tuple[str, int, str]]:
    """Run each command of ``script`` with bash in a copy of the repository's package, as a
    reader who cloned the repository would, and return (command, exit code, output)."""
    import shutil
    import subprocess
    import sys

    for part in ("datapackage.json", "publication.toml"):
        shutil.copy2(REPO / part, tmp_path / part)
    for part in ("schema", "data"):
        shutil.copytree(REPO / part, tmp_path / part)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    # A heredoc is one command with its body; every other line is a command of its own.
    commands = re.findall(r"^(?:cat > \S+ <<'EOF'\n.*?\nEOF|[^\n]+)$", script.strip(), re.M | re.S)
    results = []
    for command in commands:
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        results.append((command.split("\n")[0], done.returncode, done.stdout + done.stderr))
    return results


def test_the_pooling_example_runs_as_written(tmp_path: Path) -> None:
    """README "Pooling centres into a registry": a second centre from the letter's first seven
    episodes, merged with the letter's package, validated, summarised by centre."""
    (block,) = _readme_sh_blocks("### Pooling centres into a registry")
    results = _run_in_a_copy(block, tmp_path)
    codes = [(c.split()[1] if c.startswith("dahpkg") else c.split()[0], rc) for c, rc, _ in results]
    assert codes == [("head", 0), ("init", 0), ("merge", 0), ("validate", 0), ("summary", 0),
                     ("privacy", 1)]  # fmt: skip
    merged = results[2][2]
    assert "19 episodes of 17 patients from 2 centres" in merged
    assert "12 episodes of 10 patients" in merged and "7 episodes of 7 patients" in merged
    assert "valid" in results[3][2] and "INVALID" not in results[3][2]
    episodes = (tmp_path / "registry" / "data" / "episodes.csv").read_text().splitlines()
    assert len(episodes) == 1 + 19
    assert "centre" in results[5][2].lower()


def test_the_redcap_example_runs_as_written(tmp_path: Path) -> None:
    """README "Importing a REDCap export": patient 7 as REDCap exports the record comes back as
    the letter's two rows of patient 7."""
    blocks = _readme_sh_blocks("#### Importing a REDCap export")
    example = next(b for b in blocks if "cat > export.csv" in b)
    results = _run_in_a_copy(example, tmp_path)
    assert [rc for _, rc, _ in results] == [0, 0, 0], results
    assert "2 episodes of 1 patient" in results[-1][2] and "valid" in results[-1][2]
    shipped = (REPO / "data" / "episodes.csv").read_text(encoding="utf-8").splitlines()
    imported = (tmp_path / "episodes.csv").read_text(encoding="utf-8").splitlines()
    assert imported == [shipped[0], *[r for r in shipped[1:] if r.startswith("7,")]]
