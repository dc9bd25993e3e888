"""Check the seed quotes golden data cites: «…» after "[00N] … line L" must be on that line of the seed.

Seeds: ../shared/seeds/000_*.txt … 004_*.txt (OCR noise kept as it is: quote the seed's own
spelling). A quote may span a line break and may leave words out with "..."; each part must be
within a few lines of the cited one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
_CITE = re.compile(r"\[(\d{3})\]((?:(?!\[\d{3}\]).)*?)\blines? (\d+)(?:-(\d+))?[^«\[]{0,80}?«([^»]+)»", re.DOTALL)


def _fold(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=8)
def seed_lines(seed: str) -> list[str]:
    return next(SEEDS_DIR.glob(f"{seed}_*.txt")).read_text(encoding="utf-8").splitlines()


def quote_problems(text: str, where: str) -> tuple[int, list[str]]:
    """(number of quotes checked, problems) for the citations in `text`."""
    checked, problems = 0, []
    for m in _CITE.finditer(text):
        seed, _, first, last, quote = m.groups()
        a, b = int(first), int(last or first)
        window = _fold(" ".join(seed_lines(seed)[max(0, a - 2): b + 3]))
        for part in re.split(r"\.\.\.|…", quote):
            part = _fold(part).strip(" .")
            if len(part) > 6:
                checked += 1
                if part not in window:
                    problems.append(f"{where}: [{seed}] line {a}: «{part}» is not there")
    return checked, problems


def quote_on_line(seed: str, line: int, quote: str) -> bool:
    """The quote (whitespace folded) is on `line` of the seed."""
    return _fold(quote) in _fold(seed_lines(seed)[line - 1])
