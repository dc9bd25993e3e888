"""`isf run` beyond one machine: the same pure kernel on an existing distributed engine.

`isf.distributed.spark.run_spark` runs grouping and settlement on Apache Spark (optional
extra ``pip install 'isf[spark]'``); docs/distributed.md says how to submit a year to a
cluster and why Spark. Nothing here schedules work itself: Spark does.
"""
