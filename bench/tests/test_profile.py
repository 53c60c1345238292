"""``python -m bench.profile`` sorts a profile's time into the concerns docs/performance.md names."""

from types import SimpleNamespace

from bench.profile import OTHER, PROJECT, concern_of, shares

SITE = "/opt/venv/lib/python3.11/site-packages/"


def frame(file_path: str, self_time: float, *children):
    return SimpleNamespace(file_path=file_path, total_self_time=self_time, children=list(children))


def test_installed_packages_and_project_modules_are_told_apart():
    assert concern_of(SITE + "django/db/models/query.py") == "queries"
    assert concern_of(PROJECT + "dispatch/services.py") == "outbox"
    assert concern_of(SITE + "django/dispatch/dispatcher.py") == OTHER  # Django's signals are no outbox
    assert concern_of(PROJECT + "accounts/session_store.py") == "session"
    assert concern_of(PROJECT + "applications/views.py") == OTHER


def test_time_counts_for_the_innermost_concern_on_the_stack():
    tree = frame(
        PROJECT + "applications/views.py",
        1.0,
        frame(SITE + "django/template/base.py", 2.0, frame(SITE + "django/db/backends/utils.py", 4.0)),
        frame(SITE + "django/utils/functional.py", 8.0),  # no concern of its own: its caller's, the view's
    )

    assert shares(tree) == {OTHER: 9.0, "templates": 2.0, "queries": 4.0}
