"""Year files bundled with isf: ``isf/data/<kind>/<year>.toml`` (STG/TFG, RBF).

One finder and one loader for every kind, so a missing or mislabelled year fails the same way
everywhere: a `DefinitionError` naming the file.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Protocol, TypeVar

from isf.definitions.model import DefinitionError


class _YearDefinitions(Protocol):
    @property
    def aar(self) -> int: ...


D = TypeVar("D", bound=_YearDefinitions)


def _data_dir(kind: str) -> Traversable:
    return resources.files("isf") / "data" / kind


def bundled_years(kind: str) -> tuple[int, ...]:
    """Years with a bundled ``<kind>/<year>.toml``."""
    names = [p.name for p in _data_dir(kind).iterdir() if p.name.endswith(".toml")]
    return tuple(sorted(int(n[:-5]) for n in names if n[:-5].isdigit()))


def load_year_file(kind: str, year: int, parse: Callable[..., D], what: str) -> D:
    """Parse the bundled ``<kind>/<year>.toml`` with ``parse(text, source=...)``; its 'aar' must be `year`."""
    source = f"{kind}/{year}.toml"
    res = _data_dir(kind) / f"{year}.toml"
    if not res.is_file():
        known = ", ".join(str(y) for y in bundled_years(kind))
        raise DefinitionError(source, None, None, f"no {what} (known years: {known})")
    defs = parse(res.read_text(encoding="utf-8"), source=source)
    if defs.aar != year:
        raise DefinitionError(source, "top", None, f"'aar' is {defs.aar}")
    return defs
