"""The cache is keyed by release: no release unpickles what another kept (kindergarten_queue/release.py)."""

from pathlib import Path

from django.conf import settings
from django.core.cache import caches

from core.tests.production import run
from kindergarten_queue.release import source_fingerprint


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_changed_line_of_code_is_another_release(tmp_path):
    before = source_fingerprint(_project(tmp_path, {"queues/estimate.py": "class Flows: months = 12\n"}))
    after = source_fingerprint(_project(tmp_path, {"queues/estimate.py": "class Flows: months = 13\n"}))

    assert before != after


def test_the_same_code_anywhere_on_disk_is_the_same_release(tmp_path):
    files = {"queues/estimate.py": "class Flows: ...\n", "core/cache.py": "x = 1\n"}

    assert source_fingerprint(_project(tmp_path / "node1", files)) == source_fingerprint(
        _project(tmp_path / "node2", files)
    )


def test_tests_data_and_environments_are_not_the_release(tmp_path):
    project = _project(tmp_path, {"queues/estimate.py": "class Flows: ...\n"})
    release = source_fingerprint(project)

    _project(
        project,
        {"queues/tests/test_new.py": "def test(): ...\n", ".venv/lib/x.py": "y = 2\n", "var/z.py": ""},
    )

    assert source_fingerprint(project) == release


def test_a_value_kept_by_one_release_is_not_read_by_the_next(settings):
    kept_by_the_old = caches.create_connection("default")
    kept_by_the_old.set("wait-flows:1:2026-12-08", "a pickle of the old Flows")

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": "kezek:the-next-release"}}
    read_by_the_new = caches.create_connection("default")

    assert read_by_the_new.get("wait-flows:1:2026-12-08") is None
    assert kept_by_the_old.get("wait-flows:1:2026-12-08") == "a pickle of the old Flows"


def test_a_deployment_names_its_release():
    result = run(
        ["manage.py", "shell", "-c", "from django.conf import settings; print(settings.CACHES['default'])"],
        RELEASE_ID="v2026.12.08",
    )

    assert result.returncode == 0, result.stderr
    assert "'KEY_PREFIX': 'kezek:v2026.12.08'" in result.stdout


def test_this_process_keys_its_cache_by_the_code_it_runs():
    assert settings.CACHES["default"]["KEY_PREFIX"] == f"kezek:{settings.RELEASE_ID}"
