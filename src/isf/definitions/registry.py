"""Resolve a logic by path or id: bundled ``demo``, or ``NOR2015``-style ids on a search path.

The search path is ``$ISF_LOGIC_PATH`` (os.pathsep-separated folders) followed by
``../shared/norddrg/definitions`` relative to the working directory, where the project's
tests and benchmarks find the published NordDRG tables.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from isf.definitions.model import DefinitionError, Logic
from isf.definitions.readers import logic_id_from_name, read_csv_tables, read_json_logic

__all__ = ["load_logic", "available_logics", "demo_logic_path"]


def demo_logic_path() -> Path:
    """Folder of the bundled demo logic (CSV layout, written for isf, not NordDRG data)."""
    return Path(str(resources.files("isf") / "data" / "demo_logic"))


def _search_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get("ISF_LOGIC_PATH", "").split(os.pathsep) if p]
    dirs.append(Path.cwd().parent / "shared" / "norddrg" / "definitions")
    return dirs


def available_logics() -> dict[str, Path]:
    """Every logic id that `load_logic` can resolve without a path."""
    found: dict[str, Path] = {"DEMO": demo_logic_path()}
    for d in _search_dirs():
        if d.is_dir():
            for f in sorted(d.iterdir()):
                if f.suffix.lower() in (".zip", ".json") or (f / "drg_logic.csv").exists():
                    found.setdefault(logic_id_from_name(f.name), f)
    return found


@lru_cache(maxsize=8)
def _load_path(path: str, mtime: float) -> Logic:
    p = Path(path)
    if p.is_dir():
        return read_csv_tables(p, logic_id="DEMO" if p == demo_logic_path() else None)
    return read_json_logic(p)


def load_logic(path_or_id: str | os.PathLike[str]) -> Logic:
    """Load a logic from a zip/JSON file, a CSV-table folder, or an id (``demo``, ``NOR2015``)."""
    s = str(path_or_id)
    p = Path(s)
    if not p.exists():
        known = available_logics()
        key = s.upper()
        if key not in known:
            raise DefinitionError(
                s, None, None, f"no such file, folder or logic id (known ids: {', '.join(sorted(known))})"
            )
        p = known[key]
    return _load_path(str(p.resolve()), p.stat().st_mtime)
