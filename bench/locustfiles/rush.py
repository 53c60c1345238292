"""The open-to-all rush: each parent presses **Get referral** once, with the code of their SMS.

The presses (URL, session key, one-time code) come from the JSON file named by
``BENCH_LOCUST_DATA``; the locust users share them, so with ``-u 500`` there are
500 presses in flight until every parent has pressed. Each answer is sorted by
what the parent sees, and every answer with its time is written to the JSON
file named by ``BENCH_LOCUST_OUT`` when locust quits; the test ends itself once
the last parent has an answer.
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
#: [outcome, started (Unix seconds), milliseconds] per press.
ANSWERS: list[list] = []
FORM = "application/x-www-form-urlencoded"


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
    def press(self):
        press = next(PRESSES, None)
        if press is None:
            raise StopUser()
        self.client.cookiejar.clear()
        token = DATA["csrf_token"]
        headers = {
            "Cookie": f"{DATA['session_cookie']}={press['session']}; {DATA['csrf_cookie']}={token}",
            "Content-Type": FORM,
        }
        body = urlencode({"csrfmiddlewaretoken": token, "code": press["code"]})
        started = time.time()
        with self.client.post(
            press["url"], name="get referral", data=body, headers=headers, allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            answer = outcome(
                response.status_code,
                response.headers.get("location", ""),
                response.headers.get("retry-after"),
            )
            if answer in ("error", "refused"):
                response.failure(f"{answer}: HTTP {response.status_code}")
            else:
                response.success()
        ANSWERS.append([answer, started, (time.time() - started) * 1000])
        if len(ANSWERS) == len(DATA["presses"]):
            gevent.spawn(self.environment.runner.quit)


@events.quitting.add_listener
def _write_answers(environment, **kwargs):
    Path(os.environ["BENCH_LOCUST_OUT"]).write_text(json.dumps(ANSWERS))
