"""Locust users that ``bench.http`` runs headless against the gunicorn it starts (not for Django)."""
