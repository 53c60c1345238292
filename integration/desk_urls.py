"""The call-centre desk under /desk/ (``integration.desk``)."""

from django.urls import path

from . import desk

app_name = "callcentre_desk"

urlpatterns = [
    path("", desk.lookup, name="lookup"),
]
