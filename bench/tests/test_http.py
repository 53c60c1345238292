"""What the HTTP figures of ``make bench`` rest on: the bare view, and parents signed in as the bench does."""

import http.server as http_server
import importlib
import json
import os
import shutil
import threading

import pytest
from django.conf import settings as django_settings
from django.urls import clear_url_caches, reverse

from accounts.models import CodePurpose
from accounts.services import verify_code
from applications.tests.factories import submit
from bench import http
from bench.views import BARE_ANSWER
from bulletins.tests.factories import MONDAY_14_DECEMBER, at, group_in, published_bulletin, waiting
from core import clock
from kindergarten_queue import urls

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def benchmark_views(settings):
    settings.BENCHMARK_VIEWS = True
    _reload_urls()
    yield
    settings.BENCHMARK_VIEWS = False
    _reload_urls()


def _reload_urls():
    importlib.reload(urls)
    clear_url_caches()


@pytest.mark.django_db
def test_bare_view_is_not_served_unless_benchmark_views_is_on(client):
    assert client.get("/bench/bare/").status_code == 404


@pytest.mark.django_db
def test_bare_view_answers_its_fixed_json_through_the_middleware(client, benchmark_views):
    response = client.get("/bench/bare/")

    assert response.status_code == 200
    assert response.json() == BARE_ANSWER
    assert response["X-Frame-Options"] == "DENY"  # the middleware of every page ran
    assert client.post("/bench/bare/").status_code == 405


@pytest.mark.django_db
def test_a_bench_session_opens_the_parents_own_pages(client, settlement_a):
    application = submit(settlement_a)
    user = http.parent_users([application.applicant])[application.applicant_id]
    client.cookies[django_settings.SESSION_COOKIE_NAME] = http.signed_in(user, now=clock.now())

    cabinet = client.get(reverse("applications:cabinet"))
    page = client.get(reverse("applications:detail", args=[application.number]))

    assert cabinet.status_code == 200
    assert page.status_code == 200
    assert application.display_number in page.content.decode()


@pytest.mark.django_db
def test_a_known_code_is_accepted_once_for_taking_a_referral(settlement_a):
    application = submit(settlement_a)
    code, secret = http.known_code(application.applicant)
    code.save(force_insert=True)

    accepted = verify_code(code_id=code.pk, code=secret, purpose=CodePurpose.TAKE_REFERRAL, client_ip=None)

    assert accepted.used_at is not None


# --- the claim reference ---------------------------------------------------------------------


@pytest.mark.django_db
def test_claim_view_is_not_served_unless_benchmark_views_is_on(client, place_of_two):
    assert client.post(f"/bench/claim/{place_of_two.pk}/").status_code == 404
    place_of_two.refresh_from_db()
    assert place_of_two.taken == 0


@pytest.mark.django_db
def test_claim_view_takes_one_place_a_request_until_none_is_left(client, benchmark_views, place_of_two):
    answers = [client.post(f"/bench/claim/{place_of_two.pk}/").json() for _ in range(3)]

    assert answers == [{"claimed": True}, {"claimed": True}, {"claimed": False}]
    place_of_two.refresh_from_db()
    assert place_of_two.taken == 2
    assert client.get(f"/bench/claim/{place_of_two.pk}/").status_code == 405


@pytest.fixture
def place_of_two(settlement_a, kindergarten_a, specialist_a):
    waiting(settlement_a, 1, first=at(2, month=11))
    bulletin = published_bulletin(specialist_a, {group_in(kindergarten_a): 2}, now=MONDAY_14_DECEMBER)
    return bulletin.places.get()


# --- wrk and its script ----------------------------------------------------------------------


class _Answers(http_server.BaseHTTPRequestHandler):
    """200 for any path but /gone/, 404 there; a POST answers 200 only with the expected body and cookie."""

    def do_GET(self):
        self._answer(404 if self.path == "/gone/" else 200)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        sent_right = body == b"code=123456" and self.headers["Cookie"] == "sessionid=abc"
        self._answer(200 if sent_right else 400)

    def _answer(self, status: int):
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def little_server():
    server = http_server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(shutil.which("wrk") is None and not IN_CI, reason="wrk is not installed")
def test_the_wrk_script_cycles_the_requests_and_counts_every_unexpected_answer(little_server, tmp_path):
    requests = tmp_path / "requests.tsv"
    cookie, form = ("Cookie", "sessionid=abc"), ("Content-Type", http.FORM)
    visits = [
        http.Visit("/"),
        http.Visit("/gone/"),
        http.Visit("/take/", method="POST", body="code=123456", headers=(cookie, form)),
        http.Visit("/take/", method="POST", body="code=000000", headers=(cookie,)),
    ]
    requests.write_text("".join(visit.line() for visit in visits))

    log = tmp_path / "wrk.log"
    answer = http.run_wrk(little_server, requests, connections=1, seconds=1, expected=200, log=log)

    assert answer["requests"] >= 40
    # With one connection the list is cycled in order: the second and the fourth of every four are wrong.
    assert abs(answer["unexpected"] - answer["requests"] / 2) <= 2
    assert answer["socket_errors"] == 0
    assert 0 < answer["p50_ms"] <= answer["p99_ms"]


def test_the_figures_are_read_from_the_scripts_line_and_a_run_without_it_is_an_error():
    output = 'Running 1s test\n  2 threads\nBENCH_WRK {"requests": 7, "seconds": 1.0, "socket_errors": 0}\n'

    assert http.parse_wrk(output) == {"requests": 7, "seconds": 1.0, "socket_errors": 0}
    with pytest.raises(RuntimeError, match="no figures"):
        http.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_a_request_with_a_tab_or_a_newline_is_refused_rather_than_cut():
    with pytest.raises(ValueError, match="a tab or a newline"):
        http.Visit("/", body="a\tb").line()


# --- the server measured is the Procfile's -----------------------------------------------------


def test_the_bench_runs_the_procfiles_web_line_with_its_threads():
    command = http.procfile_web_command({"BIND": "127.0.0.1:9999"})

    assert command[0] == "gunicorn"
    assert "kindergarten_queue.wsgi:application" in command
    assert command[command.index("--bind") + 1] == "127.0.0.1:9999"
    assert command[command.index("--worker-class") + 1] == "gthread"
    assert command[command.index("--threads") + 1] == "8"  # the default of WEB_THREADS
    assert "--forwarded-allow-ips=127.0.0.1" in command


def test_the_procfiles_defaults_give_way_to_the_environment(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text('worker: celery\nweb: serve --threads ${WEB_THREADS:-8} --name "$NAME x" ${NO:-}\n')

    command = http.procfile_web_command({"WEB_THREADS": "32", "NAME": "kezek"}, procfile=procfile)

    assert command == ["serve", "--threads", "32", "--name", "kezek x"]


# --- the rush's outcome ---------------------------------------------------------------------


def test_a_parents_journey_runs_from_the_first_press_to_the_final_answer(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "requests": [["try_again", 100.0, 10], ["referral", 102.0, 50], ["place_gone", 100.5, 20]],
                "parents": [["referral", 100.0, 102.05, 2], ["place_gone", 100.5, 100.52, 1]],
            }
        )
    )

    outcome = http.RushOutcome.read(answers, parents=3)

    assert outcome.unanswered == 1
    assert outcome.errors == 1
    assert outcome.journey_p99_ms == pytest.approx(2050)
    assert outcome.p99_ms == 50
    assert outcome.takes_per_second == pytest.approx(1 / 2.05)
    assert outcome.span == pytest.approx(2.05)
