"""The reference cases under the 2016 and 2017 logic: every case groups, and the cases whose
DRG changes between versions are exactly those listed in `data/version_changes.csv`.

SOURCE: `version_changes.csv` is a regression golden produced by isf itself (there is no
official 2016/2017 answer key in ../shared); regenerate with ``pytest --update-golden`` and
review the diff. It documents which real cases move when the logic changes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from isf.grouping import group, parse_case_string

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).parent / "data" / "version_changes.csv"
HEADER = ["case", "drg_2015", "drg_2016", "drg_2017", "rule_2015", "rule_2016", "rule_2017"]


def _rows(nor_logics, reference_cases):
    rows = []
    for rc in reference_cases:
        case = parse_case_string(rc.case_string)
        r = {k: group(v, case) for k, v in nor_logics.items()}
        for res in r.values():
            assert res.drg and res.rtc and res.rule, rc.id  # every row a result
        drgs = [r[k].drg for k in ("NOR2015", "NOR2016", "NOR2017")]
        if len(set(drgs)) > 1:
            rows.append([rc.id, *drgs, *(r[k].rule for k in ("NOR2015", "NOR2016", "NOR2017"))])
    return rows


def test_drg_changes_between_versions(nor_logics, reference_cases, update_golden):
    rows = _rows(nor_logics, reference_cases)
    if update_golden:
        with open(GOLDEN, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            w.writerows(rows)
    with open(GOLDEN, encoding="utf-8") as fh:
        expected = list(csv.reader(fh))
    assert expected[0] == HEADER
    assert rows == expected[1:], "cases changing DRG between versions differ from the golden file"
    assert rows, "the 2015->2017 logic changes should move some reference cases"
