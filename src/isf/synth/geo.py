"""Where synthetic patients live and where they are treated: municipality -> HF -> RHF.

The tables are two small CSV files next to this module (``geo.csv``, ``providers.csv``); their
header comments say which values come from the seed documents and which are assumed.
`load_geography` is the only function here that reads a file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = ["SECTORS", "Geography", "load_geography", "parse_geography"]

#: Activity sectors, in the order used for provider weights.
SECTORS = ("somatikk", "phv", "tsb")


@dataclass(frozen=True, eq=False)
class Geography:
    """Municipalities, trusts and regions as index arrays, ready for vectorised sampling."""

    kommune: tuple[str, ...]
    kommune_hf: np.ndarray  # int16 index into `providers`
    kommune_p: np.ndarray  # residence probability per municipality (sums to 1)
    providers: tuple[str, ...]
    provider_rhf: np.ndarray  # int8 index into `rhf`
    rhf: tuple[str, ...]
    # Provider weights per sector (rows = SECTORS order): who treats patients of that sector.
    provider_weight: np.ndarray  # float64, shape (3, n_providers)


def _rows(text: str) -> list[dict[str, str]]:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def parse_geography(geo_csv: str, providers_csv: str) -> Geography:
    """Build a `Geography` from the text of the two tables (pure)."""
    prov = _rows(providers_csv)
    names = tuple(r["provider"] for r in prov)
    rhf_names: list[str] = []
    for r in prov:
        if r["rhf"] not in rhf_names:
            rhf_names.append(r["rhf"])
    p_rhf = np.array([rhf_names.index(r["rhf"]) for r in prov], dtype=np.int8)
    w = np.array(
        [[float(r["points_somatikk"]) for r in prov], [float(r["points_phv_tsb"]) for r in prov]]
    )
    weight = np.vstack([w[0], w[1], w[1]])  # TSB shares the PHV/TSB table of the seed
    rhf_share = np.zeros(len(rhf_names))
    for r in prov:
        if r["rhf_share"].strip():
            rhf_share[rhf_names.index(r["rhf"])] = float(r["rhf_share"])
    resident = np.array([r["residence"] == "1" for r in prov])

    geo = _rows(geo_csv)
    kommune = tuple(r["kommune"] for r in geo)
    k_hf = np.array([names.index(r["bo_hf"]) for r in geo], dtype=np.int16)
    k_w = np.array([float(r["weight"]) for r in geo])
    # P(kommune) = P(RHF) * P(HF | RHF) * P(kommune | HF); HF share = its own somatic points.
    hf_w = np.where(resident, w[0], 0.0)
    p = np.zeros(len(geo))
    for i, h in enumerate(k_hf):
        r = p_rhf[h]
        in_rhf = hf_w[p_rhf == r].sum()
        in_hf = k_w[k_hf == h].sum()
        p[i] = rhf_share[r] * hf_w[h] / in_rhf * k_w[i] / in_hf
    return Geography(
        kommune=kommune,
        kommune_hf=k_hf,
        kommune_p=p / p.sum(),
        providers=names,
        provider_rhf=p_rhf,
        rhf=tuple(rhf_names),
        provider_weight=weight,
    )


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    """The bundled geography (reads the package's CSV files once)."""
    base = resources.files("isf.synth")
    return parse_geography(
        (base / "geo.csv").read_text(encoding="utf-8"),
        (base / "providers.csv").read_text(encoding="utf-8"),
    )
