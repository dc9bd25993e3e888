"""Time `isf certify` on the NCC 2012 release: reading the logic, the test database, grouping.

Run from anywhere: python benchmarks/bench_certify.py  (prints figures, asserts nothing).
"""

from __future__ import annotations

import time

from isf.certify import certify, read_test_cases
from isf.definitions import available_logics, load_logic


def main() -> None:
    release = available_logics()["NOR2012"]
    t0 = time.perf_counter()
    logic = load_logic(release)
    t1 = time.perf_counter()
    cases, markers = read_test_cases(release)
    t2 = time.perf_counter()
    cert = certify(logic, cases, markers=markers)
    t3 = time.perf_counter()
    print(f"{logic.id}: {cert.matched}/{cert.total} match")
    print(f"read logic {t1 - t0:.2f} s, read test database {t2 - t1:.2f} s, group (batch path) {t3 - t2:.2f} s"
          f" = {cert.total / (t3 - t2):,.0f} cases/s")


if __name__ == "__main__":
    main()
