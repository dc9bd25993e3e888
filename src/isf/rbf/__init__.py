"""Result-based financing (RBF, resultatbasert finansiering): indicators per region, the
distribution of the pool, preliminary and final settlement. Documented in docs/rbf.md.

- `load_rbf(year)` / `parse_rbf(text)`: the versioned definitions (`isf/data/rbf/<year>.toml`).
- `compute_indicators(activity, defs, period=...)`: NPR indicators per region of residence.
- `distribute(defs, values)`: isf's transparent allocation model (the formula is not published).
- `settle(preliminary, final)`: the settlement, final - preliminary per region.
- `run_rbf(...)`: the whole `isf rbf` job with its files.
"""

from isf.rbf.definitions import Indicator, RbfDefinitions, Region, Selection, available_years, load_rbf, parse_rbf
from isf.rbf.distribution import (
    Distribution,
    IndicatorValue,
    MissingResultsError,
    distribute,
    settle,
    split_ore,
)
from isf.rbf.indicators import RegisterError, compute_indicators, indicator_values, read_registers

__all__ = [
    "Distribution",
    "Indicator",
    "IndicatorValue",
    "MissingResultsError",
    "RbfDefinitions",
    "Region",
    "RegisterError",
    "Selection",
    "available_years",
    "compute_indicators",
    "distribute",
    "indicator_values",
    "load_rbf",
    "parse_rbf",
    "read_registers",
    "settle",
    "split_ore",
]
