"""Every command's help renders completely, and every command is documented.

Issue 13: '`--set` and `--pairs` help texts are cut or broken'; `isf --help` showed '<bool>'
beside `--version`. For every command and subcommand, at 80 and 120 columns: the help exits 0,
shows no cut text ('…'), shows every option's help text whole (wrapped lines joined), and the
command list shows each command's one-line help whole; every option has a help text; every
command name appears in README.md or docs/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from isf.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _commands() -> Iterator[tuple[list[str], object]]:
    """(argv path, click command) for the root and every command and subcommand."""
    root = typer.main.get_command(app)

    def walk(cmd: object, path: list[str]) -> Iterator[tuple[list[str], object]]:
        yield path, cmd
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    yield from walk(root, [])


COMMANDS = list(_commands())


def _flat(text: str) -> str:
    return " ".join(text.split())


def _help(path: list[str], width: int) -> str:
    res = runner.invoke(app, [*path, "--help"], env={"COLUMNS": str(width), "TERM": "dumb"}, terminal_width=width)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "isf")
def test_help_renders_completely(path: list[str], width: int) -> None:
    cmd = {tuple(p): c for p, c in COMMANDS}[tuple(path)]
    out = _help(path, width)
    assert "…" not in out, out  # nothing cut
    assert "<bool>" not in out and "<list[" not in out, out  # placeholders read as words, not Python types
    assert max(len(line) for line in out.splitlines()) <= width, out
    flat = _flat(out)
    for p in cmd.params:  # type: ignore[attr-defined]
        if getattr(p, "hidden", False) or not getattr(p, "help", None):
            continue
        assert _flat(p.help) in flat, (p.name, p.help)
    for sub in getattr(cmd, "commands", {}).values():
        short = sub.get_short_help_str(limit=10_000)
        assert _flat(short) in flat and not short.endswith("..."), (sub.name, short)


def test_every_option_and_argument_has_help() -> None:
    missing = [(" ".join(path), p.name) for path, cmd in COMMANDS for p in cmd.params  # type: ignore[attr-defined]
               if not getattr(p, "hidden", False) and not getattr(p, "help", None)]
    assert not missing, missing


def test_set_and_pairs_help_are_whole() -> None:
    # issue 13: the `--set` help was cut ("somatikk.enhetspr…"), `--pairs` lost "[inpatient DRG, ...]"
    run = _flat(_help(["run"], 80))
    assert "Parameter override, e.g. somatikk.enhetspris=56000." in run
    pairs = _flat(_help(["weights", "estimate"], 80))
    assert 'JSON object: day-surgery DRG -> list of inpatient DRGs, e.g. {"8O": ["8A", "8B"]}.' in pairs


def test_version_is_a_flag_and_prints_the_version() -> None:
    from isf import __version__

    root = _help([], 80)
    assert re.search(r"--version\s+Show the version and exit\.", root), root
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"isf {__version__}"


def test_every_command_is_documented() -> None:
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))
    missing = [" ".join(path) for path, _ in COMMANDS if path and f"isf {' '.join(path)}" not in docs]
    assert not missing, f"not in README.md or docs/*.md: {missing}"


def test_year_defaults_are_one_year() -> None:
    # issue 13: 'defaults for the year differ between commands (run 2026, synth 2025, weights 2024)'
    from isf.formatting import DEFAULT_YEAR

    defaults = {" ".join(path): p.default for path, cmd in COMMANDS for p in cmd.params  # type: ignore[attr-defined]
                if p.name == "year" and p.default is not None}
    assert defaults and set(defaults.values()) == {DEFAULT_YEAR}, defaults
