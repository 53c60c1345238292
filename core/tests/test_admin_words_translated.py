"""Every page of the admin speaks Kazakh or Russian, never English (issue 14, item 3).

Django's own Kazakh catalogues lack many of the admin's messages ("View site",
"Recent actions", "Show counts", ...); the project's catalogue supplies them.
The crawl signs in as the national administrator (a superuser) and as a
department specialist, starts at the admin's index and follows every link
inside the admin: each model's list, its filters, its add form, one change
form and one history page per model (rows come from the access matrix's small
world), the password and second-factor pages. In each page's visible text and
in the words a screen reader speaks (``title``, ``aria-label``, ``placeholder``,
button values) it looks for Latin words of three letters or more; a word that
appears in the data (a user name, an organisation) or in the short list of
codes and names below is not English. The admin's JavaScript catalogue must
translate in Kazakh every message it translates in Russian (Django's Russian
catalogue is complete).
"""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from bulletins.tests.factories import MONDAY_14_DECEMBER
from core.tests.test_access_matrix import World

#: Codes, names and units that are the same in every language.
NOT_ENGLISH = {
    "IIN", "BIN", "PDF", "CSV", "XLSX", "API", "SMS", "Kezek", "mail", "KATO", "URL", "JSON", "UUID",
    "TOTP", "IPv4", "IPv6", "HTTPS", "HTTP", "CSRF", "GET", "POST", "sha", "JPEG", "PNG",
    "Control", "Command", "Mac",  # the keys named on a keyboard
    "Google", "Microsoft", "Authenticator", "FreeOTP",  # the authenticator apps the second factor names
}  # fmt: skip
# Whatever the request, these do something, hand a file or redirect out of the admin: not crawled.
NOT_CRAWLED = re.compile(r"/(logout|delete|jsi18n|autocomplete|r)/|/(pdf|csv|xlsx|export)\b")
LATIN_WORD = re.compile(r"(?<![\w@./:-])[A-Za-z](?:[A-Za-z]|['’](?=[A-Za-z])){2,}(?![\w@/-])")
#: Not read as words: scripts, styles, and codes (the authenticator's secret is Latin letters).
UNREAD = {"script", "style", "template", "code"}
SPOKEN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


class VisibleWords(HTMLParser):
    """The text a person reads or hears on a page: text nodes and spoken attributes, no scripts."""

    def __init__(self):
        super().__init__()
        self.skipping = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in UNREAD:
            self.skipping += 1
        self.texts += [value for name, value in attrs if name in SPOKEN_ATTRIBUTES and value]
        if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in UNREAD and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.texts.append(data)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def data_words() -> set[str]:
    """Every Latin word stored in the rows the admin shows: data, not the interface."""
    words = set()
    for model in admin.site._registry:
        text_fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.EmailField | models.JSONField)
        ]
        for row in model._default_manager.all():
            values = [str(row), *(str(getattr(row, name)) for name in text_fields)]
            for value in values:
                words.update(LATIN_WORD.findall(value))
    return words


def english_words(html: str, allowed: set[str]) -> set[str]:
    parser = VisibleWords()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        found.update(word for word in LATIN_WORD.findall(text) if word not in allowed)
    return found


def page_kind(path: str) -> str:
    """One page per kind: the list of a model, one of its change forms, one history page."""
    return re.sub(r"/[^/]*\d[^/]*/", "/*/", path)


def crawl(client: Client, start: list[str], allowed: set[str]) -> tuple[dict[str, set[str]], set[str]]:
    """The English words of every admin page reachable from ``start``, by page; and the pages seen."""
    queue, seen_kinds, seen_paths, english, variants = list(start), set(), set(), {}, {}
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        kind = page_kind(path)
        if url in seen_paths or (url not in start and kind in seen_kinds and "?" not in url):
            continue
        seen_paths.add(url)
        seen_kinds.add(kind)
        assert len(seen_paths) < 600, "the crawl does not end"
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.text
        words = english_words(html, allowed)
        if words:  # the page itself may have written new data (a read of a child's data is audited)
            allowed |= data_words()
            words = english_words(html, allowed)
        if words:
            english[url] = words
        links = Links()
        links.feed(html)
        for href in links.hrefs:
            target = href if href.startswith("/") else (path + href if href.startswith("?") else None)
            # The list's filters carried into a form leave the form as it is.
            target = target and re.sub(r"[?&]_changelist_filters=[^&]*", "", target)
            if target is None or not target.startswith("/admin/") or NOT_CRAWLED.search(target):
                continue
            # A filter or a sorting of a list is one more look at the same page: only the first few.
            target_kind = page_kind(urlsplit(target).path)
            if "?" in target and variants.get(target_kind, 0) >= 3:
                continue
            if "?" in target:
                variants[target_kind] = variants.get(target_kind, 0) + 1
            queue.append(target)
    return english, seen_paths


@pytest.fixture
def world(settlement_a, settlement_b, specialist_a, specialist_b, call_centre_operator, superuser):
    with time_machine.travel(MONDAY_14_DECEMBER, tick=False):
        return World(settlement_a, settlement_b, specialist_a, specialist_b, call_centre_operator, superuser)


def signed_in(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("who", ["administrator", "specialist D1"])
def test_no_admin_page_shows_an_english_word(world, who, language):
    user = world.users[who]
    client = signed_in(user, language)
    allowed = NOT_ENGLISH | data_words() | {user.username}
    start = [
        reverse("admin:index"),
        reverse("admin:password_change"),
        *(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            for model in admin.site._registry
        ),
    ]

    english, pages = crawl(client, start, allowed)

    assert english == {}
    assert len(pages) >= (60 if who == "administrator" else 25), sorted(pages)
    kinds = {page_kind(urlsplit(url).path) for url in pages}
    assert "/admin/applications/application/*/change/" in kinds
    assert "/admin/applications/application/*/history/" in kinds


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_sign_in_and_second_factor_pages_have_no_english_word(world, language):
    anonymous = Client()
    anonymous.cookies["django_language"] = language
    enrolling = signed_in(world.users["specialist D1"], language)
    session = enrolling.session
    del session[DEVICE_ID_SESSION_KEY]  # the password given, the second factor not yet
    session.save()
    TOTPDevice.objects.filter(user=world.users["specialist D1"]).delete()
    confirming = signed_in(world.users["specialist D2"], language)
    session = confirming.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()

    pages = {
        "sign-in": anonymous.get(reverse("admin:login")),
        "enrolment": enrolling.get(reverse("accounts:second_factor")),
        "code": confirming.get(reverse("accounts:second_factor")),
    }

    assert all(page.status_code == 200 for page in pages.values())
    assert 'name="code"' in pages["enrolment"].text
    assert 'name="code"' in pages["code"].text
    english = {name: english_words(page.text, NOT_ENGLISH) for name, page in pages.items()}
    assert english == {"sign-in": set(), "enrolment": set(), "code": set()}


def catalogue(user, language: str) -> dict:
    client = signed_in(user, language)
    script = client.get(reverse("admin:jsi18n")).text
    return json.loads(re.search(r"const newcatalog = (\{.*?\});\n", script, re.S).group(1))


def test_the_admin_scripts_have_every_message_in_kazakh(specialist_a):
    kazakh, russian = catalogue(specialist_a, "kk"), catalogue(specialist_a, "ru")

    assert sorted(set(russian) - set(kazakh)) == []
    assert kazakh["Today"] != "Today"
    assert kazakh["Show"] != "Show"
