"""The open-to-all rush: each parent presses **Get referral** with the code of their SMS until answered.

The presses (URL, session key, one-time code) come from the JSON file named by
``BENCH_LOCUST_DATA``; the locust users share them, so with ``-u 500`` there are
500 parents in flight until every parent has a final answer. A parent who gets
the admission gate's waiting page (503 with ``Retry-After``) waits as it says
and presses again with the same code, as the page does by itself. Every
request and every parent's journey (first press to final answer) are written to
the JSON file named by ``BENCH_LOCUST_OUT`` when locust quits; the test ends
itself once the last parent has a final answer.
"""

import json
import os
import time
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

DATA = json.loads(Path(os.environ["BENCH_LOCUST_DATA"]).read_text())
PRESSES = iter(DATA["presses"])
#: [outcome, started (Unix seconds), milliseconds] per request.
REQUESTS: list[list] = []
#: [final outcome, first press started, final answer at (Unix seconds), presses] per parent.
PARENTS: list[list] = []
FORM = "application/x-www-form-urlencoded"
#: A parent gives up after this many waiting pages in a row (an answer the bench counts as an error).
MAX_PRESSES = 30


def outcome(status: int, location: str, retry_after: str | None) -> str:
    """What the parent got: a referral, "no place left", the gate's "try again", a refusal, or an error."""
    if status == 302 and "/cabinet/referrals/" in location:
        return "referral"
    if status == 302 and location.rstrip("/").endswith("/places"):
        return "place_gone"
    if status == 503 and retry_after:
        return "try_again"
    if status == 0 or status >= 500:
        return "error"
    return "refused"


class Parent(FastHttpUser):
    wait_time = constant(0)
    # Generous: a press waiting this long in the server's backlog counts as an error (a time-out).
    network_timeout = connection_timeout = 120.0

    @task
    def journey(self):
        press = next(PRESSES, None)
        if press is None:
            raise StopUser()
        first, presses, answer = time.time(), 0, "try_again"
        while answer == "try_again" and presses < MAX_PRESSES:
            presses += 1
            answer, retry_after = self._press(press)
            if answer == "try_again":
                gevent.sleep(retry_after)
        PARENTS.append([answer if answer != "try_again" else "error", first, time.time(), presses])
        if len(PARENTS) == len(DATA["presses"]):
            gevent.spawn(self.environment.runner.quit)

    def _press(self, press: dict) -> tuple[str, float]:
        self.client.cookiejar.clear()
        token = DATA["csrf_token"]
        headers = {
            "Cookie": f"{DATA['session_cookie']}={press['session']}; {DATA['csrf_cookie']}={token}",
            "Content-Type": FORM,
            # Each parent is a browser of their own, and gunicorn closes a kept connection after 2 s
            # idle, less than a wait after the gate's 503: every press opens its connection.
            "Connection": "close",
        }
        body = urlencode({"csrfmiddlewaretoken": token, "code": press["code"]})
        started = time.time()
        with self.client.post(
            press["url"], name="get referral", data=body, headers=headers, allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            headers = response.headers or {}  # none at all when the connection failed
            retry_after = headers.get("retry-after")
            answer = outcome(response.status_code, headers.get("location", ""), retry_after)
            if answer in ("error", "refused"):
                response.failure(f"{answer}: HTTP {response.status_code}")
            else:
                response.success()
        REQUESTS.append([answer, started, (time.time() - started) * 1000])
        return answer, float(retry_after or 0)


@events.quitting.add_listener
def _write_answers(environment, **kwargs):
    Path(os.environ["BENCH_LOCUST_OUT"]).write_text(json.dumps({"requests": REQUESTS, "parents": PARENTS}))
