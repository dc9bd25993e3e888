"""Settlement: every financed unit (DRG stay/contact, STG patient-period, TFG patient-year)
to points and kroner, per sørge-for RHF/HF, sector and period. One path for `isf run`,
`isf points`, `isf explain --year` and the web points view.

* `settle(activity, weights=, params=, stg_tfg=, year=)` -> `Settlement` (rows and units);
* `isf.settlement.rules.RULES`: every rule as one named entry with its seed source;
* `isf.settlement.tables`: aggregates that are exact sums of unit values (and combine exactly
  across partitions);
* `isf.settlement.explain`: one case settled as a one-row activity, read back per component.
"""

from isf.settlement.compute import COMPONENTS
from isf.settlement.fixed import kroner
from isf.settlement.frame import ActivityColumnsError, check_columns
from isf.settlement.rules import RULES, Rule, Source
from isf.settlement.settle import UNIT_COLUMNS, MissingWeightsError, Settlement, settle

__all__ = [
    "COMPONENTS",
    "RULES",
    "UNIT_COLUMNS",
    "ActivityColumnsError",
    "MissingWeightsError",
    "Rule",
    "Settlement",
    "Source",
    "check_columns",
    "kroner",
    "settle",
]
