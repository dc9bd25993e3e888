"""The Arrow batch kernel: every row out, in order, bad rows with status; one run over batches = the row API."""

from __future__ import annotations

import pyarrow as pa

from isf.batch.fast import GroupingRun
from isf.batch.kernel import group_record_batch
from isf.grouping import group, make_case


def _batch(rows):
    return pa.RecordBatch.from_pylist(rows, schema=pa.schema([
        ("kjonn", pa.int8()), ("alder_dager", pa.int32()), ("utskr_maate", pa.string()), ("liggetid", pa.int32()),
        ("hdiag", pa.string()), ("hdiag2", pa.string()), ("bdiag", pa.list_(pa.string())), ("prosedyrer", pa.list_(pa.string())),
    ]))


GOOD = {"kjonn": 1, "alder_dager": 20000, "utskr_maate": "H", "liggetid": 3, "hdiag": "I219", "hdiag2": None,
        "bdiag": ["I109", "E119"], "prosedyrer": []}


def test_bad_rows_get_status_and_keep_position(demo_logic):
    rows = [GOOD, dict(GOOD, alder_dager=-5), dict(GOOD, bdiag=["I109", None]), dict(GOOD, utskr_maate="X"),
            dict(GOOD, kjonn=7), dict(GOOD, alder_dager=None), GOOD]
    out = group_record_batch(demo_logic, _batch(rows), row_offset=100).to_pydict()
    assert out["status"] == ["ok", "invalid_age_days", "ok", "invalid_discharge", "invalid_sex", "invalid_age_days", "ok"]
    assert out["error"][1] == "row 102: alder_dager: outside 0..73200"
    assert out["error"][4] == "row 105: kjonn: unknown value (expected 1/2, M/F or empty)"  # never the value itself
    assert out["error"][5] == "row 106: alder_dager: missing"
    assert out["drg"][0] == out["drg"][6] and out["drg"][1] is None


def test_one_run_over_batches_equals_row_api(demo_logic):
    variants = [dict(GOOD, bdiag=list(reversed(GOOD["bdiag"]))), dict(GOOD, alder_dager=10), dict(GOOD, liggetid=0),
                dict(GOOD, kjonn=2, hdiag="N47"), dict(GOOD, hdiag="A390", hdiag2="G01"), dict(GOOD, bdiag=["A390&G01"])]
    rows = (variants * 5)
    run = GroupingRun.for_logic(demo_logic)
    out = group_record_batch(demo_logic, _batch(rows), run=run).to_pydict()
    assert run.rows == run.fast_rows == len(rows)
    for i, r in enumerate(rows):
        slots = [(r["hdiag"], r["hdiag2"]) if r["hdiag2"] else (r["hdiag"],)]
        slots += [tuple(b.split("&")) for b in r["bdiag"]]
        expect = group(demo_logic, make_case(sex={1: "M", 2: "F"}[r["kjonn"]], age_days=r["alder_dager"],
                                             los=r["liggetid"], discharge=r["utskr_maate"], diagnoses=slots,
                                             procedures=r["prosedyrer"]))
        assert (out["drg"][i], out["rtc"][i], out["rule"][i]) == (expect.drg, expect.rtc, expect.rule)
