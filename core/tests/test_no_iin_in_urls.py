"""No IIN in any URL: not in a path, not in a query string a GET form builds (docs/security.md).

A URL is written down by the address bar, the browser history, proxy and
gunicorn access logs and the next page's ``Referer``; an IIN there outlives
the request. Look-ups by IIN post their form (the sign-in, the call-centre desk,
the API's look-up, the admin's search box).
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import URLResolver, get_resolver, reverse

from applications.tests.factories import submit
from bulletins.tests.factories import parent_of

pytestmark = pytest.mark.usefixtures("english_pages")

TEMPLATE_FOLDERS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
IIN_WORDS = re.compile(r"\bIIN\b|ИИН|ЖСН", re.IGNORECASE)

# Every name a URL pattern captures, and what it holds instead of an IIN. A new
# parameter fails the test below until it is added here with its reason.
PARAMETERS = {
    "number": "an application number (10 digits) or a referral number",
    "document_id": "a benefit document's database id",
    "code": "a printed referral's random verification code",
    "settlement_kato": "a settlement's KATO code (9 digits)",
    "kato_code": "a region's, district's or settlement's KATO code (9 digits), on the public front pages",
    "birth_year": "a year",
    "kind": "a queue's kind",
    "object_id": "an admin record's primary key (never an IIN field: see the test)",
    "place_id": "a bulletin place's database id",
    "seq": "an entry's number in the public log of openings",
    "content_type_id": "a content type's database id (admin 'view on site')",
    "id": "a staff user's database id (admin password change)",
    "app_label": "an app's name (admin)",
    "url": "the rest of an unknown admin path, answered with 404",
    "dataset": "the name of an open-data file (applications or places)",
    "fmt": "a file's format: an open-data file's (csv or json), a staff export's (csv or xlsx)",
    "queue_id": "a queue's database id (a staff export)",
    "bulletin_id": "a bulletin's database id (a staff export)",
}

# Each template with a GET form, and the page that shows it: (url name, whether a parent must be signed in).
GET_FORM_PAGES = {
    "applications/check.html": ("applications:check", False),
    "queues/front/home.html": ("home", False),
    "placements/verify.html": ("placements:verify_form", False),
    "applications/apply_settlement.html": ("applications:apply", True),
    # The admin's search box: it posts (core/admin_search.py), checked on every changelist below.
    "admin/search_form.html": None,
}


def captured_parameters(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        for name in {*getattr(pattern.pattern, "converters", {}), *pattern.pattern.regex.groupindex}:
            yield name, route
        if isinstance(pattern, URLResolver):
            yield from captured_parameters(pattern.url_patterns, route)


def test_no_url_pattern_captures_an_iin():
    unexplained = [
        (name, route)
        for name, route in captured_parameters(get_resolver().url_patterns)
        if name not in PARAMETERS or "iin" in name.lower()
    ]
    assert unexplained == []


def test_no_admin_record_is_addressed_by_an_iin():
    for model in admin.site._registry:
        assert "iin" not in model._meta.pk.name.lower(), model


def test_a_childs_iin_in_place_of_the_application_number_finds_nothing(client, settlement_a):
    application = submit(settlement_a)
    client.force_login(parent_of(application))

    own = client.get(reverse("applications:detail", args=[application.number]))
    by_iin = client.get(reverse("applications:detail", args=[application.child.iin]))
    check = client.get(reverse("applications:check"), {"number": application.child.iin})

    assert own.status_code == 200
    assert by_iin.status_code == 404
    assert "Application found" not in check.text


class GetForms(HTMLParser):
    """The field names and the visible text of each GET form of a page (a form without a method is GET)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self._open = {"names": [], "text": ""}
            self.forms.append(self._open)
        elif self._open is not None and tag in ("input", "select", "textarea"):
            self._open["names"].append(attrs.get("name") or "")
            self._open["text"] += (
                " " + (attrs.get("placeholder") or "") + " " + (attrs.get("aria-label") or "")
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def get_forms(html: str) -> list[dict]:
    parser = GetForms()
    parser.feed(html)
    return parser.forms


def templates_with_get_forms() -> set[str]:
    found = set()
    for folder in TEMPLATE_FOLDERS:
        for template in folder.rglob("*.html"):
            for tag in re.findall(r"<form\b[^>]*>", template.read_text()):
                if not re.search(r"method=\"post\"", tag, re.IGNORECASE):
                    found.add(str(template.relative_to(folder)))
    return found


def test_every_template_with_a_get_form_is_checked_below():
    assert templates_with_get_forms() <= set(GET_FORM_PAGES)


def test_no_get_form_asks_for_an_iin(client, settlement_a):
    parent = parent_of(submit(settlement_a))
    for template, page in GET_FORM_PAGES.items():
        if page is None:
            continue
        url_name, as_parent = page
        client.logout()
        if as_parent:
            client.force_login(parent)
        response = client.get(reverse(url_name))
        assert response.status_code == 200, template

        forms = get_forms(response.text)
        assert forms, template
        for form in forms:
            assert not [name for name in form["names"] if "iin" in name.lower()], template
            assert not IIN_WORDS.search(form["text"]), template


def test_no_admin_changelist_searches_through_a_get_form(client, superuser):
    client.force_login(superuser)
    for model, model_admin in admin.site._registry.items():
        if not model_admin.search_fields:
            continue
        opts = model._meta
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200, model

        assert 'id="changelist-search"' in response.text, model
        assert not [form for form in get_forms(response.text) if "q" in form["names"]], model
