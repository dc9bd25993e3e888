"""`isf certify`: replay an NCC test database against a logic, case by case."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from isf.cli.common import err, load_logic_or_exit

__all__ = ["certify_command"]


def certify_command(
    logic: Annotated[str, typer.Option("--logic", "-l", help="Logic: dBase/JSON zip, CSV or dBase folder, or id (NOR2012).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Result CSV: one row per test case, in file order.")],
    tests: Annotated[
        Path | None, typer.Option("--tests", "-t", help="Test database (testrule.dbf or .csv); default: the one in the release.")
    ] = None,
    max_traces: Annotated[int, typer.Option(help="Explain traces to print (first mismatch of each expected rule).")] = 20,
) -> None:
    """Group every case of the test database and compare DRG and rule with the expected ones.

    Prints N/M, the mismatches grouped by expected rule with an explain trace of the first of
    each; exits 0 only when every case matches (1 when some do not, 2 when it cannot run).
    """
    from isf.certify import CertifyError, certify, default_tests, read_test_cases, write_results
    from isf.definitions import available_logics
    from isf.grouping import explain
    from isf.grouping.render import explanation_to_text

    lg = load_logic_or_exit(logic)
    source = tests
    if source is None:
        release = Path(logic) if Path(logic).exists() else available_logics().get(logic.upper())
        source = default_tests(release) if release is not None else None
        if source is None:
            err.print(f"[red]error:[/] {logic} holds no test database (testrule.dbf); give one with --tests")
            raise typer.Exit(2)
    try:
        cases, markers = read_test_cases(source)
    except CertifyError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e
    cert = certify(lg, cases, markers=markers)
    write_results(cert, out)
    typer.echo(f"{lg.id}: {cert.matched}/{cert.total} test cases match ({markers} '_miss' markers skipped) -> {out}")
    groups = cert.mismatches_by_rule()
    if groups:
        typer.echo(f"{cert.total - cert.matched} mismatches in {len(groups)} expected rules:")
    for n, (rule, idxs) in enumerate(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))):
        first = cert.rows[idxs[0]]
        got = f"{first.drg or '-'}/{first.rule or '-'}" if first.status == "ok" else f"{first.status}: {first.error}"
        typer.echo(f"\n  expected {first.expected_drg}/{rule}: {len(idxs)} case(s), first {first.id} got {got}")
        tc = cert.tests[idxs[0]] if cert.tests is not None else None
        if n < max_traces and tc is not None and tc.case is not None:
            typer.echo("    " + explanation_to_text(explain(lg, tc.case, max_near_misses=5)).replace("\n", "\n    "))
    raise typer.Exit(0 if cert.passed else 1)
