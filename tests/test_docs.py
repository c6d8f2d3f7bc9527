"""The README stays in step with the code: generated tables, commands and quick start."""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.validation.catalogue import render_dictionary, render_rules

from conftest import REPO

README = REPO / "README.md"
GENERATED = {"dictionary": render_dictionary, "rules": lambda: render_rules("markdown")}


def _section(text: str, name: str) -> re.Match[str]:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"README lacks the {name} markers"
    return match


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_tables_are_current(name: str) -> None:
    text = README.read_text(encoding="utf-8")
    expected = GENERATED[name]()
    if os.environ.get("DAHPKG_UPDATE_README"):
        match = _section(text, name)
        text = text[: match.start(1)] + expected + text[match.end(1) :]
        README.write_text(text, encoding="utf-8")
    assert _section(README.read_text(encoding="utf-8"), name).group(1) == expected


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
