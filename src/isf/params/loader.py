"""Read year-parameter TOML files and layer them: shipped < demo (opt-in) < user < overrides.

File format (shipped files live in ``isf/params/data/official/<year>.toml``)::

    year = 2024                      # optional; checked against the requested year
    [somatikk.enhetspris]
    value = "52248"                  # numbers as strings keep them exact
    source = "where the value comes from"
    [somatikk]
    isf_andel = "0.40"               # shorthand: source becomes the file name

The demo layer (``data/demo/<year>.toml``) only fills gaps; it never replaces a sourced value.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from isf.params.model import (
    MAX_DEFAULT,
    MAX_VALUE,
    PARAM_SPECS,
    SECTORS,
    ParameterError,
    ParamValue,
    Value,
    YearParams,
)

__all__ = ["load_params", "params_dir", "parse_override", "parse_params", "shipped_years"]


def params_dir() -> Path:
    """Folder of the parameter files shipped with isf."""
    return Path(str(resources.files("isf.params") / "data"))


def shipped_years() -> list[int]:
    return sorted(int(p.stem) for p in (params_dir() / "official").glob("*.toml"))


def _convert(file: str, key: str, raw: Any) -> Value:
    name = key.split(".")[-1]
    kind = PARAM_SPECS[name][0]
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ParameterError(file, key, f"expected true/false, got {raw!r}")
        return raw
    if kind == "decimal":
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise ParameterError(file, key, f"expected a number, got {raw!r}")
        try:
            d = Decimal(str(raw).replace(" ", "").replace(",", "."))
        except InvalidOperation:
            raise ParameterError(file, key, "not a number (write it as 56000 or 0.30)") from None
        if not d.is_finite() or d < 0:
            raise ParameterError(file, key, "must be a finite number >= 0")
        limit = MAX_VALUE.get(name, MAX_DEFAULT)
        if name in ("isf_andel", "trekk_andel") and d > 1:
            raise ParameterError(file, key, "a share must be between 0 and 1 (30 % is 0.30)")
        if d > limit:
            raise ParameterError(file, key, f"must be at most {limit:,} (a typo?)".replace(",", " "))
        return d
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        raw = [x for x in str(raw).split(",") if x.strip()]
    if not isinstance(raw, list):
        raise ParameterError(file, key, f"expected a list, got {raw!r}")
    if kind == "ints":
        try:
            values = tuple(int(x) for x in raw)
        except (TypeError, ValueError):
            raise ParameterError(file, key, f"expected whole numbers, got {raw!r}") from None
        if any(abs(v) > 100_000 for v in values):
            raise ParameterError(file, key, "codes must be whole numbers below 100 000")
        return values
    return tuple(str(x).strip() for x in raw)


def _check_key(file: str, sector: str, name: str) -> None:
    if sector not in SECTORS:
        raise ParameterError(file, f"{sector}.{name}", f"unknown sector (expected {SECTORS})")
    spec = PARAM_SPECS.get(name)
    if spec is None:
        raise ParameterError(file, f"{sector}.{name}", f"unknown parameter (known: {sorted(PARAM_SPECS)})")
    if sector not in spec[1]:
        raise ParameterError(file, f"{sector}.{name}", f"only allowed in sectors {spec[1]}")


def parse_params(
    data: Mapping[str, Any], *, file: str, year: int | None = None
) -> dict[tuple[str, str], ParamValue]:
    """Validate one parsed TOML document into parameter values (pure; no I/O)."""
    out: dict[tuple[str, str], ParamValue] = {}
    file_year = data.get("year")
    if year is not None and file_year is not None and int(file_year) != year:
        raise ParameterError(file, "year", f"file is for {file_year}, requested {year}")
    for sector, table in data.items():
        if sector == "year":
            continue
        if not isinstance(table, Mapping):
            raise ParameterError(file, sector, "expected a table [sector] of parameters")
        for name, entry in table.items():
            _check_key(file, sector, name)
            key = f"{sector}.{name}"
            if isinstance(entry, Mapping):
                if "value" not in entry:
                    raise ParameterError(file, key, "table without 'value'")
                raw, src = entry["value"], str(entry.get("source", "")) or file
            else:
                raw, src = entry, file
            out[(sector, name)] = ParamValue(_convert(file, key, raw), src, file)
    return out


def parse_override(text: str) -> tuple[tuple[str, str], ParamValue]:
    """Parse a CLI override ``sector.name=value`` (e.g. ``somatikk.enhetspris=54000``)."""
    key, sep, raw = text.partition("=")
    sector, dot, name = key.strip().partition(".")
    if not sep or not dot:
        raise ParameterError("override", text, "expected sector.name=value")
    _check_key("override", sector, name)
    kind = PARAM_SPECS[name][0]
    value: Any = raw.strip()
    if kind == "bool":
        low = value.lower()
        if low not in ("true", "false", "1", "0", "ja", "nei"):
            raise ParameterError("override", key, f"expected true/false, got {raw!r}")
        value = low in ("true", "1", "ja")
    return (sector, name), ParamValue(_convert("override", key, value), "user override", "override")


def _read(path: Path, year: int) -> dict[tuple[str, str], ParamValue]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ParameterError(str(path), "-", f"invalid TOML: {e}") from None
    return parse_params(data, file=str(path), year=year)


def load_params(
    year: int,
    *,
    demo: bool = False,
    files: Iterable[str | Path] = (),
    overrides: Iterable[str] = (),
) -> YearParams:
    """Parameters for `year`: shipped values, then (if `demo`) demo gap-fillers, then user
    files and ``sector.name=value`` overrides, each later layer replacing earlier ones."""
    values: dict[tuple[str, str], ParamValue] = {}
    shipped = params_dir() / "official" / f"{year}.toml"
    if shipped.exists():
        values.update(_read(shipped, year))
    if demo:
        demo_file = params_dir() / "demo" / f"{year}.toml"
        if demo_file.exists():
            for k, v in _read(demo_file, year).items():
                values.setdefault(k, v)
    for f in files:
        values.update(_read(Path(f), year))
    for o in overrides:
        k, v = parse_override(o)
        values[k] = v
    return YearParams(year, values)
