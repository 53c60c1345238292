"""``make bench``: the national-scale figures of issue 7, each beside its reference from the same run.

Not a Django app: it prepares its own PostgreSQL database (``kezek_bench``,
created fresh unless ``--reuse``), loads a synthetic country with
``generate_national_dataset``, then measures the service calls in-process and
prints one table. ``docs/performance.md`` holds a run and reads the figures.
"""
