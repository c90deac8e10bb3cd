"""README's command list says what ``render``, ``inspect`` and ``convert`` take: every option of
their --help, nothing they do not take, every format ``convert`` writes (docs/formats.md too)."""

from __future__ import annotations

import argparse
import importlib
import re
from pathlib import Path

import pytest

from atlas.cli import SUBCOMMANDS
from atlas.cli.common import add_filter_options
from atlas.io import WRITERS

ROOT = Path(__file__).resolve().parents[2]
OPTION = re.compile(r"--[a-z][a-z0-9-]*")


def _long_options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings if s.startswith("--") and s != "--help"}


def _command_list() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Command line", 1)[1].split("```", 2)[1]
    return block.splitlines()


def _block(command: str) -> str:
    """README's lines for ``python main.py COMMAND`` (up to the next command)."""
    lines = _command_list()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"python main.py {command} "))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("python main.py ")), len(lines))
    return "\n".join(lines[start:end])


def _filters_block() -> str:
    lines = _command_list()
    start = next(i for i, ln in enumerate(lines) if "filters (render, inspect, convert" in ln)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("python main.py "))
    return "\n".join(lines[start:end])


def _parser(command: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    importlib.import_module(SUBCOMMANDS[command][0]).add_arguments(p)
    return p


FILTERS = _long_options((lambda p: (add_filter_options(p), p)[1])(argparse.ArgumentParser()))
# Spellings argparse accepts as well, not repeated in README.
ALIASES = {"--centre", "--banner-color", "--output"}


@pytest.mark.parametrize("command", ["render", "inspect", "convert"])
def test_readme_lists_exactly_the_options_of_the_command(command: str) -> None:
    options = _long_options(_parser(command))
    assert FILTERS <= options  # the filters are every command's
    block = _block(command)
    said = set(OPTION.findall(block))
    assert "[filters]" in block
    assert options - FILTERS - ALIASES <= said, f"{command}: not in README: {options - FILTERS - ALIASES - said}"
    assert said <= options, f"{command}: README names options the command does not take: {said - options}"


def test_the_filters_line_lists_every_filter() -> None:
    said = set(OPTION.findall(_filters_block()))
    assert FILTERS <= said and said <= FILTERS | {"--type", "--actor", "--side"}


def test_every_format_convert_writes_is_named() -> None:
    block = _block("convert")
    docs = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    listed = re.search(r"convert -o OUT\.\{([^}]*)\}", docs)
    assert listed is not None
    for suffix in WRITERS:
        assert re.search(rf"(?<![\w.]){re.escape(suffix)}(?![\w.])", block), suffix
        assert suffix[1:] in listed.group(1).split(","), suffix
