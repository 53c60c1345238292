"""Fault drills (issue 6): the portal under a killed worker, a PostgreSQL restart, a restore, Redis down.

Not a Django app and not part of ``make test``: ``make drill`` runs them against
a throw-away PostgreSQL cluster, Redis, gunicorn and Celery worker
(``drills/stack.py``), and prints ``PASS name: what was checked`` or
``FAIL name: why`` for each. docs/security.md, "Faults and recovery", says
what each one proves and what it last showed.
"""
