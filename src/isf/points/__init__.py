"""ISF points and money per stay/contact, hospital stay, period and region.

Pipeline: ``compute_points`` (rows, vectorised polars) -> ``aggregate`` / ``summary_tables``
(exact points sums, kroner per aggregate) -> ``write_tables`` / ``write_duckdb``.
``explain_points`` tells, for one row, which rule and which parameter gave each component.

Hospital-stay merge rule: department stays (omsorgsniva 1 døgn or 2 dag) that share an
``opphold_id`` form one hospital stay. Its points come from the carrying stay (*bærende
opphold*), the department stay with the most points (ties: first in input order); the other
department stays get 0 points, ``isf_tellende`` false and a reason naming the carrying
``kontakt_id`` (``baerende_kontakt_id`` is set on every merged row). Outpatient contacts
(omsorgsniva 3 and 8) always count on their own. This is the analyst convention of the
project glossary; the seeds give no official merge rule. See docs/points.md.
"""

from isf.points.compute import PointsInputError, compute_points, weights_frame
from isf.points.explain import Explanation, explain_points
from isf.points.money import add_kroner, aggregate, exact_kroner, kroner, money
from isf.points.tables import (
    AGGREGATIONS,
    summary_table,
    summary_tables,
    write_duckdb,
    write_tables,
)

__all__ = [
    "compute_points",
    "PointsInputError",
    "weights_frame",
    "explain_points",
    "Explanation",
    "kroner",
    "exact_kroner",
    "money",
    "add_kroner",
    "aggregate",
    "AGGREGATIONS",
    "summary_tables",
    "summary_table",
    "write_tables",
    "write_duckdb",
]
