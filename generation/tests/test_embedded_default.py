"""The newcomer's `make run`: the demo on the embedded default (SQLite) serves every page a parent opens.

The suite runs on PostgreSQL, so a hand-written statement that only
PostgreSQL understands passes every other test and answers 500 on `make run`
(the position history did: a cast SQLite does not know). This test loads the
demo into a throw-away SQLite file in a process of its own, as `make run`
does, and opens each demo family's pages and the public ones.
"""

import os
import subprocess
import sys

from django.conf import settings

CRAWL = """
import django
django.setup()
from django.test import Client
from django.urls import reverse
from accounts.services import _new_parent_user
from applications.models import Application
from queues.models import QueueEntry

visitor, parent = Client(raise_request_exception=False), Client(raise_request_exception=False)
failed, opened = [], 0

def look(client, url):
    global opened
    opened += 1
    answer = client.get(url, HTTP_HOST="127.0.0.1")
    if answer.status_code >= 500:
        failed.append(f"{answer.status_code} {url}")

for url in ("/", reverse("bulletins:public"), reverse("bulletins:statistics"), reverse("bulletins:openings")):
    look(visitor, url)
for application in Application.objects.select_related("applicant").order_by("pk")[:12]:
    look(visitor, reverse("applications:check") + f"?number={application.number}")
    applicant = application.applicant
    if applicant.user_id is None:  # linked at the first sign-in, as the one-time code does
        applicant.user = _new_parent_user(applicant)
        applicant.save(update_fields=["user"])
    parent.force_login(applicant.user)
    number = application.number
    look(parent, reverse("applications:cabinet"))
    look(parent, reverse("applications:detail", args=[number]))
    look(parent, reverse("applications:receipt", args=[number]))
    look(parent, reverse("placements:places", args=[number]))
    for kind in QueueEntry.objects.filter(application=application).values_list("queue__kind", flat=True):
        look(parent, reverse("applications:position_history", args=[number, kind]))
print("opened", opened)
print("\\n".join(failed) or "no server error")
"""


def test_the_demo_on_sqlite_answers_every_parent_and_public_page_without_a_server_error(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "CI"}
    }
    environment.update(
        DJANGO_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        REGISTERS_FAKE_FILE=str(tmp_path / "persons.sqlite3"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        DJANGO_SETTINGS_MODULE="kindergarten_queue.settings",
        LOG_LEVEL="CRITICAL",
    )

    def run(*arguments: str) -> str:
        result = subprocess.run(  # noqa: S603 - this interpreter, our own manage.py and crawl
            [sys.executable, *arguments],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
        return result.stdout

    run("manage.py", "migrate", "--no-input", "-v0")
    run("manage.py", "load_demo")
    crawled = run("-c", CRAWL)

    assert "no server error" in crawled, crawled
    assert int(crawled.split("opened ")[1].split()[0]) > 40
