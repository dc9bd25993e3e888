"""ISF year parameters (enhetspris, ISF share, supplements, rule switches) with sources.

>>> from isf.params import load_params
>>> p = load_params(2024)
>>> p.decimal("somatikk", "enhetspris")
Decimal('52248')
"""

from isf.params.loader import (
    load_params,
    params_dir,
    parse_override,
    parse_params,
    shipped_years,
)
from isf.params.model import (
    PARAM_SPECS,
    MissingParameterError,
    MissingParametersError,
    ParameterError,
    ParamValue,
    YearParams,
    sector_key,
)

__all__ = [
    "PARAM_SPECS",
    "MissingParameterError",
    "MissingParametersError",
    "ParamValue",
    "ParameterError",
    "YearParams",
    "load_params",
    "params_dir",
    "parse_override",
    "parse_params",
    "sector_key",
    "shipped_years",
]
