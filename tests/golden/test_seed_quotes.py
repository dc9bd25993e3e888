"""Every «quote» a golden case cites with "[00N] … line L" is on that line of the seed (±2 lines
for a quote that spans a line break). SOURCE notes that misquote the seeds would make a golden
test prove the wrong rule."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from seed_quotes import SEEDS_DIR, quote_problems

HERE = Path(__file__).parent


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="../shared/seeds not present")
def test_golden_sources_quote_the_seeds() -> None:
    checked, problems = 0, []
    for case in tomllib.loads((HERE / "settlement" / "cases.toml").read_text(encoding="utf-8"))["case"]:
        n, p = quote_problems(case["source"], case["id"])
        checked, problems = checked + n, problems + p
    for f in sorted((HERE / "stg_tfg").glob("*.json")):
        n, p = quote_problems(json.loads(f.read_text(encoding="utf-8"))["SOURCE"], f.name)
        checked, problems = checked + n, problems + p
    assert checked >= 40
    assert not problems, "\n".join(problems)
