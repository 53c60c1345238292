from django import forms
from django.utils.translation import gettext_lazy as _

SEARCH_MAX_LENGTH = 100


class SettlementSearchForm(forms.Form):
    """The front page's search box: a part of a settlement's name, read from the query string.

    A name is short, so a longer query is refused with a message rather than
    searched; the form's field also refuses a NUL character, which PostgreSQL cannot store.
    """

    q = forms.CharField(
        label=_("Find your city, town or village"),
        help_text=_("Type a part of its name in Kazakh or Russian."),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
    )

    def query(self) -> str:
        """The text to search for; empty when there is none or it was refused."""
        return self.cleaned_data.get("q", "") if self.is_valid() else ""
