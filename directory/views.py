from django.shortcuts import render

from . import selectors


def home(request):
    """The public front page: where the service runs and how many children wait in each place."""
    return render(request, "directory/home.html", {"settlements": selectors.settlements_overview()})
