"""Vacancy bulletins, their places, publication and opening access (RULES.md section 5).

The app exists so the dependency arrows stay one-way (docs/architecture.md);
its models and services arrive with the placement engine (issue 4).
"""
