"""The position's explanation never tells a parent "0 applications ahead of you" (issue 14, item 4)."""

import pytest
from django.utils import translation

from queues.choices import BenefitClass
from queues.explanation import explain
from queues.ordering import ClassSizes, Standing


def first_in_line(benefit_class: int) -> Standing:
    sizes = ClassSizes(out_of_turn=0, first_turn=1, general=1)
    return Standing(
        benefit_class=benefit_class,
        rank_in_class=1,
        position=1,
        out_of_turn_ahead=0,
        first_turn_ahead=0,
        general_ahead=0,
        sizes=sizes,
    )


@pytest.mark.parametrize(
    ("benefit_class", "ahead_by_rule"),
    [
        (BenefitClass.GENERAL, "No first-turn application stands ahead of you under the one-to-three rule."),
        (BenefitClass.FIRST_TURN, "No general application stands ahead of you under the one-to-three rule."),
    ],
)
def test_nobody_ahead_is_said_in_words(benefit_class, ahead_by_rule):
    with translation.override("en"):
        sentences = explain(first_in_line(benefit_class))

    assert "No application of your class was submitted before yours." in sentences
    assert ahead_by_rule in sentences
    assert not [sentence for sentence in sentences if sentence.startswith("0 ")]


@pytest.mark.parametrize(
    ("language", "none_before"),
    [
        ("kk", "Сіздің санатыңыздағы бірде-бір өтініш сіздікінен бұрын берілмеген."),
        ("ru", "Ни одно заявление вашей категории не подано раньше вашего."),
    ],
)
def test_nobody_ahead_is_said_in_words_in_kazakh_and_russian(language, none_before):
    with translation.override(language):
        sentences = explain(first_in_line(BenefitClass.GENERAL))

    assert none_before in sentences
    assert not [sentence for sentence in sentences if sentence.startswith("0 ") or " 0 " in sentence]
