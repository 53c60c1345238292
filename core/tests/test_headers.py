"""The headers and cookies every page answers with (docs/security.md, "Production settings and headers")."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache

from applications.choices import BenefitCategory
from applications.tests.factories import document, submit
from bulletins.tests.factories import kindergarten_staff, parent_of
from core import clock
from core.middleware import NoStoreMiddleware

TEMPLATE_FOLDERS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


@pytest.fixture
def application(settlement_a):
    return submit(
        settlement_a,
        documents=[document(BenefitCategory.LARGE_FAMILY, issued_on=clock.today())],
    )


@pytest.fixture
def pages(client, application, superuser, call_centre_operator, kindergarten_a):
    """``(name, client signed in as the page's user, url)`` for one page of each kind of the site."""
    parent = parent_of(application)
    staff = kindergarten_staff(kindergarten_a)
    benefit_document = application.benefit_documents.get()

    def as_user(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return [
        ("home", None, reverse("home")),
        ("public check", None, reverse("applications:check")),
        ("sign-in", None, reverse("accounts:sign_in")),
        ("cabinet", parent, reverse("applications:cabinet")),
        ("application", parent, reverse("applications:detail", args=[application.number])),
        (
            "document download",
            parent,
            reverse("applications:document", args=[application.number, benefit_document.pk]),
        ),
        ("admin changelist", superuser, reverse("admin:applications_application_changelist")),
        (
            "admin change form",
            superuser,
            reverse("admin:applications_application_change", args=[application.pk]),
        ),
        ("call-centre desk", call_centre_operator, reverse("callcentre_desk:lookup")),
        ("kindergarten desk", staff, reverse("kindergarten_desk:referrals")),
        ("API", None, reverse("api-public-bulletins") + f"?settlement={application.settlement.kato_code}"),
        ("API docs", None, reverse("api-docs")),
    ], as_user


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().partition(" ")[::2] for part in header.split(";") if part.strip())


def test_every_dynamic_page_is_no_store_nosniff_same_origin_referrer(pages):
    listed, as_user = pages
    for name, user, url in listed:
        response = as_user(user).get(url)

        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"], name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name


def test_every_page_carries_the_content_security_policy(pages):
    listed, as_user = pages
    for name, user, url in listed:
        if name == "document download":
            continue  # a download answers with a stricter policy of its own (applications/downloads.py)
        policy = directives(as_user(user).get(url)["Content-Security-Policy"])

        assert {key: policy[key] for key in POLICY} == POLICY, name
        assert re.fullmatch(r"'self'( 'nonce-[A-Za-z0-9+/=]+')?", policy["script-src"]), name
        assert re.fullmatch(r"'self'( 'nonce-[A-Za-z0-9+/=]+')?", policy["style-src"]), name


def test_the_api_docs_inline_script_and_style_carry_the_headers_nonce(client, db):
    response = client.get(reverse("api-docs"))

    nonce = re.search(
        r"'nonce-([^']+)'", directives(response["Content-Security-Policy"])["script-src"]
    ).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"].split("style-src")[1]
    html = response.content.decode()
    assert f'<script nonce="{nonce}">' in html
    assert f'<style nonce="{nonce}">' in html


def test_a_weaker_cache_policy_of_a_view_is_replaced_and_never_cache_is_kept(rf):
    def public(request):
        response = HttpResponse("ok")
        response["Cache-Control"] = "public, max-age=600"
        return response

    request = rf.get("/")

    assert NoStoreMiddleware(public)(request)["Cache-Control"] == "no-store"
    kept = NoStoreMiddleware(never_cache(lambda request: HttpResponse("ok")))(request)["Cache-Control"]
    assert kept == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_static_files_keep_their_cache_lifetime_in_production(client, settings, production_settings):
    """WhiteNoise answers static files before the no-store middleware sees them, as production runs it."""
    settings.MIDDLEWARE = production_settings["MIDDLEWARE"]
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = client.get("/static/css/kezek.css")

    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]


@pytest.fixture
def production_cookies(settings, production_settings):
    """Cookie settings as production mode has them, over https (the test client's ``secure=True``)."""
    for name, value in production_settings.items():
        if name.startswith(("SESSION_COOKIE_", "CSRF_COOKIE_")):
            setattr(settings, name, value)


@pytest.mark.usefixtures("production_cookies")
def test_in_production_the_session_cookie_is_host_only_secure_httponly_lax(client, superuser):
    client.force_login(superuser)
    changelist = reverse("admin:applications_application_changelist")

    response = client.post(f"{changelist}search/", {"q": "Сейтов"}, secure=True)

    cookie = response.cookies["__Host-session"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert not cookie["domain"]


@pytest.mark.usefixtures("production_cookies")
def test_in_production_the_csrf_cookie_is_host_only_secure_lax(client, db):
    response = client.get(reverse("accounts:sign_in"), secure=True)

    cookie = response.cookies["__Host-csrftoken"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert not cookie["domain"]


def test_in_development_the_cookies_keep_plain_names_for_http(client, db):
    response = client.get(reverse("accounts:sign_in"))

    assert settings.SESSION_COOKIE_NAME == "sessionid"
    assert "csrftoken" in response.cookies
    assert not response.cookies["csrftoken"]["secure"]


def test_every_inline_script_and_style_in_the_templates_carries_the_nonce():
    """The policy refuses inline code without the page's nonce, and style attributes and handlers always."""
    offences = []
    for folder in TEMPLATE_FOLDERS:
        for template in folder.rglob("*.html"):
            text = template.read_text()
            for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
                if "src=" not in tag and 'nonce="{{ request.csp_nonce }}"' not in tag:
                    offences.append(f"{template}: {tag}")
            offences += [f"{template}: {found}" for found in re.findall(r"\s(?:style|on[a-z]+)=\"", text)]
    assert offences == []
