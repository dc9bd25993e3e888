"""ISF points of one stay/contact: a small façade over `isf.settlement` (the one settlement path).

`explain_points(row, weights, params)` settles the row as a one-row activity and returns its
DRG unit's components with rule and source; `kroner` is the money rule. Batch settlement, the
tables and the explanation of every unit kind are in `isf.settlement`.
"""

from isf.points.explain import Explanation, explain_points, one_row_frame
from isf.settlement.fixed import kroner

__all__ = ["Explanation", "explain_points", "kroner", "one_row_frame"]
