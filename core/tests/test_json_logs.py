"""LOG_FORMAT=json: each log line is one JSON object carrying the request id, masked like the plain line."""

import json
import logging

import pytest

from accounts.tests.factories import ApplicantFactory


@pytest.mark.django_db
def test_a_requests_log_line_is_json_with_the_request_id_its_response_carries(client, json_lines):
    response = client.get("/no-such-page/")

    lines = [line for line in json_lines() if line["logger"] == "django.request"]
    assert response.status_code == 404
    assert len(lines) == 1
    assert lines[0]["request_id"] == response["X-Request-ID"]
    assert lines[0]["level"] == "WARNING"
    assert lines[0]["message"] == "Not Found: /no-such-page/"
    assert set(lines[0]) == {"time", "level", "logger", "request_id", "message"}


@pytest.mark.django_db
def test_json_lines_are_masked_message_traceback_and_the_request_alike(client, json_lines):
    applicant = ApplicantFactory()
    logger = logging.getLogger("kezek.test")
    try:
        raise ValueError(f"Key (iin)=({applicant.iin}) already exists.")
    except ValueError:
        logger.exception("applicant %s, phone %s", applicant.iin, applicant.phone)
    client.get(f"/no-such-page/?iin={applicant.iin}")

    lines = json_lines()
    written = "\n".join(json.dumps(line) for line in lines)
    outside = next(line for line in lines if line["logger"] == "kezek.test")
    assert outside["message"] == f"applicant {applicant.iin[:6]}******, phone +7******{applicant.phone[-4:]}"
    assert f"Key (iin)=({applicant.iin[:6]}******) already exists." in outside["exc_info"]
    assert outside["request_id"] == "-"
    assert applicant.iin not in written
    assert applicant.phone not in written


def test_a_celery_worker_keeps_the_settings_handler_and_its_masking():
    from kindergarten_queue.celery import app

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        app.log.setup_logging_subsystem(loglevel="INFO")
        masking = [
            handler
            for handler in root.handlers
            if any(type(check).__name__ == "MaskPersonalData" for check in handler.filters)
        ]
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert masking
