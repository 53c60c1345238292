"""The audit trail in words on staff pages: ``{% load audit_words %}``."""

from django import template

from audit.vocabulary import details_in_words

register = template.Library()


@register.filter(name="details_in_words")
def event_details_in_words(event) -> list[tuple[str, str]]:
    """An event's details as (what, value) pairs, in the active language (``audit.vocabulary``)."""
    return details_in_words(event.details, target_type=event.target_type)
