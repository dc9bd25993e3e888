"""Resolve a logic by path or id, from any working directory.

An id (``NOR2015``, ``NOR2012``, ``demo``) is looked up on a search path, first entry wins:

1. ``$ISF_LOGIC_PATH``: folders separated by ``os.pathsep`` (``:`` on Linux/macOS);
2. ``shared/norddrg/definitions`` beside the repository checkout isf is installed from
   (found by walking up from the package's own location);
3. ``shared/norddrg/definitions`` found by walking up from the working directory
   (``../shared`` from the repository root, ``../../shared`` from ``tests/``, ...);
4. the bundled ``demo`` logic.

In a folder, a release is a zip or JSON file, a folder of NordDRG CSV tables
(``drg_logic.csv``) or a folder of NCC dBase tables (``drglogic.dbf``); its id comes from the
name (``DefinitionData_NOR_2015_Pr1cN.zip`` -> ``NOR2015``,
``NordDRG_2012_CCtest_Nor_dbf.zip`` -> ``NOR2012``). `isf logics` lists every id with its
file and the search-path entry it came from.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from isf.definitions.model import DefinitionError, Logic
from isf.definitions.readers import logic_id_from_name, read_csv_tables, read_json_logic

__all__ = [
    "LogicSource",
    "available_logics",
    "demo_logic_path",
    "load_logic",
    "logic_format",
    "logic_sources",
    "search_path",
]

ENV = "ISF_LOGIC_PATH"
_SHARED = Path("shared") / "norddrg" / "definitions"


@dataclass(frozen=True, slots=True)
class LogicSource:
    """Where an id resolves: the release, its format and the search-path entry (origin)."""

    id: str
    path: Path
    format: str  # json | csv | dbase
    origin: str  # ISF_LOGIC_PATH | package | cwd | bundled


def demo_logic_path() -> Path:
    """Folder of the bundled demo logic (CSV layout, written for isf, not NordDRG data)."""
    return Path(str(resources.files("isf") / "data" / "demo_logic"))


def _shared_above(start: Path) -> Path | None:
    for d in (start, *start.parents):
        cand = d / _SHARED
        if cand.is_dir():
            return cand
    return None


def search_path() -> list[tuple[Path, str]]:
    """The folders searched for ids, in order, each with its origin."""
    out: list[tuple[Path, str]] = [(Path(p), ENV) for p in os.environ.get(ENV, "").split(os.pathsep) if p]
    for start, origin in ((Path(__file__).resolve().parent, "package"), (Path.cwd().resolve(), "cwd")):
        found = _shared_above(start)
        if found is not None:
            out.append((found, origin))
    seen: set[Path] = set()
    unique = []
    for d, origin in out:
        key = d.resolve() if d.exists() else d
        if key not in seen:
            seen.add(key)
            unique.append((d, origin))
    return unique


def logic_format(p: Path) -> str | None:
    """``json``, ``csv`` or ``dbase`` for a release file or folder, None for anything else."""
    from isf.definitions.dbase import is_dbase_release

    if p.is_dir():
        if (p / "drg_logic.csv").exists():
            return "csv"
        return "dbase" if is_dbase_release(p) else None
    suffix = p.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".zip":
        if is_dbase_release(p):
            return "dbase"
        try:
            with zipfile.ZipFile(p) as z:
                return "json" if any(n.lower().endswith(".json") for n in z.namelist()) else None
        except (zipfile.BadZipFile, OSError):
            return "json"  # let the reader say what is wrong with it
    return None


def logic_sources() -> list[LogicSource]:
    """Every id `load_logic` resolves without a path (first entry of the search path wins)."""
    found: dict[str, LogicSource] = {}
    for d, origin in search_path():
        if not d.is_dir():
            continue
        for f in sorted(d.iterdir()):
            fmt = logic_format(f)
            if fmt is not None:
                lid = logic_id_from_name(f.name)
                found.setdefault(lid, LogicSource(lid, f, fmt, origin))
    found.setdefault("DEMO", LogicSource("DEMO", demo_logic_path(), "csv", "bundled"))
    return list(found.values())


def available_logics() -> dict[str, Path]:
    """Every logic id that `load_logic` can resolve without a path."""
    return {s.id: s.path for s in logic_sources()}


@lru_cache(maxsize=8)
def _load_path(path: str, mtime: float) -> Logic:
    from isf.definitions.dbase import read_dbase_logic

    p = Path(path)
    fmt = logic_format(p)
    if fmt == "csv":
        return read_csv_tables(p, logic_id="DEMO" if p == demo_logic_path() else None)
    if fmt == "dbase":
        return read_dbase_logic(p)
    if p.is_dir():
        raise DefinitionError(path, None, None, "folder holds neither drg_logic.csv nor drglogic.dbf")
    return read_json_logic(p)


def load_logic(path_or_id: str | os.PathLike[str]) -> Logic:
    """Load a logic from a zip/JSON file, a CSV- or dBase-table folder, or an id (``demo``, ``NOR2015``)."""
    s = str(path_or_id)
    p = Path(s)
    if not p.exists():
        known = available_logics()
        key = s.upper()
        if key not in known:
            searched = ", ".join(str(d) for d, _ in search_path()) or "(nothing)"
            raise DefinitionError(
                s, None, None,
                f"no such file, folder or logic id (known ids: {', '.join(sorted(known))}; searched {searched};"
                f" set {ENV} to add folders)",
            )
        p = known[key]
    return _load_path(str(p.resolve()), p.stat().st_mtime)
