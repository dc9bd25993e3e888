"""How much a property test tries in the tier being run.

The fast default tier (``pytest -q``) gives each hypothesis test a quarter of its examples (at
least 10), so the developer loop stays about a minute; every tier (``--all``, CI) gives the full
count. `tests/conftest.py` sets ``ISF_TEST_TIER`` before any test module is imported.
"""

from __future__ import annotations

import os


def every_tier() -> bool:
    """The run includes every tier (``--all`` or a marker expression)."""
    return os.environ.get("ISF_TEST_TIER") == "all"


def examples(n: int) -> int:
    """`n` examples on every tier, a quarter (at least 10) in the fast tier."""
    return n if every_tier() else max(10, n // 4)
