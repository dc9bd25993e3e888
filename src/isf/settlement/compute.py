"""The steps of settlement as pure functions over frames (no I/O, no global state).

* `join_weights`: the weight list joined by (type, code) in ten-thousandths;
* `eligibility`: the one eligibility function, the `vilkaar` rules in registry order, for
  every kind of unit (and, limited to the activity rules, for the contacts that may form
  STG/TFG);
* `add_points`: the `poeng` rules, one value and one text column per rule, summed into the
  components and `_total`;
* `merge_stays`: department stays of one hospital stay become one DRG unit (`sykehusopphold`);
* `stg_tfg_frame`: STG/TFG assignments as units, placed on their first contact;
* `add_kroner`: kroner per unit, rounded once to øre with `isf.settlement.fixed.kroner`.

Each works on any subset of the activity that keeps a patient's rows together, so a year can
be settled per patient partition and the results concatenated (issue 15).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl

from isf.settlement.fixed import E4, KRONER, SCALE, kroner, to_e4
from isf.settlement.rules import RULES, Params, Rule, rules_for
from isf.weights.weightlist import WeightList

__all__ = [
    "COMPONENTS",
    "MERGE_OMSORGSNIVA",
    "add_kroner",
    "add_points",
    "distinct_eval",
    "eligibility",
    "join_weights",
    "merge_stays",
    "stg_tfg_frame",
    "unit_prices",
    "weights_frame",
]

#: point components of every unit, in registry order (a rule adds to its component)
COMPONENTS: tuple[str, ...] = tuple(dict.fromkeys(r.component for r in RULES if r.kind == "poeng" and r.component))
#: department stays (døgn, dag) sharing `opphold_id` are one hospital stay
MERGE_OMSORGSNIVA = (1, 2)


def weights_frame(weights: WeightList) -> pl.DataFrame:
    """The weight list as a join table: (type, code) -> weights in ten-thousandths."""
    rows = [
        (e.type, e.drg, None if e.vekt is None else to_e4(e.vekt), e.trimpunkt,
         None if e.vekt_per_dag is None else to_e4(e.vekt_per_dag), e.isf)
        for e in weights.entries
    ]
    return pl.DataFrame(rows, schema={"_type": pl.String, "_gruppe": pl.String, "_w_vekt": E4, "_w_trim": pl.Int64,
                                      "_w_dag": E4, "_w_isf": pl.Boolean}, orient="row")


def join_weights(frame: pl.DataFrame, weights: pl.DataFrame) -> pl.DataFrame:
    """`frame` (same rows, same order) with the weight columns of its (type, code)."""
    out = frame.drop([c for c in (*weights.columns, "_w_found") if c.startswith("_w_") and c in frame.columns])
    # join the two key columns only and put the result beside the frame (no copy of wide rows)
    found = out.select("_type", "_gruppe").join(weights, on=["_type", "_gruppe"], how="left", maintain_order="left")
    return out.hstack(found.select(
        pl.col("_w_isf").is_not_null().alias("_w_found"), pl.col("_w_isf").fill_null(False),
        "_w_vekt", "_w_trim", "_w_dag"))


def _applies(r: Rule) -> pl.Expr:
    return pl.col("_type").is_in(list(r.kinds))


def eligibility(frame: pl.DataFrame, params: Params, *, aktivitet_only: bool = False) -> pl.DataFrame:
    """Add `_arsak` (why the unit does not count; null = counts), `_regel` and `_count`.

    The same function for DRG, STG and TFG units: each `vilkaar` rule in force applies to the
    kinds it names, in registry order, and the first failing one gives the reason.
    With `aktivitet_only`, only the rules about the contact itself are tested.
    The reason texts are built only for the units that fail (a few per cent).
    """
    rules = [r for r in rules_for("vilkaar", params.year) if r.aktivitet or not aktivitet_only]
    tested: list[pl.Expr] = []
    first: pl.Expr = pl.lit(None, dtype=pl.Int32)
    for k in reversed(range(len(rules))):  # build the when-chain so the first rule is tested first
        compute = rules[k].compute
        assert compute is not None
        fails, why = compute(frame, params)
        tested.insert(0, why)
        first = pl.when(_applies(rules[k]) & fails.fill_null(True)).then(pl.lit(k, dtype=pl.Int32)).otherwise(first)
    out = frame.with_columns(_regel_nr=first)
    failing = out.select(pl.arg_where(pl.col("_regel_nr").is_not_null())).to_series()
    sub = out.select(pl.col("^_.*$")).gather(failing)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for k in reversed(range(len(rules))):
        reason = pl.when(pl.col("_regel_nr") == k).then(tested[k].fill_null(pl.lit(rules[k].name))).otherwise(reason)
    texts = sub.select(reason.cast(pl.String)).to_series()
    arsak = pl.select(pl.repeat(None, out.height, dtype=pl.String)).to_series().scatter(failing, texts)
    names = {k: r.name for k, r in enumerate(rules)}
    return out.with_columns(
        _arsak=arsak,
        _regel=pl.col("_regel_nr").replace_strict(names, default=None, return_dtype=pl.String),
        _count=pl.col("_regel_nr").is_null(),
    ).drop("_regel_nr")


def distinct_eval(frame: pl.DataFrame, exprs: dict[str, pl.Expr]) -> pl.DataFrame:
    """The row-wise `exprs` on `frame`, each computed once per distinct combination of the
    columns it reads and joined back (same rows, same order, same values).

    Rule texts are row-wise functions of a few columns (weight, group, days, sector...) that
    repeat across millions of rows; formatting each distinct combination once is the same
    text for a fraction of the work. Expressions reading the same columns are evaluated
    together; one that reads a column which hardly repeats (a patient id) is evaluated on
    every row without making the others do so. The expressions must be row-wise (no
    aggregation, window or `pl.len()`).
    """
    if frame.height < 1024:
        return frame.select(**exprs)
    by_roots: dict[tuple[str, ...], dict[str, pl.Expr]] = {}
    for name, e in exprs.items():
        by_roots.setdefault(tuple(sorted(set(e.meta.root_names()))), {})[name] = e
    columns: dict[str, pl.Series] = {}
    for roots, group in by_roots.items():
        out = _distinct_group(frame, list(roots), group)
        columns.update((c, out[c]) for c in group)
    return pl.DataFrame([columns[name] for name in exprs])


def _distinct_group(frame: pl.DataFrame, roots: list[str], exprs: dict[str, pl.Expr]) -> pl.DataFrame:
    """`exprs` (reading the columns `roots`) once per distinct combination of `roots`."""
    if not roots:  # literals: one value for every row
        return frame.with_columns(**exprs).select(list(exprs))
    keys = frame.select(roots)
    distinct = keys.unique()
    if 2 * distinct.height > frame.height:
        return frame.select(**exprs)
    values = distinct.with_columns(**exprs)
    return keys.join(values, on=roots, how="left", nulls_equal=True, maintain_order="left").select(list(exprs))


def add_points(frame: pl.DataFrame, params: Params) -> pl.DataFrame:
    """Each `poeng` rule in force: `_v_<rule>` (ten-thousandths) and `_t_<rule>` (text);
    then the components (sum of their rules) and `_total`. Units that do not count get 0.

    The texts are computed per distinct combination of the columns they read
    (`distinct_eval`): the same texts, without formatting a million times what repeats."""
    count = pl.col("_count")
    texts: dict[str, pl.Expr] = {}
    in_force = rules_for("poeng", params.year)
    for r in in_force:  # a rule sees the values of the rules before it
        assert r.compute is not None
        value, text = r.compute(frame, params)
        on = count & _applies(r)
        frame = frame.with_columns(**{f"_v_{r.name}": pl.when(on).then(value.fill_null(0)).otherwise(0).cast(E4)})
        texts[f"_t_{r.name}"] = pl.when(on).then(text).cast(pl.String)
    frame = frame.hstack(distinct_eval(frame, texts).get_columns()) if texts else frame
    sums = {}
    for comp in COMPONENTS:
        parts = [pl.col(f"_v_{r.name}") for r in in_force if r.component == comp]
        sums[f"_c_{comp}"] = pl.sum_horizontal(parts).cast(E4) if parts else pl.lit(0, dtype=E4)
    frame = frame.with_columns(**sums)
    return frame.with_columns(_total=pl.sum_horizontal([pl.col(f"_c_{c}") for c in COMPONENTS]).cast(E4))


def rule_text(frame: pl.DataFrame, year: int) -> pl.Expr:
    """`poeng_regel`: the texts of the rules applied, the merge note and the reason, joined."""
    parts = [pl.col(f"_t_{r.name}") for r in rules_for("poeng", year) if f"_t_{r.name}" in frame.columns]
    if "_baerer" in frame.columns:
        parts.append(pl.when(pl.col("_baerer")).then(pl.format("bærende opphold i sykehusopphold {}", pl.col("_opph"))))
    parts.append(pl.when(~pl.col("_count")).then(pl.format("ikke ISF: {}", pl.col("_arsak"))))
    return pl.concat_str(parts, separator="; ", ignore_nulls=True)


def merge_stays(frame: pl.DataFrame) -> pl.DataFrame:
    """Rule `sykehusopphold`: one DRG unit per hospital stay.

    Adds `_unit` (the row is a unit: not merged, or the stay's carrying row), `_baerende`
    (carrying kontakt_id of a merged row), `_baerer` (carrier of a stay of several rows).
    The other department stays of a stay get 0 points and a reason naming the carrier.
    The carrier is the row with most points, then counting, then first (`_i`).
    """
    merged = (pl.col("_opph").is_not_null() & pl.col("_oms").is_in(MERGE_OMSORGSNIVA)).fill_null(False)
    frame = frame.with_columns(_m=merged)
    pos = frame.select(pl.arg_where(pl.col("_m"))).to_series()
    m = frame.select("_opph", "_i", "_kid", "_total", "_count").gather(pos)
    stays = (
        m.sort(["_total", "_count", "_i"], descending=[True, True, False])
        .group_by("_opph", maintain_order=True)
        .agg(_car_i=pl.col("_i").first(), _car_k=pl.coalesce(pl.col("_kid"), pl.col("_i").cast(pl.Int64)).first(),
             _n=pl.len())
    )
    per = m.select("_opph").join(stays, on="_opph", how="left", maintain_order="left")

    def spread(name: str, dtype: pl.DataType | type[pl.DataType]) -> pl.Series:  # the merged rows' values, null elsewhere
        return pl.select(pl.repeat(None, frame.height, dtype=dtype)).to_series().alias(name).scatter(pos, per[name].cast(dtype))

    frame = frame.hstack([spread("_car_i", frame.schema["_i"]), spread("_car_k", pl.Int64), spread("_n", pl.UInt32)])
    carrier = pl.col("_m") & (pl.col("_i") == pl.col("_car_i"))
    drop = pl.col("_m") & ~carrier
    moved = drop & pl.col("_count")
    zero = [c for c in frame.columns if c.startswith(("_v_", "_c_"))] + ["_total"]
    return frame.with_columns(
        *(pl.when(drop).then(0).otherwise(pl.col(c)).cast(E4).alias(c) for c in zero),
        *(pl.when(drop).then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns if c.startswith("_t_")),
        _arsak=pl.when(moved).then(pl.format(
            "avdelingsopphold i sykehusopphold {}: poengene ligger på bærende opphold kontakt_id {}",
            pl.col("_opph"), pl.col("_car_k"))).otherwise(pl.col("_arsak")),
        _regel=pl.when(moved).then(pl.lit("sykehusopphold")).otherwise(pl.col("_regel")),
        _count=pl.col("_count") & ~drop,
        _unit=~drop,
        _baerende=pl.col("_car_k"),
        _baerer=(carrier & (pl.col("_n") > 1) & pl.col("_count")).fill_null(False),
        _n=pl.when(pl.col("_m")).then(pl.col("_n")).otherwise(1).cast(pl.Int32),
    )


def stg_tfg_frame(assignments: pl.DataFrame, contacts: pl.DataFrame) -> pl.DataFrame:
    """Rule `stg_tfg_enhet`: each assignment (patient, group, period) as one unit, with the
    sector, care level, debitor and place of its first contact (`poeng_kontakt_id`), where
    its points land. `contacts` are the contacts the assignments were formed from."""
    first = contacts.filter(pl.len().over("_kid") == 1).select(
        "_kid", "_i", "_sektor", "_psek", "_oms", "_deb", "_ktype", "_enhet", "_inn", "_cyear", "_byear",
        *[c for c in contacts.columns if c.startswith("_") and c[1:] in ("bo_rhf", "bo_hf", "beh_rhf", "beh_hf")],
    )
    a = assignments.select(
        pl.col("type").alias("_type"), pl.col("gruppe").alias("_gruppe"), pl.col("pasient_id").alias("_pid"),
        pl.col("aar").cast(pl.Int64).alias("_aar"), pl.col("periode").alias("_periode"),
        pl.col("antall_kontakter").cast(pl.Int32).alias("_n"), pl.col("kontakt_ider").alias("_kontakt_ider"),
        pl.col("poeng_kontakt_id").alias("_kid"),
    )
    return a.join(first, on="_kid", how="left", maintain_order="left").with_columns(
        _ok=pl.lit(True), _status=pl.lit("ok"), _dato=pl.col("_inn"),
        _ligg=pl.lit(0, dtype=pl.Int64), _uk=pl.lit(0, dtype=pl.Int64), _amb=pl.lit(False),
        _opph=pl.lit(None, dtype=pl.Int64), _overtatt=pl.lit(None, dtype=pl.String), _mdc=pl.lit(None, dtype=pl.String),
        _unit=pl.lit(True), _baerende=pl.lit(None, dtype=pl.Int64), _baerer=pl.lit(False),
    )


def unit_prices(params: Params, sectors: list[str]) -> dict[str, tuple[Decimal, Decimal]]:
    """(enhetspris, isf_andel) of each parameter sector (a missing one is recorded in `params`)."""
    return {s: (params.decimal(s, "enhetspris"), params.decimal(s, "isf_andel")) for s in sectors}


def _ore(total: pl.Expr, pris: Decimal, andel: Decimal, largest: int) -> pl.Expr | None:
    """`kroner(total / 10^4, pris, andel)` in øre as integer arithmetic, or None when the
    numbers are too large for it (then the caller prices with Decimal). Exact: the product is
    a fraction num/den, rounded half up (away from zero) as `kroner` does."""
    ratio = Fraction(pris) * Fraction(andel) * 100 / SCALE
    num, den = ratio.numerator, ratio.denominator
    digits = sum(len(d.as_tuple().digits) for d in (pris, andel)) + len(str(largest))
    if digits > 26 or (2 * largest * abs(num) + den) >= 2**62 or den >= 2**31:
        return None
    mag = (2 * total.abs() * abs(num) + den) // (2 * den)
    return pl.when((total < 0) != (num < 0)).then(-mag).otherwise(mag)


def add_kroner(units: pl.DataFrame, params: Params, *, prices: dict[str, tuple[Decimal, Decimal]] | None = None) -> pl.DataFrame:
    """Rule `kroner`: `enhetspris`, `isf_andel` and `isf_kroner` per unit.

    Each unit is priced with `kroner` (Decimal, ROUND_HALF_UP to øre), computed as exact
    integer arithmetic on the points in ten-thousandths (Decimal per distinct value when the
    numbers are too large for 64 bits), so every unit's kroner are exact and every aggregate
    is the sum of its units'. Prices are read only for sectors with counting units (or given).
    """
    counting = pl.col("_count") & pl.col("_psek").is_not_null()
    if prices is None:
        prices = unit_prices(params, units.select(pl.col("_psek").filter(counting).unique().sort()).to_series().to_list())
    price: pl.Expr = pl.lit(None, dtype=pl.Decimal(38, 2))
    share: pl.Expr = pl.lit(None, dtype=pl.Decimal(38, 4))
    ore: pl.Expr = pl.lit(None, dtype=pl.Int64)
    largest = int(units.select(pl.col("_total").abs().max()).item() or 0) if units.height else 0
    decimal_sectors = []
    for s, (pr, sh) in prices.items():
        on = pl.col("_count") & (pl.col("_psek") == s)
        price = pl.when(on).then(pl.lit(pr, dtype=pl.Decimal(38, 2))).otherwise(price)
        share = pl.when(on).then(pl.lit(sh, dtype=pl.Decimal(38, 4))).otherwise(share)
        fast = _ore(pl.col("_total"), pr, sh, largest)
        if fast is None:
            decimal_sectors.append(s)
        else:
            ore = pl.when(on).then(fast).otherwise(ore)
    kr = (ore.fill_null(0).cast(KRONER) / 100).cast(KRONER)
    if decimal_sectors:  # beyond 64-bit integers: Decimal, once per distinct (sector, points)
        distinct = units.filter(counting & pl.col("_psek").is_in(decimal_sectors) & (pl.col("_total") != 0)) \
            .select("_psek", "_total").unique()
        values = [kroner(Decimal(t) / SCALE, *prices[s]) for s, t in distinct.iter_rows()]
        table = distinct.with_columns(_kr_dec=pl.Series(values, dtype=KRONER))
        looked = units.select("_psek", "_total").join(table, on=["_psek", "_total"], how="left", maintain_order="left")
        kr = pl.when(pl.col("_psek").is_in(decimal_sectors)).then(
            looked["_kr_dec"].fill_null(Decimal("0.00"))).otherwise(kr)
    return units.with_columns(
        _kr=pl.when(pl.col("_count")).then(kr).otherwise(pl.lit(Decimal("0.00"), dtype=KRONER)).cast(KRONER),
        _pris=price,
        _andel=share,
    )
