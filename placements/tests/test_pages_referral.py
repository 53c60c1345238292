"""The referral page, its one extension, and its PDF with the QR code of the public check."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from bulletins.tests.factories import parent_of
from placements import pdf
from placements.tests.factories import take
from placements.tests.pages import AN_HOUR_LATER, signed_in

pytestmark = [pytest.mark.clock(AN_HOUR_LATER, tick=True), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def referral(waiting_four, place):
    """G1's referral, issued on Monday 14 December 2026 and valid through Tuesday 22 December."""
    return take(waiting_four[0], place, now=AN_HOUR_LATER)


def referral_url(referral) -> str:
    return reverse("placements:referral", args=[referral.number])


def pdf_url(referral) -> str:
    return reverse("placements:referral_pdf", args=[referral.number])


def test_the_referral_page_shows_its_facts_and_warnings(client, referral):
    response = signed_in(client, referral.application).get(referral_url(referral))

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    page = response.content.decode()
    for fact in (
        referral.display_number,
        referral.child.full_name,
        referral.kindergarten.name,
        referral.kindergarten.address,
        referral.group.name,
        "14.12.2026",  # issued
        "22.12.2026",  # valid through
        "Issued",
        referral.verification_code,
    ):
        assert fact in page
    assert "The service is free" in page
    assert "fake paper referrals" in page
    assert "Download PDF" in page
    assert pdf_url(referral) in page
    assert 'name="until"' in page


def test_the_number_may_be_written_with_dashes(client, referral):
    response = signed_in(client, referral.application).get(
        reverse("placements:referral", args=[referral.display_number])
    )
    assert response.status_code == 200


def test_the_parent_extends_the_referral_once(client, referral):
    signed_in(client, referral.application)

    response = client.post(referral_url(referral), {"until": "2027-01-13"}, follow=True)

    referral.refresh_from_db()
    assert referral.extended_until == datetime.date(2027, 1, 13)
    page = response.content.decode()
    assert "The referral is extended: it is valid through 13.01.2027." in page
    assert 'name="until"' not in page  # no second extension is offered
    assert page.index("Referral taken") < page.index("Referral extended")  # the history, oldest first

    response = client.post(referral_url(referral), {"until": "2027-01-12"}, follow=True)

    assert "A referral can be extended only once" in response.content.decode()
    referral.refresh_from_db()
    assert referral.extended_until == datetime.date(2027, 1, 13)


def test_an_extension_past_30_days_from_issue_is_refused_on_the_form(client, referral):
    signed_in(client, referral.application)

    response = client.post(referral_url(referral), {"until": "2027-01-14"})

    assert response.status_code == 200
    assert "A referral can be extended to 13.01.2027 at the latest." in response.content.decode()
    referral.refresh_from_db()
    assert referral.extended_until is None


def test_the_referral_list_links_each_referral(client, referral):
    page = signed_in(client, referral.application).get(reverse("placements:referrals")).content.decode()
    assert referral_url(referral) in page
    assert referral.kindergarten.name in page


def test_the_pdf_is_an_attachment_with_the_number_and_a_qr_code_of_the_check(client, referral):
    response = signed_in(client, referral.application).get(pdf_url(referral))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="referral-{referral.number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    content = response.content
    assert content.startswith(b"%PDF")
    assert 10_000 < len(content) < 500_000  # the font is embedded (a subset), nothing else is heavy
    assert f"Referral {referral.display_number}".encode() in content  # the document's subject
    # Kazakh letters need the TrueType font: it is embedded, not one of the PDF base fonts.
    assert b"/FontFile2" in content
    assert Path(getattr(settings, "PDF_FONT_PATH", pdf.DEFAULT_FONT_PATH)).stem.encode() in content
    # The QR code's address is also written under it as a link: open it as a phone would.
    (url,) = set(re.findall(rb"/URI \((http[^)]+)\)", content))
    assert url.decode().endswith(f"/verify/{referral.verification_code}/")

    check = client.get(url.decode())

    assert check.status_code == 200
    assert "This referral is genuine and valid through 22.12.2026" in check.content.decode()


def test_only_a_valid_referral_is_downloaded(client, referral, staff):
    from placements import services

    services.report_no_show(referral=referral, actor=staff, now=AN_HOUR_LATER + datetime.timedelta(days=1))
    response = signed_in(client, referral.application).get(pdf_url(referral), follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "Only a referral that is still valid can be downloaded." in response.content.decode()


def test_another_parent_gets_404(client, referral, waiting_four):
    client.force_login(parent_of(waiting_four[1]))
    assert client.get(referral_url(referral)).status_code == 404
    assert client.post(referral_url(referral), {"until": "2027-01-13"}).status_code == 404
    assert client.get(pdf_url(referral)).status_code == 404
    referral.refresh_from_db()
    assert referral.extended_until is None


@pytest.mark.parametrize("who", ["specialist", "superuser"])
def test_staff_get_403(who, client, referral, specialist_a, superuser):
    client.force_login({"specialist": specialist_a, "superuser": superuser}[who])
    assert client.get(referral_url(referral)).status_code == 403
    assert client.post(referral_url(referral), {"until": "2027-01-13"}).status_code == 403
    assert client.get(pdf_url(referral)).status_code == 403
    assert client.get(reverse("placements:referrals")).status_code == 403
