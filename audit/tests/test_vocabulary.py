"""Every recorded action has words in Kazakh and Russian, named once in ``audit/vocabulary.py``."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.utils import translation

from audit.vocabulary import ADMIN_VERBS, AuditAction, label_of

#: The functions that write the trail (``audit/services.py``).
RECORDERS = {"record", "record_select"}
#: Where an action is passed on rather than named: the recorders themselves, and the admin's writes,
#: named ``<model>.<verb>`` from ``ADMIN_VERBS`` (tested below for every model of the admin).
PASSED_ON = {Path("audit/services.py"), Path("audit/changes.py")}


def _source_files():
    root = Path(settings.BASE_DIR)
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0].startswith(".") or "tests" in relative.parts or "migrations" in relative.parts:
            continue
        yield relative, ast.parse(path.read_text(), filename=str(relative))


def _action_arguments():
    """Each ``action=`` given to a recorder anywhere in the code, with where it is."""
    for relative, tree in _source_files():
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
            if name not in RECORDERS:
                continue
            for keyword in call.keywords:
                if keyword.arg == "action":
                    yield f"{relative}:{call.lineno}", relative, keyword.value


def _named_actions(expression):
    """The vocabulary members an expression names; raises on anything else (a string typed again)."""
    if isinstance(expression, ast.IfExp):
        return _named_actions(expression.body) + _named_actions(expression.orelse)
    if (
        isinstance(expression, ast.Attribute)
        and isinstance(expression.value, ast.Name)
        and expression.value.id == "AuditAction"
    ):
        return [expression.attr]
    raise ValueError(ast.unparse(expression))


def test_the_scan_finds_the_recorded_actions():
    """Guards the test below: it reads every recorder call, not none."""
    places = {place for place, _relative, _expression in _action_arguments()}
    assert len(places) > 40


def test_every_action_recorded_in_the_code_is_a_member_of_the_vocabulary():
    unnamed = []
    for place, relative, expression in _action_arguments():
        if relative in PASSED_ON:
            continue
        try:
            members = _named_actions(expression)
        except ValueError as error:
            unnamed.append(f"{place}: {error}")
            continue
        unnamed.extend(f"{place}: AuditAction.{m}" for m in members if m not in AuditAction.__members__)
    assert unnamed == [], "name these actions in audit/vocabulary.py and record the member"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_action_has_its_own_translated_words(language):
    with translation.override("en"):
        english = {action: str(action.label) for action in AuditAction}
    with translation.override(language):
        words = {action: label_of(action) for action in AuditAction}
    untranslated = [action.value for action in AuditAction if words[action] == english[action]]
    assert untranslated == []
    assert len(set(words.values())) == len(words), "two actions read the same"


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("verb", sorted(ADMIN_VERBS))
def test_writes_through_the_staff_admin_read_as_the_kind_of_record(language, verb):
    for model in admin.site._registry:
        action = f"{model._meta.model_name}.{verb}"
        if action in AuditAction.values:
            continue  # a use case of the same name (a parent adds a child) names it already
        with translation.override(language):
            words = label_of(action)
            kind = str(model._meta.verbose_name)
        assert kind.lower() in words.lower(), action
        assert action not in words


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_action_no_longer_recorded_reads_in_words_not_as_its_code(language):
    with translation.override(language):
        words = label_of("application.renamed_long_ago")
    assert words
    assert "." not in words
    with translation.override("en"):
        assert label_of("application.renamed_long_ago") != words
