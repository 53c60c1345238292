"""Every key of an event's details, and every code written as a value, reads in words in kk and ru (issue 14).

Staff read an event's details in the admin ("Channel: Portal", never
"channel: portal"). The keys are found where the services write them: the
dicts given to a recorder as ``details`` (directly, through a ``details``
variable, ``details[...] = ...`` or a helper of the same module that returns
one) and the columns of ``json_object_sql`` in a ``record_select``.
"""

import ast

import pytest
from django.urls import reverse
from django.utils import translation

from applications.tests.factories import submit
from audit.models import AuditEvent
from audit.tests.test_vocabulary import RECORDERS, _source_files
from audit.vocabulary import DETAIL_KEYS, code_words, details_in_words

DETAILS_VARIABLE = "details"


def _name_of(call: ast.Call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def _calls_named(node, names):
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and _name_of(call) in names:
            yield _name_of(call), call


def _written(node, helpers):
    """(key, value expression) of each detail written in ``node``, following the module's helpers once."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Dict):
            for key, value in zip(sub.keys, sub.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield key.value, value
    for name, call in _calls_named(node, {"json_object_sql", *helpers}):
        if name == "json_object_sql":
            yield from ((keyword.arg, None) for keyword in call.keywords)
        else:
            yield from _written(helpers[name], {})


def _details_written():
    """Each detail a service writes: (where, key, value expression or None when computed in SQL)."""
    for relative, tree in _source_files():
        helpers = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = (
                    node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                )
                if name in RECORDERS:
                    for keyword in node.keywords:
                        if keyword.arg in ("details", "select"):
                            for key, value in _written(keyword.value, helpers):
                                yield f"{relative}:{node.lineno}", key, value
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == DETAILS_VARIABLE:
                        for key, value in _written(node.value, helpers):
                            yield f"{relative}:{node.lineno}", key, value
                    elif (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == DETAILS_VARIABLE
                        and isinstance(target.slice, ast.Constant)
                    ):
                        yield f"{relative}:{node.lineno}", target.slice.value, node.value


def _constants(expression):
    """The string codes an expression may write: a constant, or either branch of ``a if c else b``."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str) and expression.value:
        return [expression.value]
    if isinstance(expression, ast.IfExp):
        return _constants(expression.body) + _constants(expression.orelse)
    return []


def test_the_scan_finds_the_details_written():
    """Guards the tests below: the keys of the services' audit calls are found, not none."""
    keys = {key for _where, key, _value in _details_written()}
    assert {"channel", "reason", "application", "access", "opened", "stop_list_ends_at", "purpose"} <= keys
    assert len(keys) > 60


def test_every_detail_key_written_has_words():
    unnamed = sorted(
        {f"{where}: {key}" for where, key, _value in _details_written() if key not in DETAIL_KEYS}
    )
    assert unnamed == [], "give these keys words in audit.vocabulary.DETAIL_KEYS"


def test_every_code_written_as_a_value_has_words():
    unnamed = sorted(
        {
            f"{where}: {key}={code}"
            for where, key, value in _details_written()
            for code in _constants(value)
            if code_words(key, code) is None
        }
    )
    assert unnamed == [], "give these codes words in audit.vocabulary (or describe_codes from their app)"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_words_of_keys_and_codes_are_translated(language):
    with translation.override("en"):
        english = {key: str(words) for key, words in DETAIL_KEYS.items()}
        english_codes = {(key, code): code_words(key, code) for key, code in _coded_examples()}
    with translation.override(language):
        words = {key: str(words) for key, words in DETAIL_KEYS.items()}
        codes = {(key, code): code_words(key, code) for key, code in _coded_examples()}
    assert [key for key in DETAIL_KEYS if words[key] == english[key]] == []
    assert [pair for pair in codes if codes[pair] == english_codes[pair]] == []


def _coded_examples():
    """One code of each kind the apps register, and each the services spell out."""
    return [
        ("channel", "portal"),
        ("channel", "desk"),
        ("category", "serviceman"),
        ("class", "out_of_turn"),
        ("purpose", "sign_in"),
        ("role", "specialist"),
        ("reason", "position"),
        ("reason", "idle"),
        ("by", "iin"),
        ("step", "second_factor"),
        ("format", "xlsx"),
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "kk",
            ["Өтініш беру арнасы: Портал", "Кезектегі санат: Кезектен тыс", "Жарамдылық мерзімі: 22.12.2026"],
        ),
        ("ru", ["Канал подачи: Портал", "Категория в очереди: Внеочередное", "Действителен до: 22.12.2026"]),
    ],
)
def test_details_read_as_words_and_dates_as_dd_mm_yyyy(language, expected):
    details = {"channel": "portal", "class": "out_of_turn", "valid_until": "2026-12-22", "places": 2}
    with translation.override(language):
        shown = [f"{what}: {value}" for what, value in details_in_words(details)]
    assert [line for line in expected if line not in shown] == []
    assert not any("channel" in line or "portal" in line for line in shown)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_admin_shows_an_applications_history_and_an_event_in_words(
    client, superuser, settlement_a, language
):
    application = submit(settlement_a)
    event = AuditEvent.objects.get(target_type="applications.application", target_id=str(application.pk))
    client.force_login(superuser)
    client.cookies["django_language"] = language

    pages = [
        client.get(reverse("admin:applications_application_change", args=[application.pk])).text,
        client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).text,
    ]

    with translation.override(language):
        channel = code_words("channel", "portal")
        key = str(DETAIL_KEYS["channel"])
    for page in pages:
        assert f"{key}: {channel}" in page
        assert "channel: portal" not in page
        assert "applications.application" not in page
