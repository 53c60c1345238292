"""One error shape, in the caller's language; 415 and 429 (issue 5, item 6); and the "never" list (7)."""

import datetime

from django.urls import get_resolver
from django.utils import translation

from applications.errors import ChildAlreadyInQueue
from applications.models import Application

from .conftest import in_register, submission, submit


def test_a_domain_error_speaks_russian_or_kazakh_as_asked(gov_corp_client, settlement_a):
    body = in_register(submission(settlement_a))
    assert submit(gov_corp_client, settlement_a, child=body["child"]).status_code == 201
    for language in ("ru", "kk"):
        response = submit(gov_corp_client, settlement_a, child=body["child"], language=language)
        assert response.status_code == 409
        assert response["Content-Language"] == language
        error = response.json()["error"]
        assert error["code"] == "child_has_active_application"
        with translation.override(language):
            expected = str(ChildAlreadyInQueue().message)
        with translation.override("en"):
            assert expected != str(ChildAlreadyInQueue().message)
        assert error["message"] == expected
        assert error["fields"] == {"child_iin": [expected]}


def test_english_is_the_fallback(gov_corp_client, settlement_a):
    body = in_register(submission(settlement_a))
    submit(gov_corp_client, settlement_a, child=body["child"])
    response = submit(gov_corp_client, settlement_a, child=body["child"], language="de-DE")
    assert response["Content-Language"] == "en"
    assert response.json()["error"]["message"].startswith("This child already has an active application")


def test_drf_errors_are_translated_too(call_centre_client):
    response = call_centre_client.post("/api/v1/lookup/", {}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["reason"] == ["Обязательное поле."]


def test_a_wrong_content_type_is_415(gov_corp_client, settlement_a):
    response = gov_corp_client.post(
        "/api/v1/applications/",
        "child=1",
        content_type="application/x-www-form-urlencoded",
        HTTP_IDEMPOTENCY_KEY="form",
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_too_many_requests_is_429_with_retry_after(settings, call_centre_client):
    settings.INTEGRATION_API_RATE = "2/min"
    body = {"number": "0000000000", "reason": "parent called"}
    statuses = [call_centre_client.post("/api/v1/lookup/", body, format="json") for _ in range(3)]
    assert [response.status_code for response in statuses] == [404, 404, 429]
    assert int(statuses[-1]["Retry-After"]) > 0
    assert statuses[-1].json()["error"]["code"] == "throttled"


def test_the_61st_request_of_a_token_within_a_minute_is_429(call_centre_client):
    body = {"number": "0000000000", "reason": "parent called"}
    statuses = [
        call_centre_client.post("/api/v1/lookup/", body, format="json").status_code for _ in range(61)
    ]
    assert statuses[:60] == [404] * 60
    assert statuses[60] == 429


def test_the_address_limit_holds_without_a_token(settings, db):
    from rest_framework.test import APIClient

    settings.INTEGRATION_API_RATE = "2/min"
    client = APIClient()
    statuses = [client.post("/api/v1/lookup/", {}, format="json").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_no_endpoint_takes_a_referral_or_changes_an_application():
    """RULES.md section 1 and issue 5, item 7: the API has exactly these routes, none about referrals."""
    [api] = [p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/"]
    routes = sorted(str(p.pattern) for p in api.url_patterns)
    assert routes == sorted(
        [
            "applications/",
            "lookup/",
            "queues/<str:settlement_kato>/<int:birth_year>/<str:kind>/",
            "bulletins/",
            "public/bulletins/",
            "statistics/<str:settlement_kato>/<int:birth_year>/",
            "schema/",
            "docs/",
            "redoc/",
        ]
    )
    assert not any("referral" in route for route in routes)


def test_a_retry_never_changes_the_submission_time(gov_corp_client, settlement_a):
    body = in_register(submission(settlement_a))
    first = gov_corp_client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="t")
    later = {**body, "received_at": body["received_at"].replace(":00+", ":01+")}
    gov_corp_client.post("/api/v1/applications/", later, format="json", HTTP_IDEMPOTENCY_KEY="t")
    gov_corp_client.post("/api/v1/applications/", later, format="json", HTTP_IDEMPOTENCY_KEY="other")
    application = Application.objects.get()
    assert application.submitted_at == datetime.datetime.fromisoformat(first.json()["submitted_at"])


def test_a_path_that_does_not_exist_under_api_answers_in_the_error_shape(client, db):
    for path in ("/api/v1/no-such-thing/", "/api/", "/api/v2/applications/"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ru")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response["Content-Language"] == "ru"
        assert response.json() == {
            "error": {"code": "not_found", "message": "Страница не найдена.", "fields": {}}
        }


def test_a_wrong_method_answers_in_the_error_shape_and_says_what_is_allowed(client, db):
    for path in ("/api/v1/public/bulletins/", "/api/v1/schema/", "/api/v1/docs/"):
        response = client.put(path)
        assert response.status_code == 405
        assert response["Content-Type"] == "application/json"
        assert "GET" in response["Allow"]
        error = response.json()["error"]
        assert (error["code"], error["message"], error["fields"]) == (
            "method_not_allowed",
            'Method "PUT" not allowed.',
            {},
        )


def test_pages_outside_the_api_keep_their_html_404(client, db):
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")
