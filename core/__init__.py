"""Small shared pieces below every app: the clock and the calendar, domain errors, scoped querysets.

Not a Django app: it has no models, and it imports no app, so every app may use it
without bending the one-way arrows of docs/architecture.md.
"""
