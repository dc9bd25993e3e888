"""The README's examples, run as written (issue 13: 'a test of the README's examples as written').

The harness reads every fenced ``bash`` block of README.md, joins ``\\``-continued lines, and
runs each `isf ...` command in it (also `.venv/bin/isf ...`, and the `isf` parts of a `&&`
chain) in order with bash (so ``$(...)`` in an example works as written), the installed `isf`
first on PATH, in a scratch folder laid out like the checkout (``src``, ``docs``, ``tests``
linked, ``.venv/bin/isf`` the installed one, ``../shared`` beside it), so relative paths in the
README work and its outputs land in the scratch folder. Each must exit 0. Every `isf explain` line must say in its comment which
DRG it gives (``# -> DRG 104A``), and that DRG must come out.

Contract for README.md (documented there by the marker line ``<!-- isf-readme-test -->``):
  * a line whose comment holds ``readme-test: skip`` is not run (one that starts a server,
    `isf serve`, or needs what a test machine lacks); say why in the same comment;
  * examples make their own inputs (e.g. `isf synth` before `isf run --activity`).
Without the marker line the README predates this contract: the test is skipped with that
reason (shown by ``-ra``), never passed silently. ``ISF_README=path`` runs a draft instead.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
MARKER = "<!-- isf-readme-test -->"
SKIP = "readme-test: skip"
TIMEOUT = 600


@dataclass(frozen=True)
class Example:
    line: int  # README line number where the command starts
    argv: tuple[str, ...]  # after `isf`
    comment: str
    shell: str = ""  # the command as written (run with bash)

    @property
    def skip(self) -> bool:
        return SKIP in self.comment

    @property
    def drg(self) -> str | None:
        m = re.search(r"\bDRG\s+([0-9A-Z]+)\b", self.comment)
        return m.group(1) if m else None


def _split_comment(line: str) -> tuple[str, str]:
    """(command, comment): the comment starts at the first ``#`` outside quotes after a blank."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def examples(markdown: str) -> list[Example]:
    """Every `isf` command of the fenced bash blocks, in order."""
    out: list[Example] = []
    in_block = False
    pending: list[str] = []
    start = 0
    for n, raw in enumerate(markdown.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("```"):
            in_block = not in_block and stripped[3:].strip().lower() in ("bash", "sh", "shell", "console")
            pending = []
            continue
        if not in_block:
            continue
        if not pending:
            start = n
        command, comment = _split_comment(raw)
        if command.endswith("\\"):  # a comment cannot follow a continuation; keep collecting
            pending.append(command[:-1])
            continue
        pending.append(command)
        text, pending = " ".join(p.strip() for p in pending), []
        for part in text.split("&&"):
            tokens = shlex.split(part)
            if tokens and tokens[0] in ("isf", ".venv/bin/isf"):
                out.append(Example(start, tuple(tokens[1:]), comment, part.strip()))
    return out


def _scratch(tmp: Path) -> Path:
    """A folder that looks like the checkout: ``repo/src`` etc. linked, ``shared`` beside it."""
    repo = tmp / "repo"
    repo.mkdir(parents=True)
    for name in ("src", "docs", "tests", "benchmarks", "pyproject.toml"):
        if (ROOT / name).exists():
            (repo / name).symlink_to(ROOT / name)
    if SHARED.exists():
        (tmp / "shared").symlink_to(SHARED)
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "isf").symlink_to(_isf())
    return repo


def _isf() -> Path:
    exe = Path(sys.executable).with_name("isf")
    assert exe.exists(), f"no isf entry point beside {sys.executable}: pip install -e '.[test]'"
    return exe


def run_examples(markdown: str, tmp: Path) -> list[tuple[Example, str]]:
    """Run every example; return (example, output) of each that ran. Fails on the first bad one."""
    cwd = _scratch(tmp)
    ran = []
    env = os.environ | {"COLUMNS": "120", "PATH": f"{_isf().parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for ex in examples(markdown):
        if ex.skip:
            continue
        res = subprocess.run(["bash", "-c", ex.shell], cwd=cwd, env=env, capture_output=True, text=True,
                             timeout=TIMEOUT, check=False)
        output = res.stdout + res.stderr
        where = f"README line {ex.line}: isf {' '.join(ex.argv)}"
        assert res.returncode == 0, f"{where}\nexit {res.returncode}\n{output}"
        if ex.argv and ex.argv[0] == "explain":
            assert ex.drg, f"{where}: say which DRG it gives in its comment (# -> DRG ...)"
            first = res.stdout.splitlines()[0] if res.stdout else ""
            assert re.search(rf"\bDRG {re.escape(ex.drg)}\b", first), f"{where}: expected DRG {ex.drg}, got {first!r}"
        ran.append((ex, output))
    return ran


def test_readme_examples_run_as_written(tmp_path: Path) -> None:
    path = Path(os.environ.get("ISF_README", ROOT / "README.md"))
    text = path.read_text(encoding="utf-8")
    if MARKER not in text:
        pytest.skip(f"{path.name} has no {MARKER} line: its examples predate the README contract of "
                    "tests/e2e/test_readme.py and are not checked")
    ran = run_examples(text, tmp_path)
    assert ran, "the README has no isf example to run"
    assert any(ex.argv[0] == "explain" for ex, _ in ran), "the README shows no `isf explain`"


# --- the harness itself ------------------------------------------------------------------------
SAMPLE = """
<!-- isf-readme-test -->
```bash
python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/isf logics
isf explain "1,20000,H,3,,I219"        # -> DRG 122
.venv/bin/isf explain \\
    "1,20000,H,3,,I219,,E119"           # -> DRG 122 (continued line)
isf explain --logic NOR2015 "1,10248,R,6,,I350$(printf ',%.0s' {1..60})FXA00,FMD00,XGX02"  # -> DRG 104A
isf serve                               # readme-test: skip (starts a server)
```
```python
isf not a bash block
```
"""


def test_harness_reads_blocks_chains_continuations_and_markers() -> None:
    got = [(e.argv[0], e.drg, e.skip) for e in examples(SAMPLE)]
    assert got == [("logics", None, False), ("explain", "122", False), ("explain", "122", False),
                   ("explain", "104A", False), ("serve", None, True)]
    assert examples(SAMPLE)[2].argv == ("explain", "1,20000,H,3,,I219,,E119")


def test_harness_runs_and_catches_a_wrong_drg(tmp_path: Path) -> None:
    assert len(run_examples(SAMPLE, tmp_path / "ok")) == 4  # $(printf ...) expanded by bash: NOR2015 gives 104A
    wrong = SAMPLE.replace("# -> DRG 122 (continued line)", "# -> DRG 104A")
    with pytest.raises(AssertionError, match="expected DRG 104A"):
        run_examples(wrong, tmp_path / "wrong")
    undocumented = 'x\n```bash\nisf explain "1,20000,H,3,,I219"\n```\n'
    with pytest.raises(AssertionError, match="say which DRG"):
        run_examples(undocumented, tmp_path / "undocumented")
    failing = '```bash\nisf report no-such-folder -o r.html\n```\n'
    with pytest.raises(AssertionError, match="exit 2"):
        run_examples(failing, tmp_path / "failing")
