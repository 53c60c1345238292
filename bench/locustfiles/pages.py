"""Signed-in parents opening their pages as fast as the server answers, and the bare view beside them.

``bench.http`` runs one class at a time (``locust -f pages.py Bare``) and reads
locust's CSV. The visits (a URL and the session key of the parent it belongs
to) come from the JSON file named by ``BENCH_LOCUST_DATA``; each request picks
one at random, so the server sees many parents, not one hot session.
"""

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, constant, task

DATA = (
    json.loads(Path(os.environ["BENCH_LOCUST_DATA"]).read_text()) if "BENCH_LOCUST_DATA" in os.environ else {}
)


class Bare(FastHttpUser):
    """``/bench/bare/``: Django and the middleware, no database."""

    wait_time = constant(0)

    @task
    def bare(self):
        with self.client.get("/bench/bare/", name="bare", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class Parent(FastHttpUser):
    """A parent's own page, with the session cookie of that parent; anything but 200 is a failure."""

    wait_time = constant(0)

    @task
    def page(self):
        visit = random.choice(DATA["visits"])  # noqa: S311 - spreading the load, no secret
        self.client.cookiejar.clear()  # the cookie below is the only one: the jar would mix parents
        cookie = f"{DATA['session_cookie']}={visit['session']}"
        with self.client.get(
            visit["url"], name="page", headers={"Cookie": cookie}, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
